//! The floor on SQLite: the least work that reads the same rows. One connection of the
//! same bundled SQLite, three statements prepared once, stepped with `sqlite3_step` in
//! the nesting order (users by id; posts by author and id; comments by post and id, a
//! merge on the foreign key), every column read in place with `sqlite3_column_*`, no
//! allocation and no nested structures: only the checksum is built. A library that
//! loads into nested structs cannot be faster; the ratio to it is what the library
//! costs above SQLite itself.
//!
//! FFI rather than a wrapper crate, so that nothing stands between the loop and the
//! library (rusqlite's rows would add its own checks per cell).

use crate::{Checksum, Target};
use libsqlite3_sys as ffi;
use std::ffi::CString;
use std::sync::Mutex;

const USERS: &str = "SELECT id, name FROM users ORDER BY id";
const POSTS: &str = "SELECT id, author_id, title FROM posts ORDER BY author_id, id";
const COMMENTS: &str = "SELECT id, post_id, body FROM comments ORDER BY post_id, id";

/// A read-only connection and its three prepared statements.
struct Handle {
    db: *mut ffi::sqlite3,
    statements: [*mut ffi::sqlite3_stmt; 3],
}

// SAFETY: `Floor` uses the connection through a `Mutex`, one thread at a time, and a
// connection opened with `SQLITE_OPEN_NOMUTEX` may move between threads so used.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the statements and the connection were made by `Floor::connect` and
        // are finalized and closed once, here; a null statement is a no-op.
        unsafe {
            for stmt in self.statements {
                ffi::sqlite3_finalize(stmt);
            }
            ffi::sqlite3_close(self.db);
        }
    }
}

/// The floor loader (SQLite only).
pub struct Floor(Mutex<Handle>);

/// The message of the connection's last error.
fn message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: `db` is an open connection; the message is a NUL-terminated string owned
    // by SQLite, copied before any other call on the connection.
    unsafe {
        std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db))
            .to_string_lossy()
            .into_owned()
    }
}

impl Floor {
    pub fn connect(target: &Target) -> Result<Floor, String> {
        let path = CString::new(target.base.as_str()).map_err(|e| e.to_string())?;
        let mut db = std::ptr::null_mut();
        // SAFETY: `path` is NUL-terminated and outlives the call; `db` receives the
        // connection (closed by `Handle::drop`, also when opening failed).
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                path.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
                std::ptr::null(),
            )
        };
        let mut handle = Handle {
            db,
            statements: [std::ptr::null_mut(); 3],
        };
        if rc != ffi::SQLITE_OK {
            return Err(format!("floor: open: {}", message(db)));
        }
        // The seeding pool's connections close in the background, and the last one's
        // checkpoint may still hold the file: wait for it, as Rel's and sqlx's
        // connections do (their busy timeout), instead of failing with "database is
        // locked" (seen once in `peers-loop`).
        // SAFETY: `db` is open.
        unsafe { ffi::sqlite3_busy_timeout(db, 5_000) };
        for (slot, sql) in handle.statements.iter_mut().zip([USERS, POSTS, COMMENTS]) {
            // SAFETY: `sql` is valid for its length, `db` is open, and the statement is
            // finalized by `Handle::drop`.
            let rc = unsafe {
                ffi::sqlite3_prepare_v2(
                    db,
                    sql.as_ptr().cast(),
                    sql.len() as i32,
                    slot,
                    std::ptr::null_mut(),
                )
            };
            if rc != ffi::SQLITE_OK {
                return Err(format!("floor: prepare {sql}: {}", message(db)));
            }
        }
        Ok(Floor(Mutex::new(handle)))
    }

    /// Steps every row in the nesting order and returns their checksum.
    pub fn load(&self) -> Result<Checksum, String> {
        let handle = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let [users, posts, comments] = handle.statements;
        let step = |stmt: *mut ffi::sqlite3_stmt| -> Result<bool, String> {
            // SAFETY: a statement prepared on this connection, used by one thread.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_ROW => Ok(true),
                ffi::SQLITE_DONE => Ok(false),
                _ => Err(format!("floor: step: {}", message(handle.db))),
            }
        };
        // A load cut short (an error, or a panic that poisoned the lock) left its
        // statements mid-read: start each load from the first row.
        for stmt in [users, posts, comments] {
            // SAFETY: a statement prepared on this connection, used by one thread.
            unsafe { ffi::sqlite3_reset(stmt) };
        }
        // SAFETY (both): `stmt` is on a row (its last step said SQLITE_ROW) and `i` is
        // one of its columns. The text is checked as UTF-8 (SQLite does not promise
        // it), as every other variant's is, and read by the checksum before the
        // statement steps again, which would free it.
        let int = |stmt, i| unsafe { ffi::sqlite3_column_int64(stmt, i) };
        let text = |stmt, i| -> Result<&str, String> {
            let bytes = unsafe {
                let p = ffi::sqlite3_column_text(stmt, i);
                let n = ffi::sqlite3_column_bytes(stmt, i) as usize;
                if p.is_null() {
                    return Ok("");
                }
                std::slice::from_raw_parts(p, n)
            };
            std::str::from_utf8(bytes).map_err(|e| format!("floor: {e}"))
        };
        let mut c = Checksum::default();
        let result = (|| {
            let mut post = step(posts)?;
            let mut comment = step(comments)?;
            while step(users)? {
                let user = int(users, 0);
                c.user(user, text(users, 1)?);
                while post && int(posts, 1) == user {
                    let id = int(posts, 0);
                    c.post(id, user, text(posts, 2)?);
                    while comment && int(comments, 1) == id {
                        c.comment(int(comments, 0), id, text(comments, 2)?);
                        comment = step(comments)?;
                    }
                    post = step(posts)?;
                }
            }
            Ok(())
        })();
        for stmt in [users, posts, comments] {
            // SAFETY: ends the read, so that no read transaction stays open between
            // loads.
            unsafe { ffi::sqlite3_reset(stmt) };
        }
        result.map(|()| c)
    }
}

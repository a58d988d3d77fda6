//! Every `unsafe` block of the crate, each with its `SAFETY` comment: SQLite's C API on
//! the handle of a connection sqlx owns, as sqlx-sqlite keeps its own in
//! `StatementHandle`.
//!
//! - [`Prepared`]: a read-only statement prepared, bound, stepped and finalized on a
//!   locked connection, and its current row's cells (for `direct.rs`, read by
//!   `cells.rs`).
//! - [`Kept`]: the statements a connection of Rel's own pool keeps prepared for the
//!   next read of the same SQL, finalized just before sqlx closes the connection.
//! - [`register_functions`]: the SQL functions Rel registers on every SQLite
//!   connection.
//!   - `rel_f64_bits(x)` returns the IEEE-754 bits of a double as an integer. The Join
//!     strategy sends SQLite doubles through JSON this way, because SQLite's JSON (and
//!     `printf`) print doubles inexactly: 15 significant digits, and wrong digits at
//!     large exponents (`-1e300` comes back as `-9.999999999999999e299`). Integers
//!     travel through JSON exactly.
//!   - `rel_lower(x)` lowercases text with Rust's Unicode rules, for `ilike`: SQLite's
//!     own `LOWER` folds ASCII only, where PostgreSQL's and MariaDB's fold all of
//!     Unicode.

use super::error::SqliteError;
use crate::model::error::{Error, Result};
use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError, Weak};

type ScalarFunction =
    unsafe extern "C" fn(*mut ffi::sqlite3_context, c_int, *mut *mut ffi::sqlite3_value);

/// The version number of the SQLite library the program links, for the SQL layer,
/// which needs it before any connection exists and may not call into SQLite itself
/// (see `relcore`'s `LinkedSqlite`).
fn linked_version() -> i32 {
    // SAFETY: takes nothing and returns a constant of the library.
    unsafe { ffi::sqlite3_libversion_number() }
}

inventory::submit! { crate::sql::dialect::LinkedSqlite(linked_version) }

/// A bound value as SQLite stores it.
pub(super) enum Stored<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(&'a [u8]),
}

/// A statement prepared on a locked connection; finalized when dropped. It borrows
/// the lock (`'h`), so it cannot outlive it.
pub(super) struct Prepared<'h> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    columns: usize,
    _lock: PhantomData<&'h mut LockedSqliteHandle<'h>>,
}

// SAFETY: a `Prepared` borrows the connection's `LockedSqliteHandle` for as long as it
// lives: no other thread calls on the connection or its statements meanwhile. sqlx
// opens SQLite connections in multi-thread mode (and the bundled library is
// thread-safe), where a connection may move between threads as long as it is used by
// one at a time, which the guard ensures; the future holding it may resume on another
// worker thread.
unsafe impl Send for Prepared<'_> {}

impl<'h> Prepared<'h> {
    /// Prepares `sql` on the locked connection; `None` if SQLite refuses it, if it is
    /// not one read-only statement, or if it is too long for the C API.
    pub(super) fn new(lock: &'h mut LockedSqliteHandle<'_>, sql: &str) -> Option<Prepared<'h>> {
        let db = lock.as_raw_handle();
        let len = c_int::try_from(sql.len()).ok()?;
        let mut stmt = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        // SAFETY: `db` is the open connection, locked for this call; `sql` is valid for
        // `len` bytes (SQLite reads no further, so it needs no NUL); `stmt` and `tail`
        // are out-pointers SQLite writes.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                0,
                &mut stmt,
                &mut tail,
            )
        };
        // On failure SQLite leaves no statement; on success an empty SQL text leaves
        // none either.
        let mut prepared = Prepared {
            db,
            stmt: NonNull::new(stmt)?,
            columns: 0,
            _lock: PhantomData,
        };
        if rc != ffi::SQLITE_OK {
            return None;
        }
        // SAFETY: `tail` points into `sql`, at or after its start (SQLite's contract).
        let rest = unsafe { tail.cast::<u8>().offset_from(sql.as_ptr()) };
        let rest = usize::try_from(rest).ok().and_then(|at| sql.get(at..))?;
        // SAFETY: `stmt` is the statement just prepared.
        let read_only = unsafe { ffi::sqlite3_stmt_readonly(prepared.stmt.as_ptr()) } != 0;
        if !rest.trim().is_empty() || !read_only {
            return None;
        }
        // SAFETY: as above.
        let columns = unsafe { ffi::sqlite3_column_count(prepared.stmt.as_ptr()) };
        prepared.columns = usize::try_from(columns).unwrap_or(0);
        Some(prepared)
    }

    /// The statement for `sql` that `kept` holds, taken out of it, or else `sql`
    /// prepared as by [`Prepared::new`].
    pub(super) fn kept_or_new(
        lock: &'h mut LockedSqliteHandle<'_>,
        sql: &str,
        kept: Option<&Kept>,
    ) -> Option<Prepared<'h>> {
        let db = lock.as_raw_handle();
        let taken = kept.and_then(|kept| kept.take(sql));
        match taken {
            Some((stmt, columns)) => Some(Prepared {
                db,
                stmt,
                columns,
                _lock: PhantomData,
            }),
            None => Prepared::new(lock, sql),
        }
    }

    /// Gives the statement, read to its end, to `kept` for the next read of `sql`,
    /// reset (so that it holds no read transaction open) rather than finalized.
    pub(super) fn keep(self, kept: &Kept, sql: &str) {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `stmt` is live; the lock is still held (this value borrows it).
        unsafe { ffi::sqlite3_reset(this.stmt.as_ptr()) };
        kept.put(sql, this.stmt, this.columns);
    }

    /// Binds the values, as `cells::stored` turned them into what SQLite stores (as it
    /// does sqlx's arguments).
    pub(super) fn bind_all<'v>(
        &mut self,
        values: impl ExactSizeIterator<Item = Result<Stored<'v>>>,
    ) -> Result<()> {
        // SAFETY: `stmt` is live.
        let wanted = unsafe { ffi::sqlite3_bind_parameter_count(self.stmt.as_ptr()) };
        if usize::try_from(wanted).ok() != Some(values.len()) {
            return Err(Error::Database(sqlx::Error::Protocol(format!(
                "the statement takes {wanted} values, {} were given",
                values.len()
            ))));
        }
        for (i, value) in values.enumerate() {
            // Positions are 1-based, and fit: there are `wanted` of them.
            let at = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            let stmt = self.stmt.as_ptr();
            let rc = match value? {
                // SAFETY (these four): `stmt` is live; SQLite checks `at`.
                Stored::Null => unsafe { ffi::sqlite3_bind_null(stmt, at) },
                Stored::Integer(x) => unsafe { ffi::sqlite3_bind_int64(stmt, at, x) },
                Stored::Real(x) => unsafe { ffi::sqlite3_bind_double(stmt, at, x) },
                Stored::Text(x) => bind_bytes(stmt, at, x.as_bytes(), true),
                Stored::Blob(x) => bind_bytes(stmt, at, x, false),
            };
            self.check(rc)?;
        }
        Ok(())
    }

    /// The next row: `true` when one is ready to read, `false` when the statement is
    /// done.
    pub(super) fn step(&mut self) -> Result<bool> {
        // SAFETY: `stmt` is live and its values are bound.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            rc => Err(self.error(rc)),
        }
    }

    fn check(&self, rc: c_int) -> Result<()> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error(rc))
        }
    }

    /// The connection's error for the failed call that returned `rc`.
    #[cold]
    fn error(&self, rc: c_int) -> Error {
        // SAFETY: `db` is live and locked; `sqlite3_errmsg` returns a NUL-terminated
        // string that lives until the next call on the connection, copied right away.
        let (code, message) = unsafe {
            let code = ffi::sqlite3_extended_errcode(self.db.as_ptr());
            let message = ffi::sqlite3_errmsg(self.db.as_ptr());
            let message = if message.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(message)
                    .to_string_lossy()
                    .into_owned()
            };
            (if code == 0 { rc } else { code }, message)
        };
        Error::Database(sqlx::Error::Database(Box::new(SqliteError {
            code,
            message,
        })))
    }

    /// The storage class of cell `i` of the current row, after checking `i`: SQLite
    /// leaves an index out of range undefined.
    pub(super) fn class(&self, i: usize) -> std::result::Result<(c_int, c_int), sqlx::Error> {
        if i >= self.columns {
            return Err(sqlx::Error::ColumnIndexOutOfBounds {
                index: i,
                len: self.columns,
            });
        }
        let at = c_int::try_from(i).unwrap_or(c_int::MAX);
        // SAFETY: `stmt` is live, on a row (`Cells` are read only between a
        // `SQLITE_ROW` step and the next step), and `at` is a column of it.
        let class = unsafe { ffi::sqlite3_column_type(self.stmt.as_ptr(), at) };
        Ok((class, at))
    }

    /// The bytes of a TEXT or BLOB cell, borrowed until the next step.
    pub(super) fn bytes(&self, at: c_int) -> &[u8] {
        // SAFETY: `stmt` is on a row and `at` is a column of it, of class TEXT or BLOB,
        // so `sqlite3_column_blob` converts nothing and its pointer stays valid until
        // the next step, reset or finalize, all of which need `&mut self`. The length
        // is read after the pointer, as SQLite asks. A NULL pointer is an empty value.
        unsafe {
            let data = ffi::sqlite3_column_blob(self.stmt.as_ptr(), at);
            let len = ffi::sqlite3_column_bytes(self.stmt.as_ptr(), at);
            match (data.is_null(), usize::try_from(len)) {
                (false, Ok(len)) => std::slice::from_raw_parts(data.cast::<u8>(), len),
                _ => &[],
            }
        }
    }

    pub(super) fn int(&self, at: c_int) -> i64 {
        // SAFETY: `stmt` is on a row and `at` is a column of it.
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), at) }
    }

    pub(super) fn double(&self, at: c_int) -> f64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_column_double(self.stmt.as_ptr(), at) }
    }
}

/// Binds text (`text`) or a blob at `at` of the live statement `stmt`; SQLite copies
/// the bytes (`SQLITE_TRANSIENT`).
fn bind_bytes(stmt: *mut ffi::sqlite3_stmt, at: c_int, bytes: &[u8], text: bool) -> c_int {
    let Ok(len) = ffi::sqlite3_uint64::try_from(bytes.len()) else {
        return ffi::SQLITE_TOOBIG;
    };
    let data = bytes.as_ptr().cast();
    // SAFETY: `stmt` is live (the caller's); `data` is valid for `len` bytes during the
    // call, and SQLite copies them before it returns (`SQLITE_TRANSIENT`); text is UTF-8
    // (it came from a `str`).
    unsafe {
        if text {
            ffi::sqlite3_bind_text64(stmt, at, data, len, ffi::SQLITE_TRANSIENT(), 1)
        } else {
            ffi::sqlite3_bind_blob64(stmt, at, data.cast(), len, ffi::SQLITE_TRANSIENT())
        }
    }
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on `db`, which is still locked (this value borrows
        // the guard), and is finalized exactly once, here. The result
        // repeats the last step's error, reported already.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The statements one connection of Rel's own pool keeps prepared, by SQL text, for
/// the next direct read of the same text (sqlx keeps its own the same way; preparing a
/// small load's statements again cost it about a third more than sqlx's read).
///
/// They must be finalized before the connection is closed: `sqlite3_close` refuses a
/// connection with statements left, and sqlx panics then. sqlx tells no one when it
/// closes a connection, but it drops the connection's hooks just before (its
/// `ConnectionState::drop`), on the thread that then closes it. So the statements are
/// owned by the connection's rollback hook, a closure that does nothing when called,
/// and finalized when it is dropped. Rel finds them through a registry of weak
/// references by connection handle. Only Rel's own pools do this: a pool of the
/// user's may use its rollback hook.
pub(super) type Kept = Arc<Statements>;

/// See [`Kept`].
pub(super) struct Statements {
    by_sql: Mutex<HashMap<Box<str>, Statement>>,
    /// How many statements were put back: the clock of `Statement::used`.
    uses: std::sync::atomic::AtomicU64,
    /// How many it keeps at most (`DbBuilder::statement_cache`).
    capacity: usize,
}

/// A kept statement, and when it was last used.
struct Statement {
    stmt: NonNull<ffi::sqlite3_stmt>,
    columns: usize,
    used: u64,
}

// SAFETY: a kept statement is only used by the one holding its connection's lock (it
// is taken out of the map for a read and put back after), and finalized by `Drop`, when
// sqlx drops the connection's hooks on the thread that closes it, which then is the
// only one using the connection.
unsafe impl Send for Statements {}
// SAFETY: the map is behind a mutex; see `Send`.
unsafe impl Sync for Statements {}

impl Statements {
    fn take(&self, sql: &str) -> Option<(NonNull<ffi::sqlite3_stmt>, usize)> {
        let mut by_sql = self.by_sql.lock().unwrap_or_else(PoisonError::into_inner);
        by_sql.remove(sql).map(|kept| (kept.stmt, kept.columns))
    }

    fn put(&self, sql: &str, stmt: NonNull<ffi::sqlite3_stmt>, columns: usize) {
        let mut by_sql = self.by_sql.lock().unwrap_or_else(PoisonError::into_inner);
        let used = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if by_sql.len() >= self.capacity
            && let Some(oldest) = by_sql
                .iter()
                .min_by_key(|(_, k)| k.used)
                .map(|(sql, _)| sql.clone())
            && let Some(evicted) = by_sql.remove(&oldest)
        {
            // SAFETY: the caller holds the connection's lock (it is putting back a
            // statement it used under it); `evicted` is finalized once, here.
            unsafe { ffi::sqlite3_finalize(evicted.stmt.as_ptr()) };
        }
        let replaced = by_sql.insert(
            sql.into(),
            Statement {
                stmt,
                columns,
                used,
            },
        );
        if let Some(replaced) = replaced {
            // SAFETY: as above (two reads of one text cannot overlap on a connection,
            // so this does not happen; finalized all the same, once).
            unsafe { ffi::sqlite3_finalize(replaced.stmt.as_ptr()) };
        }
    }
}

impl Drop for Statements {
    fn drop(&mut self) {
        let by_sql = self
            .by_sql
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for (_, kept) in by_sql.drain() {
            // SAFETY: see `Send`: the connection is being closed by this thread, and
            // each statement is finalized once.
            unsafe { ffi::sqlite3_finalize(kept.stmt.as_ptr()) };
        }
    }
}

/// The kept statements of every open connection of Rel's own pools, by handle.
static KEPT: Mutex<Vec<(usize, Weak<Statements>)>> = Mutex::new(Vec::new());

/// Makes `conn`, a connection of Rel's own pool, keep up to `capacity` statements
/// (see [`Kept`]); none for 0.
pub(super) async fn keep_statements(
    conn: &mut sqlx::SqliteConnection,
    capacity: usize,
) -> std::result::Result<(), sqlx::Error> {
    if capacity == 0 {
        return Ok(());
    }
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr() as usize;
    let kept = Arc::new(Statements {
        by_sql: Mutex::new(HashMap::new()),
        uses: std::sync::atomic::AtomicU64::new(0),
        capacity,
    });
    let mut registry = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    // Connections closed since are gone from it (a closed one's address may be a new
    // one's).
    registry.retain(|(at, weak)| weak.strong_count() > 0 && *at != db);
    registry.push((db, Arc::downgrade(&kept)));
    drop(registry);
    handle.set_rollback_hook(move || {
        let _owned = &kept;
    });
    Ok(())
}

/// The statements the locked connection keeps, if it is one of Rel's own pool's.
pub(super) fn kept(lock: &mut LockedSqliteHandle<'_>) -> Option<Kept> {
    let db = lock.as_raw_handle().as_ptr() as usize;
    let registry = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    registry
        .iter()
        .find(|(at, _)| *at == db)
        .and_then(|(_, weak)| weak.upgrade())
}

/// Registers Rel's SQL functions on one connection.
pub(super) async fn register_functions(
    conn: &mut sqlx::SqliteConnection,
) -> std::result::Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let functions: [(&CStr, ScalarFunction); 3] = [
        (c"rel_f64_bits", f64_bits),
        (c"rel_lower", lower),
        (c"rel_upper", upper),
    ];
    for (name, function) in functions {
        // SAFETY: `db` is this connection's open handle, locked for the call; the name
        // is a NUL-terminated literal; the function keeps no user data, so no
        // destructor is needed.
        let rc = unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr(),
                1,
                ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
                std::ptr::null_mut(),
                Some(function),
                None,
                None,
                None,
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(sqlx::Error::Configuration(
                format!("registering {name:?} failed with SQLite code {rc}").into(),
            ));
        }
    }
    Ok(())
}

/// `rel_f64_bits(x)`: NULL for NULL, else the bits of `x` as a double.
unsafe extern "C" fn f64_bits(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite calls this with `argc` (registered as 1) valid values in `argv`.
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
        } else {
            let bits = ffi::sqlite3_value_double(value).to_bits();
            ffi::sqlite3_result_int64(ctx, bits as i64);
        }
    }
}

/// `rel_lower(x)`: NULL for NULL, else `x` as text, lowercased character by character.
unsafe extern "C" fn lower(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite's own arguments, passed on.
    unsafe { map_text(ctx, argc, argv, |c| simple(c, c.to_lowercase())) }
}

/// `rel_upper(x)`: NULL for NULL, else `x` as text, uppercased character by character.
unsafe extern "C" fn upper(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite's own arguments, passed on.
    unsafe { map_text(ctx, argc, argv, |c| simple(c, c.to_uppercase())) }
}

/// A character's case mapping where it is one character, else the character: Unicode's
/// simple mapping, character by character, as PostgreSQL's and MariaDB's `LOWER` and
/// `UPPER` map (`ß` stays `ß`, where Rust's `str::to_uppercase` makes it `SS`).
fn simple(c: char, mut mapped: impl Iterator<Item = char>) -> char {
    match (mapped.next(), mapped.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// The body of a one-argument text function: NULL for NULL, else the value as text
/// with `map` applied to each character.
unsafe fn map_text(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
    map: fn(char) -> char,
) {
    // SAFETY: SQLite calls this with `argc` (registered as 1) valid values in `argv`.
    // `sqlite3_value_text` returns the value as UTF-8 text (converting numbers), valid
    // until the next call on the value, with `sqlite3_value_bytes` bytes; both are read
    // before returning. SQLITE_TRANSIENT makes SQLite copy the result before `mapped`
    // is dropped.
    unsafe {
        if argc != 1 {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let value = *argv;
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let text = ffi::sqlite3_value_text(value);
        let len = usize::try_from(ffi::sqlite3_value_bytes(value)).unwrap_or(0);
        let bytes = if text.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(text, len)
        };
        let mapped: String = String::from_utf8_lossy(bytes).chars().map(map).collect();
        match c_int::try_from(mapped.len()) {
            Ok(n) => {
                ffi::sqlite3_result_text(ctx, mapped.as_ptr().cast(), n, ffi::SQLITE_TRANSIENT())
            }
            Err(_) => ffi::sqlite3_result_error_toobig(ctx),
        }
    }
}

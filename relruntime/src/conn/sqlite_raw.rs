//! Reading a SQLite statement's rows straight from SQLite's C API, on the connection
//! sqlx owns. With `sqlite_functions.rs`, this is the crate's only `unsafe` code.
//!
//! Why: sqlx runs each SQLite connection on a worker thread and hands every row over a
//! channel, which costs more than reading the row (Diesel, which steps libsqlite3
//! directly, read a 61,000-row load 2.8 times faster than hand-written sqlx). sqlx's
//! documented escape hatch is `SqliteConnection::lock_handle()`: while the returned
//! guard lives, the worker makes no call on the connection, and `as_raw_handle()` is
//! its `sqlite3*`. Rel prepares the statement on it, binds, steps, and hands each row
//! to the reader in place, then finalizes the statement (also on every early return,
//! through `Drop`), so that sqlx can close the connection: `sqlite3_close` fails while
//! a statement is left, and sqlx panics on that.
//!
//! What it takes: read-only statements only (`sqlite3_stmt_readonly`). A write with
//! `RETURNING`, or a statement SQLite will not prepare, goes through sqlx, which then
//! reports any error in its own type. Binding and decoding follow sqlx-sqlite 0.9
//! exactly (the same storage classes accepted per Rust type, the same text formats for
//! dates), so both paths read the same values; the whole SQLite suite runs through this
//! one.
//!
//! The executor: the calls block the task's thread. Every 256 rows the reader yields
//! to the executor, so that one large load does not hold a worker; the longest section
//! is SQLite producing the first row (a sort of the whole result where no index gives
//! the order), as with Diesel or rusqlite. Reads wait for no lock in WAL mode or in
//! memory; in a rollback-journal mode a reader can wait up to the busy timeout for a
//! writer, blocking, so pools in those modes read through sqlx (see
//! `Flags::direct_reads`).
//!
//! The transaction: the statement runs on the same connection, so inside whatever
//! transaction (or savepoint) sqlx has open there, Rel's or the user's.
//!
//! Every 16 direct reads in a row, Rel pings the worker. `lock_handle` queues an "unlock"
//! command for the worker and waits for the lock; when the previous read released the
//! lock before the worker had gone back to waiting for it (a busy machine), the next
//! `lock_handle` finds the lock free, takes it, and its command is left over. Left-over
//! commands pile up in sqlx's command channel (50 slots); once it is full, a
//! `lock_handle` holds the lock while it waits for room to send, and the worker waits
//! for the lock: a deadlock (found by `tests/emulated.rs`, which hung about one run in
//! five; a 100,000-slot channel made it go away). The worker answers commands in
//! order, so any answer (a ping, or any statement sent through sqlx) means the
//! left-overs before it are gone; with a ping every 16 direct reads at most 16 are
//! ever waiting. (A ping before every read cost small reads a third more: see
//! `benches/sqlite_small.rs`.) `tests/emulated.rs
//! runs_of_short_reads_under_load_finish` failed two runs in three with no ping.

use super::sqlite::{SqliteCells, Stored, stored};
use super::{Cells, EachRow, Result, SqlType, Statement, Value};
use crate::model::error::Error;
use libsqlite3_sys as ffi;
use std::borrow::Cow;
use std::os::raw::{c_char, c_int};
use std::ptr::NonNull;

/// Rows handed to the reader between two yields to the executor: a few hundred
/// microseconds of work.
const ROWS_PER_SLICE: u32 = 256;

/// Direct reads in a row after which Rel pings the worker: each leaves at most one
/// unlock command over, and sqlx's command channel holds 50.
const READS_PER_PING: u32 = 16;

/// Runs `stmt` on `c`'s handle and hands each row to `each`. `Ok(false)` when it did
/// not take the statement (not read-only, or not prepared): the caller runs it through
/// sqlx, which nothing has been sent to yet.
///
/// `unanswered` counts the direct reads since the worker last answered a command: it
/// answers each in order, so an answer means every unlock command sent before it was
/// drained. Every operation starts with one (the pool's ping when it hands out a
/// connection, the readying of the user's, or the savepoint in a transaction), and
/// every statement Rel runs through sqlx is one; within a run of direct reads Rel
/// pings every `READS_PER_PING`.
pub(super) async fn fetch_each(
    c: &mut sqlx::SqliteConnection,
    stmt: &Statement,
    each: &mut EachRow<'_>,
    unanswered: &mut u32,
) -> Result<bool> {
    if *unanswered >= READS_PER_PING {
        sqlx::Connection::ping(&mut *c).await?;
        *unanswered = 0;
    }
    *unanswered += 1;
    let mut handle = c.lock_handle().await?;
    let Some(mut raw) = Prepared::new(handle.as_raw_handle(), &stmt.sql) else {
        return Ok(false);
    };
    raw.bind_all(&stmt.binds)?;
    let mut slice = 0;
    while raw.step()? {
        each(&raw)?;
        slice += 1;
        if slice == ROWS_PER_SLICE {
            slice = 0;
            tokio::task::yield_now().await;
        }
    }
    Ok(true)
}

/// A statement prepared on a locked connection; finalized when dropped.
struct Prepared {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    columns: usize,
}

// SAFETY: a `Prepared` lives inside `fetch_each`, which holds the connection's
// `LockedSqliteHandle` for as long: no other thread calls on the connection or its
// statements meanwhile. sqlx opens SQLite connections in multi-thread mode (and the
// bundled library is thread-safe), where a connection may move between threads as
// long as it is used by one at a time, which the guard ensures; the future holding it
// may resume on another worker thread.
unsafe impl Send for Prepared {}

impl Prepared {
    /// Prepares `sql`; `None` if SQLite refuses it, if it is not one read-only
    /// statement, or if it is too long for the C API.
    fn new(db: NonNull<ffi::sqlite3>, sql: &str) -> Option<Prepared> {
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

    /// Binds the values as sqlx's SQLite arguments are built: both from `stored`.
    fn bind_all(&mut self, values: &[Value]) -> Result<()> {
        // SAFETY: `stmt` is live.
        let wanted = unsafe { ffi::sqlite3_bind_parameter_count(self.stmt.as_ptr()) };
        if usize::try_from(wanted).ok() != Some(values.len()) {
            return Err(Error::Database(sqlx::Error::Protocol(format!(
                "the statement takes {wanted} values, {} were given",
                values.len()
            ))));
        }
        for (i, value) in values.iter().enumerate() {
            // Positions are 1-based, and fit: there are `wanted` of them.
            let at = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            let stmt = self.stmt.as_ptr();
            let rc = match stored(value)? {
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
    fn step(&mut self) -> Result<bool> {
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
    fn class(&self, i: usize) -> std::result::Result<(c_int, c_int), sqlx::Error> {
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

    /// Cell `i` when its storage class is one of `accepted`; `None` for NULL; else
    /// sqlx's "mismatched types" error for `rust` (as SQL type `sql`).
    #[inline]
    fn cell(
        &self,
        i: usize,
        accepted: &[c_int],
        rust: &'static str,
        sql: &'static str,
    ) -> std::result::Result<Option<(c_int, c_int)>, sqlx::Error> {
        let (class, at) = self.class(i)?;
        if class == ffi::SQLITE_NULL {
            Ok(None)
        } else if accepted.contains(&class) {
            Ok(Some((class, at)))
        } else {
            Err(mismatched(i, rust, sql, class))
        }
    }

    /// The bytes of a TEXT or BLOB cell, borrowed until the next step.
    fn bytes(&self, at: c_int) -> &[u8] {
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

    fn int(&self, at: c_int) -> i64 {
        // SAFETY: `stmt` is on a row and `at` is a column of it.
        unsafe { ffi::sqlite3_column_int64(self.stmt.as_ptr(), at) }
    }

    fn double(&self, at: c_int) -> f64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_column_double(self.stmt.as_ptr(), at) }
    }

    /// A TEXT cell as `&str`: invalid UTF-8 is a decode error, as in sqlx.
    fn utf8(&self, i: usize, at: c_int) -> std::result::Result<&str, sqlx::Error> {
        std::str::from_utf8(self.bytes(at)).map_err(|e| decode_error(i, e))
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

impl Drop for Prepared {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on `db`, which is still locked (the guard outlives
        // this value in `fetch_each`), and is finalized exactly once, here. The result
        // repeats the last step's error, reported already.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

const TEXT: &[c_int] = &[ffi::SQLITE_TEXT];
const INTEGER: &[c_int] = &[ffi::SQLITE_INTEGER];

impl Cells for Prepared {
    #[inline]
    fn read(&self, i: usize, ty: SqlType) -> std::result::Result<Value, sqlx::Error> {
        super::sqlite::read(self, i, ty)
    }

    fn text(&self, i: usize) -> std::result::Result<Option<&str>, sqlx::Error> {
        match self.cell(i, TEXT, "&str", "TEXT")? {
            Some((_, at)) => self.utf8(i, at).map(Some),
            None => Ok(None),
        }
    }

    #[inline]
    fn i64(&self, i: usize) -> std::result::Result<Option<i64>, sqlx::Error> {
        Ok(self
            .cell(i, INTEGER, "i64", "INTEGER")?
            .map(|(_, at)| self.int(at)))
    }

    #[inline]
    fn f64(&self, i: usize) -> std::result::Result<Option<f64>, sqlx::Error> {
        Ok(self
            .cell(i, &[ffi::SQLITE_FLOAT], "f64", "REAL")?
            .map(|(_, at)| self.double(at)))
    }

    #[inline]
    fn bool(&self, i: usize) -> std::result::Result<Option<bool>, sqlx::Error> {
        Ok(self
            .cell(i, INTEGER, "bool", "BOOLEAN")?
            .map(|(_, at)| self.int(at) != 0))
    }

    #[inline]
    fn string(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        Ok(self.text(i)?.map(str::to_owned))
    }
}

impl SqliteCells for Prepared {
    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error> {
        let accepted = &[ffi::SQLITE_BLOB, ffi::SQLITE_TEXT];
        Ok(self
            .cell(i, accepted, "Vec<u8>", "BLOB")?
            .map(|(_, at)| self.bytes(at).to_vec()))
    }

    #[cfg(feature = "chrono")]
    fn date(&self, i: usize) -> std::result::Result<Option<chrono::NaiveDate>, sqlx::Error> {
        let Some((_, at)) = self.cell(i, TEXT, "NaiveDate", "DATE")? else {
            return Ok(None);
        };
        chrono::NaiveDate::parse_from_str(self.utf8(i, at)?, "%F")
            .map(Some)
            .map_err(|e| decode_error(i, e))
    }

    #[cfg(feature = "chrono")]
    fn datetime(
        &self,
        i: usize,
    ) -> std::result::Result<Option<chrono::DateTime<chrono::FixedOffset>>, sqlx::Error> {
        let accepted = &[ffi::SQLITE_TEXT, ffi::SQLITE_INTEGER, ffi::SQLITE_FLOAT];
        let Some((class, at)) = self.cell(i, accepted, "NaiveDateTime", "DATETIME")? else {
            return Ok(None);
        };
        let parsed = match class {
            ffi::SQLITE_TEXT => chrono_sqlite::from_text(self.utf8(i, at)?),
            ffi::SQLITE_INTEGER => chrono_sqlite::from_int(self.int(at)),
            _ => chrono_sqlite::from_float(self.double(at)),
        };
        match parsed {
            Some(dt) => Ok(Some(dt)),
            None => {
                let shown = String::from_utf8_lossy(self.bytes(at)).into_owned();
                Err(decode_error(i, format!("invalid datetime: {shown}")))
            }
        }
    }
}

/// sqlx's error for a cell whose storage class the Rust type does not take.
#[cold]
fn mismatched(i: usize, rust: &str, sql: &str, class: c_int) -> sqlx::Error {
    let found = match class {
        ffi::SQLITE_INTEGER => "INTEGER",
        ffi::SQLITE_FLOAT => "REAL",
        ffi::SQLITE_TEXT => "TEXT",
        ffi::SQLITE_BLOB => "BLOB",
        _ => "NULL",
    };
    decode_error(
        i,
        format!(
            "mismatched types; Rust type `{rust}` (as SQL type `{sql}`) is not compatible with SQL type `{found}`"
        ),
    )
}

#[cold]
fn decode_error(i: usize, source: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: format!("{i:?}"),
        source: source.into(),
    }
}

/// Dates and times as sqlx-sqlite 0.9 decodes them (`types/chrono.rs`), so that a
/// value reads the same through either path: RFC 3339 text or one of SQLite's
/// formats; an integer is Unix seconds, a float a Julian day.
#[cfg(feature = "chrono")]
mod chrono_sqlite {
    use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};

    pub(super) fn from_text(value: &str) -> Option<DateTime<FixedOffset>> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
            return Some(dt);
        }
        const FORMATS: [&str; 12] = [
            "%F %T%.f",
            "%F %R",
            "%F %RZ",
            "%F %R%:z",
            "%F %T%.fZ",
            "%F %T%.f%:z",
            "%FT%R",
            "%FT%RZ",
            "%FT%R%:z",
            "%FT%T%.f",
            "%FT%T%.fZ",
            "%FT%T%.f%:z",
        ];
        FORMATS.iter().find_map(|format| {
            DateTime::parse_from_str(value, format).ok().or_else(|| {
                NaiveDateTime::parse_from_str(value, format)
                    .ok()
                    .map(|dt| Utc.fix().from_utc_datetime(&dt))
            })
        })
    }

    pub(super) fn from_int(value: i64) -> Option<DateTime<FixedOffset>> {
        Utc.fix().timestamp_opt(value, 0).single()
    }

    pub(super) fn from_float(value: f64) -> Option<DateTime<FixedOffset>> {
        let timestamp = (value - 2_440_587.5) * 86_400.0;
        if !timestamp.is_finite() {
            return None;
        }
        // Lossy on purpose, as in sqlx: the value is finite.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (seconds, nanos) = (
            timestamp.trunc() as i64,
            (timestamp.fract() * 1E9).abs() as u32,
        );
        Utc.fix().timestamp_opt(seconds, nanos).single()
    }
}

/// A SQLite error met while stepping: the same code, message and kind as sqlx's own
/// `SqliteError`, whose constructor is private to sqlx.
#[derive(Debug)]
struct SqliteError {
    code: c_int,
    message: String,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteError {}

impl sqlx::error::DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

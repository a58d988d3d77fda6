//! Reading a SQLite statement's rows straight from SQLite's C API, on the connection
//! sqlx owns (the C calls themselves are `handle.rs`'s).
//!
//! Why: sqlx runs each SQLite connection on a worker thread and hands every row over a
//! channel, which costs more than reading the row (Diesel, which steps libsqlite3
//! directly, read a 61,000-row load 2.8 times faster than hand-written sqlx). sqlx's
//! documented escape hatch is `SqliteConnection::lock_handle()`: while the returned
//! guard lives, the worker makes no call on the connection, and `as_raw_handle()` is
//! its `sqlite3*`. Rel prepares the statement on it, binds, steps, and hands each row
//! to the reader in place, then finalizes the statement (also on every early return,
//! through `Drop`), so that sqlx can close the connection: `sqlite3_close` fails while
//! a statement is left, and sqlx panics on that. On Rel's own pools a statement read to
//! its end is kept instead, reset, for the next read of the same SQL
//! (`handle::Kept`, which explains how it is finalized in time).
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
//! `Link`'s `direct_reads`).
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

use super::cells::stored;
use super::handle::{Kept, Prepared, kept};
use crate::model::error::Result;
use crate::sql::builder::Statement;
use crate::sql::exec::EachRow;
use sqlx::sqlite::LockedSqliteHandle;

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
/// drained. Every operation starts with one (sqlx's ping as the pool took the
/// connection back, the readying of the user's, or the savepoint in a transaction), and
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
    let kept = kept(&mut handle);
    read(&mut handle, kept.as_ref(), stmt, each).await
}

/// Runs `stmt` on a handle already locked (with the statements its connection keeps,
/// if any) and hands each row to `each`; `Ok(false)` when it did not take the
/// statement, as [`fetch_each`].
pub(super) async fn read(
    handle: &mut LockedSqliteHandle<'_>,
    kept: Option<&Kept>,
    stmt: &Statement,
    each: &mut EachRow<'_>,
) -> Result<bool> {
    let Some(mut raw) = Prepared::kept_or_new(handle, &stmt.sql, kept) else {
        return Ok(false);
    };
    raw.bind_all(stmt.binds.iter().map(stored))?;
    let mut slice = 0;
    while raw.step()? {
        each(&raw)?;
        slice += 1;
        if slice == ROWS_PER_SLICE {
            slice = 0;
            tokio::task::yield_now().await;
        }
    }
    if let Some(kept) = kept {
        raw.keep(kept, &stmt.sql);
    }
    Ok(true)
}

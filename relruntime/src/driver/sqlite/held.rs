//! A connection that Rel's own SQLite pool keeps aside for reads, its handle locked
//! between reads, so that a read on it steps SQLite on the caller's thread with no
//! exchange with sqlx's worker thread at all.
//!
//! Why: a direct read on a pooled connection still exchanges with the connection's
//! worker thread twice (`lock_handle` parks the worker and takes its lock; the pool
//! pings the worker as it takes the connection back), and each exchange is two thread
//! switches. A point lookup that way took 1.6 times the same read sent through sqlx on
//! the same pool (`benches/small_reads.rs`), whose one exchange carries the rows. Held
//! locked, the connection costs no switch: a read is SQLite's own work, as with
//! Diesel or rusqlite.
//!
//! How: the connection is taken from the pool once and detached from it (so that the
//! pool opens others in its place, and so that dropping it needs no runtime: sqlx's
//! pooled connections spawn a task when dropped). It is boxed, so that its address
//! holds, and its `LockedSqliteHandle` borrows it for as long as `Held` lives, or
//! until a statement must go through sqlx (one that is not read-only, or that SQLite
//! will not prepare, so that sqlx reports the error in its own type): then the lock is
//! let go, sqlx runs the statement, and the next read locks again. One read at a time
//! holds it (`Reader::take`); a read that finds it taken runs on a pooled connection
//! as before.
//!
//! Only file databases in WAL mode with direct reads on: in WAL mode a reader sees
//! every transaction committed before its statement began, on any connection, so
//! reads here see the `Db`'s writes as reads on the pool do. An in-memory database has
//! one connection, which the pool needs.

use super::direct;
use super::handle::{Kept, kept};
use crate::driver::link::LinkOps;
use crate::driver::pool::HeldReads;
use crate::driver::{Driver, Readied, unspanned};
use crate::model::error::Result;
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::{BoxFuture, Done, EachRow};
use sqlx::SqliteConnection;
use sqlx::sqlite::LockedSqliteHandle;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

/// The held connection.
struct Held {
    /// The connection, boxed, detached from its pool; freed by `Drop`.
    conn: NonNull<SqliteConnection>,
    /// Its handle, locked, but while a statement goes through sqlx. Dropped before
    /// `conn`.
    handle: Option<LockedSqliteHandle<'static>>,
    /// The statements it keeps prepared (see `handle::Kept`).
    kept: Option<Kept>,
}

// SAFETY: `Held` owns its connection (boxed, reached only through `&mut Held`), and
// the handle borrows that connection alone; sqlx's connection and its locked handle
// are `Send` (a direct read holds the handle across an await).
unsafe impl Send for Held {}

impl Held {
    async fn open(pool: &sqlx::SqlitePool) -> Result<Held> {
        let conn = pool.acquire().await?.detach();
        let mut held = Held {
            conn: NonNull::from(Box::leak(Box::new(conn))),
            handle: None,
            kept: None,
        };
        held.lock().await?;
        Ok(held)
    }

    /// Locks the handle, if it is not.
    async fn lock(&mut self) -> Result<()> {
        if self.handle.is_none() {
            // SAFETY: `conn` lives until `Drop`, which drops the handle first; while
            // the handle is held nothing else reaches `conn` (`unlocked` lets it go
            // first).
            let conn: &'static mut SqliteConnection = unsafe { &mut *self.conn.as_ptr() };
            let mut handle = conn.lock_handle().await?;
            if self.kept.is_none() {
                self.kept = kept(&mut handle);
            }
            self.handle = Some(handle);
        }
        Ok(())
    }

    /// The connection, for sqlx: the handle's lock let go first.
    fn unlocked(&mut self) -> &mut SqliteConnection {
        self.handle = None;
        // SAFETY: the handle, the only other borrow of `conn`, was just dropped.
        unsafe { &mut *self.conn.as_ptr() }
    }
}

impl Held {
    /// Closes the connection through sqlx, as the pool closes its own (waiting for
    /// SQLite's close, and running sqlx's close-time work).
    async fn close(mut self) {
        self.handle = None;
        self.kept = None;
        // SAFETY: made by `Box::leak` in `open`, taken back once, here: `self` is
        // forgotten below, so `Drop` does not free it again.
        let conn = unsafe { Box::from_raw(self.conn.as_ptr()) };
        std::mem::forget(self);
        let _ = unspanned::<sqlx::Sqlite, _>(sqlx::Connection::close(*conn)).await;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // The lock first: sqlx's worker waits for it, then sees its channel closed and
        // closes the connection. The kept statements are finalized as it does, when
        // the connection's hooks let go of them: this is the other owner, let go
        // before (`sqlite3_close` fails while a statement is left, and sqlx panics).
        self.handle = None;
        self.kept = None;
        // SAFETY: made by `Box::leak` in `open`, freed once, here, with no borrow left.
        drop(unsafe { Box::from_raw(self.conn.as_ptr()) });
    }
}

/// Where the held connection waits between reads.
#[derive(Default)]
struct Slot {
    held: Option<Held>,
    /// The pool was closed: a read that ends closes the connection it holds.
    closed: bool,
}

/// The held connection of one pool (see the module's comment), for `Pool`.
#[derive(Clone)]
pub(super) struct Reader(Arc<Mutex<Slot>>);

impl Reader {
    /// Takes a connection from `pool` to hold for reads.
    pub(super) async fn open(pool: &sqlx::SqlitePool) -> Result<Reader> {
        let held = Held::open(pool).await?;
        Ok(Reader(Arc::new(Mutex::new(Slot {
            held: Some(held),
            closed: false,
        }))))
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl HeldReads for Reader {
    fn take(&self) -> Option<Box<dyn LinkOps>> {
        let held = self.slot().held.take()?;
        Some(Box::new(Reading {
            held: Some(held),
            home: self.clone(),
            broken: false,
        }))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        let held = {
            let mut slot = self.slot();
            slot.closed = true;
            slot.held.take()
        };
        Box::pin(async move {
            if let Some(held) = held {
                held.close().await;
            }
        })
    }
}

/// The held connection, taken for one read operation; put back when dropped, unless
/// locking it failed (its worker is gone: sqlx's pool drops such a connection too, and
/// the pool's connections serve the reads from then on).
struct Reading {
    held: Option<Held>,
    home: Reader,
    broken: bool,
}

impl Drop for Reading {
    fn drop(&mut self) {
        let Some(held) = self.held.take() else {
            return;
        };
        let mut slot = self.home.slot();
        if !slot.closed && !self.broken {
            slot.held = Some(held);
            return;
        }
        drop(slot);
        drop(held);
    }
}

impl Reading {
    fn held(&mut self) -> &mut Held {
        self.held
            .as_mut()
            .expect("a Reading holds its connection until dropped")
    }
}

impl LinkOps for Reading {
    fn fetch_each<'s>(
        &'s mut self,
        stmt: &'s Statement,
        each: &'s mut EachRow<'_>,
        _direct: Option<&'s mut u32>,
    ) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            if let Err(e) = self.held().lock().await {
                self.broken = true;
                return Err(e);
            }
            let held = self.held();
            if let Some(handle) = &mut held.handle
                && direct::read(handle, held.kept.as_ref(), stmt, each).await?
            {
                return Ok(());
            }
            // Not taken: through sqlx, as the driver runs it on any connection.
            let conn = held.unlocked();
            unspanned::<sqlx::Sqlite, _>(sqlx::Sqlite::fetch_each(conn, stmt, each, None)).await
        })
    }

    fn execute<'s>(&'s mut self, stmt: &'s Statement) -> BoxFuture<'s, Result<Done>> {
        Box::pin(async move {
            let conn = self.held().unlocked();
            unspanned::<sqlx::Sqlite, _>(sqlx::Sqlite::execute(conn, stmt)).await
        })
    }

    fn simple<'s>(&'s mut self, sql: &'static str) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            let conn = self.held().unlocked();
            unspanned::<sqlx::Sqlite, _>(sqlx::Executor::execute(conn, sqlx::AssertSqlSafe(sql)))
                .await?;
            Ok(())
        })
    }

    fn forget_statements(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let conn = self.held().unlocked();
            unspanned::<sqlx::Sqlite, _>(sqlx::Connection::clear_cached_statements(conn)).await?;
            Ok(())
        })
    }

    fn in_transaction(&self) -> bool {
        false
    }

    fn ready<'s>(&'s mut self, dialect: Dialect, _lent: bool) -> BoxFuture<'s, Result<Readied>> {
        // Rel's own connection: readied when it was opened.
        Box::pin(async move {
            Ok(Readied {
                dialect,
                direct_reads: true,
            })
        })
    }

    fn end(self: Box<Self>, _commit: bool) -> BoxFuture<'static, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

//! Where a write runs: on a `Db`, by itself in ForeignKeys mode (one statement, atomic),
//! or in Emulated mode (and for `insert_many`) in a transaction of its own, retried
//! when the database aborted it for a deadlock or a serialization failure; in a
//! `Transaction`, at a savepoint.

use super::conn::Conn;
use super::database::Db;
use crate::model::error::Result;
use crate::model::schema::RelationMode;
use crate::model::table::Table;
use crate::sql::exec::{BoxFuture, Executor};
use crate::write::{self, Delete, Filtered, Update, Upsert};
use std::time::Duration;

/// How many times Rel runs a write it owns again after a retryable abort.
const RETRIES: u32 = 8;

/// One write, which can run again.
pub(super) trait WriteOp: Sync {
    type Output: Send;
    fn run<'s>(&'s self, run: &'s mut (dyn Executor + 's)) -> BoxFuture<'s, Result<Self::Output>>;
}

/// Declares a write: a struct of borrowed inputs and the call that runs it.
macro_rules! write_op {
    ($name:ident<$($l:lifetime),* ; $t:ident> ($($field:ident : $ty:ty),*) -> $out:ty => |$run:ident, $self_:ident| $call:expr) => {
        pub(super) struct $name<$($l,)* $t: Table> { $(pub $field: $ty),* }
        impl<$($l,)* $t: Table> WriteOp for $name<$($l,)* $t> {
            type Output = $out;
            fn run<'s>(&'s self, $run: &'s mut (dyn Executor + 's)) -> BoxFuture<'s, Result<$out>> {
                let $self_ = self;
                Box::pin($call)
            }
        }
    };
}

write_op!(InsertOp<'a; T>(row: &'a T) -> T::Key => |run, op| write::insert(run, op.row));
write_op!(InsertManyOp<'a; T>(rows: &'a [T]) -> Vec<T::Key> => |run, op| write::insert_many(run, op.rows));
write_op!(UpdateRowOp<'a; T>(row: &'a T) -> bool => |run, op| write::update_row(run, op.row));
write_op!(DeleteKeyOp<'a; T>(key: &'a T::Key) -> bool => |run, op| write::delete::<T>(run, op.key));
write_op!(UpdateOp<'a; T>(update: &'a Update<T, Filtered>) -> u64 => |run, op| op.update.run_on(run));
write_op!(DeleteOp<'a; T>(delete: &'a Delete<T, Filtered>) -> u64 => |run, op| op.delete.run_on(run));
write_op!(UpsertOp<'a, 'r; T>(upsert: &'a Upsert<'r, T>) -> T::Key => |run, op| op.upsert.run_on(run));

impl Db {
    /// Whether the `Db` enforces relations itself.
    pub(super) fn emulating(&self) -> bool {
        self.schema()
            .is_some_and(|s| s.mode() == RelationMode::Emulated)
    }

    /// Runs `op` on a pooled connection, or, in Emulated mode, in a transaction of its
    /// own (see [`Db::in_transaction`]).
    pub(super) async fn write<W: WriteOp>(&self, op: W) -> Result<W::Output> {
        if self.emulating() {
            return self.in_transaction(op).await;
        }
        let mut acquired = Conn::Db(self).acquire().await?;
        op.run(&mut acquired.runner()).await
    }

    /// Runs `op` in a transaction of its own, committed when it succeeds and rolled
    /// back when it fails; a retryable failure (a deadlock, a serialization failure, a
    /// busy database) runs it again, a bounded number of times.
    pub(super) async fn in_transaction<W: WriteOp>(&self, op: W) -> Result<W::Output> {
        let mut attempt = 0;
        loop {
            let mut tx = self.begin().await?;
            let result = op.run(&mut tx.runner()).await;
            let result = match result {
                Ok(value) => tx.commit().await.map(|()| value),
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
            match result {
                Err(e) if e.is_retryable() && attempt < RETRIES => {
                    attempt += 1;
                    self.retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(2 << attempt.min(6))).await;
                }
                other => return other,
            }
        }
    }
}

/// Runs `op` where `conn` says: a `Db` (see [`Db::write`]), or a transaction, at a
/// savepoint.
pub(super) async fn run<W: WriteOp>(conn: Conn<'_>, op: W) -> Result<W::Output> {
    match conn {
        Conn::Db(db) => db.write(op).await,
        tx @ (Conn::Tx(_) | Conn::Sqlx(_)) => {
            let mut acquired = tx.acquire().await?;
            let result = op.run(&mut acquired.runner()).await;
            acquired.finish(result).await
        }
    }
}

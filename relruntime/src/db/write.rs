//! Where a write runs: on a `Db`, by itself in ForeignKeys mode (one statement, atomic),
//! or in Emulated mode (and for `insert_many`, on any connection) in a transaction of its own, retried
//! when the database aborted it for a deadlock or a serialization failure; in a
//! `Transaction`, at a savepoint.

use super::conn::Conn;
use super::database::Db;
use super::trace::Operation;
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
    /// The write's name in its trace: `"insert"`, `"update"`, ..
    const NAME: &'static str;
    /// Whether the write may send several statements even in ForeignKeys mode, so
    /// that on a `Db` it needs a transaction of its own to be atomic.
    const MANY_STATEMENTS: bool = false;
    /// The table written.
    fn table(&self) -> &'static str;
    /// How many rows the write inserted or changed, for its trace.
    fn rows(output: &Self::Output) -> u64;
    fn run<'s>(&'s self, run: &'s mut (dyn Executor + 's)) -> BoxFuture<'s, Result<Self::Output>>;
}

/// Declares a write: a struct of borrowed inputs, its trace name, the call that runs
/// it, and how many rows its output counts.
macro_rules! write_op {
    ($name:ident<$($l:lifetime),* ; $t:ident> ($($field:ident : $ty:ty),*) -> $out:ty,
     $op:literal $(, many = $many:literal)?,
     |$run:ident, $self_:ident| $call:expr, |$output:ident| $rows:expr) => {
        pub(super) struct $name<$($l,)* $t: Table> { $(pub $field: $ty),* }
        impl<$($l,)* $t: Table> WriteOp for $name<$($l,)* $t> {
            type Output = $out;
            const NAME: &'static str = $op;
            $(const MANY_STATEMENTS: bool = $many;)?
            fn table(&self) -> &'static str {
                $t::NAME
            }
            fn rows($output: &$out) -> u64 {
                $rows
            }
            fn run<'s>(&'s self, $run: &'s mut (dyn Executor + 's)) -> BoxFuture<'s, Result<$out>> {
                let $self_ = self;
                Box::pin($call)
            }
        }
    };
}

write_op!(InsertOp<'a; T>(row: &'a T) -> T::Key, "insert",
    |run, op| write::insert(run, op.row), |_key| 1);
write_op!(InsertManyOp<'a; T>(rows: &'a [T]) -> Vec<T::Key>, "insert_many", many = true,
    |run, op| write::insert_many(run, op.rows), |keys| keys.len() as u64);
write_op!(UpdateRowOp<'a; T>(row: &'a T) -> bool, "update",
    |run, op| write::update_row(run, op.row), |matched| u64::from(*matched));
write_op!(DeleteKeyOp<'a; T>(key: &'a T::Key) -> bool, "delete",
    |run, op| write::delete::<T>(run, op.key), |deleted| u64::from(*deleted));
write_op!(UpdateOp<'a; T>(update: &'a Update<T, Filtered>) -> u64, "update",
    |run, op| op.update.run_on(run), |matched| *matched);
write_op!(DeleteOp<'a; T>(delete: &'a Delete<T, Filtered>) -> u64, "delete",
    |run, op| op.delete.run_on(run), |deleted| *deleted);
write_op!(UpsertOp<'a, 'r; T>(upsert: &'a Upsert<'r, T>) -> T::Key, "upsert",
    |run, op| op.upsert.run_on(run), |_key| 1);

impl Db {
    /// Whether the `Db` enforces relations itself.
    pub(super) fn emulating(&self) -> bool {
        self.schema()
            .is_some_and(|s| s.mode() == RelationMode::Emulated)
    }

    /// Runs `op` on a pooled connection, or, in Emulated mode or when it sends several
    /// statements, in a transaction of its own (see [`Db::in_transaction`]); its result
    /// and how many statements it sent.
    async fn write<W: WriteOp>(&self, op: &W) -> (Result<W::Output>, u64) {
        if W::MANY_STATEMENTS || self.emulating() {
            return self.in_transaction(op).await;
        }
        let mut acquired = match Conn::Db(self).acquire().await {
            Ok(acquired) => acquired,
            Err(e) => return (Err(e), 0),
        };
        let mut runner = acquired.runner();
        let result = op.run(&mut runner).await;
        (result, runner.sent_count())
    }

    /// Runs `op` in a transaction of its own, committed when it succeeds and rolled
    /// back when it fails; a retryable failure (a deadlock, a serialization failure, a
    /// busy database) runs it again, a bounded number of times.
    async fn in_transaction<W: WriteOp>(&self, op: &W) -> (Result<W::Output>, u64) {
        let mut attempt = 0;
        let mut sent = 0;
        loop {
            let mut tx = match self.begin().await {
                Ok(tx) => tx,
                Err(e) => return (Err(e), sent),
            };
            let mut runner = tx.runner();
            let result = op.run(&mut runner).await;
            sent += runner.sent_count();
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
                other => return (other, sent),
            }
        }
    }
}

/// Runs `op` where `conn` says, traced as one operation: on a `Db` (see
/// [`Db::write`]), or in a transaction, at a savepoint.
pub(super) async fn run<W: WriteOp>(conn: Conn<'_>, op: W) -> Result<W::Output> {
    let trace = Operation::new(W::NAME, op.table(), conn.relation_mode());
    let work = async move {
        match conn {
            Conn::Db(db) => db.write(&op).await,
            tx @ (Conn::Tx(_) | Conn::Sqlx(_)) => {
                let mut acquired = match tx.acquire().await {
                    Ok(acquired) => acquired,
                    Err(e) => return (Err(e), 0),
                };
                let mut runner = acquired.runner();
                let result = op.run(&mut runner).await;
                let sent = runner.sent_count();
                (acquired.finish(result).await, sent)
            }
        }
    };
    trace.run(work, W::rows).await
}

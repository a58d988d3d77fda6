//! Where a write runs: on a `Db`, by itself in ForeignKeys mode (one statement, atomic),
//! or in Emulated mode (and for `insert_many`, on any connection) in a transaction of its own, retried
//! when the database aborted it for a deadlock or a serialization failure; in a
//! `Transaction`, at a savepoint.

use super::conn::Conn;
use super::database::Db;
use super::operation::{Held, Job, Work, measured};
use super::trace::Operation;
use crate::model::error::Result;
use crate::model::table::Table;
use crate::sql::exec::{BoxFuture, Executor};
use crate::write::{self, Delete, Enforcement, Filtered, GraphPlan, HasSets, Update, Upsert};
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
    /// Runs the write on a connection held for it, enforcing relations as decided.
    fn run<'s>(
        &'s self,
        run: &'s mut (dyn Executor + 's),
        enforcement: &'s Enforcement,
    ) -> BoxFuture<'s, Result<Self::Output>>;
}

/// Declares a write: a struct of borrowed inputs, its trace name, the call that runs
/// it, and how many rows its output counts.
macro_rules! write_op {
    ($name:ident<$($l:lifetime),* ; $t:ident> ($($field:ident : $ty:ty),*) -> $out:ty,
     $op:literal $(, many = $many:literal)?,
     |$run:ident, $enforcement:ident, $self_:ident| $call:expr, |$output:ident| $rows:expr) => {
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
            fn run<'s>(
                &'s self,
                $run: &'s mut (dyn Executor + 's),
                $enforcement: &'s Enforcement,
            ) -> BoxFuture<'s, Result<$out>> {
                let $self_ = self;
                Box::pin($call)
            }
        }
    };
}

write_op!(InsertOp<'a; T>(row: &'a T) -> T::Key, "insert",
    |run, e, op| write::insert(run, e, op.row), |_key| 1);
write_op!(InsertManyOp<'a; T>(rows: &'a [T]) -> Vec<T::Key>, "insert_many", many = true,
    |run, e, op| write::insert_many(run, e, op.rows), |keys| keys.len() as u64);
write_op!(UpdateRowOp<'a; T>(row: &'a T) -> bool, "update",
    |run, e, op| write::update_row(run, e, op.row), |matched| u64::from(*matched));
write_op!(DeleteKeyOp<'a; T>(key: &'a T::Key) -> bool, "delete",
    |run, e, op| write::delete::<T>(run, e, op.key), |deleted| u64::from(*deleted));
write_op!(UpdateOp<'a; T>(update: &'a Update<T, Filtered, HasSets>) -> u64, "update",
    |run, e, op| op.update.run_on(run, e), |matched| *matched);
write_op!(DeleteOp<'a; T>(delete: &'a Delete<T, Filtered>) -> u64, "delete",
    |run, e, op| op.delete.run_on(run, e), |deleted| *deleted);
write_op!(UpsertOp<'a, 'r; T>(upsert: &'a Upsert<'r, T>) -> T::Key, "upsert",
    |run, e, op| op.upsert.run_on(run, e), |_key| 1);

/// A nested insert (`write/graph.rs`). Its rows are written in place, so each attempt
/// borrows them from here and gives them back.
pub(super) struct InsertGraphOp<'a, T: Table> {
    pub rows: std::sync::Mutex<Option<&'a mut [T]>>,
    /// The columns the rows' parent set (appending under a parent), which a loaded
    /// `One` of theirs must not set again.
    pub set_by_parent: &'static [&'static str],
    /// What the caller asked besides inserting (connect or create).
    pub plan: GraphPlan,
}

impl<'a, T: Table> InsertGraphOp<'a, T> {
    pub(super) fn new(rows: &'a mut [T], plan: GraphPlan) -> Self {
        InsertGraphOp {
            rows: std::sync::Mutex::new(Some(rows)),
            set_by_parent: &[],
            plan,
        }
    }

    pub(super) fn under(rows: &'a mut [T], set_by_parent: &'static [&'static str]) -> Self {
        InsertGraphOp {
            rows: std::sync::Mutex::new(Some(rows)),
            set_by_parent,
            plan: GraphPlan::default(),
        }
    }
}

impl<T: Table> WriteOp for InsertGraphOp<'_, T> {
    type Output = u64;
    const NAME: &'static str = "insert_graph";
    const MANY_STATEMENTS: bool = true;
    fn table(&self) -> &'static str {
        T::NAME
    }
    fn rows(inserted: &u64) -> u64 {
        *inserted
    }
    fn run<'s>(
        &'s self,
        run: &'s mut (dyn Executor + 's),
        enforcement: &'s Enforcement,
    ) -> BoxFuture<'s, Result<u64>> {
        Box::pin(async move {
            let rows = self.rows.lock().ok().and_then(|mut rows| rows.take());
            let Some(rows) = rows else {
                return Err(crate::model::error::Error::Unsupported {
                    table: T::NAME,
                    relation: "",
                    message: "internal error in insert_graph: the rows are lent already".into(),
                });
            };
            let mut level: &mut [T] = &mut *rows;
            let result = write::insert_graph(
                run,
                enforcement,
                &mut level,
                "",
                self.set_by_parent,
                &self.plan,
            )
            .await;
            if let Ok(mut slot) = self.rows.lock() {
                *slot = Some(rows);
            }
            result
        })
    }
}

impl Db {
    /// Runs `op` on a pooled connection, or, in Emulated mode or when it sends several
    /// statements, in a transaction of its own (see [`Db::in_transaction`]); its result
    /// and how many statements it sent.
    async fn write<W: WriteOp>(
        &self,
        op: &W,
        enforcement: &Enforcement,
    ) -> (Result<W::Output>, u64) {
        if W::MANY_STATEMENTS || matches!(enforcement, Enforcement::Emulated(_)) {
            return self.in_transaction(op, enforcement).await;
        }
        let (result, sent) = Conn::Db(self).operate(Writing { op, enforcement }).await;
        (result, sent.statements)
    }

    /// Runs `op` in a transaction of its own, committed when it succeeds and rolled
    /// back when it fails; a retryable failure (a deadlock, a serialization failure, a
    /// busy database) runs it again, a bounded number of times.
    async fn in_transaction<W: WriteOp>(
        &self,
        op: &W,
        enforcement: &Enforcement,
    ) -> (Result<W::Output>, u64) {
        let mut held = Held::new(Writing { op, enforcement });
        let (result, sent) = self.in_transaction_boxed(&mut held).await;
        (held.into_output(result), sent)
    }

    /// [`in_transaction`](Self::in_transaction) for any write, compiled once (a plain
    /// function boxing its future: see ARCHITECTURE.md, "Compiled once").
    fn in_transaction_boxed<'w>(
        &'w self,
        work: &'w mut dyn Job,
    ) -> BoxFuture<'w, (Result<()>, u64)> {
        Box::pin(self.in_transaction_job(work))
    }

    async fn in_transaction_job(&self, work: &mut dyn Job) -> (Result<()>, u64) {
        let mut attempt = 0;
        let mut sent = 0;
        loop {
            let mut tx = match self.begin().await {
                Ok(tx) => tx,
                Err(e) => return (Err(e), sent),
            };
            let (result, this) = measured(&mut tx.link, work).await;
            sent += this.statements;
            let result = match result {
                Ok(()) => tx.commit().await,
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

/// A write as one operation's work, with the enforcement decided for it.
struct Writing<'o, W> {
    op: &'o W,
    enforcement: &'o Enforcement,
}

impl<W: WriteOp> Work for Writing<'_, W> {
    type Output = W::Output;
    const ROUTE: super::operation::Route = super::operation::Route::Write;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<W::Output>> {
        self.op.run(run, self.enforcement)
    }
}

/// Runs `op` where `conn` says, traced as one operation: on a `Db` (see
/// [`Db::write`]), or in a transaction, at a savepoint. Every write starts here, and
/// here its [`Enforcement`] is decided, once.
pub(super) async fn run<W: WriteOp>(conn: Conn<'_>, op: W) -> Result<W::Output> {
    let enforcement = conn.enforcement();
    let trace = Operation::new(W::NAME, op.table(), enforcement.name());
    let work = async move {
        // Inside the write's span: the choice is visible where the write is.
        warn_if_unenforced(&enforcement, op.table());
        match conn {
            Conn::Db(db) => db.write(&op, &enforcement).await,
            tx @ (Conn::Tx(_) | Conn::Sqlx(_) | Conn::On(..)) => {
                let writing = Writing {
                    op: &op,
                    enforcement: &enforcement,
                };
                let (result, sent) = tx.operate(writing).await;
                (result, sent.statements)
            }
        }
    };
    trace.run(work, W::rows).await
}

/// The warning of a write that goes through `Db::unenforced`. Not generic, so compiled
/// once, not once per write and table (ARCHITECTURE.md, "Compiled once").
fn warn_if_unenforced(enforcement: &Enforcement, table: &str) {
    #[cfg(feature = "tracing")]
    if let Enforcement::Unenforced { .. } = enforcement {
        tracing::warn!(
            target: "rel::enforcement",
            table,
            "relations not enforced: this write goes through Db::unenforced"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (enforcement, table);
}

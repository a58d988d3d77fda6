//! One operation's work, whatever connection it runs on: what `Conn::operate` runs
//! between acquiring the connection and ending the operation.

use super::conn::Sent;
use crate::driver::Link;
use crate::model::error::Result;
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::read::integrity::{self, Orphans};
use crate::read::query::Query;
use crate::read::relation::LoadSpec;
use crate::sql::builder::Statement;
use crate::sql::exec::{BoxFuture, Executor};

/// What one operation does on the connection held for it.
pub(super) trait Work: Send {
    type Output: Send;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Self::Output>>;
}

/// Runs `work` on `link`; its result, and what it sent and read.
pub(super) async fn measured<W: Work>(
    link: &mut Link<'_>,
    work: &mut W,
) -> (Result<W::Output>, Sent) {
    let (statements, rows) = link.counts();
    let result = work.run(link).await;
    let (after, read) = link.counts();
    let sent = Sent {
        statements: after - statements,
        rows: read - rows,
    };
    (result, sent)
}

/// A query's rows.
pub(super) struct All<T>(pub Query<T>);

impl<T: Table> Work for All<T> {
    type Output = Vec<T>;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Vec<T>>> {
        Box::pin(self.0.run(run))
    }
}

/// How many rows a query matches.
pub(super) struct Count<T>(pub Query<T>);

impl<T: Table> Work for Count<T> {
    type Output = u64;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<u64>> {
        Box::pin(self.0.run_count(run))
    }
}

/// Relations loaded onto rows fetched before.
pub(super) struct Load<'r, T> {
    pub rows: &'r mut [T],
    pub specs: [LoadSpec; 1],
}

impl<T: Table> Work for Load<'_, T> {
    type Output = ();
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<()>> {
        Box::pin(crate::read::load_onto(run, self.rows, &self.specs))
    }
}

/// The integrity check of a schema.
pub(super) struct Integrity<'s>(pub &'s Schema);

impl Work for Integrity<'_> {
    type Output = Vec<Orphans>;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Vec<Orphans>>> {
        Box::pin(integrity::check(run, self.0))
    }
}

/// The steps from the database's schema to a `Schema`'s.
pub(super) struct Diff<'s>(pub &'s Schema);

impl Work for Diff<'_> {
    type Output = Vec<crate::migrate::Step>;
    fn run<'s>(
        &'s mut self,
        run: &'s mut dyn Executor,
    ) -> BoxFuture<'s, Result<Vec<crate::migrate::Step>>> {
        Box::pin(async move {
            self.0.check()?;
            let live = crate::migrate::catalog::read(run).await?;
            let graph = self.0.graph();
            let want = crate::migrate::shape::desired(self.0, run.dialect(), &graph);
            Ok(crate::migrate::diff::diff(&live, &want))
        })
    }
}

/// Statements run in order, up to the first that fails (DDL).
pub(super) struct Statements<'s>(pub &'s [Statement]);

impl Work for Statements<'_> {
    type Output = ();
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            for stmt in self.0 {
                run.execute(stmt).await?;
            }
            Ok(())
        })
    }
}

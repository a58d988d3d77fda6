//! One operation's work, whatever connection it runs on: what `Conn::operate` runs
//! between acquiring the connection and ending the operation.

use super::conn::Sent;
use crate::driver::Link;
use crate::model::error::{Error, Result};
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::read::integrity::{self, Orphans};
use crate::read::query::Query;
use crate::read::select::{Partial, Select};
use crate::read::spec::LoadSpec;
use crate::sql::builder::Statement;
use crate::sql::exec::{BoxFuture, Executor};

/// Where an operation runs on a `Db` with read replicas (`db/replicas.rs`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// A read: on a replica that has the `Db`'s writes, or on the primary.
    Read,
    /// On the primary: a read that must see the primary (the catalog, integrity).
    Primary,
    /// A write, on the primary; the reads after it wait for a replica to replay it.
    Write,
}

/// What one operation does on the connection held for it.
pub(super) trait Work: Send {
    type Output: Send;
    /// Where it runs on a `Db` with replicas.
    const ROUTE: Route = Route::Primary;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Self::Output>>;
}

/// A [`Work`] and, once it has run, its output: what runs an operation (acquiring
/// the connection, its savepoint, the replicas, the retries) takes it as `dyn Job`, so
/// that all of that is compiled once, in Rel, and not again for each kind of work and
/// each table in the crate that uses Rel (issue 27: a cold build of hello-world).
pub(super) trait Job: Send {
    /// Runs the work; its output is kept for [`Held::into_output`].
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<()>>;
}

/// A [`Work`] held as a [`Job`].
pub(super) struct Held<W: Work> {
    work: W,
    output: Option<W::Output>,
}

impl<W: Work> Held<W> {
    pub(super) fn new(work: W) -> Self {
        Held { work, output: None }
    }

    /// The output of the run that ended with `result`.
    pub(super) fn into_output(self, result: Result<()>) -> Result<W::Output> {
        result?;
        self.output.ok_or_else(|| Error::Unsupported {
            table: "",
            relation: "",
            message: "internal error: an operation succeeded without its output".into(),
        })
    }
}

impl<W: Work> Job for Held<W> {
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            self.output = Some(self.work.run(run).await?);
            Ok(())
        })
    }
}

/// Runs `job` on `link`; its result, and what it sent and read.
pub(super) async fn measured(link: &mut Link<'_>, job: &mut dyn Job) -> (Result<()>, Sent) {
    let (statements, rows) = link.counts();
    let result = job.run(link).await;
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
    const ROUTE: Route = Route::Read;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Vec<T>>> {
        Box::pin(self.0.run(run))
    }
}

/// The rows of a partial selection.
pub(super) struct SelectAll<P: Partial>(pub Select<P>);

impl<P: Partial> Work for SelectAll<P> {
    type Output = Vec<P>;
    const ROUTE: Route = Route::Read;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<Vec<P>>> {
        Box::pin(self.0.run(run))
    }
}

/// How many rows a query matches.
pub(super) struct Count<T>(pub Query<T>);

impl<T: Table> Work for Count<T> {
    type Output = u64;
    const ROUTE: Route = Route::Read;
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
    const ROUTE: Route = Route::Read;
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

/// The migration from the database to a `Schema`.
pub(super) struct Plan<'s>(pub &'s Schema);

impl Work for Plan<'_> {
    type Output = crate::migrate::Migration;
    fn run<'s>(
        &'s mut self,
        run: &'s mut dyn Executor,
    ) -> BoxFuture<'s, Result<crate::migrate::Migration>> {
        Box::pin(async move { plan(self.0, run).await })
    }
}

/// The migration from the database `run` reaches to `schema`.
async fn plan(schema: &Schema, run: &mut dyn Executor) -> Result<crate::migrate::Migration> {
    use crate::migrate::{diff, shape, sql};
    schema.check()?;
    let dialect = run.dialect();
    // The DDL's own refusals (an action the backend lacks) come first.
    schema.ddl(dialect)?;
    let live = crate::migrate::catalog::read(run).await?;
    let graph = schema.graph();
    let want = shape::desired(schema, dialect, &graph);
    // The statements see the live tables under the names the renames give them.
    let (steps, renamed) = diff::diff_renamed(&live, &want);
    let sql::Statements {
        mut statements,
        foreign_keys_off,
    } = sql::statements(schema, &graph, dialect, &renamed, &steps)?;
    // The record of the schema, as `create_all` writes it, so that a process that
    // connects to the migrated database later enforces its relations as it says.
    if !steps.is_empty() {
        let forget = crate::migrate::Step::tables_gone(&steps);
        statements.extend(schema.record_migration_ddl(dialect, &forget));
    }
    Ok(crate::migrate::Migration {
        dialect,
        steps,
        statements,
        foreign_keys_off,
    })
}

/// A migration planned and carried out on one connection: in one transaction where
/// the backend's DDL is transactional (PostgreSQL, SQLite), with SQLite's foreign keys
/// off around a rebuild and checked before the commit.
pub(super) struct Push<'s>(pub &'s Schema, pub crate::migrate::Destructive);

impl Work for Push<'_> {
    type Output = crate::migrate::Migration;
    const ROUTE: Route = Route::Write;
    fn run<'s>(
        &'s mut self,
        run: &'s mut dyn Executor,
    ) -> BoxFuture<'s, Result<crate::migrate::Migration>> {
        Box::pin(async move {
            let migration = plan(self.0, run).await?;
            let destructive = migration.destructive();
            if self.1 == crate::migrate::Destructive::Refuse && !destructive.is_empty() {
                return Err(crate::model::error::Error::Destructive {
                    steps: destructive.iter().map(ToString::to_string).collect(),
                });
            }
            if migration.is_empty() {
                // Nothing to change, but the record may be missing or stale (a
                // database made by hand, or pulled): write it, so that every later
                // process enforces the relations as this one will.
                for stmt in self.0.record_migration_ddl(run.dialect(), &[]) {
                    run.execute(&stmt).await?;
                }
                return Ok(migration);
            }
            apply(run, &migration).await?;
            Ok(migration)
        })
    }
}

fn raw(dialect: crate::sql::dialect::Dialect, sql: &'static str) -> Statement {
    let mut b = crate::sql::builder::SqlBuilder::new(dialect);
    b.push(sql);
    b.finish()
}

async fn apply(run: &mut dyn Executor, m: &crate::migrate::Migration) -> Result<()> {
    let dialect = run.dialect();
    let transactional = dialect.syntax().transactional_ddl;
    if m.foreign_keys_off {
        run.execute(&raw(dialect, "PRAGMA foreign_keys = OFF"))
            .await?;
    }
    if transactional {
        run.execute(&raw(dialect, "BEGIN")).await?;
    }
    let mut result = async {
        for s in &m.statements {
            run.execute(s).await?;
        }
        if m.foreign_keys_off {
            let broken = run
                .fetch(
                    &raw(dialect, r#"SELECT "table" FROM pragma_foreign_key_check"#),
                    &[crate::model::value::SqlType::Text],
                )
                .await?;
            if let Some(row) = broken.first() {
                let table = match &row[0] {
                    crate::model::value::Value::Text(t) => t.clone(),
                    _ => String::new(),
                };
                return Err(crate::model::error::Error::Unsupported {
                    table: "*",
                    relation: "*",
                    message: format!(
                        "after the migration, rows of `{table}` would refer to rows that do not exist; nothing was changed"
                    ),
                });
            }
        }
        Ok(())
    }
    .await;
    if transactional {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = run.execute(&raw(dialect, end)).await.map(drop);
        if result.is_ok() {
            result = ended;
        }
    }
    if m.foreign_keys_off {
        let on = run
            .execute(&raw(dialect, "PRAGMA foreign_keys = ON"))
            .await
            .map(drop);
        if result.is_ok() {
            result = on;
        }
    }
    result
}

/// The database written as Rust source (`Db::pull`).
pub(super) struct Pull;

impl Work for Pull {
    type Output = String;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<String>> {
        Box::pin(async move {
            let shape = crate::migrate::catalog::read(run).await?;
            Ok(crate::migrate::pull::rust_source(&shape, run.dialect()))
        })
    }
}

/// Statements run in order, up to the first that fails (DDL).
pub(super) struct Statements<'s>(pub &'s [Statement]);

impl Work for Statements<'_> {
    type Output = ();
    const ROUTE: Route = Route::Write;
    fn run<'s>(&'s mut self, run: &'s mut dyn Executor) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            for stmt in self.0 {
                run.execute(stmt).await?;
            }
            Ok(())
        })
    }
}

//! What runs a query or a write on a connection, and what starts one from a table type.

use super::conn::{Conn, Sent};
use super::database::Db;
use super::operation::{All, Count, Diff, Integrity, Plan, Pull, Push, SelectAll, Work};
use super::trace::Operation;
use super::transaction::Transaction;
use super::write::{self, DeleteOp, UpdateOp, UpsertOp};
use crate::migrate::{Destructive, Migration, Step};
use crate::model::error::Result;
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::read::integrity::Orphans;
use crate::read::query::Query;
use crate::read::select::{Partial, Select};
use crate::sql::ddl::forget_ddl;
use crate::sql::exec::BoxFuture;
use crate::write::{Delete, Filtered, HasSets, Update, Upsert};
use relcore::run::{IntoRunner, Runner, SchemaRunner};

/// Starts a query from a table type in generic code: `T::query()` for any
/// `T: Table`. In `rel::prelude`.
///
/// The derive also gives each table an inherent `query()`, so `User::query()` needs
/// no import; this trait is for code generic over tables.
///
/// A column may be named `query`, `update`, `delete` or `upsert`: `Audit::update` is
/// then the column, and the builder is reached through this trait,
/// `<Audit as TableExt>::update()`.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct Tag {
///     #[column(primary_key)]
///     id: i64,
/// }
///
/// fn above_three<T: Table>(id: Column<T, i64>) -> Query<T> {
///     T::query().filter(id.gt(3))
/// }
/// let sql = above_three(Tag::id).to_sql(Dialect::Sqlite).sql;
/// assert_eq!(sql, r#"SELECT "t0"."id" FROM "tag" AS "t0" WHERE "t0"."id" > ? ORDER BY "t0"."id" ASC"#);
/// ```
pub trait TableExt: Table {
    /// A query on this table: `User::query().filter(..).all(&db)`.
    fn query() -> Query<Self> {
        Query::new()
    }

    /// An update of this table's rows that match a filter:
    /// `User::update().set(User::name, "Ada").filter(User::id.gt(10)).run(&db)`.
    fn update() -> Update<Self> {
        Update::new()
    }

    /// A delete of this table's rows that match a filter:
    /// `Post::delete().filter(Post::published.eq(false)).run(&db)`.
    fn delete() -> Delete<Self> {
        Delete::new()
    }

    /// An insert of `row` that updates the row it conflicts with instead:
    /// `User::upsert(&row).on_conflict(User::email).run(&db)`.
    fn upsert(row: &Self) -> Upsert<'_, Self> {
        Upsert::new(row)
    }
}

impl<T: Table> TableExt for T {}

impl Runner for Conn<'_> {
    async fn all<T: Table>(self, query: Query<T>) -> Result<Vec<T>> {
        let op = Operation::new("all", T::NAME, query.strategy_name(self.dialect()));
        traced(self, op, All(query), |rows| rows.len() as u64).await
    }

    async fn count<T: Table>(self, query: Query<T>) -> Result<u64> {
        let op = Operation::new("count", T::NAME, "single");
        traced(self, op, Count(query), |_| 1).await
    }

    async fn select<P: Partial>(self, select: Select<P>) -> Result<Vec<P>> {
        let op = Operation::new(
            "select",
            <P::Of as Table>::NAME,
            select.strategy_name(self.dialect()),
        );
        traced(self, op, SelectAll(select), |rows| rows.len() as u64).await
    }

    fn update<'c, T: Table>(
        self,
        update: Update<T, Filtered, HasSets>,
    ) -> BoxFuture<'c, Result<u64>>
    where
        Self: 'c,
    {
        Box::pin(async move { write::run(self, UpdateOp { update: &update }).await })
    }

    fn delete<'c, T: Table>(self, delete: Delete<T, Filtered>) -> BoxFuture<'c, Result<u64>>
    where
        Self: 'c,
    {
        Box::pin(async move { write::run(self, DeleteOp { delete: &delete }).await })
    }

    async fn upsert<T: Table>(self, upsert: Upsert<'_, T>) -> Result<T::Key> {
        write::run(self, UpsertOp { upsert: &upsert }).await
    }
}

/// How `relruntime`'s connections are what queries and writes run on (the `Via` of
/// `relcore`'s `IntoRunner` and `SchemaRunner`): a type of this crate's, so that it
/// may implement them for sqlx's connection types.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Rel {}

impl<'c> IntoRunner<Rel> for Conn<'c> {
    type Runner = Conn<'c>;
    fn into_runner(self) -> Conn<'c> {
        self
    }
}

impl<'c> IntoRunner<Rel> for &'c Db {
    type Runner = Conn<'c>;
    fn into_runner(self) -> Conn<'c> {
        Conn::Db(self)
    }
}

impl<'c> IntoRunner<Rel> for &'c mut Transaction {
    type Runner = Conn<'c>;
    fn into_runner(self) -> Conn<'c> {
        Conn::Tx(self)
    }
}

// A driver's connections of yours: in `conn.rs`'s `lend!`, beside their `From` impls.

impl SchemaRunner<Rel> for &Db {
    /// Boxed here, a plain function: the DDL's future is large, callers await many of
    /// these in one future of their own, and so it is compiled here, not in each crate
    /// that calls it (ARCHITECTURE.md, "Compiled once").
    fn create_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
    where
        Self: 'd,
    {
        Box::pin(async move {
            let op = Operation::new("create_all", "*", "ddl");
            op.run(create_all_counted(schema, self), |()| 0).await
        })
    }

    fn check_integrity<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Orphans>>>
    where
        Self: 'd,
    {
        Box::pin(async move {
            let op = Operation::new("check_integrity", "*", "single");
            traced(Conn::Db(self), op, Integrity(schema), |o| o.len() as u64).await
        })
    }

    fn diff<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Step>>>
    where
        Self: 'd,
    {
        Box::pin(async move {
            let op = Operation::new("diff", "*", "catalog");
            traced(Conn::Db(self), op, Diff(schema), |steps| steps.len() as u64).await
        })
    }

    fn migration<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Migration>>
    where
        Self: 'd,
    {
        Box::pin(async move {
            let op = Operation::new("migration", "*", "catalog");
            traced(Conn::Db(self), op, Plan(schema), |m| m.steps().len() as u64).await
        })
    }

    fn push<'d>(
        self,
        schema: &'d Schema,
        destructive: Destructive,
    ) -> BoxFuture<'d, Result<Migration>>
    where
        Self: 'd,
    {
        let (db, this) = (self, schema);
        Box::pin(async move {
            let op = Operation::new("push", "*", "ddl");
            // No mode check here, unlike `create_all`: the diff drops (or, without
            // `Destructive::Allow`, refuses to drop) every table outside the schema, so a
            // push never leaves a table of another mode behind.
            let work = Box::pin(statements(Conn::Db(db).operate(Push(this, destructive))));
            let result = op.run(work, |m| m.steps().len() as u64).await;
            if let Ok(migration) = &result {
                let gone = crate::migrate::Step::tables_gone(migration.steps());
                db.use_schema(this);
                db.knowledge_mut().record(this, &gone);
            }
            result
        })
    }

    fn drop_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
    where
        Self: 'd,
    {
        let (db, this) = (self, schema);
        Box::pin(async move {
            let op = Operation::new("drop_all", "*", "ddl");
            let work = Box::pin(async {
                if let Err(e) = this.check() {
                    return (Err(e), 0);
                }
                let mut statements = this.drop_ddl(db.dialect());
                statements.push(forget_ddl(db.dialect()));
                let (result, sent) = db.run_on_one_connection(&statements).await;
                if result.is_ok() {
                    db.knowledge_mut().forget();
                }
                (result, sent)
            });
            op.run(work, |()| 0).await
        })
    }
}

/// `&arc`, `&boxed` and `&&db`: what a `&Db` parameter took by deref coercion.
macro_rules! schema_runner_by_deref {
    ($($db:ty),*) => {$(
        impl SchemaRunner<Rel> for &$db {
            fn create_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::create_all(&**self, schema)
            }

            fn check_integrity<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Orphans>>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::check_integrity(&**self, schema)
            }

            fn diff<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Step>>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::diff(&**self, schema)
            }

            fn migration<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Migration>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::migration(&**self, schema)
            }

            fn push<'d>(
                self,
                schema: &'d Schema,
                destructive: Destructive,
            ) -> BoxFuture<'d, Result<Migration>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::push(&**self, schema, destructive)
            }

            fn drop_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
            where
                Self: 'd,
            {
                <&Db as SchemaRunner<Rel>>::drop_all(&**self, schema)
            }
        }
    )*};
}
schema_runner_by_deref!(&Db, std::sync::Arc<Db>, Box<Db>);

/// `create_all`, and how many statements it sent.
async fn create_all_counted(schema: &Schema, db: &Db) -> (Result<()>, u64) {
    if let Err(e) = keeps_recorded_mode(schema, db).await {
        return (Err(e), 1);
    }
    let mut statements = match schema.ddl(db.dialect()) {
        Ok(statements) => statements,
        Err(e) => return (Err(e), 0),
    };
    // The record of the schema, which every process that connects reads.
    statements.extend(schema.record_ddl(db.dialect()));
    let (result, sent) = if db.dialect().syntax().transactional_ddl {
        match db.begin().await {
            Ok(mut tx) => match tx.run(&statements).await {
                (Ok(()), sent) => (tx.commit().await, sent),
                failed => failed,
            },
            Err(e) => (Err(e), 0),
        }
    } else {
        db.run_on_one_connection(&statements).await
    };
    if result.is_ok() {
        db.use_schema(schema);
        db.knowledge_mut().record(schema, &[]);
    }
    (result, sent + 1)
}

/// Refuses to record another relation mode over tables it would leave as they
/// are: `create_all` of new tables changes only its own tables, so recording ForeignKeys mode over tables made in Emulated mode (which
/// have no foreign keys) would end their checks without a word, and the other way
/// round would leave keys Rel then emulates again. Reads the record afresh:
/// another process may have written it.
async fn keeps_recorded_mode(schema: &Schema, db: &Db) -> Result<()> {
    let recorded = super::knowledge::read_record(&db.pool, &db.statements).await?;
    let Some(mode) = recorded.mode.filter(|m| *m != schema.mode()) else {
        return Ok(());
    };
    let kept: Vec<&str> = recorded.tables.iter().map(String::as_str).collect();
    if kept.is_empty() {
        return Ok(());
    }
    // Only the recorded tables that still exist (one may have been dropped by
    // hand, its record left behind): the catalog, read only on this rare path.
    let mut link = db.pool.acquire(&db.statements).await?;
    let run: &mut dyn crate::sql::exec::Executor = &mut link;
    let live = crate::migrate::catalog::read(run).await?;
    let kept: Vec<&str> = kept
        .into_iter()
        .filter(|t| live.table(t).is_some())
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    Err(crate::model::error::Error::Enforcement {
        table: "*",
        message: format!(
            "the database records {} mode for its tables ({}), and this schema is in \
             {} mode; keep the recorded mode, or change it for every table at once: \
             Schema::push of a schema naming them all (which adds or drops their \
             foreign keys), or drop_all first",
            crate::sql::ddl::mode_text(mode),
            kept.join(", "),
            crate::sql::ddl::mode_text(schema.mode()),
        ),
    })
}

/// Runs `work` on `conn` as one traced operation, whose `rows` are counted from its
/// output.
async fn traced<W: Work>(
    conn: Conn<'_>,
    op: Operation,
    work: W,
    rows: impl FnOnce(&W::Output) -> u64,
) -> Result<W::Output> {
    op.run(statements(conn.operate(work)), rows).await
}

/// An operation's result and the statements it sent, as its trace records them.
async fn statements<R>(work: impl Future<Output = (Result<R>, Sent)>) -> (Result<R>, u64) {
    let (result, sent) = work.await;
    (result, sent.statements)
}

impl Db {
    /// The database's tables written as Rust source: a `#[derive(Table)]` struct per
    /// table, with its keys, unique columns, indexes and defaults, and relations
    /// inferred from the foreign keys (a `one` on the table that holds a key, a `many`
    /// or the inverse `one` on the table it refers to, aliases where two keys join one
    /// pair of tables, a many-to-many `through` each junction, actions read back). For
    /// adopting Rel on a database it did not create. Rel's and sqlx's bookkeeping
    /// tables are left out; a column of a type Rel has no Rust type for is a comment.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let pool = db.sqlite_pool().unwrap();
    /// sqlx::raw_sql("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    ///     CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL
    ///     REFERENCES authors (id) ON DELETE CASCADE)")
    ///     .execute(pool)
    ///     .await
    ///     .unwrap();
    /// let source = db.pull().await?;
    /// assert!(source.contains("pub struct Books {"));
    /// assert!(source.contains("#[relation(one, from = author_id, to = Authors::id, on_delete = cascade)]"));
    /// assert!(source.contains("pub books_list: Many<Books>,"));
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn pull(&self) -> Result<String> {
        let op = Operation::new("pull", "*", "catalog");
        traced(Conn::Db(self), op, Pull, |source| {
            source.lines().count() as u64
        })
        .await
    }
}

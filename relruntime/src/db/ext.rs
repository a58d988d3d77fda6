//! What runs a query or a write on a connection, and what starts one from a table type.

use super::conn::{Conn, Sent};
use super::database::Db;
use super::operation::{All, Count, Diff, Integrity, Plan, Pull, Push, SelectAll};
use super::trace::Operation;
use super::write::{self, DeleteOp, UpdateOp, UpsertOp};
use crate::model::error::Result;
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::read::integrity::Orphans;
use crate::read::page::{Page, PagedQuery};
use crate::read::prepared::Bound;
use crate::read::query::Query;
use crate::read::select::{Partial, Select};
use crate::sql::ddl::forget_ddl;
use crate::sql::exec::BoxFuture;
use crate::write::{ColumnsSet, Delete, Filtered, HasSets, RowsChosen, Update, Upsert};

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

impl<T: Table> Query<T> {
    /// Runs the query: the matching rows, with their relations loaded.
    pub async fn all<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Vec<T>> {
        self.check_bound()?;
        let conn = conn.into();
        let op = Operation::new("all", T::NAME, self.strategy_name(conn.dialect()));
        let work = conn.operate(All(self));
        op.run(statements(work), |rows| rows.len() as u64).await
    }

    /// The first matching row.
    pub async fn first<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Option<T>> {
        Ok(self.limit(1).all(conn).await?.pop())
    }

    /// How many rows match (after limit and offset, when given).
    pub async fn count<'c>(self, conn: impl Into<Conn<'c>>) -> Result<u64> {
        self.check_bound()?;
        let op = Operation::new("count", T::NAME, "single");
        let work = conn.into().operate(Count(self));
        op.run(statements(work), |_| 1).await
    }
}

impl<T: Table> Bound<T> {
    /// Runs the prepared query with the values bound: the matching rows, with their
    /// relations loaded (see [`Query::all`]). A placeholder given no value is
    /// [`Error::Unbound`](crate::Error::Unbound), and nothing is sent.
    pub async fn all<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Vec<T>> {
        self.filled().all(conn).await
    }

    /// The first matching row (see [`Query::first`]).
    pub async fn first<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Option<T>> {
        self.filled().first(conn).await
    }

    /// How many rows match (see [`Query::count`]).
    pub async fn count<'c>(self, conn: impl Into<Conn<'c>>) -> Result<u64> {
        self.filled().count(conn).await
    }
}

impl<T: Table> PagedQuery<T> {
    /// Reads the page: one statement (with nested loads as the query's strategy reads
    /// them). A cursor of another query (another table, order or filter), or text that
    /// is no cursor, is [`Error::Cursor`](crate::Error::Cursor); so is an order by a
    /// related value, which a cursor cannot hold.
    pub async fn all<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Page<T>> {
        let (query, prepared) = self.prepare()?;
        let rows = query.all(conn).await?;
        Ok(PagedQuery::finish(prepared, rows))
    }
}

impl<P: Partial> Select<P> {
    /// The rows, each a `P` of the selected columns.
    pub async fn all<'c>(self, conn: impl Into<Conn<'c>>) -> Result<Vec<P>> {
        let conn = conn.into();
        let op = Operation::new(
            "select",
            <P::Of as Table>::NAME,
            self.strategy_name(conn.dialect()),
        );
        let work = conn.operate(SelectAll(self));
        op.run(statements(work), |rows| rows.len() as u64).await
    }
}

impl<T: Table, F, S> Update<T, F, S> {
    /// Runs the update: how many rows matched (also those it left as they were). It
    /// runs once it says which rows (`.filter(..)` or `.all_rows()`) and sets a
    /// column: a compile error otherwise.
    ///
    /// Not an `async fn`, and its future is boxed: a bound of an `async fn` (or of an
    /// `impl Future`) is checked again wherever its future is used, so a missing
    /// `.set(..)` would be three errors, not one. One allocation per run.
    pub fn run<'c>(self, conn: impl Into<Conn<'c>>) -> BoxFuture<'c, Result<u64>>
    where
        F: RowsChosen,
        S: ColumnsSet,
    {
        let update: Update<T, Filtered, HasSets> = self.into_state();
        let conn = conn.into();
        Box::pin(async move { write::run(conn, UpdateOp { update: &update }).await })
    }
}

impl<T: Table, F> Delete<T, F> {
    /// Runs the delete: how many rows it deleted. It runs once it says which rows
    /// (`.filter(..)` or `.all_rows()`): a compile error otherwise.
    /// Its future is boxed, as [`Update::run`]'s is.
    pub fn run<'c>(self, conn: impl Into<Conn<'c>>) -> BoxFuture<'c, Result<u64>>
    where
        F: RowsChosen,
    {
        let delete: Delete<T, Filtered> = self.into_state();
        let conn = conn.into();
        Box::pin(async move { write::run(conn, DeleteOp { delete: &delete }).await })
    }
}

impl<T: Table> Upsert<'_, T> {
    /// Runs the upsert: the key of the row inserted or updated.
    pub async fn run<'c>(self, conn: impl Into<Conn<'c>>) -> Result<T::Key> {
        write::run(conn.into(), UpsertOp { upsert: &self }).await
    }
}

impl Schema {
    /// Creates every table, index and foreign key of the schema, records the schema in
    /// the database (its relation mode and its tables, in the table `rel_schema`), and
    /// tells `db` it is the schema its database has ([`Db::use_schema`]).
    ///
    /// The record is what makes the mode the database's, not the process's: every `Db`
    /// that connects to the database later, in any process, reads it and enforces the
    /// relations as it says (Emulated mode's checks and actions included), knowing the
    /// tables from the structs of its program.
    ///
    /// On SQLite and PostgreSQL this is one transaction; MySQL commits each DDL statement.
    ///
    /// Traced as one span, `op = "create_all"`, `table = "*"`, `strategy = "ddl"`.
    pub async fn create_all(&self, db: &Db) -> Result<()> {
        self.create_all_boxed(db).await
    }

    /// `create_all`'s work, boxed by a plain function: the DDL's future is large,
    /// callers await many of these in one future of their own, and so it is compiled
    /// here, not in each crate that calls it (ARCHITECTURE.md, "Compiled once").
    fn create_all_boxed<'s>(&'s self, db: &'s Db) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            let op = Operation::new("create_all", "*", "ddl");
            op.run(self.create_all_counted(db), |()| 0).await
        })
    }

    /// `create_all`, and how many statements it sent.
    async fn create_all_counted(&self, db: &Db) -> (Result<()>, u64) {
        if let Err(e) = self.keeps_recorded_mode(db).await {
            return (Err(e), 1);
        }
        let mut statements = match self.ddl(db.dialect()) {
            Ok(statements) => statements,
            Err(e) => return (Err(e), 0),
        };
        // The record of the schema, which every process that connects reads.
        statements.extend(self.record_ddl(db.dialect()));
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
            db.use_schema(self);
            db.knowledge_mut().record(self, &[]);
        }
        (result, sent + 1)
    }

    /// Refuses to record another relation mode over tables it would leave as they
    /// are: `create_all` of new tables changes only its own tables, so recording ForeignKeys mode over tables made in Emulated mode (which
    /// have no foreign keys) would end their checks without a word, and the other way
    /// round would leave keys Rel then emulates again. Reads the record afresh:
    /// another process may have written it.
    async fn keeps_recorded_mode(&self, db: &Db) -> Result<()> {
        let recorded = super::knowledge::read_record(&db.pool, &db.statements).await?;
        let Some(mode) = recorded.mode.filter(|m| *m != self.mode()) else {
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
                crate::sql::ddl::mode_text(self.mode()),
            ),
        })
    }

    /// Lists, for each relation, the rows whose key refers to no row: how many, and the
    /// primary keys of a few. One query per relation; empty when the data is whole.
    ///
    /// For data written outside Rel (imports, other services), in either relation
    /// mode. A NULL in any key column refers to nothing, and is no orphan.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct User {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// #[derive(Table)]
    /// struct Post {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     author_id: i64,
    ///     #[relation(one, from = author_id, to = User::id)]
    ///     author: One<User>,
    /// }
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::Emulated).table::<Post>();
    /// schema.create_all(&db).await?;
    /// db.insert(&User { id: 1 }).await?;
    /// db.insert(&Post { id: 10, author_id: 1, author: One::default() }).await?;
    /// assert!(schema.check_integrity(&db).await?.is_empty());
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// Traced as one span, `op = "check_integrity"`, `table = "*"`, whose `rows` is
    /// the number of relations with orphans.
    pub async fn check_integrity(&self, db: &Db) -> Result<Vec<Orphans>> {
        let op = Operation::new("check_integrity", "*", "single");
        let work = Conn::Db(db).operate(Integrity(self));
        op.run(statements(work), |orphans| orphans.len() as u64)
            .await
    }

    /// What differs between the database and the schema its structs describe, as the
    /// steps that would remove each difference; empty when there is no drift. Read
    /// from the database's catalog (the current schema on PostgreSQL, the current
    /// database on MySQL and MariaDB): tables, columns (type, nullability, default,
    /// generated keys), primary keys, unique keys, indexes and foreign keys with their
    /// actions. Two spellings of one thing are one (`int4` and `integer`, `tinyint(1)`
    /// and `BOOLEAN`, `'a'::text` and `'a'`), so a database made by `create_all` has no
    /// drift. Tables the schema does not have are drift too (`Step::DropTable`), but
    /// Rel's record (`rel_schema`, `rel_guards`) and sqlx's `_sqlx_migrations` are not.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct Note {
    ///     #[column(primary_key, auto_increment)]
    ///     id: i64,
    ///     #[column(index)]
    ///     title: String,
    /// }
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::ForeignKeys).table::<Note>();
    /// schema.create_all(&db).await?;
    /// assert!(schema.diff(&db).await?.is_empty());
    /// // A column added by hand is drift.
    /// let pool = db.sqlite_pool().unwrap();
    /// sqlx::query("ALTER TABLE note ADD COLUMN extra TEXT").execute(pool).await.unwrap();
    /// let steps = schema.diff(&db).await?;
    /// assert_eq!(steps.len(), 1);
    /// assert_eq!(steps[0].to_string(), "drop column note.extra");
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// Traced as one span, `op = "diff"`, `table = "*"`, whose `rows` is the number of
    /// steps.
    pub async fn diff(&self, db: &Db) -> Result<Vec<crate::migrate::Step>> {
        let op = Operation::new("diff", "*", "catalog");
        let work = Conn::Db(db).operate(Diff(self));
        op.run(statements(work), |steps| steps.len() as u64).await
    }

    /// The migration from the database to this schema: [`Schema::diff`]'s steps and
    /// the statements that carry them out on the database's dialect, to review, or to
    /// write as a sqlx migration file ([`Migration::write_to`](crate::Migration::write_to))
    /// that sqlx's `Migrator` applies with its tracking table, checksums and locking.
    /// Diffed against a database that has the migrations so far, a schema with no
    /// change gives an empty migration, and no file.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct Note {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::ForeignKeys).table::<Note>();
    /// let first = schema.migration(&db).await?;
    /// assert_eq!(first.steps()[0].to_string(), "create table note");
    /// assert!(first.sql().contains("CREATE TABLE \"note\""));
    /// schema.push(&db, Destructive::Refuse).await?;
    /// assert!(schema.migration(&db).await?.is_empty());
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn migration(&self, db: &Db) -> Result<crate::migrate::Migration> {
        let op = Operation::new("migration", "*", "catalog");
        let work = Conn::Db(db).operate(Plan(self));
        op.run(statements(work), |m| m.steps().len() as u64).await
    }

    /// Carries out the migration from the database to this schema at once, like
    /// `drizzle-kit push`: for development, and for programs that own their database.
    /// Destructive steps (drops, and changes of columns and keys) are refused unless
    /// `destructive` is [`Destructive::Allow`](crate::Destructive::Allow); the refusal
    /// lists them and sends nothing. On PostgreSQL and SQLite it is one transaction;
    /// MySQL and MariaDB commit each DDL statement. Returns what was done.
    pub async fn push(
        &self,
        db: &Db,
        destructive: crate::migrate::Destructive,
    ) -> Result<crate::migrate::Migration> {
        let op = Operation::new("push", "*", "ddl");
        // No mode check here, unlike `create_all`: the diff drops (or, without
        // `Destructive::Allow`, refuses to drop) every table outside the schema, so a
        // push never leaves a table of another mode behind.
        let work = Box::pin(statements(Conn::Db(db).operate(Push(self, destructive))));
        let result = op.run(work, |m| m.steps().len() as u64).await;
        if let Ok(migration) = &result {
            let gone = crate::migrate::Step::tables_gone(migration.steps());
            db.use_schema(self);
            db.knowledge_mut().record(self, &gone);
        }
        result
    }

    /// Drops every table of the schema that exists, and the database's record of its
    /// schema (`rel_schema`).
    ///
    /// Traced as one span, `op = "drop_all"`, `table = "*"`, `strategy = "ddl"`.
    pub async fn drop_all(&self, db: &Db) -> Result<()> {
        let op = Operation::new("drop_all", "*", "ddl");
        let work = Box::pin(async {
            if let Err(e) = self.check() {
                return (Err(e), 0);
            }
            let mut statements = self.drop_ddl(db.dialect());
            statements.push(forget_ddl(db.dialect()));
            let (result, sent) = db.run_on_one_connection(&statements).await;
            if result.is_ok() {
                db.knowledge_mut().forget();
            }
            (result, sent)
        });
        op.run(work, |()| 0).await
    }
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
        let work = Conn::Db(self).operate(Pull);
        op.run(statements(work), |source| source.lines().count() as u64)
            .await
    }
}

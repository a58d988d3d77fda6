//! What runs a query or a write: the methods users call on queries, writes and schemas
//! (`Query::all`, `Update::run`, `Schema::create_all` …), and the two traits through
//! which they reach a connection of `relruntime`'s.
//!
//! The methods are inherent, so that they need no import; their bodies live with the
//! connections (`relruntime`'s `db/ext.rs`), which this crate may not depend on. A
//! method takes `impl IntoRunner<Via>`, which `relruntime` implements for `&Db`,
//! `&mut Transaction`, `Conn` and every sqlx connection and transaction a `Conn` is
//! made from; a schema's take `impl SchemaRunner<Via>`, implemented for `&Db`. `Via` is a type of
//! `relruntime`'s in every one of those impls: Rust lets a crate implement another
//! crate's trait for another crate's type (`&mut sqlx::SqliteConnection`) only when
//! one of the trait's parameters is its own. It is always inferred.

use crate::migrate::{Destructive, Migration, Step};
use crate::model::error::Result;
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::read::integrity::Orphans;
use crate::read::page::{Page, PagedQuery};
use crate::read::prepared::Bound;
use crate::read::query::Query;
use crate::read::select::{Partial, Select};
use crate::sql::exec::BoxFuture;
use crate::write::{ColumnsSet, Delete, Filtered, HasSets, RowsChosen, Update, Upsert};
use std::future::Future;

/// A connection a query or a write runs on, as `relruntime`'s `Conn` does. Not an
/// API: implemented by `Conn` only.
#[doc(hidden)]
pub trait Runner: Send + Sized {
    /// The matching rows of a query whose placeholders are all bound, with their
    /// relations loaded.
    fn all<T: Table>(self, query: Query<T>) -> impl Future<Output = Result<Vec<T>>> + Send;

    /// How many rows a query whose placeholders are all bound matches.
    fn count<T: Table>(self, query: Query<T>) -> impl Future<Output = Result<u64>> + Send;

    /// The rows of a partial select.
    fn select<P: Partial>(self, select: Select<P>) -> impl Future<Output = Result<Vec<P>>> + Send;

    /// Runs an update with its filter and its values.
    fn update<'c, T: Table>(
        self,
        update: Update<T, Filtered, HasSets>,
    ) -> BoxFuture<'c, Result<u64>>
    where
        Self: 'c;

    /// Runs a delete with its filter.
    fn delete<'c, T: Table>(self, delete: Delete<T, Filtered>) -> BoxFuture<'c, Result<u64>>
    where
        Self: 'c;

    /// Runs an upsert: the key of the row inserted or updated.
    fn upsert<T: Table>(self, upsert: Upsert<'_, T>)
    -> impl Future<Output = Result<T::Key>> + Send;
}

/// What a query or a write runs on: `&db`, `&mut tx` (a Rel `Transaction`), a `Conn`,
/// or a sqlx connection, pooled connection or transaction of yours (`&mut conn`,
/// `&mut sqlx_tx`). `Via` is a type of Rel's, always inferred: it is what lets Rel
/// implement this trait for sqlx's types. Rel implements it for each of those and
/// nothing else should: a second impl for the same type (with another `Via`) would
/// leave `Via` ambiguous at every call. To run on a type of your own, convert it:
/// `.all(Conn::from(..))`.
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
/// let pool = rel::sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let db = Db::from_pool(pool.clone()).await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Note>().create_all(&db).await?;
/// db.insert(&Note { id: 1 }).await?;
/// assert_eq!(Note::query().count(&db).await?, 1);
///
/// let mut tx = db.begin().await?;
/// assert_eq!(Note::query().count(&mut tx).await?, 1);
/// tx.commit().await?;
///
/// // A transaction of your own, on your pool.
/// let mut sqlx_tx = pool.begin().await?;
/// assert_eq!(Note::query().count(&mut sqlx_tx).await?, 1);
/// sqlx_tx.rollback().await?;
///
/// // Generic code names the trait through `rel`.
/// async fn notes<Via>(conn: impl rel::IntoRunner<Via>) -> rel::Result<u64> {
///     Note::query().count(conn).await
/// }
/// assert_eq!(notes(&db).await?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[diagnostic::on_unimplemented(
    message = "Rel cannot run a query or a write on `{Self}`",
    label = "not a `Db`, `Transaction`, `Conn`, or sqlx connection or transaction",
    note = "pass `&db`, `&mut tx`, a `Conn`, or `&mut` a sqlx connection, pooled connection or transaction of a backend Rel is built with"
)]
pub trait IntoRunner<Via> {
    /// The connection it becomes.
    #[doc(hidden)]
    type Runner: Runner;

    /// Becomes that connection.
    #[doc(hidden)]
    fn into_runner(self) -> Self::Runner;
}

/// What a schema is created, checked, diffed, pushed and dropped through: `&db`.
/// `Via` is a type of Rel's, always inferred. See [`Schema::create_all`].
#[diagnostic::on_unimplemented(
    message = "a schema is created, compared and changed through a `&Db`, not `{Self}`",
    label = "not a `&Db`"
)]
pub trait SchemaRunner<Via>: Copy + Send {
    /// Creates the schema's tables and records it (see [`Schema::create_all`]).
    #[doc(hidden)]
    fn create_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
    where
        Self: 'd;

    /// The rows whose relations point nowhere (see [`Schema::check_integrity`]).
    #[doc(hidden)]
    fn check_integrity<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Orphans>>>
    where
        Self: 'd;

    /// The steps from the database to the schema (see [`Schema::diff`]).
    #[doc(hidden)]
    fn diff<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Vec<Step>>>
    where
        Self: 'd;

    /// The migration from the database to the schema (see [`Schema::migration`]).
    #[doc(hidden)]
    fn migration<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<Migration>>
    where
        Self: 'd;

    /// Brings the database to the schema (see [`Schema::push`]).
    #[doc(hidden)]
    fn push<'d>(
        self,
        schema: &'d Schema,
        destructive: Destructive,
    ) -> BoxFuture<'d, Result<Migration>>
    where
        Self: 'd;

    /// Drops the schema's tables (see [`Schema::drop_all`]).
    #[doc(hidden)]
    fn drop_all<'d>(self, schema: &'d Schema) -> BoxFuture<'d, Result<()>>
    where
        Self: 'd;
}

impl<T: Table> Query<T> {
    /// Runs the query: the matching rows, with their relations loaded.
    pub async fn all<Via>(self, conn: impl IntoRunner<Via>) -> Result<Vec<T>> {
        self.check_bound()?;
        conn.into_runner().all(self).await
    }

    /// The first matching row.
    pub async fn first<Via>(self, conn: impl IntoRunner<Via>) -> Result<Option<T>> {
        Ok(self.limit(1).all(conn).await?.pop())
    }

    /// How many rows match (after limit and offset, when given).
    pub async fn count<Via>(self, conn: impl IntoRunner<Via>) -> Result<u64> {
        self.check_bound()?;
        conn.into_runner().count(self).await
    }
}

impl<T: Table> Bound<T> {
    /// Runs the prepared query with the values bound: the matching rows, with their
    /// relations loaded (see [`Query::all`]). A placeholder given no value is
    /// [`Error::Unbound`](crate::model::error::Error::Unbound), and nothing is sent.
    pub async fn all<Via>(self, conn: impl IntoRunner<Via>) -> Result<Vec<T>> {
        self.filled().all(conn).await
    }

    /// The first matching row (see [`Query::first`]).
    pub async fn first<Via>(self, conn: impl IntoRunner<Via>) -> Result<Option<T>> {
        self.filled().first(conn).await
    }

    /// How many rows match (see [`Query::count`]).
    pub async fn count<Via>(self, conn: impl IntoRunner<Via>) -> Result<u64> {
        self.filled().count(conn).await
    }
}

impl<T: Table> PagedQuery<T> {
    /// Reads the page: one statement (with nested loads as the query's strategy reads
    /// them). A cursor of another query (another table, order or filter), or text that
    /// is no cursor, is [`Error::Cursor`](crate::model::error::Error::Cursor); so is an order by a
    /// related value, which a cursor cannot hold.
    pub async fn all<Via>(self, conn: impl IntoRunner<Via>) -> Result<Page<T>> {
        let (query, prepared) = self.prepare()?;
        let rows = query.all(conn).await?;
        Ok(PagedQuery::finish(prepared, rows))
    }
}

impl<P: Partial> Select<P> {
    /// The rows, each a `P` of the selected columns.
    pub async fn all<Via>(self, conn: impl IntoRunner<Via>) -> Result<Vec<P>> {
        conn.into_runner().select(self).await
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
    pub fn run<'c, C, Via>(self, conn: C) -> BoxFuture<'c, Result<u64>>
    where
        C: IntoRunner<Via>,
        C::Runner: 'c,
        F: RowsChosen,
        S: ColumnsSet,
    {
        conn.into_runner().update(self.into_state())
    }
}

impl<T: Table, F> Delete<T, F> {
    /// Runs the delete: how many rows it deleted. It runs once it says which rows
    /// (`.filter(..)` or `.all_rows()`): a compile error otherwise.
    /// Its future is boxed, as [`Update::run`]'s is.
    pub fn run<'c, C, Via>(self, conn: C) -> BoxFuture<'c, Result<u64>>
    where
        C: IntoRunner<Via>,
        C::Runner: 'c,
        F: RowsChosen,
    {
        conn.into_runner().delete(self.into_state())
    }
}

impl<T: Table> Upsert<'_, T> {
    /// Runs the upsert: the key of the row inserted or updated.
    pub async fn run<Via>(self, conn: impl IntoRunner<Via>) -> Result<T::Key> {
        conn.into_runner().upsert(self).await
    }
}

impl Schema {
    /// Creates every table, index and foreign key of the schema, records the schema in
    /// the database (its relation mode and its tables, in the table `rel_schema`), and
    /// tells `db` it is the schema its database has (`Db::use_schema`).
    ///
    /// The record is what makes the mode the database's, not the process's: every `Db`
    /// that connects to the database later, in any process, reads it and enforces the
    /// relations as it says (Emulated mode's checks and actions included), knowing the
    /// tables from the structs of its program.
    ///
    /// On SQLite and PostgreSQL this is one transaction; MySQL commits each DDL statement.
    ///
    /// Traced as one span, `op = "create_all"`, `table = "*"`, `strategy = "ddl"`.
    pub fn create_all<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
    ) -> BoxFuture<'d, Result<()>> {
        db.create_all(self)
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
    pub fn check_integrity<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
    ) -> BoxFuture<'d, Result<Vec<Orphans>>> {
        db.check_integrity(self)
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
    /// rel::sqlx::query("ALTER TABLE note ADD COLUMN extra TEXT").execute(pool).await.unwrap();
    /// let steps = schema.diff(&db).await?;
    /// assert_eq!(steps.len(), 1);
    /// assert_eq!(steps[0].to_string(), "drop column note.extra");
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// Traced as one span, `op = "diff"`, `table = "*"`, whose `rows` is the number of
    /// steps.
    pub fn diff<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
    ) -> BoxFuture<'d, Result<Vec<Step>>> {
        db.diff(self)
    }

    /// The migration from the database to this schema: [`Schema::diff`]'s steps and
    /// the statements that carry them out on the database's dialect, to review, or to
    /// write as a sqlx migration file ([`Migration::write_to`](crate::migrate::Migration::write_to))
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
    pub fn migration<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
    ) -> BoxFuture<'d, Result<Migration>> {
        db.migration(self)
    }

    /// Carries out the migration from the database to this schema at once, like
    /// `drizzle-kit push`: for development, and for programs that own their database.
    /// Destructive steps (drops, and changes of columns and keys) are refused unless
    /// `destructive` is [`Destructive::Allow`](crate::migrate::Destructive::Allow); the refusal
    /// lists them and sends nothing. On PostgreSQL and SQLite it is one transaction;
    /// MySQL and MariaDB commit each DDL statement. Returns what was done.
    pub fn push<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
        destructive: Destructive,
    ) -> BoxFuture<'d, Result<Migration>> {
        db.push(self, destructive)
    }

    /// Drops every table of the schema that exists, and the database's record of its
    /// schema (`rel_schema`).
    ///
    /// Traced as one span, `op = "drop_all"`, `table = "*"`, `strategy = "ddl"`.
    pub fn drop_all<'d, Via>(
        &'d self,
        db: impl SchemaRunner<Via> + 'd,
    ) -> BoxFuture<'d, Result<()>> {
        db.drop_all(self)
    }
}

//! `Db`: a pool on one backend.

use super::builder::DbBuilder;
use super::conn::Conn;
use super::graph::InsertGraph;
use super::knowledge::{Knowledge, Known, read_record};
use super::operation::Statements;
use super::replicas::{Config, Routing};
use super::transaction::Transaction;
use super::write::{DeleteKeyOp, InsertManyOp, InsertOp, UpdateRowOp};
use crate::driver::{Pool, Settings, SqlxConn, SqlxPool};
use crate::model::error::Result;
use crate::model::schema::{RelationMode, Schema};
use crate::model::table::Table;
use crate::read::query::Query;
use crate::read::relation::{Loadable, Relation};
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::BoxFuture;
use crate::write::Enforcement;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A connection pool to SQLite, PostgreSQL or MySQL/MariaDB, chosen by URL.
///
/// Cloning is cheap and shares the pool. SQLite connections have foreign keys on.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug, PartialEq)]
/// struct Note {
///     #[column(primary_key, auto_increment)]
///     id: i64,
///     body: String,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Note>().create_all(&db).await?;
/// let id = db.insert(&Note { id: 0, body: "hello".into() }).await?;
/// assert_eq!(db.get::<Note>(&id).await?.unwrap().body, "hello");
/// assert_eq!(db.all::<Note>().await?.len(), 1);
/// assert!(db.delete::<Note>(&id).await?);
/// assert_eq!(db.get::<Note>(&id).await?, None);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Db {
    pub(super) pool: Pool,
    pub(super) statements: Arc<AtomicU64>,
    /// What the `Db` knows of the schema its database has (told, declared, recorded),
    /// shared by its clones.
    pub(super) knowledge: Arc<RwLock<Knowledge>>,
    /// How many times a write Rel owned ran again after a retryable abort.
    pub(super) retries: Arc<AtomicU64>,
    /// This clone writes with no relation checks of Rel's (`Db::unenforced`).
    pub(super) unenforced: bool,
    /// Its read replicas, where it has some (`DbBuilder::replica`, `Db::from_pools`).
    pub(super) routing: Option<Routing>,
}

/// Shows the dialect and the statement count, never the URL or its password.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.dialect())
            .field("statements", &self.statement_count())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Connects by URL: `sqlite::memory:`, `sqlite://file.db` (created if missing),
    /// `postgres://user:pass@host/db`, `mysql://user:pass@host/db`, with the default
    /// settings of [`DbBuilder`].
    ///
    /// An in-memory SQLite database lives as long as the `Db`; it uses a single
    /// connection, so do not use the `Db` itself while one of its transactions is open.
    pub async fn connect(url: &str) -> Result<Db> {
        Db::builder(url).connect().await
    }

    /// Settings for the pool before connecting: `Db::builder(url).max_connections(8).connect()`.
    pub fn builder(url: &str) -> DbBuilder {
        DbBuilder {
            url: url.to_owned(),
            settings: Settings::default(),
            mode: None,
            replicas: Vec::new(),
            replica_config: Config::default(),
        }
    }

    /// A `Db` over a sqlx pool of yours: a `sqlx::SqlitePool`, `PgPool` or
    /// `MySqlPool`, shared with the rest of your code. Rel readies each SQLite
    /// connection it takes from it (its `rel_lower` function, foreign keys on,
    /// case-sensitive `LIKE`, which then holds for your own queries on that connection
    /// too); on MySQL it first asks the server's version and whether it is a cluster
    /// node. Pool settings are the pool's own.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let db = rel::Db::from_pool(pool).await?;
    /// assert_eq!(db.dialect(), rel::Dialect::Sqlite);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn from_pool(pool: impl Into<SqlxPool>) -> Result<Db> {
        Db::open(Pool::borrow(pool.into()).await?, None).await
    }

    /// A `Db` over `pool`, which reads what its database recorded of its schema: one
    /// statement, once per pool.
    pub(super) async fn open(pool: Pool, declared: Option<RelationMode>) -> Result<Db> {
        let statements = Arc::new(AtomicU64::new(0));
        let recorded = read_record(&pool, &statements).await?;
        Ok(Db {
            pool,
            statements,
            knowledge: Arc::new(RwLock::new(Knowledge::new(declared, recorded))),
            retries: Arc::default(),
            unenforced: false,
            routing: None,
        })
    }

    /// This `Db`, declaring who enforces its database's relations: for a database Rel
    /// did not create, which records no relation mode (see
    /// [`DbBuilder::relation_mode`]). Every clone of the `Db` shares it.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let db = Db::from_pool(pool).await?.relation_mode(RelationMode::ForeignKeys);
    /// # let _ = db;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn relation_mode(self, mode: RelationMode) -> Db {
        self.knowledge_mut().declare(mode);
        self
    }

    /// Closes the pool, as sqlx's `Pool::close`: later operations fail at once (with
    /// `sqlx::Error::PoolClosed` as [`Error::Database`](crate::Error::Database)), and
    /// this waits until the connections in use are returned and closed, so do not
    /// await it while you hold one of its `Transaction`s (or a sqlx connection from the
    /// same pool): it would wait forever. Every clone of the `Db` shares the pool; on a
    /// pool of yours ([`Db::from_pool`]) this closes yours too. A pool Rel made is also
    /// closed, without waiting, when its last clone is dropped.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// db.close().await;
    /// assert!(db.begin().await.unwrap_err().is_connection());
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn close(&self) {
        if let Some(routing) = &self.routing {
            routing.replicas.close().await;
        }
        self.pool.close().await
    }

    /// The sqlx pool under this `Db` when it is SQLite's (`None` on another backend),
    /// for statements of your own next to Rel's: a pool Rel made, with Rel's settings,
    /// or yours from [`Db::from_pool`]. Connections of a pool Rel made are readied for
    /// Rel when they open; a connection of it that you begin a sqlx transaction on is
    /// one Rel can use (`Conn::from(&mut tx)`).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// let pool = db.sqlite_pool().expect("a SQLite Db");
    /// let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(pool).await?;
    /// assert_eq!(one, 1);
    /// assert!(db.postgres_pool().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        self.pool.sqlx()
    }

    /// The sqlx pool under this `Db` when it is PostgreSQL's, as `Db::sqlite_pool` is SQLite's.
    ///
    /// A pool Rel made hands its connections out without sqlx's ping
    /// (`test_before_acquire` off): Rel's own reads and transactions run again on
    /// another connection when the server had ended theirs while idle, and its single
    /// writes test theirs first, but a statement of yours on this pool meets such a
    /// connection as an error. For statements of your own that should not, make the
    /// pool with sqlx's defaults and give it to [`Db::from_pool`].
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        self.pool.sqlx()
    }

    /// The sqlx pool under this `Db` when it is MySQL's or MariaDB's, as
    /// `Db::sqlite_pool` is SQLite's, handing its connections out without sqlx's ping
    /// as [`Db::postgres_pool`] says.
    #[cfg(feature = "mysql")]
    pub fn mysql_pool(&self) -> Option<&sqlx::MySqlPool> {
        self.pool.sqlx()
    }

    /// This `Db` with statement events that carry their bound values (or not): what
    /// [`DbBuilder::trace_values`] sets for a pool Rel makes, for a `Db` over a pool of
    /// yours. Clones made before keep their setting.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let db = rel::Db::from_pool(pool).await?.trace_values(true);
    /// # let _ = db;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn trace_values(mut self, on: bool) -> Db {
        self.pool.set_trace_values(on);
        self
    }

    /// The dialect of the backend.
    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    /// Whether the server is a node of a multi-primary cluster (MariaDB Galera, found
    /// at connect by `@@wsrep_on`). There, Emulated mode also writes conflict guards,
    /// so that conflicting writes on different nodes cannot both commit (see the
    /// guide's page on clusters, `rel::guide::cluster`).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = rel::Db::connect("sqlite::memory:").await?;
    /// assert!(!db.is_multi_primary());
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn is_multi_primary(&self) -> bool {
        self.pool.guards()
    }

    /// Tells the `Db` the schema its database has: the relation mode, and every
    /// relation, whichever side declares it. [`Schema::create_all`] does this itself;
    /// call it for a database created before. The `Db`'s clones share it.
    ///
    /// With it, a refused delete names the referencing relation even where only the
    /// referencing table declares it.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct Tag {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::ForeignKeys).table::<Tag>();
    /// db.use_schema(&schema);
    /// assert_eq!(db.schema().map(|s| s.mode()), Some(RelationMode::ForeignKeys));
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn use_schema(&self, schema: &Schema) {
        super::trace::query_only_relations(schema);
        self.knowledge_mut().tell(Known::new(schema.clone()));
    }

    /// The schema the `Db` was told its database has, if any (see [`Db::use_schema`]).
    pub fn schema(&self) -> Option<Arc<Schema>> {
        self.knowledge().told().map(|known| known.schema.clone())
    }

    pub(super) fn knowledge(&self) -> std::sync::RwLockReadGuard<'_, Knowledge> {
        self.knowledge.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn knowledge_mut(&self) -> std::sync::RwLockWriteGuard<'_, Knowledge> {
        self.knowledge.write().unwrap_or_else(|e| e.into_inner())
    }

    /// How a write through this `Db` (or a transaction begun now) enforces relations:
    /// the one place that decides it, from what the `Db` knows of its database's schema
    /// and what its pool found at connect (see `db/knowledge.rs`).
    pub(super) fn enforcement(&self) -> Enforcement {
        let enforcement = self
            .knowledge()
            .enforcement(self.pool.locking(), self.pool.guards());
        if self.unenforced {
            return enforcement.unenforced();
        }
        enforcement
    }

    /// A clone of this `Db` whose writes Rel does not check: no existence checks and no
    /// actions in Emulated mode, nothing refused for an unknown mode. For loading data
    /// that breaks the relations on purpose (an import of legacy rows, a test of
    /// `check_integrity`); the database's own foreign keys, where it has them, still
    /// apply. Explicit and visible: each write's `rel` span says `strategy =
    /// "unenforced"`, and a `rel::enforcement` warning names the table. Reads are
    /// as they are; other clones of the `Db` keep their checks.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table, Debug)]
    /// struct Author {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// struct Book {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     author_id: i64,
    ///     #[relation(one, from = author_id, to = Author::id)]
    ///     author: One<Author>,
    /// }
    ///
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::Emulated).table::<Book>();
    /// schema.create_all(&db).await?;
    /// let orphan = Book { id: 1, author_id: 9, author: One::default() };
    /// assert!(db.insert(&orphan).await.is_err());
    /// db.unenforced().insert(&orphan).await?;
    /// assert_eq!(schema.check_integrity(&db).await?[0].count, 1);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn unenforced(&self) -> Db {
        Db {
            unenforced: true,
            ..self.clone()
        }
    }

    /// How many times this `Db` ran a write again after the database aborted it for a
    /// deadlock, a serialization failure or a busy database (only writes whose
    /// transaction Rel owns are run again; see [`Error::is_retryable`](crate::Error::is_retryable)).
    pub fn retry_count(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// How many statements this `Db` (and its transactions) has sent so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Starts a transaction.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// that one which reads and then writes never fails on the lock upgrade; other
    /// writers wait for it up to the busy timeout (see [`DbBuilder::sqlite_busy_timeout`]).
    pub async fn begin(&self) -> Result<Transaction> {
        if self.routing.is_some() {
            // A transaction runs on the primary, its reads too.
            super::trace::node(super::replicas::PRIMARY);
        }
        let link = self.pool.begin(&self.statements).await?;
        Ok(Transaction {
            link: self.pool.held_by(link),
            enforcement: self.enforcement(),
            aborted: false,
            routing: self.routing.clone(),
        })
    }

    /// Runs `statements` in order on one connection, outside any transaction.
    pub(crate) async fn run_on_one_connection(
        &self,
        statements: &[Statement],
    ) -> (Result<()>, u64) {
        let (result, sent) = Conn::Db(self).operate(Statements(statements)).await;
        (result, sent.statements)
    }

    /// Inserts one row and returns its key (generated, for an `auto_increment` key).
    ///
    /// `auto_increment` columns are always generated: the value in `row` is not sent.
    pub fn insert<'a, T: Table>(&'a self, row: &'a T) -> BoxFuture<'a, Result<T::Key>> {
        Box::pin(super::write::run(Conn::Db(self), InsertOp { row }))
    }

    /// Inserts rows, in one transaction, and returns their keys in order.
    pub fn insert_many<'a, T: Table>(
        &'a self,
        rows: &'a [T],
    ) -> BoxFuture<'a, Result<Vec<T::Key>>> {
        Box::pin(async move { super::write::run(Conn::Db(self), InsertManyOp { rows }).await })
    }

    /// Inserts `row` and every row loaded in its relation fields, at any depth, in one
    /// transaction: one `insert_many` per table per level, whatever the number of rows.
    /// Generated keys and foreign keys are set on the rows in place; how many rows it
    /// inserted.
    ///
    /// - A `Many` (or a `One` whose key the other side holds) inserts its rows below
    ///   the parent, with the parent's key.
    /// - A loaded `One` whose key this row holds (a post's `author`) is inserted first,
    ///   and the row's foreign key set from it. Not loaded, the foreign-key column says
    ///   which existing row it points to (a connect by key).
    /// - A relation through a junction (`through`) inserts its targets below, then one
    ///   junction row per parent and target.
    /// - Relations not loaded are left alone. A `One` loaded in a row inserted under
    ///   the parent it points to (a post's `author` under that author's `posts`) is
    ///   [`Error::Unsupported`](crate::Error::Unsupported): it would be inserted twice.
    ///
    /// A failure at any level returns its typed error and leaves nothing written.
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "users")]
    /// struct User {
    ///     #[column(primary_key, auto_increment)]
    ///     id: i64,
    ///     name: String,
    ///     #[relation(many)]
    ///     posts: Many<Post>,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "posts")]
    /// struct Post {
    ///     #[column(primary_key, auto_increment)]
    ///     id: i64,
    ///     user_id: i64,
    ///     title: String,
    ///     #[relation(one, from = user_id, to = User::id)]
    ///     user: One<User>,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
    /// let post = |title: &str| Post { id: 0, user_id: 0, title: title.into(), user: One::default() };
    /// let mut ada = User {
    ///     id: 0,
    ///     name: "Ada".into(),
    ///     posts: Many::loaded(vec![post("Notes"), post("Engines")]),
    /// };
    /// assert_eq!(db.insert_graph(&mut ada).await?, 3);
    /// assert_eq!(ada.id, 1);
    /// let posts = ada.posts.get()?;
    /// assert_eq!((posts[1].id, posts[1].user_id), (2, 1));
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn insert_graph<'a, T: Table>(&'a self, row: &'a mut T) -> InsertGraph<'a, T> {
        self.insert_graph_many(std::slice::from_mut(row))
    }

    /// [`insert_graph`](Db::insert_graph) of several rows at once: each level of all of
    /// them in the same statements.
    pub fn insert_graph_many<'a, T: Table>(&'a self, rows: &'a mut [T]) -> InsertGraph<'a, T> {
        InsertGraph::new(Conn::Db(self), rows)
    }

    /// The row with this primary key.
    pub fn get<'a, T: Table>(&'a self, key: &'a T::Key) -> BoxFuture<'a, Result<Option<T>>> {
        Box::pin(async move {
            Query::<T>::by_key(key)
                .all(self)
                .await
                .map(|mut rows| rows.pop())
        })
    }

    /// All rows, ordered by primary key.
    pub fn all<T: Table>(&self) -> BoxFuture<'_, Result<Vec<T>>> {
        Box::pin(Query::<T>::new().all(self))
    }

    /// Writes every column of `row` but its primary key to the row with its key;
    /// whether a row matched. Relation fields are ignored. To change a key, use
    /// `T::update().set(..).filter(..)`.
    pub fn update<'a, T: Table>(&'a self, row: &'a T) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { super::write::run(Conn::Db(self), UpdateRowOp { row }).await })
    }

    /// Inserts `row`, or on a conflict with its primary key updates every other column
    /// of the existing row; its key either way. See [`Upsert`](crate::Upsert) for a
    /// conflict on unique columns.
    pub fn upsert<'a, T: Table>(&'a self, row: &'a T) -> BoxFuture<'a, Result<T::Key>> {
        Box::pin(async move { crate::write::Upsert::new(row).run(self).await })
    }

    /// Deletes the row with this primary key; whether there was one.
    pub fn delete<'a, T: Table>(&'a self, key: &'a T::Key) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { super::write::run(Conn::Db(self), DeleteKeyOp::<T> { key }).await })
    }

    /// A sqlx connection or transaction of yours, with this `Db`, which knows the
    /// schema and who enforces its relations: writes on it run as writes through the
    /// `Db` do (Emulated mode's checks, actions and locks included), each at a
    /// savepoint inside your transaction. Pass it where a `Db` goes.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    ///
    /// #[derive(Table, Debug)]
    /// struct Author {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// struct Book {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     author_id: i64,
    ///     #[relation(one, from = author_id, to = Author::id, on_delete = cascade)]
    ///     author: One<Author>,
    /// }
    ///
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let db = Db::from_pool(pool.clone()).await?;
    /// Schema::new(RelationMode::Emulated).table::<Book>().create_all(&db).await?;
    ///
    /// let mut tx = pool.begin().await?;
    /// db.on(&mut tx).insert(&Author { id: 1 }).await?;
    /// db.on(&mut tx).insert(&Book { id: 1, author_id: 1, author: One::default() }).await?;
    /// // Emulated mode holds in your transaction too: no author 2, no book.
    /// let orphan = db.on(&mut tx).insert(&Book { id: 2, author_id: 2, author: One::default() }).await;
    /// assert!(matches!(orphan, Err(rel::Error::ForeignKey { relation: Some("author"), .. })));
    /// // Without its Db, your connection knows no schema, and refuses the write.
    /// let bare = Conn::from(&mut tx).insert(&Book { id: 3, author_id: 1, author: One::default() }).await;
    /// assert!(matches!(bare, Err(rel::Error::Enforcement { table: "book", .. })));
    /// tx.commit().await?;
    /// assert_eq!(db.all::<Book>().await?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn on<'a>(&'a self, conn: impl Into<SqlxConn<'a>>) -> Conn<'a> {
        Conn::On(self, conn.into())
    }

    /// Loads `relation` (with its filter, order, limit and nested loads) onto rows that
    /// were fetched before: `db.load(&mut users, User::posts().with(Post::comments()))`.
    pub fn load<'a, T: Table, R: Table, K, S: Loadable>(
        &'a self,
        rows: &'a mut [T],
        relation: Relation<T, R, K, S>,
    ) -> BoxFuture<'a, Result<()>> {
        Conn::Db(self).load(rows, relation)
    }
}

//! `Db` (a pool on one backend) and `Transaction`.

use crate::backend::Session;
use crate::crud;
use crate::ddl::Schema;
use crate::error::{Error, Result};
use crate::meta::Table;
use crate::sql::{Dialect, Statement};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    statements: Arc<AtomicU64>,
}

#[derive(Clone, Debug)]
enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

/// A pooled connection held for one operation.
pub(crate) enum Held {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl Held {
    fn session(&mut self) -> Session<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Held::Sqlite(c) => Session::Sqlite(c),
            #[cfg(feature = "postgres")]
            Held::Postgres(c) => Session::Postgres(c),
            #[cfg(feature = "mysql")]
            Held::MySql(c) => Session::MySql(c),
        }
    }
}

/// A transaction: commit it, or it rolls back when dropped.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct Item {
///     #[column(primary_key)]
///     id: i32,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Item>().create_all(&db).await?;
/// let mut tx = db.begin().await?;
/// tx.insert(&Item { id: 1 }).await?;
/// tx.rollback().await?;
/// assert!(db.all::<Item>().await?.is_empty());
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Transaction {
    inner: Tx,
    statements: Arc<AtomicU64>,
}

enum Tx {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// Where a query runs: a [`Db`] (any pooled connection) or a [`Transaction`].
///
/// Query methods take `impl Into<Conn>`, so pass `&db` or `&mut tx`.
pub enum Conn<'a> {
    /// A pool.
    Db(&'a Db),
    /// A transaction.
    Tx(&'a mut Transaction),
}

impl<'a> From<&'a Db> for Conn<'a> {
    fn from(db: &'a Db) -> Self {
        Conn::Db(db)
    }
}

impl<'a> From<&'a mut Transaction> for Conn<'a> {
    fn from(tx: &'a mut Transaction) -> Self {
        Conn::Tx(tx)
    }
}

/// A connection held for one operation.
pub(crate) enum Acquired<'a> {
    Held(Held, &'a AtomicU64),
    Tx(&'a mut Transaction),
}

impl<'a> Conn<'a> {
    pub(crate) async fn acquire(self) -> Result<Acquired<'a>> {
        Ok(match self {
            Conn::Db(db) => Acquired::Held(db.hold().await?, &db.statements),
            Conn::Tx(tx) => Acquired::Tx(tx),
        })
    }
}

impl Acquired<'_> {
    pub(crate) fn runner(&mut self) -> Runner<'_> {
        match self {
            Acquired::Held(held, statements) => Runner {
                session: held.session(),
                statements,
            },
            Acquired::Tx(tx) => tx.runner(),
        }
    }
}

/// Loads `relation` onto `rows` that were fetched before.
pub(crate) async fn load_onto<T: Table, R: Table>(
    run: &mut Runner<'_>,
    rows: &mut [T],
    relation: crate::Relation<T, R>,
) -> Result<()> {
    crate::load::load(run, rows, &[relation.into_load()], "").await
}

/// Something statements run on: `&Db` or `&mut Transaction`.
pub(crate) struct Runner<'a> {
    pub(crate) session: Session<'a>,
    statements: &'a AtomicU64,
}

impl Runner<'_> {
    pub(crate) fn dialect(&self) -> Dialect {
        self.session.dialect()
    }

    pub(crate) async fn fetch(
        &mut self,
        stmt: &Statement,
        types: &[crate::SqlType],
    ) -> Result<Vec<Vec<crate::Value>>> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.session.fetch(stmt, types).await
    }

    /// Runs a statement and hands each row's cells to `each`.
    pub(crate) async fn fetch_each(
        &mut self,
        stmt: &Statement,
        each: impl FnMut(crate::backend::Cells<'_>) -> Result<()>,
    ) -> Result<()> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.session.fetch_each(stmt, each).await
    }

    pub(crate) async fn execute(&mut self, stmt: &Statement) -> Result<crate::backend::Done> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.session.execute(stmt).await
    }
}

fn connect_error(url: &str, message: impl Into<String>) -> Error {
    // Keep the password out of error messages.
    let shown = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    };
    Error::Connect {
        url: shown,
        message: message.into(),
    }
}

impl Db {
    /// Connects by URL: `sqlite::memory:`, `sqlite://file.db` (created if missing),
    /// `postgres://user:pass@host/db`, `mysql://user:pass@host/db`.
    ///
    /// An in-memory SQLite database lives as long as the `Db`; it uses a single
    /// connection, so do not use the `Db` itself while one of its transactions is open.
    pub async fn connect(url: &str) -> Result<Db> {
        let dialect = Dialect::from_url(url).ok_or_else(|| {
            connect_error(url, "unknown scheme: use sqlite:, postgres: or mysql:")
        })?;
        let pool = match dialect {
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => {
                use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
                use std::str::FromStr;
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| connect_error(url, e.to_string()))?
                    .foreign_keys(true)
                    // `LIKE` is case-sensitive on PostgreSQL and MySQL (utf8mb4_bin).
                    .pragma("case_sensitive_like", "ON")
                    .create_if_missing(true);
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                let pool = SqlitePoolOptions::new().after_connect(|conn, _| {
                    Box::pin(async move { crate::sqlite_functions::register(conn).await })
                });
                let pool = if memory {
                    // One shared-cache database that lives as long as its last connection.
                    pool.max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                } else {
                    pool
                };
                Pool::Sqlite(pool.connect_with(options).await?)
            }
            #[cfg(feature = "postgres")]
            Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(url).await?),
            #[cfg(feature = "mysql")]
            Dialect::MySql => Pool::MySql(sqlx::MySqlPool::connect(url).await?),
            #[allow(unreachable_patterns)]
            other => {
                return Err(connect_error(
                    url,
                    format!("this build of rel has no {other:?} support; enable its cargo feature"),
                ));
            }
        };
        Ok(Db {
            pool,
            statements: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The dialect of the backend.
    pub fn dialect(&self) -> Dialect {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Dialect::MySql,
        }
    }

    /// How many statements this `Db` (and its transactions) has sent so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    async fn hold(&self) -> Result<Held> {
        Ok(match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Held::Sqlite(p.acquire().await?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Held::Postgres(p.acquire().await?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Held::MySql(p.acquire().await?),
        })
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Transaction> {
        let inner = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Tx::MySql(p.begin().await?),
        };
        Ok(Transaction {
            inner,
            statements: self.statements.clone(),
        })
    }

    /// Runs `statements` in order on one connection, outside any transaction.
    pub(crate) async fn run_on_one_connection(&self, statements: &[Statement]) -> Result<()> {
        let mut acquired = Conn::Db(self).acquire().await?;
        let mut runner = acquired.runner();
        for stmt in statements {
            runner.execute(stmt).await?;
        }
        Ok(())
    }

    /// Inserts one row and returns its key (generated, for an `auto_increment` key).
    ///
    /// `auto_increment` columns are always generated: the value in `row` is not sent.
    pub async fn insert<T: Table>(&self, row: &T) -> Result<T::Key> {
        let mut acquired = Conn::Db(self).acquire().await?;
        crud::insert(&mut acquired.runner(), row).await
    }

    /// Inserts rows, in one transaction, and returns their keys in order.
    pub async fn insert_many<T: Table>(&self, rows: &[T]) -> Result<Vec<T::Key>> {
        let mut tx = self.begin().await?;
        let keys = tx.insert_many(rows).await?;
        tx.commit().await?;
        Ok(keys)
    }

    /// The row with this primary key.
    pub async fn get<T: Table>(&self, key: &T::Key) -> Result<Option<T>> {
        let mut acquired = Conn::Db(self).acquire().await?;
        crud::get(&mut acquired.runner(), key).await
    }

    /// All rows, ordered by primary key.
    pub async fn all<T: Table>(&self) -> Result<Vec<T>> {
        let mut acquired = Conn::Db(self).acquire().await?;
        crud::all(&mut acquired.runner()).await
    }

    /// Deletes the row with this primary key; whether there was one.
    pub async fn delete<T: Table>(&self, key: &T::Key) -> Result<bool> {
        let mut acquired = Conn::Db(self).acquire().await?;
        crud::delete::<T>(&mut acquired.runner(), key).await
    }

    /// Loads `relation` (with its filter, order, limit and nested loads) onto rows that
    /// were fetched before: `db.load(&mut users, User::posts().with(Post::comments()))`.
    pub async fn load<T: Table, R: Table>(
        &self,
        rows: &mut [T],
        relation: crate::Relation<T, R>,
    ) -> Result<()> {
        let mut acquired = Conn::Db(self).acquire().await?;
        load_onto(&mut acquired.runner(), rows, relation).await
    }
}

impl Transaction {
    fn runner(&mut self) -> Runner<'_> {
        let session = match &mut self.inner {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => Session::Sqlite(t),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => Session::Postgres(t),
            #[cfg(feature = "mysql")]
            Tx::MySql(t) => Session::MySql(t),
        };
        Runner {
            session,
            statements: &self.statements,
        }
    }

    /// The dialect of the backend.
    pub fn dialect(&mut self) -> Dialect {
        self.runner().dialect()
    }

    /// Commits.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.commit().await?,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.commit().await?,
            #[cfg(feature = "mysql")]
            Tx::MySql(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.rollback().await?,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.rollback().await?,
            #[cfg(feature = "mysql")]
            Tx::MySql(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Runs statements in order inside this transaction.
    pub(crate) async fn run(&mut self, statements: &[Statement]) -> Result<()> {
        let mut runner = self.runner();
        for stmt in statements {
            runner.execute(stmt).await?;
        }
        Ok(())
    }

    /// Inserts one row and returns its key. See [`Db::insert`].
    pub async fn insert<T: Table>(&mut self, row: &T) -> Result<T::Key> {
        crud::insert(&mut self.runner(), row).await
    }

    /// Inserts rows and returns their keys in order. See [`Db::insert_many`].
    pub async fn insert_many<T: Table>(&mut self, rows: &[T]) -> Result<Vec<T::Key>> {
        crud::insert_many(&mut self.runner(), rows).await
    }

    /// The row with this primary key.
    pub async fn get<T: Table>(&mut self, key: &T::Key) -> Result<Option<T>> {
        crud::get(&mut self.runner(), key).await
    }

    /// All rows, ordered by primary key.
    pub async fn all<T: Table>(&mut self) -> Result<Vec<T>> {
        crud::all(&mut self.runner()).await
    }

    /// Deletes the row with this primary key; whether there was one.
    pub async fn delete<T: Table>(&mut self, key: &T::Key) -> Result<bool> {
        crud::delete::<T>(&mut self.runner(), key).await
    }

    /// Loads `relation` onto rows fetched before. See [`Db::load`].
    pub async fn load<T: Table, R: Table>(
        &mut self,
        rows: &mut [T],
        relation: crate::Relation<T, R>,
    ) -> Result<()> {
        load_onto(&mut self.runner(), rows, relation).await
    }
}

impl Schema {
    /// Creates every table, index and foreign key of the schema.
    ///
    /// On SQLite and PostgreSQL this is one transaction; MySQL commits each DDL statement.
    pub async fn create_all(&self, db: &Db) -> Result<()> {
        let statements = self.ddl(db.dialect())?;
        if db.dialect() == Dialect::MySql {
            return db.run_on_one_connection(&statements).await;
        }
        let mut tx = db.begin().await?;
        tx.run(&statements).await?;
        tx.commit().await
    }

    /// Drops every table of the schema that exists.
    pub async fn drop_all(&self, db: &Db) -> Result<()> {
        db.run_on_one_connection(&self.drop_ddl(db.dialect())).await
    }
}

//! `Conn`: where a query or a write runs, a `Db`, a `Transaction`, or a sqlx connection
//! or transaction of yours.

use super::database::Db;
use super::trace::Operation;
use super::transaction::Transaction;
use super::write::{DeleteKeyOp, InsertManyOp, InsertOp, UpdateRowOp};
use crate::conn::{Held, Runner, SqlxConn};
use crate::model::error::Result;
use crate::model::table::Table;
use crate::read;
use crate::read::query::Query;
use crate::read::relation::Relation;
use crate::sql::dialect::Dialect;
use crate::write::Enforcement;
use std::sync::atomic::AtomicU64;

/// Where a query runs: a [`Db`] (any pooled connection), a [`Transaction`], or a
/// sqlx connection or transaction of yours ([`SqlxConn`]).
///
/// Query methods take `impl Into<Conn>`, so pass `&db`, `&mut tx`, or `&mut sqlx_tx`.
/// For inserts and writes by key on a sqlx transaction, say `Conn::from(&mut tx)`:
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct Note {
///     #[column(primary_key)]
///     id: i64,
///     text: String,
/// }
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let db = Db::from_pool(pool.clone()).await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Note>().create_all(&db).await?;
///
/// // Your transaction: your own SQL and Rel's writes, committed or rolled back together.
/// let mut tx = pool.begin().await?;
/// sqlx::query("INSERT INTO note (id, text) VALUES (1, 'by hand')").execute(&mut *tx).await?;
/// Conn::from(&mut tx).insert(&Note { id: 2, text: "by Rel".into() }).await?;
/// assert_eq!(Note::query().count(&mut tx).await?, 2);
/// tx.rollback().await?;
/// assert_eq!(Note::query().count(&db).await?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub enum Conn<'a> {
    /// A pool.
    Db(&'a Db),
    /// A transaction.
    Tx(&'a mut Transaction),
    /// A sqlx connection or transaction of yours.
    Sqlx(SqlxConn<'a>),
}

macro_rules! lend {
    ($feature:literal, $db:ty, $conn:ty) => {
        #[cfg(feature = $feature)]
        impl<'a> From<&'a mut $conn> for Conn<'a> {
            fn from(conn: &'a mut $conn) -> Self {
                Conn::Sqlx(SqlxConn::from(conn))
            }
        }
        #[cfg(feature = $feature)]
        impl<'a> From<&'a mut sqlx::pool::PoolConnection<$db>> for Conn<'a> {
            fn from(conn: &'a mut sqlx::pool::PoolConnection<$db>) -> Self {
                Conn::Sqlx(SqlxConn::from(conn))
            }
        }
        #[cfg(feature = $feature)]
        impl<'a, 't> From<&'a mut sqlx::Transaction<'t, $db>> for Conn<'a> {
            fn from(tx: &'a mut sqlx::Transaction<'t, $db>) -> Self {
                Conn::Sqlx(SqlxConn::from(tx))
            }
        }
    };
}

lend!("sqlite", sqlx::Sqlite, sqlx::SqliteConnection);
lend!("postgres", sqlx::Postgres, sqlx::PgConnection);
lend!("mysql", sqlx::MySql, sqlx::MySqlConnection);

impl Conn<'_> {
    /// Inserts one row and returns its key. See [`Db::insert`].
    pub async fn insert<T: Table>(self, row: &T) -> Result<T::Key> {
        super::write::run(self, InsertOp { row }).await
    }

    /// Inserts rows and returns their keys in order. See [`Db::insert_many`].
    pub async fn insert_many<T: Table>(self, rows: &[T]) -> Result<Vec<T::Key>> {
        super::write::run(self, InsertManyOp { rows }).await
    }

    /// The row with this primary key.
    pub async fn get<T: Table>(self, key: &T::Key) -> Result<Option<T>> {
        Query::<T>::by_key(key)
            .all(self)
            .await
            .map(|mut rows| rows.pop())
    }

    /// Updates the row with `row`'s key. See [`Db::update`].
    pub async fn update<T: Table>(self, row: &T) -> Result<bool> {
        super::write::run(self, UpdateRowOp { row }).await
    }

    /// Deletes the row with this primary key; whether there was one.
    pub async fn delete<T: Table>(self, key: &T::Key) -> Result<bool> {
        super::write::run(self, DeleteKeyOp::<T> { key }).await
    }
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
pub(super) enum Acquired<'a> {
    Held(Held, &'a AtomicU64),
    Tx(&'a mut Transaction),
    /// A connection of the user's, and whether it was in a transaction (then the
    /// operation runs at a savepoint; else in a transaction of its own).
    Sqlx(SqlxConn<'a>, AtomicU64, bool),
}

impl<'a> Conn<'a> {
    /// The dialect the connection speaks; for a lent MySQL connection, MariaDB's until
    /// [`Conn::acquire`] has asked the server (MySQL 8 differs only in what the
    /// statements say, which are built after that).
    pub(super) fn dialect(&self) -> Dialect {
        match self {
            Conn::Db(db) => db.dialect(),
            Conn::Tx(tx) => tx.dialect(),
            Conn::Sqlx(conn) => conn.dialect(),
        }
    }

    /// How a write on the connection enforces relations: what the `Db` knows of its
    /// schema (a transaction's, when it began). A connection of yours knows no
    /// schema: the database's foreign keys enforce them.
    pub(super) fn enforcement(&self) -> Enforcement {
        match self {
            Conn::Db(db) => db.enforcement(),
            Conn::Tx(tx) => tx.enforcement.clone(),
            Conn::Sqlx(_) => Enforcement::Database { graph: None },
        }
    }

    /// Loads `relation` onto `rows` fetched before, on this connection: see
    /// [`Db::load`]. In your sqlx transaction, `Conn::from(&mut tx).load(..)`.
    pub async fn load<T: Table, R: Table>(
        self,
        rows: &mut [T],
        relation: Relation<T, R>,
    ) -> Result<()> {
        let op = Operation::new("load", T::NAME, "batch");
        let work = async move {
            let mut acquired = match self.acquire().await {
                Ok(acquired) => acquired,
                Err(e) => return (Err(e), 0),
            };
            let mut runner = acquired.runner();
            let result = read::load_onto(&mut runner, rows, relation).await;
            let (sent, read) = (runner.sent_count(), runner.read_count());
            (acquired.finish(result).await.map(|()| read), sent)
        };
        op.run(work, |read| *read).await.map(drop)
    }

    /// The connection for one operation. In a transaction, the operation starts at a
    /// savepoint ([`Acquired::finish`] ends it).
    pub(super) async fn acquire(self) -> Result<Acquired<'a>> {
        Ok(match self {
            Conn::Db(db) => Acquired::Held(db.pool.acquire().await?, &db.statements),
            Conn::Tx(tx) => {
                tx.check_usable()?;
                // A transaction that cannot take a savepoint (its connection is lost,
                // or the server aborted it) cannot commit either.
                if let Err(e) = tx.statement(SAVEPOINT).await {
                    tx.abort();
                    return Err(e);
                }
                Acquired::Tx(tx)
            }
            Conn::Sqlx(mut conn) => {
                conn.prepare().await?;
                let in_transaction = conn.in_transaction();
                let begin = conn.dialect().syntax().begin.unwrap_or("BEGIN");
                conn.statement(if in_transaction { SAVEPOINT } else { begin })
                    .await?;
                Acquired::Sqlx(conn, AtomicU64::new(0), in_transaction)
            }
        })
    }
}

/// Each operation in a transaction runs between a savepoint and its release, so that
/// one that fails is undone on its own and leaves the transaction usable, on every
/// backend. (PostgreSQL would otherwise abort the whole transaction, and turn its
/// COMMIT into a ROLLBACK; SQLite and MySQL would keep the part of a multi-statement
/// write that ran before the failure.)
const SAVEPOINT: &str = "SAVEPOINT rel_operation";
const RELEASE: &str = "RELEASE SAVEPOINT rel_operation";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT rel_operation";

impl Acquired<'_> {
    /// What the reading and writing layers run their statements on.
    pub(super) fn runner(&mut self) -> Runner<'_> {
        match self {
            Acquired::Held(held, statements) => held.runner(statements),
            Acquired::Tx(tx) => tx.runner(),
            Acquired::Sqlx(conn, statements, _) => conn.runner(statements),
        }
    }

    /// Ends the operation that produced `result`: in a transaction, releases its
    /// savepoint, or rolls back to it when the operation failed. When even that fails
    /// (the connection is gone, or the server rolled the whole transaction back), the
    /// transaction can no longer commit: [`Transaction::commit`] then reports
    /// `Error::TransactionAborted`.
    pub(super) async fn finish<R>(self, result: Result<R>) -> Result<R> {
        if let Acquired::Sqlx(mut conn, _, in_transaction) = self {
            let ended = match (in_transaction, result.is_ok()) {
                (true, true) => conn.statement(RELEASE).await,
                (true, false) => match conn.statement(ROLLBACK_TO).await {
                    Ok(()) => conn.statement(RELEASE).await,
                    Err(e) => Err(e),
                },
                (false, true) => conn.statement("COMMIT").await,
                (false, false) => conn.statement("ROLLBACK").await,
            };
            return match ended {
                Ok(()) => result,
                Err(e) => result.and(Err(e)),
            };
        }
        let Acquired::Tx(tx) = self else {
            return result;
        };
        let ended = if result.is_ok() {
            tx.statement(RELEASE).await
        } else {
            match tx.statement(ROLLBACK_TO).await {
                Ok(()) => tx.statement(RELEASE).await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = ended {
            tx.abort();
            // The operation's own error says more than the failed cleanup.
            return result.and(Err(e));
        }
        result
    }
}

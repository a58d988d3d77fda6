//! `Conn`: where a query or a write runs, a `Db`, a `Transaction`, or a sqlx connection
//! or transaction of yours.

use super::database::Db;
use super::ext::Rel;
use super::graph::InsertGraph;
use super::knowledge::registered_graph;
use super::operation::{Held, Job, Load, Route, Work, measured};
use super::trace::Operation;
use super::transaction::Transaction;
use super::write::{DeleteKeyOp, InsertManyOp, InsertOp, UpdateRowOp};
use crate::driver::{Link, SqlxConn, for_each_driver};
use crate::model::error::{Error, Result};
use crate::model::table::Table;
use crate::read::query::Query;
use crate::read::relation::{Loadable, Relation};
use crate::sql::dialect::Dialect;
use crate::sql::exec::BoxFuture;
use crate::write::Enforcement;
use relcore::run::IntoRunner;

/// Where a query runs: a [`Db`] (any pooled connection), a [`Transaction`], or a
/// sqlx connection or transaction of yours ([`SqlxConn`]).
///
/// Query methods take [`IntoRunner`](crate::IntoRunner), so pass `&db`, `&mut tx`, or `&mut sqlx_tx`.
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
    /// A sqlx connection or transaction of yours. It knows no schema: it reads, and
    /// writes tables that take part in no relation; for the others, go through the
    /// `Db` ([`Conn::On`]).
    Sqlx(SqlxConn<'a>),
    /// A sqlx connection or transaction of yours, with the `Db` that knows its
    /// database's schema: `db.on(&mut tx)` (see [`Db::on`]). Writes on it enforce
    /// relations as writes through the `Db` do, Emulated mode's included.
    On(&'a Db, SqlxConn<'a>),
}

/// The conversions of one driver's connections of yours: into a `Conn`, and so into
/// what queries and writes run on (`IntoRunner`).
macro_rules! lend {
    ($cfg:meta, $folder:ident, $db:ty, $conn:ty) => {
        lend!(@one $cfg, ['a], $conn);
        lend!(@one $cfg, ['a], sqlx::pool::PoolConnection<$db>);
        lend!(@one $cfg, ['a, 't], sqlx::Transaction<'t, $db>);
    };
    (@one $cfg:meta, [$($lt:lifetime),*], $ty:ty) => {
        #[cfg($cfg)]
        impl<$($lt),*> From<&'a mut $ty> for Conn<'a> {
            fn from(conn: &'a mut $ty) -> Self {
                Conn::Sqlx(SqlxConn::from(conn))
            }
        }
        #[cfg($cfg)]
        impl<$($lt),*> IntoRunner<Rel> for &'a mut $ty {
            type Runner = Conn<'a>;
            fn into_runner(self) -> Conn<'a> {
                Conn::from(self)
            }
        }
    };
}
for_each_driver!(lend);

impl<'c> Conn<'c> {
    /// Inserts one row and returns its key. See [`Db::insert`].
    pub fn insert<'a, T: Table>(self, row: &'a T) -> BoxFuture<'a, Result<T::Key>>
    where
        'c: 'a,
    {
        Box::pin(async move { super::write::run(self, InsertOp { row }).await })
    }

    /// Inserts rows and returns their keys in order. See [`Db::insert_many`].
    pub fn insert_many<'a, T: Table>(self, rows: &'a [T]) -> BoxFuture<'a, Result<Vec<T::Key>>>
    where
        'c: 'a,
    {
        Box::pin(async move { super::write::run(self, InsertManyOp { rows }).await })
    }

    /// Inserts a row and every row loaded in its relation fields. See
    /// [`Db::insert_graph`].
    pub fn insert_graph<'a, T: Table>(self, row: &'a mut T) -> InsertGraph<'a, T>
    where
        'c: 'a,
    {
        InsertGraph::new(self, std::slice::from_mut(row))
    }

    /// Inserts rows and every row loaded in their relation fields. See
    /// [`Db::insert_graph_many`].
    pub fn insert_graph_many<'a, T: Table>(self, rows: &'a mut [T]) -> InsertGraph<'a, T>
    where
        'c: 'a,
    {
        InsertGraph::new(self, rows)
    }

    /// The row with this primary key.
    pub fn get<'a, T: Table>(self, key: &'a T::Key) -> BoxFuture<'a, Result<Option<T>>>
    where
        'c: 'a,
    {
        Box::pin(async move {
            Query::<T>::by_key(key)
                .all(self)
                .await
                .map(|mut rows| rows.pop())
        })
    }

    /// Updates the row with `row`'s key. See [`Db::update`].
    pub fn update<'a, T: Table>(self, row: &'a T) -> BoxFuture<'a, Result<bool>>
    where
        'c: 'a,
    {
        Box::pin(async move { super::write::run(self, UpdateRowOp { row }).await })
    }

    /// Deletes the row with this primary key; whether there was one.
    pub fn delete<'a, T: Table>(self, key: &'a T::Key) -> BoxFuture<'a, Result<bool>>
    where
        'c: 'a,
    {
        Box::pin(async move { super::write::run(self, DeleteKeyOp::<T> { key }).await })
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

/// What brackets one operation: the connection it runs on, and how its work is made
/// one (a transaction of its own, or a savepoint in one that is open).
enum Bracket<'a> {
    /// A connection of the pool, for this operation alone.
    Pooled(Link<'static>),
    /// A Rel transaction's, at a savepoint.
    Savepoint(&'a mut Transaction),
    /// A connection of the user's, and whether it was in a transaction (then the
    /// operation runs at a savepoint; else in a transaction of its own).
    Lent(Link<'a>, bool),
}

impl<'a> Conn<'a> {
    /// The dialect the connection speaks; for a lent MySQL connection, MariaDB's until
    /// the operation has asked the server (MySQL 8 differs only in what the
    /// statements say, which are built after that).
    pub(super) fn dialect(&self) -> Dialect {
        match self {
            Conn::Db(db) => db.dialect(),
            Conn::Tx(tx) => tx.dialect(),
            Conn::Sqlx(conn) | Conn::On(_, conn) => conn.dialect(),
        }
    }

    /// How a write on the connection enforces relations: as the `Db` decides (a
    /// transaction's, when it began). A connection of yours without its `Db` knows no
    /// schema and no mode: it refuses writes to tables that take part in relations.
    pub(super) fn enforcement(&self) -> Enforcement {
        match self {
            Conn::Db(db) | Conn::On(db, _) => db.enforcement(),
            Conn::Tx(tx) => tx.enforcement.clone(),
            Conn::Sqlx(_) => Enforcement::Refused {
                scope: Some(registered_graph()),
                message: LENT.into(),
            },
        }
    }

    /// Loads `relation` onto `rows` fetched before, on this connection: see
    /// [`Db::load`]. In your sqlx transaction, `Conn::from(&mut tx).load(..)`.
    pub fn load<'r, T: Table, R: Table, K, S: Loadable>(
        self,
        rows: &'r mut [T],
        relation: Relation<T, R, K, S>,
    ) -> BoxFuture<'r, Result<()>>
    where
        'a: 'r,
    {
        let spec = relation.into_load();
        Box::pin(async move {
            let op = Operation::new("load", T::NAME, "batch");
            let load = Load {
                rows,
                specs: [spec],
            };
            let work = async move {
                let (result, sent) = self.operate(load).await;
                // A load's rows are those its statements read.
                (result.map(|()| sent.rows), sent.statements)
            };
            op.run(work, |read| *read).await.map(drop)
        })
    }

    /// Runs `work` as one operation on the connection: on a connection of the pool held
    /// for it, in a transaction at a savepoint, or on a connection of yours (at a
    /// savepoint inside its transaction, or in a transaction of its own). Its result,
    /// and what its statements sent and read.
    pub(super) async fn operate<W: Work>(self, work: W) -> (Result<W::Output>, Sent) {
        let mut held = Held::new(work);
        let (result, sent) = self.operate_boxed(&mut held, W::ROUTE).await;
        (held.into_output(result), sent)
    }

    /// [`operate`](Self::operate) for any work, compiled once: a plain function that
    /// boxes its future, because rustc compiles an `async fn`'s body in the crate that
    /// polls it, and this one's callers are generic (see ARCHITECTURE.md, "Compiled
    /// once").
    fn operate_boxed<'w>(
        self,
        work: &'w mut dyn Job,
        route: Route,
    ) -> BoxFuture<'w, (Result<()>, Sent)>
    where
        'a: 'w,
    {
        Box::pin(self.operate_job(work, route))
    }

    async fn operate_job(self, work: &mut dyn Job, route: Route) -> (Result<()>, Sent) {
        // On a `Db` with replicas: a read where `Routing` says, the rest on the primary,
        // and after a write, where the primary's log stands (`db/replicas.rs`).
        let routing = match &self {
            Conn::Db(db) => db.routing.clone(),
            Conn::Tx(tx) => {
                if tx.routing.is_some() {
                    super::trace::node(super::replicas::PRIMARY);
                }
                None
            }
            _ => None,
        };
        if let Some(routing) = &routing {
            if route == Route::Read {
                return routing.read(work).await;
            }
            super::trace::node(super::replicas::PRIMARY);
        }
        let (result, sent) = self.operate_here(work, route == Route::Read).await;
        // A write that failed before sending anything wrote nothing for a later read
        // to wait for; one that failed after may have committed part (MySQL's DDL
        // commits per statement) or all (a connection lost after the commit).
        if let Some(routing) = routing
            && route == Route::Write
            && (result.is_ok() || sent.statements > 0)
        {
            routing.wrote().await;
        }
        (result, sent)
    }

    /// Runs `work` on this connection itself (on a `Db`, its primary).
    async fn operate_here(self, work: &mut dyn Job, read: bool) -> (Result<()>, Sent) {
        // Rel's own pool on a server, whose connections are handed out untested.
        let untested = match &self {
            Conn::Db(db) if read && db.pool.tests() => Some(*db),
            _ => None,
        };
        let mut acquired = match self.acquire(read).await {
            Ok(acquired) => acquired,
            Err(e) => return (Err(e), Sent::default()),
        };
        let (result, sent) = match &mut acquired {
            Bracket::Pooled(link) => measured(link, work).await,
            Bracket::Savepoint(tx) => measured(&mut tx.link, work).await,
            Bracket::Lent(link, _) => measured(link, work).await,
        };
        // A read on a connection of the pool, taken untested: one the server ended
        // while it sat idle fails the first statement. A read changes nothing, so it
        // runs again, once, on a connection that answered a ping (see `Pool::acquire`).
        if let Some(db) = untested
            && sent.rows == 0
            && result.as_ref().is_err_and(Error::is_lost)
        {
            drop(acquired);
            let mut link = match db.pool.acquire_testing(&db.statements, true).await {
                Ok(link) => link,
                Err(e) => return (Err(e), sent),
            };
            let (result, again) = measured(&mut link, work).await;
            let sent = Sent {
                statements: sent.statements + again.statements,
                rows: again.rows,
            };
            return (result, sent);
        }
        (acquired.finish(result).await, sent)
    }

    /// The connection for one operation (a `read` on a `Db`: the connection its pool
    /// holds aside for reads, where it has one that no other read has). In a
    /// transaction, the operation starts at a savepoint ([`Bracket::finish`] ends it).
    async fn acquire(self, read: bool) -> Result<Bracket<'a>> {
        Ok(match self {
            Conn::Db(db) if read => Bracket::Pooled(match db.pool.reader(&db.statements) {
                Some(held) => held,
                None => db.pool.acquire_testing(&db.statements, false).await?,
            }),
            Conn::Db(db) => Bracket::Pooled(db.pool.acquire(&db.statements).await?),
            Conn::Tx(tx) => {
                tx.check_usable()?;
                // A transaction that cannot take a savepoint (its connection is lost,
                // or the server aborted it) cannot commit either.
                // Marked unable to commit until the operation ends: one dropped
                // before that (a timeout) may have run part of its statements, and
                // its savepoint is neither released nor rolled back to.
                tx.abort();
                tx.statement(SAVEPOINT).await?;
                Bracket::Savepoint(tx)
            }
            Conn::Sqlx(conn) | Conn::On(_, conn) => {
                let mut link = conn.into_link();
                link.ready().await?;
                let in_transaction = link.in_transaction();
                let begin = crate::sql::exec::Executor::dialect(&link)
                    .syntax()
                    .begin
                    .unwrap_or("BEGIN");
                link.simple(if in_transaction { SAVEPOINT } else { begin })
                    .await?;
                Bracket::Lent(link, in_transaction)
            }
        })
    }
}

/// Why a connection of yours, without its `Db`, does not write a table with relations.
const LENT: &str = "a sqlx connection or transaction of yours knows neither the schema nor \
    who enforces its relations; write through its Db: db.on(&mut tx).insert(..)";

/// What one operation's statements did: how many were sent, how many rows they read.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Sent {
    pub statements: u64,
    pub rows: u64,
}

/// Each operation in a transaction runs between a savepoint and its release, so that
/// one that fails is undone on its own and leaves the transaction usable, on every
/// backend. (PostgreSQL would otherwise abort the whole transaction, and turn its
/// COMMIT into a ROLLBACK; SQLite and MySQL would keep the part of a multi-statement
/// write that ran before the failure.)
const SAVEPOINT: &str = "SAVEPOINT rel_operation";
const RELEASE: &str = "RELEASE SAVEPOINT rel_operation";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT rel_operation";

impl Bracket<'_> {
    /// Ends the operation that produced `result`: in a transaction, releases its
    /// savepoint, or rolls back to it when the operation failed. When even that fails
    /// (the connection is gone, or the server rolled the whole transaction back), the
    /// transaction can no longer commit: [`Transaction::commit`] then reports
    /// `Error::TransactionAborted`.
    async fn finish(self, result: Result<()>) -> Result<()> {
        match self {
            Bracket::Pooled(_) => result,
            Bracket::Lent(mut link, in_transaction) => {
                let ended = match (in_transaction, result.is_ok()) {
                    (true, true) => link.simple(RELEASE).await,
                    (true, false) => match link.simple(ROLLBACK_TO).await {
                        Ok(()) => link.simple(RELEASE).await,
                        Err(e) => Err(e),
                    },
                    (false, true) => link.simple("COMMIT").await,
                    (false, false) => link.simple("ROLLBACK").await,
                };
                match ended {
                    Ok(()) => result,
                    Err(e) => result.and(Err(e)),
                }
            }
            Bracket::Savepoint(tx) => {
                let ended = if result.is_ok() {
                    tx.statement(RELEASE).await
                } else {
                    match tx.statement(ROLLBACK_TO).await {
                        Ok(()) => tx.statement(RELEASE).await,
                        Err(e) => Err(e),
                    }
                };
                if let Err(e) = ended {
                    // Left unable to commit. The operation's own error says more than
                    // the failed cleanup.
                    return result.and(Err(e));
                }
                tx.aborted = false;
                result
            }
        }
    }
}

//! `Transaction`: statements on one connection, committed or rolled back together.

use super::conn::Conn;
use super::graph::InsertGraph;
use super::write::{self, DeleteKeyOp, InsertManyOp, InsertOp, UpdateRowOp};
use crate::driver::Link;
use crate::model::error::{Error, Result};
use crate::model::table::Table;
use crate::read::query::Query;
use crate::read::relation::{Loadable, Relation};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::exec::BoxFuture;
use crate::sql::exec::Executor;
use crate::write::Enforcement;

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
    /// The connection the transaction was begun on.
    pub(super) link: Link<'static>,
    /// How its writes enforce relations: the `Db`'s decision when it began.
    pub(super) enforcement: Enforcement,
    /// A savepoint could not be taken, released or rolled back to: the connection is
    /// lost or the server may have rolled the whole transaction back, so it must not
    /// report a commit. Also set while an operation runs, until it has ended at its
    /// savepoint: an operation dropped before that (a timeout, a cancelled request)
    /// may have run part of its statements, and leaves it set.
    pub(super) aborted: bool,
    /// Its `Db`'s read replicas, whose later reads wait for this commit.
    pub(super) routing: Option<super::replicas::Routing>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("dialect", &self.dialect())
            .field("aborted", &self.aborted)
            .finish_non_exhaustive()
    }
}

impl Transaction {
    /// Runs one fixed statement (a savepoint's).
    pub(super) async fn statement(&mut self, sql: &'static str) -> Result<()> {
        let mut b = SqlBuilder::new(self.dialect());
        b.push(sql);
        self.link.execute(&b.finish()).await.map(drop)
    }

    /// Marks the transaction as one that can no longer commit.
    pub(super) fn abort(&mut self) {
        self.aborted = true;
    }

    /// `Error::TransactionAborted` once the transaction can no longer commit.
    pub(super) fn check_usable(&self) -> Result<()> {
        if self.aborted {
            return Err(Error::TransactionAborted);
        }
        Ok(())
    }

    /// The dialect of the backend.
    pub fn dialect(&self) -> Dialect {
        self.link.dialect()
    }

    /// Commits: every operation that returned `Ok` is stored.
    ///
    /// An operation that failed inside the transaction was rolled back on its own (each
    /// runs at a savepoint), so the ones before and after it still commit, on every
    /// backend. If even that rollback failed, or an operation's savepoint could not be
    /// taken (a lost connection, or a server that rolled the whole transaction back),
    /// commit rolls back (as far as the connection still allows) and returns
    /// [`Error::TransactionAborted`]: never `Ok` for work that was not stored.
    pub async fn commit(self) -> Result<()> {
        if self.aborted {
            // On a lost connection the rollback fails too; the server has rolled back.
            let _ = self.link.rollback().await;
            return Err(Error::TransactionAborted);
        }
        let routing = self.routing;
        let committed = self.link.commit().await;
        // A commit that failed may still have committed (the connection was lost
        // after the server did): its position is asked all the same.
        if let Some(routing) = routing {
            routing.wrote().await;
        }
        committed
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        self.link.rollback().await
    }

    /// Runs statements in order inside this transaction; how many it sent.
    pub(crate) async fn run(&mut self, statements: &[Statement]) -> (Result<()>, u64) {
        self.link.execute_all(statements).await
    }

    /// Inserts one row and returns its key. See [`Db::insert`](crate::Db::insert).
    pub fn insert<'a, T: Table>(&'a mut self, row: &'a T) -> BoxFuture<'a, Result<T::Key>> {
        Box::pin(async move { write::run(Conn::Tx(self), InsertOp { row }).await })
    }

    /// Inserts rows and returns their keys in order. See [`Db::insert_many`](crate::Db::insert_many).
    pub fn insert_many<'a, T: Table>(
        &'a mut self,
        rows: &'a [T],
    ) -> BoxFuture<'a, Result<Vec<T::Key>>> {
        Box::pin(async move { write::run(Conn::Tx(self), InsertManyOp { rows }).await })
    }

    /// Inserts `row` and every row loaded in its relation fields, at a savepoint. See
    /// [`Db::insert_graph`](crate::Db::insert_graph).
    pub fn insert_graph<'a, T: Table>(&'a mut self, row: &'a mut T) -> InsertGraph<'a, T> {
        self.insert_graph_many(std::slice::from_mut(row))
    }

    /// Several rows' graphs at once, at a savepoint. See
    /// [`Db::insert_graph_many`](crate::Db::insert_graph_many).
    pub fn insert_graph_many<'a, T: Table>(&'a mut self, rows: &'a mut [T]) -> InsertGraph<'a, T> {
        InsertGraph::new(Conn::Tx(self), rows)
    }

    /// The row with this primary key.
    pub fn get<'a, T: Table>(&'a mut self, key: &'a T::Key) -> BoxFuture<'a, Result<Option<T>>> {
        Box::pin(async move {
            Query::<T>::by_key(key)
                .all(self)
                .await
                .map(|mut rows| rows.pop())
        })
    }

    /// All rows, ordered by primary key.
    pub fn all<'a, T: Table>(&'a mut self) -> BoxFuture<'a, Result<Vec<T>>> {
        Box::pin(async move { Query::<T>::new().all(self).await })
    }

    /// Updates the row with `row`'s key. See [`Db::update`](crate::Db::update).
    pub fn update<'a, T: Table>(&'a mut self, row: &'a T) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { write::run(Conn::Tx(self), UpdateRowOp { row }).await })
    }

    /// Inserts or updates `row`. See [`Db::upsert`](crate::Db::upsert).
    pub fn upsert<'a, T: Table>(&'a mut self, row: &'a T) -> BoxFuture<'a, Result<T::Key>> {
        Box::pin(async move { crate::write::Upsert::new(row).run(self).await })
    }

    /// Deletes the row with this primary key; whether there was one.
    pub fn delete<'a, T: Table>(&'a mut self, key: &'a T::Key) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { write::run(Conn::Tx(self), DeleteKeyOp::<T> { key }).await })
    }

    /// Loads `relation` onto rows fetched before. See [`Db::load`](crate::Db::load).
    pub fn load<'a, T: Table, R: Table, K, S: Loadable>(
        &'a mut self,
        rows: &'a mut [T],
        relation: Relation<T, R, K, S>,
    ) -> BoxFuture<'a, Result<()>> {
        Conn::Tx(self).load(rows, relation)
    }
}

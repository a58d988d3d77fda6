//! `Transaction`: statements on one connection, committed or rolled back together.

use crate::conn::{Runner, Tx};
use crate::model::error::Result;
use crate::model::table::Table;
use crate::read::query::Query;
use crate::read::relation::Relation;
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;
use crate::{read, write};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

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
    pub(super) inner: Tx,
    pub(super) statements: Arc<AtomicU64>,
}

impl Transaction {
    pub(super) fn runner(&mut self) -> Runner<'_> {
        self.inner.runner(&self.statements)
    }

    /// The dialect of the backend.
    pub fn dialect(&mut self) -> Dialect {
        self.inner.dialect()
    }

    /// Commits.
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<()> {
        self.inner.rollback().await
    }

    /// Runs statements in order inside this transaction.
    pub(crate) async fn run(&mut self, statements: &[Statement]) -> Result<()> {
        let mut runner = self.runner();
        for stmt in statements {
            runner.execute(stmt).await?;
        }
        Ok(())
    }

    /// Inserts one row and returns its key. See [`Db::insert`](crate::Db::insert).
    pub async fn insert<T: Table>(&mut self, row: &T) -> Result<T::Key> {
        write::insert(&mut self.runner(), row).await
    }

    /// Inserts rows and returns their keys in order. See [`Db::insert_many`](crate::Db::insert_many).
    pub async fn insert_many<T: Table>(&mut self, rows: &[T]) -> Result<Vec<T::Key>> {
        write::insert_many(&mut self.runner(), rows).await
    }

    /// The row with this primary key.
    pub async fn get<T: Table>(&mut self, key: &T::Key) -> Result<Option<T>> {
        Query::<T>::by_key(key)
            .all(self)
            .await
            .map(|mut rows| rows.pop())
    }

    /// All rows, ordered by primary key.
    pub async fn all<T: Table>(&mut self) -> Result<Vec<T>> {
        Query::<T>::new().all(self).await
    }

    /// Deletes the row with this primary key; whether there was one.
    pub async fn delete<T: Table>(&mut self, key: &T::Key) -> Result<bool> {
        write::delete::<T>(&mut self.runner(), key).await
    }

    /// Loads `relation` onto rows fetched before. See [`Db::load`](crate::Db::load).
    pub async fn load<T: Table, R: Table>(
        &mut self,
        rows: &mut [T],
        relation: Relation<T, R>,
    ) -> Result<()> {
        read::load_onto(&mut self.runner(), rows, relation).await
    }
}

//! The interface statements run through: what the reading and writing layers ask of a
//! connection, implemented by the connection layer above them.
//!
//! It is a trait object (`&mut dyn Executor`) so that neither the loaders nor the
//! writes name a connection type, and so that the loaders' per-target steps stay plain
//! function pointers. The cost is one boxed future per statement and one indirect call
//! per row, both small beside the statement itself.

use super::builder::Statement;
use super::dialect::Dialect;
use crate::model::error::Result;
use crate::model::row::Cells;
use crate::model::value::{SqlType, Value};
use std::future::Future;
use std::pin::Pin;

/// A boxed future that may move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a statement's rows are handed to, one by one, in order.
pub type EachRow<'a> = dyn FnMut(&dyn Cells) -> Result<()> + Send + 'a;

/// What executing a statement reports.
pub struct Done {
    pub rows_affected: u64,
    /// The key the database generated (MySQL's LAST_INSERT_ID), when there is one.
    pub last_insert_id: Option<u64>,
}

/// One connection, held for one operation: a pooled connection or a transaction's.
pub trait Executor: Send {
    /// The dialect the connection speaks.
    fn dialect(&self) -> Dialect;

    /// Runs a statement that returns rows, and hands each row's cells to `each`, in
    /// order, read in place from the driver's buffers.
    fn fetch_each<'a>(
        &'a mut self,
        stmt: &'a Statement,
        each: &'a mut EachRow<'_>,
    ) -> BoxFuture<'a, Result<()>>;

    /// Runs a statement that returns no rows.
    fn execute<'a>(&'a mut self, stmt: &'a Statement) -> BoxFuture<'a, Result<Done>>;

    /// Forgets the statements the connection prepared, so that each is prepared again
    /// (see `read::query::cut_at_packet`).
    fn forget_statements(&mut self) -> BoxFuture<'_, Result<()>>;

    /// Whether reads step the connection's handle directly (SQLite's direct reads),
    /// rather than go through the driver.
    fn reads_directly(&self) -> bool {
        false
    }
}

impl dyn Executor + '_ {
    /// Runs a statement that returns rows, reading each row's cells as `types`.
    pub async fn fetch(&mut self, stmt: &Statement, types: &[SqlType]) -> Result<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        self.fetch_each(stmt, &mut |cells: &dyn Cells| {
            out.push(
                types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| cells.read(i, *t))
                    .collect::<std::result::Result<Vec<Value>, sqlx::Error>>()?,
            );
            Ok(())
        })
        .await?;
        Ok(out)
    }
}

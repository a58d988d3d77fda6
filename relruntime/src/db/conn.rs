//! `Conn`: where a query or a write runs, a `Db` or a `Transaction`.

use super::database::Db;
use super::transaction::Transaction;
use crate::conn::{Held, Runner};
use crate::model::error::Result;
use std::sync::atomic::AtomicU64;

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
pub(super) enum Acquired<'a> {
    Held(Held, &'a AtomicU64),
    Tx(&'a mut Transaction),
}

impl<'a> Conn<'a> {
    pub(super) async fn acquire(self) -> Result<Acquired<'a>> {
        Ok(match self {
            Conn::Db(db) => Acquired::Held(db.pool.acquire().await?, &db.statements),
            Conn::Tx(tx) => Acquired::Tx(tx),
        })
    }
}

impl Acquired<'_> {
    /// What the reading and writing layers run their statements on.
    pub(super) fn runner(&mut self) -> Runner<'_> {
        match self {
            Acquired::Held(held, statements) => held.runner(statements),
            Acquired::Tx(tx) => tx.runner(),
        }
    }
}

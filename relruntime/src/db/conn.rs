//! `Conn`: where a query or a write runs, a `Db` or a `Transaction`.

use super::database::Db;
use super::transaction::Transaction;
use crate::conn::{Held, Runner};
use crate::model::error::Result;
use crate::model::schema::Schema;
use std::sync::Arc;
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
    Held(Held, &'a AtomicU64, Option<Arc<Schema>>),
    Tx(&'a mut Transaction),
}

impl<'a> Conn<'a> {
    /// The connection for one operation. In a transaction, the operation starts at a
    /// savepoint ([`Acquired::finish`] ends it).
    pub(super) async fn acquire(self) -> Result<Acquired<'a>> {
        Ok(match self {
            Conn::Db(db) => Acquired::Held(db.pool.acquire().await?, &db.statements, db.schema()),
            Conn::Tx(tx) => {
                tx.check_usable()?;
                tx.statement(SAVEPOINT).await?;
                Acquired::Tx(tx)
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
            Acquired::Held(held, statements, schema) => held.runner(statements, schema.clone()),
            Acquired::Tx(tx) => tx.runner(),
        }
    }

    /// Ends the operation that produced `result`: in a transaction, releases its
    /// savepoint, or rolls back to it when the operation failed. When even that fails
    /// (the connection is gone, or the server rolled the whole transaction back), the
    /// transaction can no longer commit: [`Transaction::commit`] then reports
    /// `Error::TransactionAborted`.
    pub(super) async fn finish<R>(self, result: Result<R>) -> Result<R> {
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

//! `Link`: one connection held for an operation or a transaction, of any driver, in
//! any of the forms Rel holds one; the `Executor` the reading and writing layers run
//! their statements through.

use super::{Driver, Readied, unspanned};
use crate::model::error::{Error, Result};
use crate::model::row::Cells;
use crate::sql::builder::Statement;
use crate::sql::dialect::{Dialect, Missing};
use crate::sql::exec::{BoxFuture, Done, EachRow, Executor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A connection of driver `D`, in the form Rel holds it.
pub(super) enum Form<'a, D: sqlx::Database> {
    /// Taken from a pool for one operation.
    Pooled(Owned<D>),
    /// Taken from a pool, with a transaction begun on it (a `Transaction`'s), by sqlx,
    /// on a driver that is cancel-safe (`Driver::CANCEL_SAFE`).
    Begun(sqlx::Transaction<'static, D>),
    /// Taken from a pool, with a transaction begun on it by Rel's own BEGIN, on a
    /// driver that is not cancel-safe: closed if dropped before the transaction ends.
    Raw(Owned<D>),
    /// The user's, lent for one operation.
    Lent(&'a mut D::Connection),
}

/// A connection taken from a pool, closed rather than handed back when it is dropped
/// unsettled: with a statement in flight, or inside a transaction not ended. sqlx's
/// PostgreSQL and MySQL connections are not cancel-safe (sqlx#563): a future dropped
/// mid-statement (a timeout, a cancelled request) leaves answers unread, and the
/// connection's next user reads them as its own, or waits for ones that never come
/// (a pool slot lost for good). A BEGIN dropped in flight is worse: sqlx counts a
/// transaction only once BEGIN's answer has come, so the connection would go back to
/// the pool inside a transaction no one ends, and every later statement on it would
/// run in it, never committed. Closing ends all of that on the server, which rolls
/// back.
pub(super) struct Owned<D: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<D>,
    /// A statement is in flight, or a transaction is open.
    unsettled: bool,
    /// A statement is in flight: one whose future was dropped leaves it so, and the
    /// connection must not be sent anything more.
    in_flight: bool,
}

impl<D: sqlx::Database> Owned<D> {
    /// A connection as the pool handed it.
    pub(super) fn new(conn: sqlx::pool::PoolConnection<D>) -> Self {
        Owned {
            conn,
            unsettled: false,
            in_flight: false,
        }
    }

    /// The connection with a transaction begun on it by `begin`: unsettled from
    /// before BEGIN is sent until COMMIT or ROLLBACK has been answered.
    pub(super) async fn begun(
        conn: sqlx::pool::PoolConnection<D>,
        begin: &'static str,
    ) -> Result<Self>
    where
        for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    {
        let mut owned = Owned {
            conn,
            unsettled: true,
            in_flight: false,
        };
        sqlx::Executor::execute(&mut *owned.conn, sqlx::AssertSqlSafe(begin)).await?;
        Ok(owned)
    }

    /// Commits or rolls back its transaction; settled once answered. After a
    /// statement dropped in flight, nothing more is sent: the connection is closed,
    /// which rolls back, and a commit is `Error::TransactionAborted`.
    async fn end(mut self, commit: bool) -> Result<()>
    where
        for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    {
        if self.in_flight {
            return if commit {
                Err(Error::TransactionAborted)
            } else {
                Ok(())
            };
        }
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        sqlx::Executor::execute(&mut *self.conn, sqlx::AssertSqlSafe(sql)).await?;
        self.unsettled = false;
        Ok(())
    }
}

impl<D: sqlx::Database> Drop for Owned<D> {
    fn drop(&mut self) {
        if self.unsettled {
            self.conn.close_on_drop();
        }
    }
}

/// What a connection of one driver does, erased: the face of a [`Form`] that a
/// [`Link`] holds, so that nothing above the driver folders names a driver.
pub(crate) trait LinkOps: Send {
    fn fetch_each<'s>(
        &'s mut self,
        stmt: &'s Statement,
        each: &'s mut EachRow<'_>,
        direct: Option<&'s mut u32>,
    ) -> BoxFuture<'s, Result<()>>;
    fn execute<'s>(&'s mut self, stmt: &'s Statement) -> BoxFuture<'s, Result<Done>>;
    /// Runs one fixed statement of Rel's own, unprepared (a savepoint, BEGIN, COMMIT).
    fn simple<'s>(&'s mut self, sql: &'static str) -> BoxFuture<'s, Result<()>>;
    /// Closes the statements the connection prepared and cached.
    fn forget_statements(&mut self) -> BoxFuture<'_, Result<()>>;
    fn in_transaction(&self) -> bool;
    fn ready<'s>(&'s mut self, dialect: Dialect, lent: bool) -> BoxFuture<'s, Result<Readied>>;
    /// Commits or rolls back the transaction begun on the connection; a connection
    /// with none of its own (pooled, lent) has nothing to end.
    fn end(self: Box<Self>, commit: bool) -> BoxFuture<'static, Result<()>>;
}

impl<D: Driver> Form<'_, D> {
    fn conn(&mut self) -> &mut D::Connection {
        match self {
            Form::Pooled(c) | Form::Raw(c) => &mut c.conn,
            Form::Begun(t) => t,
            Form::Lent(c) => c,
        }
    }

    /// Marks a statement in flight on a connection of the pool (see [`Owned`]), where
    /// the driver is not cancel-safe.
    fn busy(&mut self, busy: bool) {
        if D::CANCEL_SAFE {
            return;
        }
        match self {
            Form::Pooled(c) => {
                c.unsettled = busy;
                c.in_flight = busy;
            }
            Form::Raw(c) => c.in_flight = busy,
            Form::Begun(_) | Form::Lent(_) => {}
        }
    }
}

impl<D> LinkOps for Form<'_, D>
where
    D: Driver,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
{
    fn fetch_each<'s>(
        &'s mut self,
        stmt: &'s Statement,
        each: &'s mut EachRow<'_>,
        direct: Option<&'s mut u32>,
    ) -> BoxFuture<'s, Result<()>> {
        unspanned::<D, _>(async move {
            self.busy(true);
            let result = D::fetch_each(self.conn(), stmt, each, direct).await;
            self.busy(false);
            result
        })
    }

    fn execute<'s>(&'s mut self, stmt: &'s Statement) -> BoxFuture<'s, Result<Done>> {
        unspanned::<D, _>(async move {
            self.busy(true);
            let result = D::execute(self.conn(), stmt).await;
            self.busy(false);
            result
        })
    }

    fn simple<'s>(&'s mut self, sql: &'static str) -> BoxFuture<'s, Result<()>> {
        unspanned::<D, _>(async move {
            self.busy(true);
            let result = sqlx::Executor::execute(self.conn(), sqlx::AssertSqlSafe(sql)).await;
            self.busy(false);
            result?;
            Ok(())
        })
    }

    fn forget_statements(&mut self) -> BoxFuture<'_, Result<()>> {
        unspanned::<D, _>(async move {
            self.busy(true);
            let result = sqlx::Connection::clear_cached_statements(self.conn()).await;
            self.busy(false);
            result?;
            Ok(())
        })
    }

    fn in_transaction(&self) -> bool {
        use sqlx::Connection;
        match self {
            Form::Pooled(c) => c.conn.is_in_transaction(),
            Form::Begun(t) => t.is_in_transaction(),
            Form::Raw(_) => true,
            Form::Lent(c) => c.is_in_transaction(),
        }
    }

    fn ready<'s>(&'s mut self, dialect: Dialect, lent: bool) -> BoxFuture<'s, Result<Readied>> {
        unspanned::<D, _>(D::ready(self.conn(), dialect, lent))
    }

    fn end(self: Box<Self>, commit: bool) -> BoxFuture<'static, Result<()>> {
        match *self {
            Form::Begun(tx) if commit => unspanned::<D, _>(async move { Ok(tx.commit().await?) }),
            Form::Begun(tx) => unspanned::<D, _>(async move { Ok(tx.rollback().await?) }),
            Form::Raw(c) => unspanned::<D, _>(c.end(commit)),
            Form::Pooled(_) | Form::Lent(_) => Box::pin(async { Ok(()) }),
        }
    }
}

/// One connection held for an operation (a pooled one, or one of the user's) or for a
/// transaction. It counts and traces the statements sent through it.
pub(crate) struct Link<'a> {
    conn: Box<dyn LinkOps + 'a>,
    dialect: Dialect,
    /// Statement events carry the bound values.
    trace_values: bool,
    /// SQLite reads step the connection's handle directly (`sqlite/direct.rs`): on
    /// pools Rel opened, in WAL mode or in memory, where a read waits for no writer's
    /// lock (and so never blocks its thread for the busy timeout). A connection of the
    /// user's is asked its journal mode as it is readied.
    direct_reads: bool,
    /// Every statement of the `Db` (or of this lent connection), counted.
    statements: Arc<AtomicU64>,
    /// How many statements went through this link.
    sent: u64,
    /// How many rows its statements returned.
    read: u64,
    /// SQLite direct reads since the worker last answered a command (see
    /// `sqlite/direct.rs`).
    #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
    unanswered: u32,
    /// On a pool of one connection, the transaction that holds it (see `Pool::held`).
    _held: Option<Held>,
    /// The node its statement events name, on a `Db` with read replicas.
    node: Option<Arc<str>>,
}

/// The task whose transaction holds a pool's only connection (`None`: a runtime's
/// `block_on`, outside any task), if one does.
pub(super) type Holder = Arc<Mutex<Option<Option<tokio::task::Id>>>>;

/// A pool's only connection held by a transaction, until the transaction's link is
/// gone (committed, rolled back or dropped).
pub(super) struct Held(pub(super) Holder);

impl Drop for Held {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl<'a> Link<'a> {
    pub(super) fn new(
        conn: Box<dyn LinkOps + 'a>,
        dialect: Dialect,
        trace_values: bool,
        direct_reads: bool,
        statements: Arc<AtomicU64>,
    ) -> Link<'a> {
        Link {
            conn,
            dialect,
            trace_values,
            direct_reads,
            statements,
            sent: 0,
            read: 0,
            #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
            unanswered: 0,
            _held: None,
            node: None,
        }
    }

    /// This link's statement events name `node` (`primary`, `replica 1`, ..).
    pub(super) fn on_node(mut self, node: Option<Arc<str>>) -> Link<'a> {
        self.node = node;
        self
    }

    /// This link holds its pool's only connection until it is gone.
    pub(super) fn holding(mut self, held: Held) -> Link<'a> {
        self._held = Some(held);
        self
    }

    /// The user's connection of driver `D`, lent for one operation. It speaks the
    /// driver's first dialect until [`Link::ready`] has asked the server.
    pub(super) fn lent<D: Driver>(conn: &'a mut D::Connection) -> Link<'a>
    where
        for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    {
        let dialect = D::first_dialect();
        Link::new(
            Box::new(Form::<D>::Lent(conn)),
            dialect,
            false,
            false,
            Arc::default(),
        )
    }

    /// How many statements went through this link, and how many rows they returned.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.sent, self.read)
    }

    /// Readies a lent connection for an operation (see `Driver::ready`): on SQLite its
    /// functions and pragmas, on MySQL the dialect its server speaks.
    pub(crate) async fn ready(&mut self) -> Result<()> {
        let readied = self.conn.ready(self.dialect, true).await?;
        self.dialect = readied.dialect;
        self.direct_reads = readied.direct_reads;
        Ok(())
    }

    /// Whether the connection is inside a transaction.
    pub(crate) fn in_transaction(&self) -> bool {
        self.conn.in_transaction()
    }

    /// Runs one fixed statement of Rel's own on a lent connection (a savepoint, a
    /// BEGIN or a COMMIT): not counted, as the user's own statements are not.
    pub(crate) async fn simple(&mut self, sql: &'static str) -> Result<()> {
        #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
        {
            self.unanswered = 0;
        }
        self.conn.simple(sql).await
    }

    /// Commits the transaction begun on the connection.
    pub(crate) async fn commit(self) -> Result<()> {
        self.conn.end(true).await
    }

    /// Rolls back the transaction begun on the connection.
    pub(crate) async fn rollback(self) -> Result<()> {
        self.conn.end(false).await
    }

    /// Runs statements in order, up to the first that fails; how many it sent.
    pub(crate) async fn execute_all(&mut self, statements: &[Statement]) -> (Result<()>, u64) {
        let before = self.sent;
        let mut result = Ok(());
        for stmt in statements {
            if let Err(e) = self.execute(stmt).await {
                result = Err(e);
                break;
            }
        }
        (result, self.sent - before)
    }

    /// Counts `stmt` and reports it to `tracing` (its SQL; its values only if the
    /// pool was built with `trace_values`).
    fn sent(&mut self, stmt: &Statement) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.sent += 1;
        #[cfg(feature = "tracing")]
        match (&self.node, self.trace_values) {
            (None, false) => tracing::debug!(target: "rel::statement", sql = %stmt.sql),
            (None, true) => {
                tracing::debug!(target: "rel::statement", sql = %stmt.sql, values = ?stmt.binds)
            }
            (Some(node), false) => {
                tracing::debug!(target: "rel::statement", node = %node, sql = %stmt.sql)
            }
            (Some(node), true) => tracing::debug!(
                target: "rel::statement",
                node = %node,
                sql = %stmt.sql,
                values = ?stmt.binds
            ),
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (stmt, self.trace_values);
    }
}

impl std::fmt::Debug for Link<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("dialect", &self.dialect)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl Executor for Link<'_> {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn fetch_each<'s>(
        &'s mut self,
        stmt: &'s Statement,
        each: &'s mut EachRow<'_>,
    ) -> BoxFuture<'s, Result<()>> {
        if let Err(e) = stmt.check_bound() {
            return Box::pin(std::future::ready(Err(e)));
        }
        self.sent(stmt);
        Box::pin(async move {
            let mut read = 0;
            let each = &mut |row: &dyn Cells| {
                read += 1;
                each(row)
            };
            #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
            let direct = self.direct_reads.then_some(&mut self.unanswered);
            #[cfg(not(any(feature = "sqlite", feature = "sqlite-system")))]
            let direct = None;
            let done = self.conn.fetch_each(stmt, each, direct).await;
            self.read += read;
            done.map_err(|e| typed(self.dialect, e))
        })
    }

    fn execute<'s>(&'s mut self, stmt: &'s Statement) -> BoxFuture<'s, Result<Done>> {
        if let Err(e) = stmt.check_bound() {
            return Box::pin(std::future::ready(Err(e)));
        }
        self.sent(stmt);
        Box::pin(async move {
            // The worker answers this one after everything sent before it.
            #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
            {
                self.unanswered = 0;
            }
            let done = self.conn.execute(stmt).await;
            done.map_err(|e| typed(self.dialect, e))
        })
    }

    fn reads_directly(&self) -> bool {
        self.direct_reads
    }

    fn forget_statements(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
            {
                self.unanswered = 0;
            }
            self.conn.forget_statements().await
        })
    }
}

/// A database error as the typed error a user matches on, where there is one: a table
/// or column that does not exist. Constraint errors are typed by the writes, which know
/// the table and rows written.
fn typed(dialect: Dialect, e: Error) -> Error {
    let Error::Database(sqlx::Error::Database(d)) = &e else {
        return e;
    };
    let message = d.message().to_owned();
    let missing = dialect.errors().missing_object(&**d);
    let Error::Database(source) = e else {
        return e;
    };
    match missing {
        Some(Missing::Table(table)) => Error::MissingTable {
            table,
            message,
            source: Some(Box::new(source)),
        },
        Some(Missing::Column { table, column }) => Error::MissingColumn {
            table,
            column,
            message,
            source: Some(Box::new(source)),
        },
        None => Error::Database(source),
    }
}

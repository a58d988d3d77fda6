//! `Pool`: a pool of connections of any driver, Rel's own or the user's.

use super::link::{Form, Held, Holder, Link, LinkOps, Owned};
use super::{Driver, Readied, Server, Settings, connect_error, for_each_driver, unspanned};
use crate::model::error::Result;
use crate::sql::dialect::Dialect;
use crate::sql::exec::BoxFuture;
use sqlx::pool::PoolConnection;
use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// A connection taken from a pool, and what readying it found (on a pool of the
/// user's).
type Taken = (Box<dyn LinkOps>, Option<Readied>);

/// A connection a pool keeps aside for reads, one read operation at a time
/// (SQLite's: `sqlite/held.rs`).
pub(crate) trait HeldReads: Send + Sync {
    /// The connection for one read operation, unless another read has it.
    fn take(&self) -> Option<Box<dyn LinkOps>>;
    /// Closes it (a read that has it closes it when it ends).
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// What a pool of one driver does, erased: the face of `sqlx::Pool<D>` that [`Pool`]
/// holds.
pub(super) trait PoolOps: Send + Sync {
    /// A connection, readied as `ready` says (a pool of the user's) first; with
    /// `test`, one that answered a ping.
    fn acquire(&self, ready: Option<Dialect>, test: bool) -> BoxFuture<'_, Result<Taken>>;
    /// A connection, readied first, with a transaction begun on it by `statement` (or
    /// sqlx's BEGIN); with `retry`, on another connection where the one taken was
    /// found gone.
    fn begin(
        &self,
        ready: Option<Dialect>,
        statement: Option<&'static str>,
        retry: bool,
    ) -> BoxFuture<'_, Result<Taken>>;
    /// What the pool's server is (see `Driver::server`).
    fn server(&self) -> BoxFuture<'_, Result<Server>>;
    /// Closes the pool, waiting for the connections in use to come back.
    fn close(&self) -> BoxFuture<'_, ()>;
    /// The sqlx pool, to hand back to the user.
    fn as_any(&self) -> &dyn Any;
}

impl<D> PoolOps for sqlx::Pool<D>
where
    D: Driver,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
{
    fn acquire(&self, ready: Option<Dialect>, test: bool) -> BoxFuture<'_, Result<Taken>> {
        unspanned::<D, _>(async move {
            let mut conn = tested(self, test).await?;
            let readied = match ready {
                Some(dialect) => Some(D::ready(&mut conn, dialect, false).await?),
                None => None,
            };
            Ok((
                Box::new(Form::<D>::Pooled(Owned::new(conn))) as Box<dyn LinkOps>,
                readied,
            ))
        })
    }

    fn begin(
        &self,
        ready: Option<Dialect>,
        statement: Option<&'static str>,
        retry: bool,
    ) -> BoxFuture<'_, Result<Taken>> {
        unspanned::<D, _>(async move {
            // A BEGIN that failed began nothing, so it may be sent again on another
            // connection; after each idle one the server ended, a new one.
            let mut left = if retry {
                self.options().get_max_connections()
            } else {
                0
            };
            loop {
                // The pool's own errors (none free in time, none could be opened) are
                // not the connection's: they are not retried.
                let conn = self.acquire().await?;
                match begun(conn, ready, statement).await {
                    Err(e) if left > 0 && e.is_lost() => left -= 1,
                    taken => return taken,
                }
            }
        })
    }

    fn server(&self) -> BoxFuture<'_, Result<Server>> {
        Box::pin(D::server(self))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(sqlx::Pool::close(self))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A connection of `pool`; with `test`, one that answered a ping, as sqlx's
/// `test_before_acquire` would give: one that does not is closed and another taken,
/// a new one once the idle ones are spent.
async fn tested<D: Driver>(pool: &sqlx::Pool<D>, test: bool) -> Result<PoolConnection<D>> {
    let mut left = pool.options().get_max_connections();
    loop {
        let mut conn = pool.acquire().await?;
        if !test {
            return Ok(conn);
        }
        match sqlx::Connection::ping(&mut *conn).await {
            Ok(()) => return Ok(conn),
            Err(e) if left == 0 => return Err(e.into()),
            Err(_) => {
                // Gone: dropped without a goodbye (which could wait on a dead
                // socket), as sqlx drops one that failed its ping; the pool may open
                // another in its place.
                drop(conn.detach());
                left -= 1;
            }
        }
    }
}

/// `conn`, readied as `ready` says, with a transaction begun on it.
async fn begun<D>(
    mut conn: PoolConnection<D>,
    ready: Option<Dialect>,
    statement: Option<&'static str>,
) -> Result<Taken>
where
    D: Driver,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
{
    use sqlx::SqlSafeStr;
    // Readied before BEGIN: SQLite ignores its pragmas inside a transaction.
    let readied = match ready {
        Some(dialect) => Some(D::ready(&mut conn, dialect, false).await?),
        None => None,
    };
    if !D::CANCEL_SAFE {
        // Rel's own BEGIN, on a connection closed if dropped before the transaction
        // ends (see `Owned`).
        let owned = Owned::begun(conn, statement.unwrap_or("BEGIN")).await?;
        return Ok((Box::new(Form::<D>::Raw(owned)) as Box<dyn LinkOps>, readied));
    }
    // What sqlx's `Pool::begin_with` does once it has a connection.
    let conn = sqlx::pool::MaybePoolConnection::PoolConnection(conn);
    let tx = sqlx::Transaction::begin(conn, statement.map(SqlSafeStr::into_sql_str)).await?;
    Ok((Box::new(Form::<D>::Begun(tx)) as Box<dyn LinkOps>, readied))
}

/// A connection pool of one driver, and the dialect it speaks.
#[derive(Clone)]
pub(crate) struct Pool {
    pool: Arc<dyn PoolOps>,
    dialect: Dialect,
    /// Emulated mode locks the rows its checks read (off only in tests).
    locking: bool,
    /// Emulated mode writes conflict guards (on a multi-primary cluster).
    guards: bool,
    /// Statement events carry the bound values.
    trace_values: bool,
    /// SQLite reads step the connection's handle directly (see `Link`).
    direct_reads: bool,
    /// A pool of the user's (`Db::from_pool`): its connections are readied for Rel as
    /// they are acquired.
    borrowed: bool,
    /// Rel's own pool on a server, which hands its connections out untested: Rel tests
    /// one itself where an operation could not run its first statement twice (see
    /// `acquire`).
    tests: bool,
    /// On a pool of one connection (an in-memory SQLite database), the task whose
    /// transaction (`Db::begin`) holds it: an operation of that same task that needs a
    /// connection would wait for itself until the acquire timeout, so it fails at
    /// once with `Error::ConnectionHeld`. Other tasks wait for the transaction to end,
    /// as on any pool.
    held: Option<Holder>,
    /// The node its statement events name, on a `Db` with read replicas.
    node: Option<Arc<str>>,
    /// A connection of Rel's own pool held aside for reads (SQLite's).
    reader: Option<Arc<dyn HeldReads>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("dialect", &self.dialect)
            .field("borrowed", &self.borrowed)
            .finish_non_exhaustive()
    }
}

/// A sqlx pool of yours, for [`Db::from_pool`](crate::Db::from_pool): a
/// `sqlx::SqlitePool`, `sqlx::PgPool` or `sqlx::MySqlPool` converts into it.
#[derive(Clone)]
pub struct SqlxPool(pub(super) Arc<dyn PoolOps>);

/// Opens Rel's own pool of `$db` when it carries `$dialect`.
macro_rules! open_if {
    ($url:ident, $dialect:ident, $settings:ident; $cfg:meta, $folder:ident, $db:ty, $conn:ty) => {
        #[cfg($cfg)]
        if <$db as Driver>::carries($dialect) {
            return Pool::open::<$db>($url, $dialect, $settings).await;
        }
    };
}

impl Pool {
    /// Opens Rel's own pool on a URL: its scheme picks the dialect, and the dialect
    /// its driver.
    pub(crate) async fn connect(url: &str, settings: &Settings) -> Result<Pool> {
        let dialect = Dialect::from_url(url).ok_or_else(|| {
            let schemes: Vec<String> = Dialect::ALL
                .iter()
                .flat_map(|d| d.syntax().schemes)
                .map(|s| format!("{s}:"))
                .collect();
            connect_error(url, format!("unknown scheme: use {}", schemes.join(", ")))
        })?;
        macro_rules! open {
            ($($driver:tt)*) => { open_if!(url, dialect, settings; $($driver)*) };
        }
        for_each_driver!(open);
        Err(connect_error(
            url,
            format!(
                "this build of rel has no {} support; enable its cargo feature",
                dialect.syntax().name
            ),
        ))
    }

    /// Opens Rel's own pool of driver `D`.
    pub(super) async fn open<D>(url: &str, dialect: Dialect, settings: &Settings) -> Result<Pool>
    where
        D: Driver,
        for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    {
        let (pool, server) = D::open(url, dialect, settings).await?;
        let reader = match server.read_aside {
            true => D::reader(&pool).await?,
            false => None,
        };
        Ok(Pool {
            pool: Arc::new(pool),
            dialect: server.dialect,
            locking: !settings.without_locks,
            guards: server.multi_primary && !settings.without_guards,
            trace_values: settings.trace_values,
            direct_reads: server.direct_reads,
            borrowed: false,
            tests: server.ends_idle,
            held: server.one_connection.then(Arc::default),
            node: None,
            reader,
        })
    }

    /// A pool of the user's. Its connections were not made by Rel, so each one Rel
    /// acquires is readied first (SQLite's functions and pragmas); on MySQL a first
    /// connection asks the server's version and whether it is a cluster node.
    pub(crate) async fn borrow(pool: SqlxPool) -> Result<Pool> {
        let server = pool.0.server().await?;
        Ok(Pool {
            pool: pool.0,
            dialect: server.dialect,
            locking: true,
            guards: server.multi_primary,
            trace_values: false,
            direct_reads: false,
            borrowed: true,
            tests: false,
            held: None,
            node: None,
            reader: None,
        })
    }

    /// Whether this is Rel's own pool on a server, which hands its connections out
    /// untested (see [`Pool::acquire`]).
    pub(crate) fn tests(&self) -> bool {
        self.tests
    }

    /// The dialect the pool's connections speak.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether Emulated mode guards its writes against conflicts between the nodes of
    /// a multi-primary cluster (see `GuardSql`).
    pub(crate) fn guards(&self) -> bool {
        self.guards
    }

    /// Whether Emulated mode takes its row locks (always, but for a test's switch).
    pub(crate) fn locking(&self) -> bool {
        self.locking
    }

    /// The sqlx pool, when it is of driver `D`.
    pub(crate) fn sqlx<D: sqlx::Database>(&self) -> Option<&sqlx::Pool<D>> {
        self.pool.as_any().downcast_ref()
    }

    /// Whether statement events carry their bound values.
    pub(crate) fn trace_values(&self) -> bool {
        self.trace_values
    }

    /// Names the node its statements' events say they ran on (`primary`, `replica 1`).
    pub(crate) fn set_node(&mut self, node: &str) {
        self.node = Some(node.into());
    }

    /// Sets whether statement events carry their bound values.
    pub(crate) fn set_trace_values(&mut self, on: bool) {
        self.trace_values = on;
    }

    /// Closes the pool: no new connections, and waits for those in use to come back.
    pub(crate) async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close().await;
        }
        self.pool.close().await
    }

    /// A connection for one operation, counting its statements in `statements`.
    ///
    /// Rel's own pool on a server hands its connections out untested, to save the
    /// round trip of a ping before every operation; but the server may have ended
    /// one while it sat idle. So a connection for an operation that may write is
    /// tested here first (a write's statement that failed on a lost connection may or
    /// may not have run). A read takes one untested ([`Pool::acquire_testing`]) and, if
    /// its first statement finds the connection gone, runs again on a tested one; a
    /// transaction's BEGIN is sent again on another ([`Pool::begin`]). A pool of the
    /// user's tests as its own options say.
    pub(crate) async fn acquire(&self, statements: &Arc<AtomicU64>) -> Result<Link<'static>> {
        self.acquire_testing(statements, self.tests).await
    }

    /// A connection for one operation; with `test`, one that answered a ping. A read
    /// takes one untested, and runs again on a tested one when it finds it gone (see
    /// [`Pool::acquire`]).
    pub(crate) async fn acquire_testing(
        &self,
        statements: &Arc<AtomicU64>,
        test: bool,
    ) -> Result<Link<'static>> {
        self.not_held()?;
        let taken = self.pool.acquire(self.readying(), test).await?;
        Ok(self.link(taken, statements))
    }

    /// The connection held aside for reads, for one read operation, when the pool
    /// has one and no other read has it (see `sqlite/held.rs`).
    pub(crate) fn reader(&self, statements: &Arc<AtomicU64>) -> Option<Link<'static>> {
        let ops = self.reader.as_ref()?.take()?;
        Some(self.link((ops, None), statements))
    }

    /// A connection with a transaction begun on it, by the dialect's own BEGIN where it
    /// has one, acquired as for any operation (so a borrowed pool's is readied first).
    pub(crate) async fn begin(&self, statements: &Arc<AtomicU64>) -> Result<Link<'static>> {
        self.not_held()?;
        let begin = self.dialect.syntax().begin;
        let taken = self.pool.begin(self.readying(), begin, self.tests).await?;
        Ok(self.link(taken, statements))
    }

    /// `link`, a transaction of the user's (`Db::begin`), holds the pool's only
    /// connection for this task, where the pool has one.
    pub(crate) fn held_by(&self, link: Link<'static>) -> Link<'static> {
        match &self.held {
            Some(held) => {
                *held.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokio::task::try_id());
                link.holding(Held(held.clone()))
            }
            None => link,
        }
    }

    /// Fails at once where the pool's only connection is held by a transaction this
    /// task began: waiting would be waiting for itself.
    fn not_held(&self) -> Result<()> {
        let Some(held) = &self.held else {
            return Ok(());
        };
        if *held.lock().unwrap_or_else(|e| e.into_inner()) == Some(tokio::task::try_id()) {
            return Err(crate::model::error::Error::ConnectionHeld {
                message: "an in-memory SQLite database has one connection, and a \
                          transaction this task began holds it, so nothing else can run \
                          until it ends: run this through the transaction (&mut tx), \
                          commit or roll it back first, or use a file database \
                          (sqlite://app.db), which has a pool of connections"
                    .into(),
            });
        }
        Ok(())
    }

    /// The dialect a connection is readied for, where the pool is the user's.
    fn readying(&self) -> Option<Dialect> {
        self.borrowed.then_some(self.dialect)
    }

    fn link(&self, (conn, readied): Taken, statements: &Arc<AtomicU64>) -> Link<'static> {
        let direct_reads = readied.map_or(self.direct_reads, |r| r.direct_reads);
        Link::new(
            conn,
            self.dialect,
            self.trace_values,
            direct_reads,
            statements.clone(),
        )
        .on_node(self.node.clone())
    }
}

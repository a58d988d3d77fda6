//! The connection layer: pools, connections held for one operation, transactions,
//! and, one file per sqlx driver, connecting, binding values and reading cells.
//!
//! It is the only layer that knows sqlx's connection and row types. It implements the
//! interfaces the layers below it read through: `sql::exec::Executor` (running
//! statements) and `model::row::Cells` (a fetched row). It picks a driver by the
//! dialect's [`Driver`], never by the dialect itself.

use crate::model::error::{Error, Result};
use crate::model::row::Cells;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::Statement;
use crate::sql::dialect::{Dialect, Missing, Wire};
use crate::sql::exec::{BoxFuture, Done, EachRow, Executor};
use std::sync::atomic::{AtomicU64, Ordering};

/// Reads cell `$i` as `Option<$ty>` and wraps it, NULL becoming `Value::Null`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! cell {
    ($row:expr, $i:expr, $t:expr, $ty:ty, $wrap:expr) => {
        $row.try_get::<Option<$ty>, _>($i)?
            .map_or(Value::Null($t), $wrap)
    };
}

/// Implements `Cells` for a driver's row type, whose typed read is `$read`.
macro_rules! cells_for {
    ($row:ty, $read:ident) => {
        impl Cells for $row {
            #[inline]
            fn read(&self, i: usize, ty: SqlType) -> std::result::Result<Value, sqlx::Error> {
                $read(self, i, ty)
            }
            fn text(&self, i: usize) -> std::result::Result<Option<&str>, sqlx::Error> {
                self.try_get(i)
            }
            #[inline]
            fn i64(&self, i: usize) -> std::result::Result<Option<i64>, sqlx::Error> {
                self.try_get(i)
            }
            #[inline]
            fn f64(&self, i: usize) -> std::result::Result<Option<f64>, sqlx::Error> {
                self.try_get(i)
            }
            #[inline]
            fn bool(&self, i: usize) -> std::result::Result<Option<bool>, sqlx::Error> {
                self.try_get(i)
            }
            #[inline]
            fn string(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
                self.try_get(i)
            }
        }
    };
}

mod borrowed;
#[cfg(feature = "mysql")]
mod mysql;
mod options;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_functions;
#[cfg(feature = "sqlite")]
mod sqlite_raw;

pub use borrowed::{SqlxConn, SqlxPool};
pub use options::JournalMode;
pub(crate) use options::Settings;

/// A connection pool of one driver, and the dialect it speaks.
#[derive(Clone, Debug)]
pub(crate) struct Pool {
    dialect: Dialect,
    pool: Pools,
    flags: Flags,
    /// A pool of the user's (`Db::from_pool`): its connections are readied for Rel as
    /// they are acquired.
    borrowed: bool,
}

#[derive(Clone, Debug)]
enum Pools {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

/// A pooled connection held for one operation.
pub(crate) struct Held {
    dialect: Dialect,
    conn: HeldConn,
    flags: Flags,
}

enum HeldConn {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

/// An open transaction; it rolls back when dropped.
pub(crate) struct Tx {
    dialect: Dialect,
    tx: Txs,
    flags: Flags,
}

enum Txs {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// One connection of any driver, borrowed from a held connection or a transaction.
enum Session<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

/// A session and the counter of the statements sent through it: what the reading and
/// writing layers run their statements on.
pub(crate) struct Runner<'a> {
    dialect: Dialect,
    session: Session<'a>,
    statements: &'a AtomicU64,
    flags: Flags,
    /// How many statements went through this runner.
    sent: u64,
    /// How many rows its statements returned.
    read: u64,
    /// SQLite direct reads since the worker last answered a command (see
    /// `sqlite_raw::fetch_each`).
    #[cfg(feature = "sqlite")]
    unanswered: u32,
}

/// What a pool's operations do besides sending their statements, fixed at connect.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flags {
    /// Emulated mode locks the rows its checks read (off only in tests).
    pub locking: bool,
    /// Emulated mode writes conflict guards (on a multi-primary cluster).
    pub guards: bool,
    /// Statement events carry the bound values.
    pub trace_values: bool,
    /// SQLite reads step the connection's handle directly (`sqlite_raw.rs`): on pools
    /// Rel opened, in WAL mode or in memory, where a read waits for no writer's lock
    /// (and so never blocks its thread for the busy timeout). A pool or connection of
    /// the user's is asked its journal mode as it is readied (`borrowed::prepare`).
    pub direct_reads: bool,
}

impl Flags {
    /// The flags for a connection Rel did not configure: locks on, no guards, no
    /// values in events.
    pub(crate) fn lent() -> Flags {
        Flags {
            locking: true,
            guards: false,
            trace_values: false,
            direct_reads: false,
        }
    }
}

/// A connection error that names the URL without its credentials, and whose message
/// does not repeat the password either.
pub(crate) fn connect_error(url: &str, message: impl Into<String>) -> Error {
    let mut message = message.into();
    let (shown, password) = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let credentials = &url[s + 3..at];
            let password = credentials.split_once(':').map(|(_, p)| p);
            (format!("{}://***{}", &url[..s], &url[at..]), password)
        }
        _ => (url.to_owned(), None),
    };
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        message = message.replace(url, &shown).replace(password, "***");
    }
    Error::Connect {
        url: shown,
        message,
    }
}

impl Pool {
    /// Connects by URL; the URL's scheme picks the dialect, and the dialect its driver.
    pub(crate) async fn connect(url: &str, settings: &Settings) -> Result<Pool> {
        let dialect = Dialect::from_url(url).ok_or_else(|| {
            connect_error(url, "unknown scheme: use sqlite:, postgres: or mysql:")
        })?;
        // The pool, its dialect, whether it is a multi-primary cluster and whether it
        // reads SQLite directly.
        let (pool, dialect, multi_primary, direct_reads) = match dialect.syntax().wire {
            #[cfg(feature = "sqlite")]
            Wire::Sqlite => {
                let (pool, direct) = sqlite::connect(url, dialect, settings).await?;
                (Pools::Sqlite(pool), dialect, false, direct)
            }
            #[cfg(feature = "postgres")]
            Wire::Postgres => (
                Pools::Postgres(postgres::connect(url, dialect, settings).await?),
                dialect,
                false,
                false,
            ),
            #[cfg(feature = "mysql")]
            Wire::MySql => {
                // The server's version may pick a variant of the dialect.
                let (pool, variant, cluster) = mysql::connect(url, dialect, settings).await?;
                (Pools::MySql(pool), variant, cluster, false)
            }
            #[allow(unreachable_patterns)]
            _ => {
                return Err(connect_error(
                    url,
                    format!(
                        "this build of rel has no {} support; enable its cargo feature",
                        dialect.syntax().name
                    ),
                ));
            }
        };
        Ok(Pool {
            dialect,
            pool,
            flags: Flags {
                locking: !settings.without_locks,
                guards: multi_primary && !settings.without_guards,
                trace_values: settings.trace_values,
                direct_reads,
            },
            borrowed: false,
        })
    }

    /// The dialect the pool's connections speak.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether Emulated mode guards its writes against conflicts between the nodes of
    /// a multi-primary cluster (see `GuardSql`).
    pub(crate) fn guards(&self) -> bool {
        self.flags.guards
    }

    /// Whether Emulated mode takes its row locks (always, but for a test's switch).
    pub(crate) fn locking(&self) -> bool {
        self.flags.locking
    }

    /// The sqlx pool, when it is SQLite's.
    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite(&self) -> Option<&sqlx::SqlitePool> {
        match &self.pool {
            Pools::Sqlite(p) => Some(p),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The sqlx pool, when it is PostgreSQL's.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(&self) -> Option<&sqlx::PgPool> {
        match &self.pool {
            Pools::Postgres(p) => Some(p),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The sqlx pool, when it is MySQL's.
    #[cfg(feature = "mysql")]
    pub(crate) fn mysql(&self) -> Option<&sqlx::MySqlPool> {
        match &self.pool {
            Pools::MySql(p) => Some(p),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Whether statement events carry their bound values.
    pub(crate) fn set_trace_values(&mut self, on: bool) {
        self.flags.trace_values = on;
    }

    /// Closes the pool: no new connections, and waits for those in use to come back.
    pub(crate) async fn close(&self) {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(p) => p.close().await,
            #[cfg(feature = "postgres")]
            Pools::Postgres(p) => p.close().await,
            #[cfg(feature = "mysql")]
            Pools::MySql(p) => p.close().await,
        }
    }

    /// A connection, held until the result is dropped.
    pub(crate) async fn acquire(&self) -> Result<Held> {
        let conn = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(p) => HeldConn::Sqlite(p.acquire().await?),
            #[cfg(feature = "postgres")]
            Pools::Postgres(p) => HeldConn::Postgres(p.acquire().await?),
            #[cfg(feature = "mysql")]
            Pools::MySql(p) => HeldConn::MySql(p.acquire().await?),
        };
        let mut conn = conn;
        let mut flags = self.flags;
        if self.borrowed {
            flags.direct_reads = borrowed::prepare(&mut conn, self.dialect).await?;
        }
        Ok(Held {
            dialect: self.dialect,
            conn,
            flags,
        })
    }

    /// Starts a transaction, with the dialect's own BEGIN where it has one, on a
    /// connection acquired as for any operation (so a borrowed pool's is readied first:
    /// SQLite ignores its pragmas inside a transaction).
    pub(crate) async fn begin(&self) -> Result<Tx> {
        let begin = self.dialect.syntax().begin;
        let held = self.acquire().await?;
        let tx = match held.conn {
            #[cfg(feature = "sqlite")]
            HeldConn::Sqlite(c) => Txs::Sqlite(begin_on(c, begin).await?),
            #[cfg(feature = "postgres")]
            HeldConn::Postgres(c) => Txs::Postgres(begin_on(c, begin).await?),
            #[cfg(feature = "mysql")]
            HeldConn::MySql(c) => Txs::MySql(begin_on(c, begin).await?),
        };
        Ok(Tx {
            dialect: self.dialect,
            tx,
            flags: held.flags,
        })
    }
}

/// A transaction on a pooled connection, begun with `begin` (or sqlx's BEGIN): what
/// sqlx's `Pool::begin_with` does once it has acquired a connection.
async fn begin_on<DB: sqlx::Database>(
    conn: sqlx::pool::PoolConnection<DB>,
    begin: Option<&'static str>,
) -> Result<sqlx::Transaction<'static, DB>> {
    use sqlx::SqlSafeStr;
    let conn = sqlx::pool::MaybePoolConnection::PoolConnection(conn);
    Ok(sqlx::Transaction::begin(conn, begin.map(SqlSafeStr::into_sql_str)).await?)
}

impl Held {
    /// The connection, counting statements in `statements`.
    pub(crate) fn runner<'a>(&'a mut self, statements: &'a AtomicU64) -> Runner<'a> {
        let session = match &mut self.conn {
            #[cfg(feature = "sqlite")]
            HeldConn::Sqlite(c) => Session::Sqlite(c),
            #[cfg(feature = "postgres")]
            HeldConn::Postgres(c) => Session::Postgres(c),
            #[cfg(feature = "mysql")]
            HeldConn::MySql(c) => Session::MySql(c),
        };
        Runner {
            dialect: self.dialect,
            session,
            statements,
            flags: self.flags,
            sent: 0,
            read: 0,
            #[cfg(feature = "sqlite")]
            unanswered: 0,
        }
    }
}

impl Tx {
    /// The dialect the transaction's connection speaks.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The transaction's connection, counting statements in `statements`.
    pub(crate) fn runner<'a>(&'a mut self, statements: &'a AtomicU64) -> Runner<'a> {
        let session = match &mut self.tx {
            #[cfg(feature = "sqlite")]
            Txs::Sqlite(t) => Session::Sqlite(t),
            #[cfg(feature = "postgres")]
            Txs::Postgres(t) => Session::Postgres(t),
            #[cfg(feature = "mysql")]
            Txs::MySql(t) => Session::MySql(t),
        };
        Runner {
            dialect: self.dialect,
            session,
            statements,
            flags: self.flags,
            sent: 0,
            read: 0,
            #[cfg(feature = "sqlite")]
            unanswered: 0,
        }
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<()> {
        match self.tx {
            #[cfg(feature = "sqlite")]
            Txs::Sqlite(t) => t.commit().await?,
            #[cfg(feature = "postgres")]
            Txs::Postgres(t) => t.commit().await?,
            #[cfg(feature = "mysql")]
            Txs::MySql(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Rolls back.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self.tx {
            #[cfg(feature = "sqlite")]
            Txs::Sqlite(t) => t.rollback().await?,
            #[cfg(feature = "postgres")]
            Txs::Postgres(t) => t.rollback().await?,
            #[cfg(feature = "mysql")]
            Txs::MySql(t) => t.rollback().await?,
        }
        Ok(())
    }
}

impl Executor for Runner<'_> {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn fetch_each<'a>(
        &'a mut self,
        stmt: &'a Statement,
        each: &'a mut EachRow<'_>,
    ) -> BoxFuture<'a, Result<()>> {
        self.sent(stmt);
        Box::pin(async move {
            let mut read = 0;
            let each = &mut |row: &dyn Cells| {
                read += 1;
                each(row)
            };
            let done = match &mut self.session {
                #[cfg(feature = "sqlite")]
                Session::Sqlite(c) => {
                    let direct = self.flags.direct_reads.then_some(&mut self.unanswered);
                    sqlite::fetch_each(c, stmt, each, direct).await
                }
                #[cfg(feature = "postgres")]
                Session::Postgres(c) => postgres::fetch_each(c, stmt, each).await,
                #[cfg(feature = "mysql")]
                Session::MySql(c) => mysql::fetch_each(c, stmt, each).await,
            };
            self.read += read;
            done.map_err(|e| typed(self.dialect, e))
        })
    }

    fn execute<'a>(&'a mut self, stmt: &'a Statement) -> BoxFuture<'a, Result<Done>> {
        self.sent(stmt);
        Box::pin(async move {
            let done = match &mut self.session {
                #[cfg(feature = "sqlite")]
                Session::Sqlite(c) => {
                    // The worker answers this one after everything sent before it.
                    self.unanswered = 0;
                    sqlite::execute(c, stmt).await
                }
                #[cfg(feature = "postgres")]
                Session::Postgres(c) => postgres::execute(c, stmt).await,
                #[cfg(feature = "mysql")]
                Session::MySql(c) => mysql::execute(c, stmt).await,
            };
            done.map_err(|e| typed(self.dialect, e))
        })
    }
}

impl Runner<'_> {
    /// How many statements went through this runner.
    pub(crate) fn sent_count(&self) -> u64 {
        self.sent
    }

    /// Runs statements in order, up to the first that fails; how many it sent.
    pub(crate) async fn execute_all(&mut self, statements: &[Statement]) -> (Result<()>, u64) {
        let mut result = Ok(());
        for stmt in statements {
            if let Err(e) = self.execute(stmt).await {
                result = Err(e);
                break;
            }
        }
        (result, self.sent)
    }

    /// How many rows the statements sent through this runner returned.
    pub(crate) fn read_count(&self) -> u64 {
        self.read
    }

    /// Counts `stmt` and reports it to `tracing` (its SQL; its values only if the
    /// pool was built with `trace_values`).
    fn sent(&mut self, stmt: &Statement) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.sent += 1;
        #[cfg(feature = "tracing")]
        if self.flags.trace_values {
            tracing::debug!(target: "rel::statement", sql = %stmt.sql, values = ?stmt.binds);
        } else {
            tracing::debug!(target: "rel::statement", sql = %stmt.sql);
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (stmt, self.flags.trace_values);
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
    match dialect.errors().missing_object(&**d) {
        Some(Missing::Table(table)) => Error::MissingTable { table, message },
        Some(Missing::Column { table, column }) => Error::MissingColumn {
            table,
            column,
            message,
        },
        None => e,
    }
}

/// The next item of a stream.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn next<S: futures_core::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}

#[allow(dead_code)] // unused when no backend binds
fn encode_err(e: sqlx::error::BoxDynError) -> Error {
    Error::Database(sqlx::Error::Encode(e))
}

/// Parses text read from a column into a typed value.
#[allow(dead_code)] // unused when no text-stored type is enabled
fn parse_text<T, E: std::fmt::Display>(
    text: Option<String>,
    ty: SqlType,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    wrap: impl FnOnce(T) -> Value,
) -> std::result::Result<Value, sqlx::Error> {
    match text {
        None => Ok(Value::Null(ty)),
        Some(s) => parse(&s)
            .map(wrap)
            .map_err(|e| sqlx::Error::Decode(format!("invalid {ty:?} text {s:?}: {e}").into())),
    }
}

/// Arrays are bound only on PostgreSQL, only of key types.
#[allow(dead_code)]
fn no_arrays() -> sqlx::error::BoxDynError {
    "array parameters are bound only on PostgreSQL, of integers, text or UUIDs".into()
}

/// A column of a type whose cargo feature this build lacks.
#[allow(dead_code)]
fn missing_feature(t: SqlType) -> sqlx::Error {
    sqlx::Error::Decode(
        format!("column type {t:?} needs its cargo feature of rel (chrono, uuid, serde_json or rust_decimal)").into(),
    )
}

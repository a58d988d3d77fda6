//! The driver layer: connections to the database, one folder per sqlx driver (wire
//! protocol), all behind one trait.
//!
//! It is the only layer that knows sqlx's connection and row types. It implements the
//! interfaces the layers below it read through: `sql::exec::Executor` (running
//! statements, by [`Link`]) and `model::row::Cells` (a fetched row).
//!
//! Three names for connection things, and no more:
//!
//! - [`Pool`]: a pool of connections of any driver, Rel's own or the user's.
//! - [`Link`]: one connection held for an operation or a transaction, of any driver and
//!   in any form: taken from a pool, with a transaction begun on it, or lent by the
//!   user. It is the `Executor` the reading and writing layers run statements through.
//! - [`Driver`]: what one sqlx driver does for Rel (connect, ready a connection, bind
//!   values, run a statement, read cells), implemented once per folder on sqlx's
//!   database type (`sqlx::Sqlite`, `sqlx::Postgres`, `sqlx::MySql`). `Pool` and `Link`
//!   are generic over it and erase it, so nothing above matches on drivers.
//!
//! A driver is registered in one line of the `for_each_driver!` list below, which also
//! gives the user's sqlx pools and connections their conversions (`SqlxPool`,
//! `SqlxConn`, and the facade's `Conn`).

mod lent;
mod link;
mod options;
mod pool;

use crate::model::error::{Error, Result};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::BoxFuture;
use crate::sql::exec::{Done, EachRow};
use pool::HeldReads;
use std::future::Future;
use std::sync::Arc;

pub use lent::SqlxConn;
pub(crate) use link::Link;
pub use options::JournalMode;
pub(crate) use options::Settings;
pub(crate) use pool::Pool;
pub use pool::SqlxPool;

/// The drivers, one line each: its cargo features (as a `cfg` predicate), its folder, sqlx's database type and
/// connection type. `for_each_driver!(callback)` calls `callback!(cfg, folder,
/// database, connection)` for each: to declare the folders (at the end of this file,
/// after the macros they use), to open a pool by URL (`pool.rs`), and to convert the
/// user's sqlx pools and connections (`lent.rs`, and the facade's `Conn`).
macro_rules! for_each_driver {
    ($callback:ident) => {
        $callback!(
            any(feature = "sqlite", feature = "sqlite-system"),
            sqlite,
            sqlx::Sqlite,
            sqlx::SqliteConnection
        );
        $callback!(
            feature = "postgres",
            postgres,
            sqlx::Postgres,
            sqlx::PgConnection
        );
        $callback!(feature = "mysql", mysql, sqlx::MySql, sqlx::MySqlConnection);
    };
}
pub(crate) use for_each_driver;

/// What one sqlx driver does for Rel. See the [module docs](self).
///
/// Implemented on sqlx's database type. The generic parts (pools, transactions, the
/// forms a connection is held in) are written once, over it, in `pool.rs` and
/// `link.rs`; what differs per wire protocol is here.
pub(crate) trait Driver: sqlx::Database + sqlx::database::HasStatementCache {
    /// Its folder's name, which each dialect it carries names as its driver
    /// (`Syntax::driver`): the dialects say which wire protocol carries them, so this
    /// folder names none of them.
    const WIRE: &'static str;

    /// Whether it carries `dialect`.
    fn carries(dialect: Dialect) -> bool {
        dialect.syntax().driver == Self::WIRE
    }

    /// The dialect it speaks until a server says otherwise (a variant, by its
    /// version): the first registered one it carries.
    fn first_dialect() -> Dialect {
        Dialect::ALL
            .into_iter()
            .find(|d| Self::carries(*d))
            .expect("every driver carries a registered dialect (tests: drivers_carry_dialects)")
    }

    /// Whether the driver hands each command to a worker thread with the span current
    /// when it was sent, which the worker drops only once it has got to the command
    /// (sqlx's SQLite): see [`unspanned`].
    const WORKER_KEEPS_SPANS: bool = false;

    /// Whether a command the driver was given runs to its end even when the future
    /// awaiting it is dropped (sqlx's SQLite: a worker thread runs each command, and
    /// rolls back a BEGIN no one took). Sqlx's PostgreSQL and MySQL connections are
    /// not (sqlx#563): Rel closes one dropped mid-statement or mid-transaction, rather
    /// than hand it back to its pool (see `link::Owned`).
    const CANCEL_SAFE: bool = false;

    /// Opens Rel's own pool on `url`, with `settings`: the pool, and what its server
    /// said when a first connection asked.
    fn open(
        url: &str,
        dialect: Dialect,
        settings: &Settings,
    ) -> impl Future<Output = Result<(sqlx::Pool<Self>, Server)>> + Send;

    /// A connection of Rel's own new pool to hold aside for reads, where its server
    /// said so (`Server::read_aside`; SQLite's: `sqlite/held.rs`).
    fn reader(
        pool: &sqlx::Pool<Self>,
    ) -> impl Future<Output = Result<Option<Arc<dyn HeldReads>>>> + Send {
        let _ = pool;
        async { Ok(None) }
    }

    /// What a pool of the user's serves, asked on one of its connections (MySQL: the
    /// server's version and whether it is a cluster node).
    fn server(pool: &sqlx::Pool<Self>) -> impl Future<Output = Result<Server>> + Send {
        let _ = pool;
        async { Ok(Server::of(Self::first_dialect())) }
    }

    /// Readies a connection Rel did not open, before an operation runs on it: a pooled
    /// connection of the user's (`lent` false), or one lent for this operation alone.
    fn ready(
        conn: &mut Self::Connection,
        dialect: Dialect,
        lent: bool,
    ) -> impl Future<Output = Result<Readied>> + Send {
        let _ = (conn, lent);
        async move {
            Ok(Readied {
                dialect,
                direct_reads: false,
            })
        }
    }

    /// Runs a statement and hands each row's cells to `each`, in order. `direct` is the
    /// count of SQLite's direct reads (`sqlite/direct.rs`), where the connection
    /// takes them.
    fn fetch_each<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
        each: &'a mut EachRow<'_>,
        direct: Option<&'a mut u32>,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// Runs a statement that returns no rows.
    fn execute<'a>(
        conn: &'a mut Self::Connection,
        stmt: &'a Statement,
    ) -> impl Future<Output = Result<Done>> + Send + 'a;
}

/// What Rel learns of a server when it first connects.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Server {
    /// The dialect it speaks (a variant of the URL's, by its version).
    pub dialect: Dialect,
    /// Whether it is a node of a multi-primary cluster, where Emulated mode writes
    /// conflict guards.
    pub multi_primary: bool,
    /// Whether reads may step SQLite's handle directly (see `Link`'s flags).
    pub direct_reads: bool,
    /// Whether the pool has exactly one connection that lives forever (an in-memory
    /// SQLite database): a transaction holds it, and nothing else can run meanwhile.
    pub one_connection: bool,
    /// Whether Rel's own pool holds one of its connections aside for reads (SQLite's:
    /// `sqlite/held.rs`).
    pub read_aside: bool,
    /// Whether the server can end a connection while it sits idle in the pool (a
    /// restart, a failover, `KILL`, its idle timeout): a server's can, a SQLite file
    /// handle cannot. Rel's own pool then tests a connection where an operation's
    /// first statement could not safely run twice (see `Pool::acquire`).
    pub ends_idle: bool,
}

impl Server {
    /// A server of `dialect`, with nothing else to say.
    pub(crate) fn of(dialect: Dialect) -> Server {
        Server {
            dialect,
            multi_primary: false,
            direct_reads: false,
            one_connection: false,
            read_aside: false,
            ends_idle: true,
        }
    }
}

/// What readying a connection Rel did not open found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Readied {
    /// The dialect it speaks.
    pub dialect: Dialect,
    /// Whether reads may step SQLite's handle directly: its database is in WAL mode or
    /// in memory, where a read waits for no writer's lock.
    pub direct_reads: bool,
}

/// A connection error that names the URL without its credentials, and whose message
/// does not repeat them either.
pub(crate) fn connect_error(url: &str, message: impl Into<String>) -> Error {
    let (shown, secrets) = without_credentials(url);
    let mut message = message.into().replace(url, &shown);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        message = message.replace(secret.as_str(), "***");
    }
    Error::Connect {
        url: shown,
        message,
    }
}

/// `url` with every credential sqlx accepts in it masked, and the secrets (as written,
/// and percent-decoded) for masking a message: the userinfo (`user:password@`,
/// shown as `***@`) and any query parameter whose name says it is a password
/// (`?password=`, which PostgreSQL reads; `pass`, `passwd`, `sslpassword` too). A URL
/// that does not parse is shown as its scheme alone.
fn without_credentials(url: &str) -> (String, Vec<String>) {
    let Ok(mut parsed) = url::Url::parse(url) else {
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        return (
            format!("{scheme}: (a URL that does not parse, not shown)"),
            Vec::new(),
        );
    };
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut secrets = Vec::new();
    if let Some(password) = parsed.password() {
        secrets.push(password.to_owned());
        secrets.push(decoded(password));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Both cannot fail on a URL that has credentials: it has a host.
        let _ = parsed.set_password(None);
        let _ = parsed.set_username("***");
    }
    if let Some(query) = parsed.query().map(str::to_owned) {
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) if decoded(key).to_ascii_lowercase().contains("pass") => {
                    secrets.push(value.to_owned());
                    secrets.push(decoded(&value.replace('+', " ")));
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        parsed.set_query(Some(&masked.join("&")));
    }
    if secrets.is_empty() && parsed.username() != "***" {
        // Nothing to hide: the URL as it was written (not re-encoded).
        return (url.to_owned(), secrets);
    }
    // The longest first, so that a secret containing another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    (parsed.to_string(), secrets)
}

/// Reads cell `$i` as `Option<$ty>` and wraps it, NULL becoming `Value::Null`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! cell {
    ($row:expr, $i:expr, $t:expr, $ty:ty, $wrap:expr) => {
        $row.try_get::<Option<$ty>, _>($i)?
            .map_or(Value::Null($t), $wrap)
    };
}

/// A sqlx row, as Rel reads its cells: `Cells` is `relcore`'s trait and the rows are
/// sqlx's types, so it is implemented for this wrapper of this crate's.
pub(crate) struct SqlxRow<'r, R>(pub(crate) &'r R);

/// Implements `Cells` for a driver's rows (as [`SqlxRow`]), whose typed read is `$read`.
macro_rules! cells_for {
    ($row:ty, $read:path) => {
        impl $crate::model::row::Cells for $crate::driver::SqlxRow<'_, $row> {
            #[inline]
            fn read(
                &self,
                i: usize,
                ty: $crate::model::value::SqlType,
            ) -> std::result::Result<$crate::model::value::Value, sqlx::Error> {
                $read(self, i, ty)
            }
            fn text(&self, i: usize) -> std::result::Result<Option<&str>, sqlx::Error> {
                sqlx::Row::try_get(self.0, i)
            }
            #[inline]
            fn i64(&self, i: usize) -> std::result::Result<Option<i64>, sqlx::Error> {
                sqlx::Row::try_get(self.0, i)
            }
            #[inline]
            fn f64(&self, i: usize) -> std::result::Result<Option<f64>, sqlx::Error> {
                sqlx::Row::try_get(self.0, i)
            }
            #[inline]
            fn bool(&self, i: usize) -> std::result::Result<Option<bool>, sqlx::Error> {
                sqlx::Row::try_get(self.0, i)
            }
            #[inline]
            fn string(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
                sqlx::Row::try_get(self.0, i)
            }
        }
    };
}
pub(crate) use cells_for;

/// The typed read of a server's rows (PostgreSQL, MySQL), which decode every type
/// alike but UUIDs: `$uuid(row, i, t)` reads those.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! server_read {
    ($row:ty, $uuid:path) => {
        #[inline(always)]
        fn read(
            row: &$crate::driver::SqlxRow<'_, $row>,
            i: usize,
            t: SqlType,
        ) -> std::result::Result<Value, sqlx::Error> {
            use sqlx::Row;
            let row = row.0;
            Ok(match t {
                SqlType::SmallInt => cell!(row, i, t, i16, Value::I16),
                SqlType::Integer => cell!(row, i, t, i32, Value::I32),
                SqlType::BigInt => cell!(row, i, t, i64, Value::I64),
                SqlType::Real => cell!(row, i, t, f32, Value::F32),
                SqlType::Double => cell!(row, i, t, f64, Value::F64),
                SqlType::Boolean => cell!(row, i, t, bool, Value::Bool),
                SqlType::Text => cell!(row, i, t, String, Value::Text),
                SqlType::Blob => cell!(row, i, t, Vec<u8>, Value::Bytes),
                #[cfg(feature = "chrono")]
                SqlType::Date => cell!(row, i, t, chrono::NaiveDate, Value::Date),
                #[cfg(feature = "chrono")]
                SqlType::DateTime => cell!(row, i, t, chrono::NaiveDateTime, Value::DateTime),
                #[cfg(feature = "chrono")]
                SqlType::TimestampTz => {
                    cell!(row, i, t, chrono::DateTime<chrono::Utc>, Value::TimestampTz)
                }
                #[cfg(feature = "uuid")]
                SqlType::Uuid => $uuid(row, i, t)?,
                #[cfg(feature = "serde_json")]
                SqlType::Json => cell!(row, i, t, sqlx::types::Json<serde_json::Value>, |j| {
                    Value::Json(j.0)
                }),
                #[cfg(feature = "rust_decimal")]
                SqlType::Decimal => cell!(row, i, t, rust_decimal::Decimal, Value::Decimal),
                #[allow(unreachable_patterns)]
                other => return Err($crate::driver::missing_feature(other)),
            })
        }
        $crate::driver::cells_for!($row, read);
    };
}

/// Runs a statement through sqlx and hands each row to `each` as it arrives; each
/// row is dropped before the next (the server drivers' `fetch_each`).
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn stream<D: Driver>(
    conn: &mut D::Connection,
    stmt: &Statement,
    arguments: D::Arguments,
    each: &mut EachRow<'_>,
) -> Result<()>
where
    D::Arguments: sqlx::IntoArguments<D>,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'r> SqlxRow<'r, D::Row>: crate::model::row::Cells,
{
    let query = sqlx::query_with::<D, _>(sqlx::AssertSqlSafe(stmt.sql.as_str()), arguments);
    // `fetch_many`, not `fetch`: `fetch` is it with a filter over each row's stream item.
    let mut rows = sqlx::Executor::fetch_many(&mut *conn, query);
    while let Some(item) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(rows.as_mut(), cx)).await
    {
        if let sqlx::Either::Right(row) = item? {
            each(&SqlxRow(&row))?;
        }
    }
    Ok(())
}

/// Runs a statement that returns no rows through sqlx; what the driver reported.
#[allow(dead_code)] // unused when no backend is built
async fn execute_through<D: Driver>(
    conn: &mut D::Connection,
    stmt: &Statement,
    arguments: D::Arguments,
) -> Result<D::QueryResult>
where
    D::Arguments: sqlx::IntoArguments<D>,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
{
    let query = sqlx::query_with::<D, _>(sqlx::AssertSqlSafe(stmt.sql.as_str()), arguments);
    Ok(sqlx::Executor::execute(&mut *conn, query).await?)
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

/// Declares a driver's folder (after the macros above, which it uses).
macro_rules! declare_folder {
    ($cfg:meta, $folder:ident, $db:ty, $conn:ty) => {
        #[cfg($cfg)]
        mod $folder;
    };
}
for_each_driver!(declare_folder);

/// Runs `work`, a call into `D`'s sqlx connection, with no span current where `D`'s
/// worker keeps spans ([`Driver::WORKER_KEEPS_SPANS`]). sqlx's SQLite worker thread
/// keeps the span current when a command was sent until it has got to the command: an
/// unlock command a direct read leaves over (`sqlite/direct.rs`) kept the span of
/// Rel's operation open until the next operation on the connection, or until the
/// program ended, and a command the worker has answered kept it open while the worker
/// finished. Rel's own statement events are sent outside, in the operation's span;
/// sqlx's own events from the worker thread go to the global subscriber, with no
/// parent span. Other drivers run `work` as it is. Boxed, as every caller boxes it.
pub(crate) fn unspanned<'a, D: Driver, T>(
    work: impl Future<Output = T> + Send + 'a,
) -> BoxFuture<'a, T> {
    #[cfg(feature = "tracing")]
    if D::WORKER_KEEPS_SPANS {
        use tracing::instrument::WithSubscriber;
        return Box::pin(work.with_subscriber(tracing::Dispatch::none()));
    }
    #[cfg(not(feature = "tracing"))]
    let _ = D::WORKER_KEEPS_SPANS;
    // Other drivers' futures run as they are: no dispatcher swapped on every poll.
    Box::pin(work)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each driver carries a dialect (`Driver::first_dialect` cannot fail), and with
    /// every driver built, every dialect has one.
    #[test]
    fn drivers_carry_dialects() {
        let mut carried: Vec<Dialect> = Vec::new();
        macro_rules! check {
            ($cfg:meta, $folder:ident, $db:ty, $conn:ty) => {
                #[cfg($cfg)]
                {
                    assert!(<$db as Driver>::carries(<$db as Driver>::first_dialect()));
                    carried.extend(
                        Dialect::ALL
                            .into_iter()
                            .filter(|d| <$db as Driver>::carries(*d)),
                    );
                }
            };
        }
        for_each_driver!(check);
        assert!(!carried.is_empty());
        #[cfg(all(
            any(feature = "sqlite", feature = "sqlite-system"),
            feature = "postgres",
            feature = "mysql"
        ))]
        assert_eq!(carried.len(), Dialect::ALL.len());
    }
}

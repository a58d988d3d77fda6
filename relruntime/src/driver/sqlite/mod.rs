//! The SQLite driver (`sqlx::Sqlite`): connecting, readying the user's connections,
//! and running statements, reads straight from SQLite's C API where they can
//! (`direct.rs`, over `handle.rs`, the crate's one file of `unsafe`, but for the
//! library-version call in the SQLite dialect).
//!
//! SQLite stores dates, UUIDs, JSON and decimals as text (`cells.rs`).

mod cells;
#[cfg(feature = "chrono")]
mod dates;
mod direct;
mod error;
#[allow(unsafe_code)]
mod handle;
#[allow(unsafe_code)]
mod held;

use super::options::{JournalMode, Settings, pool_options, probe};
use super::{Driver, Readied, Server, connect_error, encode_err, execute_through};
use crate::model::error::Result;
use crate::model::value::Value;
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::{Done, EachRow};
use cells::stored;
use handle::Stored;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Arguments, AssertSqlSafe, SqliteConnection};
use std::str::FromStr;

impl Driver for sqlx::Sqlite {
    const WIRE: &'static str = "sqlite";
    const WORKER_KEEPS_SPANS: bool = true;
    const CANCEL_SAFE: bool = true;

    async fn open(
        url: &str,
        dialect: Dialect,
        settings: &Settings,
    ) -> Result<(sqlx::SqlitePool, Server)> {
        let (pool, direct_reads, one_connection, read_aside) =
            connect(url, dialect, settings).await?;
        let server = Server {
            direct_reads,
            one_connection,
            read_aside,
            ends_idle: false,
            ..Server::of(dialect)
        };
        Ok((pool, server))
    }

    /// A connection held aside for reads (`held.rs`): on a file database in WAL mode
    /// with direct reads on (see `connect`).
    async fn reader(
        pool: &sqlx::SqlitePool,
    ) -> Result<Option<std::sync::Arc<dyn super::pool::HeldReads>>> {
        Ok(Some(std::sync::Arc::new(held::Reader::open(pool).await?)))
    }

    /// Its functions (`rel_lower`, `rel_upper`, `rel_f64_bits`) and foreign keys on,
    /// as Rel's own pools run on connect, which then also hold for the user's own
    /// queries on that connection (Rel's case-sensitive `like` is a `GLOB` in its own
    /// statements, and changes nothing of the connection's `LIKE`); and whether it reads directly: when its database is in WAL
    /// mode or in memory, where a read waits for no writer's lock.
    async fn ready(conn: &mut SqliteConnection, dialect: Dialect, _lent: bool) -> Result<Readied> {
        ready(conn, dialect).await
    }

    /// With `direct` (see `Link`'s `direct_reads`; the count of direct reads the
    /// worker has not answered since, see `direct.rs`), a read-only statement straight
    /// from SQLite's C API; else through sqlx, whose rows are collected first: sqlx's
    /// SQLite worker thread hands rows over a channel, and a consumer that works per
    /// row makes the two threads ping-pong (measured 2x slower).
    async fn fetch_each(
        conn: &mut SqliteConnection,
        stmt: &Statement,
        each: &mut EachRow<'_>,
        direct: Option<&mut u32>,
    ) -> Result<()> {
        if let Some(unanswered) = direct {
            if direct::fetch_each(conn, stmt, each, unanswered).await? {
                return Ok(());
            }
            *unanswered = 0; // sqlx's statement below is answered after them
        }
        let rows = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?)
            .fetch_all(conn)
            .await?;
        rows.iter().try_for_each(|r| each(&super::SqlxRow(r)))
    }

    async fn execute(conn: &mut SqliteConnection, stmt: &Statement) -> Result<Done> {
        let r = execute_through::<sqlx::Sqlite>(conn, stmt, args(&stmt.binds)?).await?;
        Ok(Done {
            rows_affected: r.rows_affected(),
            last_insert_id: None,
        })
    }
}

/// Rel's SQL functions and the dialect's pragmas, on a connection Rel opened or one
/// of the user's.
async fn set_up(
    conn: &mut SqliteConnection,
    dialect: Dialect,
) -> std::result::Result<(), sqlx::Error> {
    handle::register_functions(conn).await?;
    for sql in dialect.syntax().connection_setup {
        sqlx::query(*sql).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn ready(conn: &mut SqliteConnection, dialect: Dialect) -> Result<Readied> {
    set_up(conn, dialect).await?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?;
    let direct_reads = mode.eq_ignore_ascii_case("wal") || mode.eq_ignore_ascii_case("memory");
    Ok(Readied {
        dialect,
        direct_reads,
    })
}

/// sqlx's pools' default size (`PoolOptions::new`), where the settings name none.
const SQLX_MAX_CONNECTIONS: u32 = 10;

/// A pool on a SQLite URL. An in-memory database (`sqlite::memory:`) is one
/// shared-cache database that lives as long as its last connection, so its pool keeps
/// exactly one connection open forever. File databases are created if missing, and
/// use the settings' journal mode (WAL unless told otherwise) and busy timeout. Also
/// says whether the pool reads directly (see `Flags::direct_reads`): asked for, and in
/// memory or in WAL mode; whether it is the one connection of a database in memory; and
/// whether one connection of its size is held aside for reads (`held.rs`).
async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<(sqlx::SqlitePool, bool, bool, bool)> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut options = SqliteConnectOptions::from_str(url)
        .map_err(|e| connect_error(url, e.to_string()))?
        .create_if_missing(true)
        .busy_timeout(settings.busy_timeout)
        .statement_cache_capacity(settings.statement_cache);
    if !memory {
        options = options.journal_mode(match settings.journal_mode {
            JournalMode::Wal => SqliteJournalMode::Wal,
            JournalMode::Delete => SqliteJournalMode::Delete,
            JournalMode::Truncate => SqliteJournalMode::Truncate,
            JournalMode::Persist => SqliteJournalMode::Persist,
            JournalMode::Memory => SqliteJournalMode::Memory,
        });
    }
    let kept = settings.statement_cache;
    // No ping as a connection is handed out (as on every pool of Rel's), and none
    // before a write either (`Server::ends_idle`): nothing outside can end a SQLite
    // connection, and the ping is a round trip to its worker thread that cost a point
    // lookup a fifth of its time (`benches/small_reads.rs`). (A worker that panicked
    // fails its next command with an error, and the pool then drops it.) Direct reads
    // rely on another ping instead: the one sqlx sends as the pool takes a connection
    // back, before anyone can take it again, which drains the worker's left-over
    // unlock commands (see `direct.rs`).
    let pool = pool_options::<sqlx::Sqlite>(settings);
    let pool = pool.after_connect(move |conn, _| {
        Box::pin(async move {
            set_up(conn, dialect).await?;
            handle::keep_statements(conn, kept).await
        })
    });
    let direct = settings.direct_reads && (memory || settings.journal_mode == JournalMode::Wal);
    // One connection of the most the user allows is held aside for reads (`held.rs`),
    // where there may be two or more: the pool has the others.
    let max = settings.max_connections.unwrap_or(SQLX_MAX_CONNECTIONS);
    let read_aside = direct && !memory && max >= 2;
    let pool = if memory {
        pool.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else if read_aside {
        pool.max_connections(max - 1)
    } else {
        pool
    };
    Ok((
        probe(url, settings, pool.connect_with(options)).await?,
        direct,
        memory,
        read_aside,
    ))
}

fn args(values: &[Value]) -> Result<SqliteArguments> {
    let mut a = SqliteArguments::default();
    for v in values {
        match stored(v)? {
            Stored::Null => a.add(None::<i64>),
            Stored::Integer(x) => a.add(x),
            Stored::Real(x) => a.add(x),
            Stored::Text(x) => a.add(x.into_owned()),
            Stored::Blob(x) => a.add(x.to_vec()),
        }
        .map_err(encode_err)?;
    }
    Ok(a)
}

//! The SQLite driver: connecting, binding values and reading cells through sqlx.
//!
//! SQLite stores dates, UUIDs, JSON and decimals as text.

use super::options::{JournalMode, Settings, pool_options, probe};
use super::{Cells, Done, EachRow, Result, SqlType, Statement, Value, connect_error, encode_err};
use super::{missing_feature, no_arrays};
use crate::sql::dialect::Dialect;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row, SqliteConnection};
use std::str::FromStr;

/// A pool on a SQLite URL. An in-memory database (`sqlite::memory:`) is one
/// shared-cache database that lives as long as its last connection, so its pool keeps
/// exactly one connection open forever. File databases are created if missing, and
/// use the settings' journal mode (WAL unless told otherwise) and busy timeout.
pub(super) async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<sqlx::SqlitePool> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut options = SqliteConnectOptions::from_str(url)
        .map_err(|e| connect_error(url, e.to_string()))?
        .create_if_missing(true)
        .busy_timeout(settings.busy_timeout);
    if !memory {
        options = options.journal_mode(match settings.journal_mode {
            JournalMode::Wal => SqliteJournalMode::Wal,
            JournalMode::Delete => SqliteJournalMode::Delete,
            JournalMode::Truncate => SqliteJournalMode::Truncate,
            JournalMode::Persist => SqliteJournalMode::Persist,
            JournalMode::Memory => SqliteJournalMode::Memory,
        });
    }
    let pool = pool_options::<sqlx::Sqlite>(settings).after_connect(move |conn, _| {
        Box::pin(async move {
            super::sqlite_functions::register(conn).await?;
            for sql in dialect.sql().connection_setup() {
                sqlx::query(*sql).execute(&mut *conn).await?;
            }
            Ok(())
        })
    });
    let pool = if memory {
        pool.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        pool
    };
    probe(url, settings, pool.connect_with(options)).await
}

/// Runs a statement and hands each row's cells to `each`. The rows are collected
/// first: sqlx's SQLite worker thread hands rows over a channel, and a consumer that
/// works per row makes the two threads ping-pong (measured 2x slower).
pub(super) async fn fetch_each(
    c: &mut SqliteConnection,
    stmt: &Statement,
    each: &mut EachRow<'_>,
) -> Result<()> {
    let rows = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?)
        .fetch_all(c)
        .await?;
    rows.iter().try_for_each(|r| each(r))
}

/// Runs a statement that returns no rows.
pub(super) async fn execute(c: &mut SqliteConnection, stmt: &Statement) -> Result<Done> {
    let r = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?)
        .execute(c)
        .await?;
    Ok(Done {
        rows_affected: r.rows_affected(),
        last_insert_id: None,
    })
}

fn args(values: &[Value]) -> Result<SqliteArguments> {
    let mut a = SqliteArguments::default();
    for v in values {
        match v {
            Value::Null(_) => a.add(None::<i64>),
            Value::I16(x) => a.add(*x),
            Value::I32(x) => a.add(*x),
            Value::I64(x) => a.add(*x),
            Value::F32(x) => a.add(*x),
            Value::F64(x) => a.add(*x),
            Value::Bool(x) => a.add(*x),
            Value::Text(x) => a.add(x.clone()),
            Value::Bytes(x) => a.add(x.clone()),
            #[cfg(feature = "chrono")]
            Value::Date(x) => a.add(*x),
            #[cfg(feature = "chrono")]
            Value::DateTime(x) => a.add(*x),
            #[cfg(feature = "chrono")]
            Value::TimestampTz(x) => a.add(*x),
            #[cfg(feature = "uuid")]
            Value::Uuid(x) => a.add(x.hyphenated().to_string()),
            #[cfg(feature = "serde_json")]
            Value::Json(x) => a.add(x.to_string()),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(x) => a.add(x.to_string()),
            Value::Array(..) => Err(no_arrays()),
        }
        .map_err(encode_err)?;
    }
    Ok(a)
}

#[inline(always)]
fn read(row: &SqliteRow, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
    Ok(match t {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => {
            cell!(row, i, t, i64, Value::I64)
        }
        // SQLite keeps every float as a double.
        SqlType::Real | SqlType::Double => cell!(row, i, t, f64, Value::F64),
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
        SqlType::Uuid => super::parse_text(row.try_get(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?,
        #[cfg(feature = "serde_json")]
        SqlType::Json => {
            super::parse_text(row.try_get(i)?, t, |s| serde_json::from_str(s), Value::Json)?
        }
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => super::parse_text(row.try_get(i)?, t, str::parse, Value::Decimal)?,
        #[allow(unreachable_patterns)]
        other => return Err(missing_feature(other)),
    })
}

cells_for!(SqliteRow, read);

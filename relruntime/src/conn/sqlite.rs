//! The SQLite driver: connecting, binding values and reading cells through sqlx.
//!
//! SQLite stores dates, UUIDs, JSON and decimals as text.

use super::options::{JournalMode, Settings, pool_options, probe};
use super::{Cells, Done, EachRow, Result, SqlType, Statement, Value, connect_error, encode_err};
use super::{missing_feature, no_arrays};
use crate::sql::dialect::Dialect;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row, SqliteConnection};
use std::borrow::Cow;
use std::str::FromStr;

/// A pool on a SQLite URL. An in-memory database (`sqlite::memory:`) is one
/// shared-cache database that lives as long as its last connection, so its pool keeps
/// exactly one connection open forever. File databases are created if missing, and
/// use the settings' journal mode (WAL unless told otherwise) and busy timeout. Also
/// says whether the pool reads directly (see `Flags::direct_reads`): asked for, and in
/// memory or in WAL mode.
pub(super) async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<(sqlx::SqlitePool, bool)> {
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
            for sql in dialect.syntax().connection_setup {
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
    let direct = settings.direct_reads && (memory || settings.journal_mode == JournalMode::Wal);
    Ok((
        probe(url, settings, pool.connect_with(options)).await?,
        direct,
    ))
}

/// Runs a statement and hands each row's cells to `each`: with `direct` (see
/// `Flags::direct_reads`; the count of direct reads the worker has not answered since,
/// see `sqlite_raw::fetch_each`), a read-only statement straight from SQLite's C API
/// (`sqlite_raw.rs`); else through sqlx, whose rows are collected first: sqlx's SQLite
/// worker thread hands rows over a channel, and a consumer that works per row makes the
/// two threads ping-pong (measured 2x slower).
pub(super) async fn fetch_each(
    c: &mut SqliteConnection,
    stmt: &Statement,
    each: &mut EachRow<'_>,
    direct: Option<&mut u32>,
) -> Result<()> {
    if let Some(unanswered) = direct {
        if super::sqlite_raw::fetch_each(c, stmt, each, unanswered).await? {
            return Ok(());
        }
        *unanswered = 0; // sqlx's statement below is answered after them
    }
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

/// A bound value as SQLite stores it.
pub(super) enum Stored<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(&'a [u8]),
}

/// How a value is bound on SQLite, through sqlx's arguments and in direct reads alike
/// (`sqlite_raw.rs`): dates as sqlx-sqlite writes them (`%F`, `%F %T%.f`, RFC 3339),
/// UUIDs, JSON and decimals as text.
pub(super) fn stored(v: &Value) -> Result<Stored<'_>> {
    Ok(match v {
        Value::Null(_) => Stored::Null,
        Value::I16(x) => Stored::Integer((*x).into()),
        Value::I32(x) => Stored::Integer((*x).into()),
        Value::I64(x) => Stored::Integer(*x),
        Value::F32(x) => Stored::Real((*x).into()),
        Value::F64(x) => Stored::Real(*x),
        Value::Bool(x) => Stored::Integer((*x).into()),
        Value::Text(x) => Stored::Text(Cow::Borrowed(x)),
        Value::Bytes(x) => Stored::Blob(x),
        #[cfg(feature = "chrono")]
        Value::Date(x) => Stored::Text(x.format("%F").to_string().into()),
        #[cfg(feature = "chrono")]
        Value::DateTime(x) => Stored::Text(x.format("%F %T%.f").to_string().into()),
        #[cfg(feature = "chrono")]
        Value::TimestampTz(x) => Stored::Text(
            x.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                .into(),
        ),
        #[cfg(feature = "uuid")]
        Value::Uuid(x) => Stored::Text(x.hyphenated().to_string().into()),
        #[cfg(feature = "serde_json")]
        Value::Json(x) => Stored::Text(x.to_string().into()),
        #[cfg(feature = "rust_decimal")]
        Value::Decimal(x) => Stored::Text(x.to_string().into()),
        Value::Array(..) => return Err(encode_err(no_arrays())),
    })
}

/// What SQLite's typed read needs of a row beyond [`Cells`]: implemented over sqlx's
/// row and over a statement stepped directly (`sqlite_raw.rs`), so that both read
/// every type the same way.
pub(super) trait SqliteCells: Cells {
    /// Cell `i` as bytes (a BLOB, or TEXT's bytes).
    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error>;
    /// Cell `i` as a date (`%F` text).
    #[cfg(feature = "chrono")]
    fn date(&self, i: usize) -> std::result::Result<Option<chrono::NaiveDate>, sqlx::Error>;
    /// Cell `i` as a date and time with its offset (text, Unix seconds or a Julian day).
    #[cfg(feature = "chrono")]
    fn datetime(
        &self,
        i: usize,
    ) -> std::result::Result<Option<chrono::DateTime<chrono::FixedOffset>>, sqlx::Error>;
}

impl SqliteCells for SqliteRow {
    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error> {
        self.try_get(i)
    }

    #[cfg(feature = "chrono")]
    fn date(&self, i: usize) -> std::result::Result<Option<chrono::NaiveDate>, sqlx::Error> {
        self.try_get(i)
    }

    #[cfg(feature = "chrono")]
    fn datetime(
        &self,
        i: usize,
    ) -> std::result::Result<Option<chrono::DateTime<chrono::FixedOffset>>, sqlx::Error> {
        self.try_get(i)
    }
}

/// Cell `i` as a value of type `t`. Dates and times decode as sqlx-sqlite decodes
/// `NaiveDateTime` (the time in its own offset) and `DateTime<Utc>` (converted).
#[inline(always)]
pub(super) fn read<C: SqliteCells + ?Sized>(
    row: &C,
    i: usize,
    t: SqlType,
) -> std::result::Result<Value, sqlx::Error> {
    let or_null = |v: Option<Value>| v.unwrap_or(Value::Null(t));
    Ok(match t {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => {
            or_null(row.i64(i)?.map(Value::I64))
        }
        // SQLite keeps every float as a double.
        SqlType::Real | SqlType::Double => or_null(row.f64(i)?.map(Value::F64)),
        SqlType::Boolean => or_null(row.bool(i)?.map(Value::Bool)),
        SqlType::Text => or_null(row.string(i)?.map(Value::Text)),
        SqlType::Blob => or_null(row.blob(i)?.map(Value::Bytes)),
        #[cfg(feature = "chrono")]
        SqlType::Date => or_null(row.date(i)?.map(Value::Date)),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => or_null(row.datetime(i)?.map(|d| Value::DateTime(d.naive_local()))),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => or_null(
            row.datetime(i)?
                .map(|d| Value::TimestampTz(d.with_timezone(&chrono::Utc))),
        ),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => super::parse_text(row.string(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?,
        #[cfg(feature = "serde_json")]
        SqlType::Json => {
            super::parse_text(row.string(i)?, t, |s| serde_json::from_str(s), Value::Json)?
        }
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => super::parse_text(row.string(i)?, t, str::parse, Value::Decimal)?,
        #[allow(unreachable_patterns)]
        other => return Err(missing_feature(other)),
    })
}

cells_for!(SqliteRow, read);

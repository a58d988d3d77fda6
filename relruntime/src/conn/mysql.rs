//! The MySQL/MariaDB driver: connecting, binding values and reading cells through sqlx.
//!
//! UUIDs are stored as `CHAR(36)`.

use super::options::{Settings, pool_options, probe};
use super::{
    Cells, Done, EachRow, Result, SqlType, Statement, Value, connect_error, encode_err, next,
};
use super::{missing_feature, no_arrays};
use crate::sql::dialect::Dialect;
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlRow};
use sqlx::{Arguments, AssertSqlSafe, Connection, MySqlConnection, Row};
use std::str::FromStr;

/// A pool on a MySQL or MariaDB URL, and the dialect the server speaks. One connection
/// is opened first, within the connect timeout, so that an unreachable server is
/// reported with its cause at once; it also asks the server's version, which picks
/// the dialect's variant (MySQL 8 behind `mysql://`).
pub(super) async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<(sqlx::MySqlPool, Dialect, bool)> {
    let options =
        MySqlConnectOptions::from_str(url).map_err(|e| connect_error(url, e.to_string()))?;
    let mut first = probe(url, settings, MySqlConnection::connect_with(&options)).await?;
    let (dialect, multi_primary) = server(&mut first, dialect).await?;
    let _ = first.close().await;
    let pool = pool_options::<sqlx::MySql>(settings).after_connect(move |conn, _| {
        Box::pin(async move {
            for sql in dialect.syntax().connection_setup {
                sqlx::query(*sql).execute(&mut *conn).await?;
            }
            Ok(())
        })
    });
    Ok((pool.connect_lazy_with(options), dialect, multi_primary))
}

/// What a first connection learns of the server: the dialect's variant its version
/// speaks, and whether it is a node of a multi-primary cluster (Galera), where
/// Emulated mode guards its writes in a table made here if it is missing.
pub(super) async fn server(
    conn: &mut MySqlConnection,
    dialect: Dialect,
) -> Result<(Dialect, bool)> {
    let dialect = variant(conn, dialect).await?;
    let mut multi_primary = false;
    if let Some(guards) = dialect.syntax().guards {
        let on: Option<i64> = sqlx::query_scalar(guards.detect)
            .fetch_one(&mut *conn)
            .await
            .ok();
        if on == Some(1) {
            sqlx::query(guards.table_ddl).execute(&mut *conn).await?;
            multi_primary = true;
        }
    }
    Ok((dialect, multi_primary))
}

/// The dialect the server speaks: MariaDB's, or MySQL 8's when its version says it
/// is not MariaDB.
pub(super) async fn variant(conn: &mut MySqlConnection, dialect: Dialect) -> Result<Dialect> {
    Ok(match dialect.syntax().version_query {
        Some(query) => {
            let version: String = sqlx::query_scalar(query).fetch_one(&mut *conn).await?;
            dialect.server().variant_for(&version).unwrap_or(dialect)
        }
        None => dialect,
    })
}

/// Runs a statement and hands each row's cells to `each` as it arrives; each row is
/// dropped before the next.
pub(super) async fn fetch_each(
    c: &mut MySqlConnection,
    stmt: &Statement,
    each: &mut EachRow<'_>,
) -> Result<()> {
    let mut rows = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?).fetch(c);
    while let Some(row) = next(&mut rows).await {
        each(&row?)?;
    }
    Ok(())
}

/// Runs a statement that returns no rows.
pub(super) async fn execute(c: &mut MySqlConnection, stmt: &Statement) -> Result<Done> {
    let r = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?)
        .execute(c)
        .await?;
    Ok(Done {
        rows_affected: r.rows_affected(),
        last_insert_id: Some(r.last_insert_id()).filter(|id| *id != 0),
    })
}

fn args(values: &[Value]) -> Result<MySqlArguments> {
    let mut a = MySqlArguments::default();
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
            Value::Decimal(x) => a.add(*x),
            Value::Array(..) => Err(no_arrays()),
        }
        .map_err(encode_err)?;
    }
    Ok(a)
}

#[inline(always)]
fn read(row: &MySqlRow, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
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
        SqlType::Uuid => super::parse_text(row.try_get(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?,
        #[cfg(feature = "serde_json")]
        SqlType::Json => cell!(row, i, t, sqlx::types::Json<serde_json::Value>, |j| {
            Value::Json(j.0)
        }),
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => cell!(row, i, t, rust_decimal::Decimal, Value::Decimal),
        #[allow(unreachable_patterns)]
        other => return Err(missing_feature(other)),
    })
}

cells_for!(MySqlRow, read);

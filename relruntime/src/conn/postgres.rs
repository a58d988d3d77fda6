//! The PostgreSQL driver: connecting, binding values (arrays for key lists) and reading
//! cells through sqlx.

use super::options::{Settings, pool_options, probe};
use super::{
    Cells, Done, EachRow, Result, SqlType, Statement, Value, connect_error, encode_err, next,
};
use super::{missing_feature, no_arrays};
use crate::sql::dialect::Dialect;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Connection, PgConnection, Row};
use std::str::FromStr;

/// A pool on a PostgreSQL URL. One connection is opened first, within the connect
/// timeout, so that an unreachable server is reported with its cause at once.
pub(super) async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<sqlx::PgPool> {
    let options = PgConnectOptions::from_str(url).map_err(|e| connect_error(url, e.to_string()))?;
    let first = probe(url, settings, PgConnection::connect_with(&options)).await?;
    let _ = first.close().await;
    let pool = pool_options::<sqlx::Postgres>(settings).after_connect(move |conn, _| {
        Box::pin(async move {
            for sql in dialect.syntax().connection_setup {
                sqlx::query(*sql).execute(&mut *conn).await?;
            }
            Ok(())
        })
    });
    Ok(pool.connect_lazy_with(options))
}

/// Runs a statement and hands each row's cells to `each` as it arrives; each row is
/// dropped before the next.
pub(super) async fn fetch_each(
    c: &mut PgConnection,
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
pub(super) async fn execute(c: &mut PgConnection, stmt: &Statement) -> Result<Done> {
    let r = sqlx::query_with(AssertSqlSafe(stmt.sql.as_str()), args(&stmt.binds)?)
        .execute(c)
        .await?;
    Ok(Done {
        rows_affected: r.rows_affected(),
        last_insert_id: None,
    })
}

fn args(values: &[Value]) -> Result<PgArguments> {
    let mut a = PgArguments::default();
    for v in values {
        match v {
            Value::Null(t) => add_null(&mut a, *t),
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
            Value::Uuid(x) => a.add(*x),
            #[cfg(feature = "serde_json")]
            Value::Json(x) => a.add(sqlx::types::Json(x.clone())),
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(x) => a.add(*x),
            Value::Array(t, items) => add_array(&mut a, *t, items),
        }
        .map_err(encode_err)?;
    }
    Ok(a)
}

/// One array parameter of key values (see `Value::Array`).
fn add_array(
    a: &mut PgArguments,
    t: SqlType,
    items: &[Value],
) -> std::result::Result<(), sqlx::error::BoxDynError> {
    fn collect<T>(
        items: &[Value],
        f: impl Fn(&Value) -> Option<T>,
    ) -> std::result::Result<Vec<T>, sqlx::error::BoxDynError> {
        items
            .iter()
            .map(|v| f(v).ok_or_else(|| "mixed array".into()))
            .collect()
    }
    // The items of one `Value` variant, as the Rust type of the array.
    macro_rules! items {
        ($variant:ident) => {
            collect(items, |v| match v {
                Value::$variant(x) => Some(Clone::clone(x)),
                _ => None,
            })?
        };
    }
    match t {
        SqlType::SmallInt => a.add(items!(I16)),
        SqlType::Integer => a.add(items!(I32)),
        SqlType::BigInt => a.add(items!(I64)),
        SqlType::Text => a.add(items!(Text)),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => a.add(items!(Uuid)),
        _ => Err(no_arrays()),
    }
}

/// PostgreSQL types every parameter, NULLs included.
fn add_null(a: &mut PgArguments, t: SqlType) -> std::result::Result<(), sqlx::error::BoxDynError> {
    match t {
        SqlType::SmallInt => a.add(None::<i16>),
        SqlType::Integer => a.add(None::<i32>),
        SqlType::BigInt => a.add(None::<i64>),
        SqlType::Real => a.add(None::<f32>),
        SqlType::Double => a.add(None::<f64>),
        SqlType::Boolean => a.add(None::<bool>),
        SqlType::Blob => a.add(None::<Vec<u8>>),
        #[cfg(feature = "chrono")]
        SqlType::Date => a.add(None::<chrono::NaiveDate>),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => a.add(None::<chrono::NaiveDateTime>),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => a.add(None::<chrono::DateTime<chrono::Utc>>),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => a.add(None::<uuid::Uuid>),
        #[cfg(feature = "serde_json")]
        SqlType::Json => a.add(None::<sqlx::types::Json<serde_json::Value>>),
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => a.add(None::<rust_decimal::Decimal>),
        // Text, and types whose feature is off (no value of them can exist).
        #[allow(unreachable_patterns)]
        _ => a.add(None::<String>),
    }
}

#[inline(always)]
fn read(row: &PgRow, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
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
        SqlType::Uuid => cell!(row, i, t, uuid::Uuid, Value::Uuid),
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

cells_for!(PgRow, read);

//! The PostgreSQL driver (`sqlx::Postgres`): connecting, binding values (arrays for
//! key lists, a type for every NULL) and reading cells.

use super::options::{Settings, pool_options, probe};
use super::{Driver, Server, connect_error, encode_err, execute_through, no_arrays, stream};
use crate::model::error::Result;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::{Done, EachRow};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgRow};
use sqlx::{Arguments, Connection, PgConnection};
use std::str::FromStr;

impl Driver for sqlx::Postgres {
    const WIRE: &'static str = "postgres";

    async fn open(
        url: &str,
        dialect: Dialect,
        settings: &Settings,
    ) -> Result<(sqlx::PgPool, Server)> {
        Ok((connect(url, dialect, settings).await?, Server::of(dialect)))
    }

    async fn fetch_each(
        conn: &mut PgConnection,
        stmt: &Statement,
        each: &mut EachRow<'_>,
        _direct: Option<&mut u32>,
    ) -> Result<()> {
        stream::<sqlx::Postgres>(conn, stmt, args(&stmt.binds)?, each).await
    }

    async fn execute(conn: &mut PgConnection, stmt: &Statement) -> Result<Done> {
        let r = execute_through::<sqlx::Postgres>(conn, stmt, args(&stmt.binds)?).await?;
        Ok(Done {
            rows_affected: r.rows_affected(),
            last_insert_id: None,
        })
    }
}

/// A pool on a PostgreSQL URL. One connection is opened first, within the connect
/// timeout, so that an unreachable server is reported with its cause at once.
async fn connect(url: &str, dialect: Dialect, settings: &Settings) -> Result<sqlx::PgPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| connect_error(url, e.to_string()))?
        .statement_cache_capacity(settings.statement_cache);
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

/// A UUID cell: PostgreSQL's own type.
#[cfg(feature = "uuid")]
fn uuid(row: &PgRow, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
    use sqlx::Row;
    Ok(cell!(row, i, t, uuid::Uuid, Value::Uuid))
}

server_read!(PgRow, uuid);

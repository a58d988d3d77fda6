//! The MySQL/MariaDB driver (`sqlx::MySql`): connecting (the server's version picks
//! MariaDB's dialect or MySQL 8's; a Galera node gets conflict guards), binding values
//! and reading cells.
//!
//! UUIDs are stored as `CHAR(36)`.

use super::options::{Settings, pool_options, probe};
use super::{
    Driver, Readied, Server, connect_error, encode_err, execute_through, no_arrays, stream,
};
use crate::model::error::Result;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use crate::sql::exec::{Done, EachRow};
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlRow};
use sqlx::{Arguments, Connection, MySqlConnection};
use std::str::FromStr;

impl Driver for sqlx::MySql {
    const WIRE: &'static str = "mysql";

    async fn open(
        url: &str,
        dialect: Dialect,
        settings: &Settings,
    ) -> Result<(sqlx::MySqlPool, Server)> {
        connect(url, dialect, settings).await
    }

    async fn server(pool: &sqlx::MySqlPool) -> Result<Server> {
        let mut conn = pool.acquire().await?;
        server(&mut conn, Self::first_dialect()).await
    }

    /// A lent connection has no place to keep what its server said, so each operation
    /// asks `VERSION()` again, to speak MySQL 8's dialect where it must (no
    /// `RETURNING`). A pool's connections were asked once, by the pool.
    async fn ready(conn: &mut MySqlConnection, dialect: Dialect, lent: bool) -> Result<Readied> {
        let dialect = if lent {
            variant(conn, dialect).await?
        } else {
            dialect
        };
        Ok(Readied {
            dialect,
            direct_reads: false,
        })
    }

    async fn fetch_each(
        conn: &mut MySqlConnection,
        stmt: &Statement,
        each: &mut EachRow<'_>,
        _direct: Option<&mut u32>,
    ) -> Result<()> {
        stream::<sqlx::MySql>(conn, stmt, args(&stmt.binds)?, each).await
    }

    async fn execute(conn: &mut MySqlConnection, stmt: &Statement) -> Result<Done> {
        let r = execute_through::<sqlx::MySql>(conn, stmt, args(&stmt.binds)?).await?;
        Ok(Done {
            rows_affected: r.rows_affected(),
            last_insert_id: Some(r.last_insert_id()).filter(|id| *id != 0),
        })
    }
}

/// A pool on a MySQL or MariaDB URL, and the dialect the server speaks. One connection
/// is opened first, within the connect timeout, so that an unreachable server is
/// reported with its cause at once; it also asks the server's version, which picks
/// the dialect's variant (MySQL 8 behind `mysql://`).
async fn connect(
    url: &str,
    dialect: Dialect,
    settings: &Settings,
) -> Result<(sqlx::MySqlPool, Server)> {
    let options = MySqlConnectOptions::from_str(url)
        .map_err(|e| connect_error(url, e.to_string()))?
        .statement_cache_capacity(settings.statement_cache);
    let mut first = probe(url, settings, MySqlConnection::connect_with(&options)).await?;
    let server = server(&mut first, dialect).await?;
    let _ = first.close().await;
    let dialect = server.dialect;
    let pool = pool_options::<sqlx::MySql>(settings).after_connect(move |conn, _| {
        Box::pin(async move {
            for sql in dialect.syntax().connection_setup {
                sqlx::query(*sql).execute(&mut *conn).await?;
            }
            Ok(())
        })
    });
    Ok((pool.connect_lazy_with(options), server))
}

/// What a first connection learns of the server: the dialect's variant its version
/// speaks, and whether it is a node of a multi-primary cluster (Galera), where
/// Emulated mode guards its writes in a table made here if it is missing.
async fn server(conn: &mut MySqlConnection, dialect: Dialect) -> Result<Server> {
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
    Ok(Server {
        multi_primary,
        ..Server::of(dialect)
    })
}

/// The dialect the server speaks: MariaDB's, or MySQL 8's when its version says it
/// is not MariaDB.
async fn variant(conn: &mut MySqlConnection, dialect: Dialect) -> Result<Dialect> {
    Ok(match dialect.syntax().version_query {
        Some(query) => {
            let version: String = sqlx::query_scalar(query).fetch_one(&mut *conn).await?;
            dialect.server().variant_for(&version).unwrap_or(dialect)
        }
        None => dialect,
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

/// A UUID cell: text in `CHAR(36)`.
#[cfg(feature = "uuid")]
fn uuid(row: &MySqlRow, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
    use sqlx::Row;
    super::parse_text(row.try_get(i)?, t, uuid::Uuid::parse_str, Value::Uuid)
}

server_read!(MySqlRow, uuid);

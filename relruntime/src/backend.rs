//! The per-backend edge: binding [`Value`]s and reading cells through sqlx.
//!
//! This is the only place that knows each driver's Rust types. SQLite stores dates,
//! UUIDs, JSON and decimals as text; MySQL stores UUIDs as `CHAR(36)`; the rest map to
//! sqlx's native types.

use crate::error::{Error, Result};
use crate::sql::{Dialect, Statement};
use crate::value::{SqlType, Value};
use sqlx::{Arguments, AssertSqlSafe, Row};

/// One connection of any backend, borrowed from a pool or a transaction.
pub(crate) enum Session<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut sqlx::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut sqlx::PgConnection),
    #[cfg(feature = "mysql")]
    MySql(&'a mut sqlx::MySqlConnection),
}

/// What executing a statement reports.
pub(crate) struct Done {
    pub rows_affected: u64,
    /// The key the database generated (MySQL's LAST_INSERT_ID), when there is one.
    pub last_insert_id: Option<u64>,
}

fn encode_err(e: sqlx::error::BoxDynError) -> Error {
    Error::Database(sqlx::Error::Encode(e))
}

impl Session<'_> {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Session::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Session::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Session::MySql(_) => Dialect::MySql,
        }
    }

    /// Runs a statement that returns rows, reading each cell as the given types.
    pub(crate) async fn fetch(
        &mut self,
        stmt: &Statement,
        types: &[SqlType],
    ) -> Result<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        self.fetch_each(stmt, |cells| {
            out.push(
                types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| cells.read(i, *t))
                    .collect::<std::result::Result<Vec<Value>, sqlx::Error>>()?,
            );
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Runs a statement that returns rows and hands each row's cells to `each`, in
    /// order. The rows are read straight from the driver's buffers, with no
    /// intermediate copy.
    pub(crate) async fn fetch_each(
        &mut self,
        stmt: &Statement,
        mut each: impl FnMut(Cells<'_>) -> Result<()>,
    ) -> Result<()> {
        let sql = AssertSqlSafe(stmt.sql.as_str());
        match self {
            #[cfg(feature = "sqlite")]
            Session::Sqlite(c) => {
                let rows = sqlx::query_with(sql, sqlite::args(&stmt.binds)?)
                    .fetch_all(&mut **c)
                    .await?;
                rows.iter().try_for_each(|r| each(Cells::Sqlite(r)))
            }
            #[cfg(feature = "postgres")]
            Session::Postgres(c) => {
                // Rows are decoded as they arrive, each dropped before the next.
                let mut rows = sqlx::query_with(sql, postgres::args(&stmt.binds)?).fetch(&mut **c);
                while let Some(row) = next(&mut rows).await {
                    each(Cells::Postgres(&row?))?;
                }
                Ok(())
            }
            #[cfg(feature = "mysql")]
            Session::MySql(c) => {
                // Rows are decoded as they arrive, each dropped before the next.
                let mut rows = sqlx::query_with(sql, mysql::args(&stmt.binds)?).fetch(&mut **c);
                while let Some(row) = next(&mut rows).await {
                    each(Cells::MySql(&row?))?;
                }
                Ok(())
            }
        }
    }

    /// Runs a statement that returns no rows.
    pub(crate) async fn execute(&mut self, stmt: &Statement) -> Result<Done> {
        let sql = AssertSqlSafe(stmt.sql.as_str());
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Session::Sqlite(c) => {
                let r = sqlx::query_with(sql, sqlite::args(&stmt.binds)?)
                    .execute(&mut **c)
                    .await?;
                Done {
                    rows_affected: r.rows_affected(),
                    last_insert_id: None,
                }
            }
            #[cfg(feature = "postgres")]
            Session::Postgres(c) => {
                let r = sqlx::query_with(sql, postgres::args(&stmt.binds)?)
                    .execute(&mut **c)
                    .await?;
                Done {
                    rows_affected: r.rows_affected(),
                    last_insert_id: None,
                }
            }
            #[cfg(feature = "mysql")]
            Session::MySql(c) => {
                let r = sqlx::query_with(sql, mysql::args(&stmt.binds)?)
                    .execute(&mut **c)
                    .await?;
                Done {
                    rows_affected: r.rows_affected(),
                    last_insert_id: Some(r.last_insert_id()).filter(|id| *id != 0),
                }
            }
        })
    }
}

/// The next item of a stream.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn next<S: futures_core::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}

/// The cells of one fetched row, read in place.
#[derive(Clone, Copy)]
pub(crate) enum Cells<'r> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'r sqlx::sqlite::SqliteRow),
    #[cfg(feature = "postgres")]
    Postgres(&'r sqlx::postgres::PgRow),
    #[cfg(feature = "mysql")]
    MySql(&'r sqlx::mysql::MySqlRow),
}

impl Cells<'_> {
    /// Reads cell `i` as a value of type `t`. Inlined, so that the type's match folds
    /// away where `t` is a constant (the derive's decode).
    #[inline(always)]
    pub(crate) fn read(self, i: usize, t: SqlType) -> std::result::Result<Value, sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Cells::Sqlite(r) => sqlite::read(r, i, t),
            #[cfg(feature = "postgres")]
            Cells::Postgres(r) => postgres::read(r, i, t),
            #[cfg(feature = "mysql")]
            Cells::MySql(r) => mysql::read(r, i, t),
        }
    }
}

impl<'r> Cells<'r> {
    /// Reads cell `i` as text, borrowed from the row (the Join strategy's JSON).
    pub(crate) fn text(self, i: usize) -> std::result::Result<Option<&'r str>, sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Cells::Sqlite(r) => r.try_get(i),
            #[cfg(feature = "postgres")]
            Cells::Postgres(r) => r.try_get(i),
            #[cfg(feature = "mysql")]
            Cells::MySql(r) => r.try_get(i),
        }
    }
}

/// The column types read straight from a driver's row into a struct's field, with no
/// `Value` in between (see `RowReader::next`): the common ones, which every backend
/// reads as the same Rust type (`Cells::read` reads them the same way).
pub(crate) trait Native: Sized + 'static {
    fn get(cells: Cells<'_>, i: usize) -> std::result::Result<Option<Self>, sqlx::Error>;
}

macro_rules! native {
    ($($ty:ty),*) => {$(
        impl Native for $ty {
            #[inline(always)]
            fn get(cells: Cells<'_>, i: usize) -> std::result::Result<Option<Self>, sqlx::Error> {
                match cells {
                    #[cfg(feature = "sqlite")]
                    Cells::Sqlite(r) => r.try_get(i),
                    #[cfg(feature = "postgres")]
                    Cells::Postgres(r) => r.try_get(i),
                    #[cfg(feature = "mysql")]
                    Cells::MySql(r) => r.try_get(i),
                }
            }
        }
    )*};
}

native!(i64, f64, bool, String);

/// Reads cell `$i` as `Option<$ty>` and wraps it, NULL becoming `Value::Null`.
macro_rules! cell {
    ($row:expr, $i:expr, $t:expr, $ty:ty, $wrap:expr) => {
        $row.try_get::<Option<$ty>, _>($i)?
            .map_or(Value::Null($t), $wrap)
    };
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

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use sqlx::sqlite::{SqliteArguments, SqliteRow};

    pub(super) fn args(values: &[Value]) -> Result<SqliteArguments> {
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
    pub(super) fn read(
        row: &SqliteRow,
        i: usize,
        t: SqlType,
    ) -> std::result::Result<Value, sqlx::Error> {
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
            SqlType::Uuid => parse_text(row.try_get(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?,
            #[cfg(feature = "serde_json")]
            SqlType::Json => {
                parse_text(row.try_get(i)?, t, |s| serde_json::from_str(s), Value::Json)?
            }
            #[cfg(feature = "rust_decimal")]
            SqlType::Decimal => parse_text(row.try_get(i)?, t, str::parse, Value::Decimal)?,
            #[allow(unreachable_patterns)]
            other => return Err(missing_feature(other)),
        })
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use sqlx::postgres::{PgArguments, PgRow};

    pub(super) fn args(values: &[Value]) -> Result<PgArguments> {
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
    fn add_null(
        a: &mut PgArguments,
        t: SqlType,
    ) -> std::result::Result<(), sqlx::error::BoxDynError> {
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
    pub(super) fn read(
        row: &PgRow,
        i: usize,
        t: SqlType,
    ) -> std::result::Result<Value, sqlx::Error> {
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
}

#[cfg(feature = "mysql")]
mod mysql {
    use super::*;
    use sqlx::mysql::{MySqlArguments, MySqlRow};

    pub(super) fn args(values: &[Value]) -> Result<MySqlArguments> {
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
    pub(super) fn read(
        row: &MySqlRow,
        i: usize,
        t: SqlType,
    ) -> std::result::Result<Value, sqlx::Error> {
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
            SqlType::Uuid => parse_text(row.try_get(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?,
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

//! Reading SQLite's cells and binding its values, the same way through sqlx's rows and
//! through a statement stepped directly (`direct.rs`): sqlx-sqlite 0.9's rules (the
//! storage classes accepted per Rust type, the text formats of dates), so that both
//! paths read and write the same values.
//!
//! SQLite stores dates, UUIDs, JSON and decimals as text.

#[cfg(feature = "chrono")]
use super::dates;
use super::handle::{Prepared, Stored};
use crate::driver::{encode_err, missing_feature, no_arrays};
use crate::model::error::Result;
use crate::model::row::Cells;
use crate::model::value::{SqlType, Value};
use libsqlite3_sys as ffi;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::borrow::Cow;
use std::os::raw::c_int;

/// How a value is bound on SQLite, through sqlx's arguments and in direct reads alike
/// (`direct.rs`): dates as sqlx-sqlite writes them (`%F`, `%F %T%.f`, RFC 3339),
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
/// row and over a statement stepped directly (`direct.rs`), so that both read
/// every type the same way.
pub(super) trait SqliteCells: Cells {
    /// Cell `i` as bytes (a BLOB, or TEXT's bytes).
    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error>;
    /// Cell `i` as the text of a number: Rel stores a decimal as TEXT, but a column
    /// of NUMERIC affinity (`NUMERIC(10,2)` in a database Rel did not create) keeps
    /// `0.99` as a REAL, read as the shortest text that is that double (`0.99`), or
    /// `7` as an INTEGER.
    #[cfg(feature = "rust_decimal")]
    fn number_text(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error>;
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

impl SqliteCells for super::super::SqlxRow<'_, SqliteRow> {
    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error> {
        self.0.try_get(i)
    }

    #[cfg(feature = "rust_decimal")]
    fn number_text(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        use sqlx::{TypeInfo, ValueRef};
        let class = self.0.try_get_raw(i)?.type_info().name().to_owned();
        Ok(match class.as_str() {
            "INTEGER" => self.0.try_get::<Option<i64>, _>(i)?.map(|n| n.to_string()),
            "REAL" => self.0.try_get::<Option<f64>, _>(i)?.map(|x| x.to_string()),
            _ => self.0.try_get(i)?,
        })
    }

    #[cfg(feature = "chrono")]
    fn date(&self, i: usize) -> std::result::Result<Option<chrono::NaiveDate>, sqlx::Error> {
        self.0.try_get(i)
    }

    #[cfg(feature = "chrono")]
    fn datetime(
        &self,
        i: usize,
    ) -> std::result::Result<Option<chrono::DateTime<chrono::FixedOffset>>, sqlx::Error> {
        self.0.try_get(i)
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
        SqlType::Uuid => {
            crate::driver::parse_text(row.string(i)?, t, uuid::Uuid::parse_str, Value::Uuid)?
        }
        #[cfg(feature = "serde_json")]
        SqlType::Json => {
            crate::driver::parse_text(row.string(i)?, t, |s| serde_json::from_str(s), Value::Json)?
        }
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => {
            crate::driver::parse_text(row.number_text(i)?, t, str::parse, Value::Decimal)?
        }
        #[allow(unreachable_patterns)]
        other => return Err(missing_feature(other)),
    })
}

crate::driver::cells_for!(SqliteRow, read);

impl Prepared<'_> {
    /// Cell `i` when its storage class is one of `accepted`; `None` for NULL; else
    /// sqlx's "mismatched types" error for `rust` (as SQL type `sql`).
    #[inline]
    pub(super) fn cell(
        &self,
        i: usize,
        accepted: &[c_int],
        rust: &'static str,
        sql: &'static str,
    ) -> std::result::Result<Option<(c_int, c_int)>, sqlx::Error> {
        let (class, at) = self.class(i)?;
        if class == ffi::SQLITE_NULL {
            Ok(None)
        } else if accepted.contains(&class) {
            Ok(Some((class, at)))
        } else {
            Err(mismatched(i, rust, sql, class))
        }
    }

    /// A TEXT cell as `&str`: invalid UTF-8 is a decode error, as in sqlx.
    pub(super) fn utf8(&self, i: usize, at: c_int) -> std::result::Result<&str, sqlx::Error> {
        std::str::from_utf8(self.bytes(at)).map_err(|e| decode_error(i, e))
    }
}

const TEXT: &[c_int] = &[ffi::SQLITE_TEXT];
const INTEGER: &[c_int] = &[ffi::SQLITE_INTEGER];

impl Cells for Prepared<'_> {
    #[inline]
    fn read(&self, i: usize, ty: SqlType) -> std::result::Result<Value, sqlx::Error> {
        read(self, i, ty)
    }

    fn text(&self, i: usize) -> std::result::Result<Option<&str>, sqlx::Error> {
        match self.cell(i, TEXT, "&str", "TEXT")? {
            Some((_, at)) => self.utf8(i, at).map(Some),
            None => Ok(None),
        }
    }

    #[inline]
    fn i64(&self, i: usize) -> std::result::Result<Option<i64>, sqlx::Error> {
        Ok(self
            .cell(i, INTEGER, "i64", "INTEGER")?
            .map(|(_, at)| self.int(at)))
    }

    #[inline]
    fn f64(&self, i: usize) -> std::result::Result<Option<f64>, sqlx::Error> {
        Ok(self
            .cell(i, &[ffi::SQLITE_FLOAT], "f64", "REAL")?
            .map(|(_, at)| self.double(at)))
    }

    #[inline]
    fn bool(&self, i: usize) -> std::result::Result<Option<bool>, sqlx::Error> {
        Ok(self
            .cell(i, INTEGER, "bool", "BOOLEAN")?
            .map(|(_, at)| self.int(at) != 0))
    }

    #[inline]
    fn string(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        Ok(self.text(i)?.map(str::to_owned))
    }
}

impl SqliteCells for Prepared<'_> {
    #[cfg(feature = "rust_decimal")]
    fn number_text(&self, i: usize) -> std::result::Result<Option<String>, sqlx::Error> {
        let accepted = &[ffi::SQLITE_TEXT, ffi::SQLITE_INTEGER, ffi::SQLITE_FLOAT];
        Ok(match self.cell(i, accepted, "Decimal", "TEXT")? {
            None => None,
            Some((ffi::SQLITE_TEXT, at)) => Some(self.utf8(i, at)?.to_owned()),
            Some((ffi::SQLITE_INTEGER, at)) => Some(self.int(at).to_string()),
            Some((_, at)) => Some(self.double(at).to_string()),
        })
    }

    fn blob(&self, i: usize) -> std::result::Result<Option<Vec<u8>>, sqlx::Error> {
        let accepted = &[ffi::SQLITE_BLOB, ffi::SQLITE_TEXT];
        Ok(self
            .cell(i, accepted, "Vec<u8>", "BLOB")?
            .map(|(_, at)| self.bytes(at).to_vec()))
    }

    #[cfg(feature = "chrono")]
    fn date(&self, i: usize) -> std::result::Result<Option<chrono::NaiveDate>, sqlx::Error> {
        let Some((_, at)) = self.cell(i, TEXT, "NaiveDate", "DATE")? else {
            return Ok(None);
        };
        chrono::NaiveDate::parse_from_str(self.utf8(i, at)?, "%F")
            .map(Some)
            .map_err(|e| decode_error(i, e))
    }

    #[cfg(feature = "chrono")]
    fn datetime(
        &self,
        i: usize,
    ) -> std::result::Result<Option<chrono::DateTime<chrono::FixedOffset>>, sqlx::Error> {
        let accepted = &[ffi::SQLITE_TEXT, ffi::SQLITE_INTEGER, ffi::SQLITE_FLOAT];
        let Some((class, at)) = self.cell(i, accepted, "NaiveDateTime", "DATETIME")? else {
            return Ok(None);
        };
        let parsed = match class {
            ffi::SQLITE_TEXT => dates::from_text(self.utf8(i, at)?),
            ffi::SQLITE_INTEGER => dates::from_int(self.int(at)),
            _ => dates::from_float(self.double(at)),
        };
        match parsed {
            Some(dt) => Ok(Some(dt)),
            None => {
                let shown = String::from_utf8_lossy(self.bytes(at)).into_owned();
                Err(decode_error(i, format!("invalid datetime: {shown}")))
            }
        }
    }
}

/// sqlx's error for a cell whose storage class the Rust type does not take.
#[cold]
fn mismatched(i: usize, rust: &str, sql: &str, class: c_int) -> sqlx::Error {
    let found = match class {
        ffi::SQLITE_INTEGER => "INTEGER",
        ffi::SQLITE_FLOAT => "REAL",
        ffi::SQLITE_TEXT => "TEXT",
        ffi::SQLITE_BLOB => "BLOB",
        _ => "NULL",
    };
    decode_error(
        i,
        format!(
            "mismatched types; Rust type `{rust}` (as SQL type `{sql}`) is not compatible with SQL type `{found}`"
        ),
    )
}

#[cold]
fn decode_error(i: usize, source: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: format!("{i:?}"),
        source: source.into(),
    }
}

//! Reading the Join strategy's JSON straight into the user's structs: each row's
//! columns through the derive's `decode` (the cursor is its `CellStream`), and each
//! relation below it through the child's `Ops::join`, monomorphized for its target.

use super::cursor::Cursor;
use crate::model::error::{DecodeError, Error, Result};
use crate::model::row::{CellStream, Cells, Path, RowReader};
use crate::model::value::{SqlType, Value};
use crate::read::ops::{Field, set_aggregate, set_count, set_rows};
use crate::read::record::{self, Record};
use crate::read::spec::LoadSpec;

/// Reads the root row's relation columns, from cell `first` on, into its fields.
pub fn attach_root<T: Record>(
    row: &mut T,
    specs: &[LoadSpec],
    cells: &dyn Cells,
    first: usize,
) -> Result<()> {
    let table = record::name::<T>();
    for (i, spec) in specs.iter().enumerate() {
        let ops = spec.ops(table)?;
        let field = Field::of(row, spec, Path::Child(&Path::Root, spec.rel.name))?;
        let unreadable = |expected, e: sqlx::Error| {
            let message = e.to_string();
            shape_error(
                table,
                spec,
                &Path::Root,
                DecodeError::Invalid { expected, message },
            )
        };
        if let Some(agg) = spec.aggregate {
            let value = cells
                .read(first + i, agg.ty)
                .map_err(|e| unreadable("an aggregate", e))?;
            set_aggregate(value, field)?;
            continue;
        }
        if spec.count {
            let n = match cells.read(first + i, SqlType::BigInt) {
                Ok(Value::I64(n)) => u64::try_from(n).unwrap_or(0),
                Ok(_) => 0,
                Err(e) => return Err(unreadable("a count", e)),
            };
            (ops.count)(n, field)?;
            continue;
        }
        let text = cells
            .text(first + i)
            .map_err(|e| unreadable("JSON text", e))?
            .unwrap_or("null");
        let mut json = Cursor::new(text);
        (ops.join)(&mut json, field)?;
        json.finish()
            .map_err(|e| shape_error(table, spec, &Path::Root, e))?;
    }
    Ok(())
}

/// Reads a relation's JSON at the cursor into a parent's field, for a relation whose
/// target is `C`: see `Ops::join`.
pub fn read_relation<C: Record>(json: &mut Cursor<'_>, field: Field<'_>) -> Result<()> {
    let (spec, path) = (field.spec, field.path);
    if spec.count {
        let n = json
            .integer()
            .map_err(|e| shape_error(field.table, spec, &path, e))?;
        return set_count::<C>(u64::try_from(n).unwrap_or(0), field);
    }
    let rows = read_rows::<C>(json, spec, path)?;
    set_rows(rows, field)
}

/// Reads an aggregate at the cursor into a parent's `Many` field: see `Ops::aggregate`.
pub fn read_aggregate(json: &mut Cursor<'_>, field: Field<'_>) -> Result<()> {
    let ty = field.spec.aggregate.map_or(SqlType::BigInt, |a| a.ty);
    let value = cell(json, ty).map_err(|e| shape_error(field.table, field.spec, &field.path, e))?;
    set_aggregate(value, field)
}

/// The rows of relation `spec` at the cursor: a JSON array of rows, each an array of
/// the target's columns followed by its loaded relations.
fn read_rows<C: Record>(json: &mut Cursor<'_>, spec: &LoadSpec, path: Path<'_>) -> Result<Vec<C>> {
    let table = record::meta::<C>();
    let shape = |e| shape_error(table.name, spec, &path, e);
    match json.peek() {
        // MariaDB loses the JSON type through subqueries: a nested array arrives as a
        // string holding its JSON.
        Some(b'"') => {
            let text = json.string().map_err(shape)?;
            let mut inner = Cursor::new(&text);
            let rows = read_rows::<C>(&mut inner, spec, path)?;
            inner.finish().map_err(shape)?;
            return Ok(rows);
        }
        Some(b'n') if json.eat("null") => return Ok(Vec::new()),
        _ => {}
    }
    json.open().map_err(shape)?;
    let mut rows = Vec::new();
    while json.next_item().map_err(shape)? {
        json.open().map_err(shape)?;
        let mut row = C::decode_record(
            &mut RowReader::from_stream(table, path, json).with_names(C::SELECTED),
        )?;
        for child in &spec.children {
            if !json.next_item().map_err(shape)? {
                return Err(shape(too_short()));
            }
            let ops = child.ops(table.name)?;
            let field = Field::of(&mut row, child, Path::Child(&path, child.rel.name))?;
            (ops.join)(json, field)?;
        }
        if json.next_item().map_err(shape)? {
            return Err(shape(DecodeError::Invalid {
                expected: "one cell per column and relation",
                message: "the row's JSON array has more cells".into(),
            }));
        }
        rows.push(row);
    }
    Ok(rows)
}

fn too_short() -> DecodeError {
    DecodeError::Invalid {
        expected: "one cell per column and relation",
        message: "the row's JSON array ended early".into(),
    }
}

/// A relation's JSON that has another shape than the statement builds.
fn shape_error(
    table: &'static str,
    spec: &LoadSpec,
    path: &Path<'_>,
    source: DecodeError,
) -> Error {
    Error::Decode {
        table,
        column: spec.rel.name,
        path: path.render(),
        source,
    }
}

/// The cursor, inside a row's array, reads the row's cells for the derive's `decode`.
impl CellStream for Cursor<'_> {
    fn next_cell(&mut self, ty: SqlType) -> Result<Value, DecodeError> {
        if self.next_item()? {
            cell(self, ty)
        } else {
            Err(too_short())
        }
    }
}

/// A cell of a related row, read from the JSON back into the column's type.
fn cell(json: &mut Cursor<'_>, ty: SqlType) -> Result<Value, DecodeError> {
    if json.eat("null") {
        return Ok(Value::Null(ty));
    }
    Ok(match ty {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => Value::I64(json.integer()?),
        // `[bits]`: a double sent exactly as its IEEE-754 bits (SQLite).
        SqlType::Real | SqlType::Double if json.peek() == Some(b'[') => Value::F64(bits(json)?),
        // PostgreSQL writes NaN and the infinities as strings.
        SqlType::Real | SqlType::Double if json.peek() == Some(b'"') => {
            Value::F64(match &*json.string()? {
                "NaN" => f64::NAN,
                "Infinity" => f64::INFINITY,
                "-Infinity" => f64::NEG_INFINITY,
                other => {
                    return Err(DecodeError::Invalid {
                        expected: "a double",
                        message: format!("{other:?}"),
                    });
                }
            })
        }
        SqlType::Real | SqlType::Double => Value::F64(json.float()?),
        SqlType::Boolean if json.eat("true") => Value::Bool(true),
        SqlType::Boolean if json.eat("false") => Value::Bool(false),
        SqlType::Boolean => Value::Bool(json.integer()? != 0),
        SqlType::Text => Value::Text(json.string()?.into_owned()),
        SqlType::Blob => Value::Bytes(from_hex(&json.string()?)?),
        #[cfg(feature = "chrono")]
        SqlType::Date => Value::Date(parse_with(&json.string()?, "date", |s| s.parse())?),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => Value::DateTime(parse_datetime(&json.string()?)?),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => Value::TimestampTz(parse_instant(&json.string()?)?),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => Value::Uuid(parse_with(&json.string()?, "uuid", uuid::Uuid::parse_str)?),
        // A document travels as its text, so that a JSON `null` differs from SQL NULL.
        #[cfg(feature = "serde_json")]
        SqlType::Json if json.peek() == Some(b'"') => {
            Value::Json(parse_with(&json.string()?, "json", |s| {
                serde_json::from_str(s)
            })?)
        }
        #[cfg(feature = "serde_json")]
        SqlType::Json => Value::Json(parse_with(json.raw()?, "json", |s| {
            serde_json::from_str(s)
        })?),
        // A decimal travels as text; a NUMERIC column of a database Rel did not create
        // may hold it as a REAL (SQLite: `[bits]`, read as Batch reads the cell: the
        // shortest text of that double) or an INTEGER.
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal if json.peek() == Some(b'[') => {
            Value::Decimal(parse_decimal(&bits(json)?.to_string())?)
        }
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal if json.peek() != Some(b'"') => {
            Value::Decimal(parse_decimal(json.number()?)?)
        }
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => Value::Decimal(parse_decimal(&json.string()?)?),
        #[allow(unreachable_patterns)]
        other => {
            return Err(DecodeError::Invalid {
                expected: "a type whose cargo feature is enabled",
                message: format!("{other:?}"),
            });
        }
    })
}

#[allow(dead_code)]
fn parse_with<T, E: std::fmt::Display>(
    s: &str,
    expected: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, DecodeError> {
    parse(s).map_err(|e| DecodeError::Invalid {
        expected,
        message: format!("{s:?}: {e}"),
    })
}

fn from_hex(s: &str) -> Result<Vec<u8>, DecodeError> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::Invalid {
            expected: "hex bytes",
            message: format!("odd length {}", bytes.len()),
        });
    }
    bytes
        .chunks(2)
        .map(|pair| match (digit(pair[0]), digit(pair[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err(DecodeError::Invalid {
                expected: "hex bytes",
                message: format!("{s:?}"),
            }),
        })
        .collect()
}

#[cfg(feature = "chrono")]
fn parse_datetime(s: &str) -> Result<chrono::NaiveDateTime, DecodeError> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| DecodeError::Invalid {
            expected: "datetime",
            message: format!("{s:?}"),
        })
}

#[cfg(feature = "chrono")]
fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, DecodeError> {
    use chrono::{DateTime, Utc};
    // With an offset (PostgreSQL, SQLite's RFC 3339), or UTC wall time (MySQL, SQLite).
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| parse_datetime(s).map(|n| n.and_utc()))
        .map_err(|_| DecodeError::Invalid {
            expected: "timestamp with time zone",
            message: format!("{s:?}"),
        })
}

/// `[bits]`: a double sent exactly as its IEEE-754 bits (SQLite's `rel_f64_bits`).
fn bits(json: &mut Cursor<'_>) -> Result<f64, DecodeError> {
    json.open()?;
    if !json.next_item()? {
        return Err(too_short());
    }
    let bits = json.integer()?;
    if json.next_item()? {
        return Err(DecodeError::Invalid {
            expected: "[bits of a double]",
            message: "more than one number".into(),
        });
    }
    Ok(f64::from_bits(bits as u64))
}

#[cfg(feature = "rust_decimal")]
fn parse_decimal(s: &str) -> Result<rust_decimal::Decimal, DecodeError> {
    use std::str::FromStr;
    // MySQL pads to the column's scale; trailing zeros carry no value.
    let trimmed = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    };
    rust_decimal::Decimal::from_str(trimmed).map_err(|e| DecodeError::Invalid {
        expected: "decimal",
        message: format!("{s:?}: {e}"),
    })
}

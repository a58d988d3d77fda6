//! The Join strategy: one statement whatever the depth, built on JSON aggregation.
//!
//! Each loaded relation becomes a correlated subquery that aggregates the related rows
//! into a JSON array of positional arrays: `[[col, col, ..., nested, ...], ...]`. The
//! order inside each aggregate is fixed by SQL (`ORDER BY` in the aggregate), and
//! per-parent limits are applied inside the subquery:
//!
//! - PostgreSQL: `json_agg(s.j ORDER BY s.n)` over a numbered, limited derived table.
//! - SQLite: `json_group_array(json(s.j) ORDER BY s.n)` over the same shape.
//! - MariaDB: `JSON_ARRAYAGG(JSON_ARRAY(..) ORDER BY .. LIMIT ..)`, with no derived
//!   table, because MariaDB has no LATERAL and derived tables cannot see the outer row.
//!
//! Values that JSON would bend travel as text: bytes as hex, decimals as text, JSON
//! documents as their text (so a JSON `null` differs from SQL NULL). Integers stay JSON
//! integers, which serde_json reads exactly.

use crate::error::{DecodeError, Error, Result};
use crate::expr::{Scope, write_order};
use crate::meta::{ColumnMeta, TableMeta};
use crate::plan::{allocate, write_from, write_link};
use crate::relation::LoadSpec;
use crate::row::{Loaded, RowData};
use crate::sql::{Dialect, SqlBuilder};
use crate::value::{SqlType, Value};

/// Writes `, (relation subquery) AS r0, ...` for the root's loads.
pub(crate) fn write_root_relations(b: &mut SqlBuilder, scope: &Scope<'_>, specs: &[LoadSpec]) {
    for (i, spec) in specs.iter().enumerate() {
        b.push(", ");
        if spec.count {
            write_relation(b, spec, scope);
        } else if b.dialect() == Dialect::Postgres {
            // The root reads text; nested levels stay json inside their parents.
            b.push("CAST(");
            write_relation(b, spec, scope);
            b.push(" AS TEXT)");
        } else {
            write_relation(b, spec, scope);
        }
        b.push(" AS ").push_ident(&format!("r{i}"));
    }
}

/// The SQL types the root's relation columns are read as.
pub(crate) fn root_relation_types(specs: &[LoadSpec]) -> impl Iterator<Item = SqlType> + '_ {
    specs.iter().map(|s| {
        if s.count {
            SqlType::BigInt
        } else {
            SqlType::Text
        }
    })
}

/// One relation of the row in `parent`: a count, or a JSON array of its rows.
fn write_relation(b: &mut SqlBuilder, spec: &LoadSpec, parent: &Scope<'_>) {
    let related = allocate(b, spec.rel);
    let scope = related.scope();
    let from_where = |b: &mut SqlBuilder| {
        write_from(b, spec.rel, &related);
        write_link(b, spec, &related, parent);
    };
    if spec.count {
        b.push("(SELECT COUNT(*)");
        from_where(b);
        b.push(")");
        return;
    }
    match b.dialect() {
        Dialect::MySql => {
            b.push("(SELECT COALESCE(JSON_ARRAYAGG(");
            write_row_array(b, spec, &scope);
            b.push(" ORDER BY ");
            write_order(b, &scope, &spec.order);
            write_window(b, spec);
            b.push("), JSON_ARRAY())");
            from_where(b);
            b.push(")");
        }
        Dialect::Postgres | Dialect::Sqlite => {
            b.push(if b.dialect() == Dialect::Postgres {
                "(SELECT COALESCE(json_agg(s.j ORDER BY s.n), '[]'::json) FROM (SELECT "
            } else {
                "(SELECT json_group_array(json(s.j) ORDER BY s.n) FROM (SELECT "
            });
            write_row_array(b, spec, &scope);
            b.push(" AS j, ROW_NUMBER() OVER (ORDER BY ");
            write_order(b, &scope, &spec.order);
            b.push(") AS n");
            from_where(b);
            b.push(" ORDER BY ");
            write_order(b, &scope, &spec.order);
            write_window(b, spec);
            b.push(") AS s)");
        }
    }
}

/// ` LIMIT ? OFFSET ?` for a per-parent window.
fn write_window(b: &mut SqlBuilder, spec: &LoadSpec) {
    let bound = |n: u64| Value::I64(i64::try_from(n).unwrap_or(i64::MAX));
    match (spec.limit, spec.offset) {
        (None, None) => {}
        (limit, offset) => {
            b.push(" LIMIT ");
            match limit {
                Some(l) => {
                    b.push_bind(bound(l));
                }
                None => {
                    b.push(match b.dialect() {
                        Dialect::Sqlite => "-1",
                        Dialect::MySql => "18446744073709551615",
                        Dialect::Postgres => "ALL",
                    });
                }
            }
            if let Some(o) = offset {
                b.push(" OFFSET ").push_bind(bound(o));
            }
        }
    }
}

/// `json_build_array(col, ..., nested, ...)` for one related row.
fn write_row_array(b: &mut SqlBuilder, spec: &LoadSpec, scope: &Scope<'_>) {
    b.push(match b.dialect() {
        Dialect::Postgres => "json_build_array(",
        Dialect::Sqlite => "json_array(",
        Dialect::MySql => "JSON_ARRAY(",
    });
    b.push_list(scope.table.columns, ", ", |b, c| {
        write_json_value(b, scope.alias, c)
    });
    for child in &spec.children {
        b.push(", ");
        if b.dialect() == Dialect::Sqlite && !child.count {
            // Text from a subquery would be embedded as a string.
            b.push("json(");
            write_relation(b, child, scope);
            b.push(")");
        } else {
            write_relation(b, child, scope);
        }
    }
    b.push(")");
}

/// A column as it travels inside JSON.
fn write_json_value(b: &mut SqlBuilder, alias: &str, c: &ColumnMeta) {
    let d = b.dialect();
    match (c.ty, d) {
        (SqlType::Blob, _) => {
            // hex(NULL) is '' on SQLite: keep NULL distinct from empty bytes.
            b.push("CASE WHEN ")
                .push_qualified(alias, c.name)
                .push(" IS NULL THEN NULL ELSE ");
            b.push(if d == Dialect::Postgres {
                "encode("
            } else {
                "hex("
            });
            b.push_qualified(alias, c.name);
            b.push(if d == Dialect::Postgres {
                ", 'hex') END"
            } else {
                ") END"
            });
        }
        (SqlType::Real | SqlType::Double, Dialect::Sqlite) => {
            // SQLite prints doubles inexactly; send their bits (see sqlite_functions.rs).
            b.push("CASE WHEN ")
                .push_qualified(alias, c.name)
                .push(" IS NULL THEN NULL ELSE json_array(rel_f64_bits(");
            b.push_qualified(alias, c.name).push(")) END");
        }
        (SqlType::Decimal | SqlType::Json, Dialect::Postgres) => {
            b.push("CAST(")
                .push_qualified(alias, c.name)
                .push(" AS TEXT)");
        }
        (SqlType::Decimal | SqlType::Json, Dialect::MySql) => {
            b.push("CAST(")
                .push_qualified(alias, c.name)
                .push(" AS CHAR)");
        }
        _ => {
            b.push_qualified(alias, c.name);
        }
    }
}

/// Turns a root row's relation columns into loaded relations.
pub(crate) fn attach_root(
    table: &'static TableMeta,
    row: &mut RowData,
    specs: &[LoadSpec],
    extra: Vec<Value>,
) -> Result<()> {
    for (spec, value) in specs.iter().zip(extra) {
        let index = crate::load::relation_index(table, spec);
        let loaded = match value {
            Value::I64(n) if spec.count => Loaded::Count(u64::try_from(n).unwrap_or(0)),
            Value::Text(text) => {
                let json: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| invalid(table, spec, e))?;
                Loaded::Rows(rows_from_json(spec, json, spec.rel.name)?)
            }
            _ => Loaded::Rows(Vec::new()),
        };
        row.set_relation(index, loaded);
    }
    Ok(())
}

fn invalid(table: &'static TableMeta, spec: &LoadSpec, e: impl std::fmt::Display) -> Error {
    Error::Decode {
        table: table.name,
        column: spec.rel.name,
        path: spec.rel.name.to_owned(),
        source: DecodeError::Invalid {
            expected: "JSON of a loaded relation",
            message: e.to_string(),
        },
    }
}

/// The related rows in a relation's JSON. A nested array may arrive as a string
/// holding JSON (MariaDB loses the JSON type through subqueries): it is parsed again.
fn rows_from_json(spec: &LoadSpec, json: serde_json::Value, path: &str) -> Result<Vec<RowData>> {
    let target = (spec.rel.target)();
    let items = match json {
        serde_json::Value::Array(items) => items,
        serde_json::Value::String(s) => match serde_json::from_str(&s) {
            Ok(serde_json::Value::Array(items)) => items,
            _ => return Err(json_error(target, spec.rel.name, path, "a JSON array")),
        },
        serde_json::Value::Null => Vec::new(),
        _ => return Err(json_error(target, spec.rel.name, path, "a JSON array")),
    };
    let child_paths: Vec<String> = spec
        .children
        .iter()
        .map(|c| format!("{path}.{}", c.rel.name))
        .collect();
    items
        .into_iter()
        .map(|item| {
            let serde_json::Value::Array(mut cells) = item else {
                return Err(json_error(
                    target,
                    spec.rel.name,
                    path,
                    "a JSON array per row",
                ));
            };
            let n = target.columns.len();
            if cells.len() != n + spec.children.len() {
                return Err(json_error(
                    target,
                    spec.rel.name,
                    path,
                    "one cell per column and relation",
                ));
            }
            let nested = cells.split_off(n);
            let values = target
                .columns
                .iter()
                .zip(cells)
                .map(|(c, cell)| {
                    value_from_json(c.ty, cell).map_err(|source| Error::Decode {
                        table: target.name,
                        column: c.name,
                        path: path.to_owned(),
                        source,
                    })
                })
                .collect::<Result<Vec<Value>>>()?;
            let mut row = RowData::new(values);
            for ((child, cell), child_path) in spec.children.iter().zip(nested).zip(&child_paths) {
                let index = crate::load::relation_index(target, child);
                let loaded = if child.count {
                    Loaded::Count(cell.as_u64().unwrap_or(0))
                } else {
                    Loaded::Rows(rows_from_json(child, cell, child_path)?)
                };
                row.set_relation(index, loaded);
            }
            Ok(row)
        })
        .collect()
}

fn json_error(
    table: &'static TableMeta,
    relation: &'static str,
    path: &str,
    expected: &'static str,
) -> Error {
    Error::Decode {
        table: table.name,
        column: relation,
        path: path.to_owned(),
        source: DecodeError::Invalid {
            expected,
            message: "the loaded relation's JSON has another shape".into(),
        },
    }
}

fn mismatch(expected: &'static str, found: &serde_json::Value) -> DecodeError {
    DecodeError::Invalid {
        expected,
        message: format!("found JSON {found}"),
    }
}

/// A cell of a related row, read back into the column's type.
fn value_from_json(ty: SqlType, cell: serde_json::Value) -> Result<Value, DecodeError> {
    use serde_json::Value as J;
    if cell.is_null() {
        return Ok(Value::Null(ty));
    }
    let int = |cell: &J| cell.as_i64().ok_or_else(|| mismatch("an integer", cell));
    let text = |cell: J| match cell {
        J::String(s) => Ok(s),
        other => Err(mismatch("a string", &other)),
    };
    Ok(match ty {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => Value::I64(int(&cell)?),
        SqlType::Real | SqlType::Double => Value::F64(match &cell {
            // `[bits]`: a double sent exactly as its IEEE-754 bits (SQLite).
            J::Array(bits) => match bits.as_slice() {
                [n] => f64::from_bits(int(n)? as u64),
                _ => return Err(mismatch("[bits of a double]", &cell)),
            },
            other => other.as_f64().ok_or_else(|| mismatch("a number", other))?,
        }),
        SqlType::Boolean => Value::Bool(match &cell {
            J::Bool(b) => *b,
            other => int(other)? != 0,
        }),
        SqlType::Text => Value::Text(text(cell)?),
        SqlType::Blob => Value::Bytes(from_hex(&text(cell)?)?),
        #[cfg(feature = "chrono")]
        SqlType::Date => Value::Date(parse_with(&text(cell)?, "date", |s| s.parse())?),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => Value::DateTime(parse_datetime(&text(cell)?)?),
        #[cfg(feature = "chrono")]
        SqlType::TimestampTz => Value::TimestampTz(parse_instant(&text(cell)?)?),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => Value::Uuid(parse_with(&text(cell)?, "uuid", uuid::Uuid::parse_str)?),
        #[cfg(feature = "serde_json")]
        SqlType::Json => Value::Json(match cell {
            J::String(s) => parse_with(&s, "json", |s| serde_json::from_str(s))?,
            other => other,
        }),
        #[cfg(feature = "rust_decimal")]
        SqlType::Decimal => Value::Decimal(parse_decimal(&text(cell)?)?),
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

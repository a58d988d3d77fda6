//! The Join strategy: one statement whatever the depth, built on JSON aggregation.
//!
//! Each loaded relation becomes a correlated subquery that aggregates the related rows
//! into a JSON array of positional arrays: `[[col, col, ..., nested, ...], ...]`. The
//! order inside each aggregate is fixed by SQL (`ORDER BY` in the aggregate), and
//! per-parent limits are applied inside the subquery:
//!
//! - PostgreSQL: `json_agg(json_build_array(..) ORDER BY ..)`; with a limit or offset,
//!   `json_agg(s.j ORDER BY s.n)` over a numbered, limited derived table.
//! - SQLite: `json_group_array(json_array(..) ORDER BY ..)`, and the same derived table
//!   (`json_group_array(json(s.j) ORDER BY s.n)`) with a limit or offset.
//! - MariaDB: `JSON_ARRAYAGG(JSON_ARRAY(..) ORDER BY .. LIMIT ..)`, with no derived
//!   table, because MariaDB has no LATERAL and derived tables cannot see the outer row.
//!
//! Values that JSON would bend travel as text: bytes as hex, decimals as text, JSON
//! documents as their text (so a JSON `null` differs from SQL NULL), SQLite's doubles
//! as their bits. Integers stay JSON integers, read exactly.
//!
//! The result is decoded without an intermediate tree: [`crate::json_cursor::Cursor`]
//! walks the text, the derive's `decode` reads each nested row's columns from it, and
//! each relation's typed step (`Ops::join`, monomorphized for its target) reads the
//! rows below into their parent's field.

use crate::backend::Cells;
use crate::error::{DecodeError, Error, Result};
use crate::expr::{Scope, write_order};
use crate::json_cursor::Cursor;
use crate::load::{Field, set_count, set_rows};
use crate::meta::{ColumnMeta, Table};
use crate::plan::{allocate, write_from, write_link};
use crate::relation::LoadSpec;
use crate::row::{Path, RowReader};
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
        Dialect::Postgres | Dialect::Sqlite if spec.limit.is_none() && spec.offset.is_none() => {
            // No window: aggregate the rows directly, ordered inside the aggregate.
            b.push(if b.dialect() == Dialect::Postgres {
                "(SELECT COALESCE(json_agg("
            } else {
                "(SELECT json_group_array("
            });
            write_row_array(b, spec, &scope);
            b.push(" ORDER BY ");
            write_order(b, &scope, &spec.order);
            b.push(if b.dialect() == Dialect::Postgres {
                "), '[]'::json)"
            } else {
                ")"
            });
            from_where(b);
            b.push(")");
        }
        Dialect::Postgres | Dialect::Sqlite => {
            // A per-parent window: number the rows in a limited derived table, then
            // aggregate them in that order.
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

/// Whether a MySQL-protocol server, by its `VERSION()`, runs Join's SQL: MariaDB 10.5
/// or later. MySQL proper has no `ORDER BY` or `LIMIT` inside `JSON_ARRAYAGG`.
pub(crate) fn mysql_server_has_join(version: &str) -> bool {
    if !version.contains("MariaDB") {
        return false;
    }
    // Some MariaDB builds prefix `5.5.5-` for old clients.
    let version = version.strip_prefix("5.5.5-").unwrap_or(version);
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (10, 5),
        _ => true,
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

/// Reads the root row's relation columns, from cell `first` on, into its fields.
pub(crate) fn attach_root<T: Table>(
    row: &mut T,
    specs: &[LoadSpec],
    cells: Cells<'_>,
    first: usize,
) -> Result<()> {
    for (i, spec) in specs.iter().enumerate() {
        let ops = spec.ops(T::NAME)?;
        let field = Field::of(row, spec, Path::Child(&Path::Root, spec.rel.name))?;
        if spec.count {
            let n = match cells.read(first + i, SqlType::BigInt)? {
                Value::I64(n) => u64::try_from(n).unwrap_or(0),
                _ => 0,
            };
            (ops.count)(n, field)?;
            continue;
        }
        let text = cells.text(first + i)?.unwrap_or("null");
        let mut json = Cursor::new(text);
        (ops.join)(&mut json, field)?;
        json.finish()
            .map_err(|e| shape_error(T::NAME, spec, &Path::Root, e))?;
    }
    Ok(())
}

/// Reads a relation's JSON at the cursor into a parent's field, for a relation whose
/// target is `C`: see [`Ops::join`](crate::load::Ops).
pub(crate) fn read_relation<C: Table>(json: &mut Cursor<'_>, field: Field<'_>) -> Result<()> {
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

/// The rows of relation `spec` at the cursor: a JSON array of rows, each an array of
/// the target's columns followed by its loaded relations.
fn read_rows<C: Table>(json: &mut Cursor<'_>, spec: &LoadSpec, path: Path<'_>) -> Result<Vec<C>> {
    let shape = |e| shape_error(C::NAME, spec, &path, e);
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
        let mut reader = RowReader::from_json(C::META, path, *json);
        let mut row = C::decode(&mut reader)?;
        if let Some(stopped) = reader.json_cursor() {
            json.resume(stopped);
        }
        for child in &spec.children {
            if !json.next_item().map_err(shape)? {
                return Err(shape(too_short()));
            }
            let ops = child.ops(C::NAME)?;
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

/// A cell of a related row, read from the JSON back into the column's type.
pub(crate) fn cell(json: &mut Cursor<'_>, ty: SqlType) -> Result<Value, DecodeError> {
    if json.eat("null") {
        return Ok(Value::Null(ty));
    }
    Ok(match ty {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => Value::I64(json.integer()?),
        // `[bits]`: a double sent exactly as its IEEE-754 bits (SQLite).
        SqlType::Real | SqlType::Double if json.peek() == Some(b'[') => {
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
            Value::F64(f64::from_bits(bits as u64))
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

#[cfg(test)]
mod tests {
    use super::mysql_server_has_join;

    #[test]
    fn join_needs_mariadb_10_5_on_the_mysql_protocol() {
        for (version, has) in [
            ("10.11.6-MariaDB-0+deb12u1", true),
            ("10.5.0-MariaDB", true),
            ("11.4.2-MariaDB-ubu2404", true),
            ("5.5.5-10.6.12-MariaDB-log", true),
            ("10.4.32-MariaDB", false),
            ("5.5.5-10.3.39-MariaDB", false),
            ("8.0.36", false),
            ("8.4.0-commercial", false),
            ("5.7.44-log", false),
        ] {
            assert_eq!(mysql_server_has_join(version), has, "{version}");
        }
    }
}

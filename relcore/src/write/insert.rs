//! INSERT: one row or many, returning their keys.

use super::constraint::{Failed, Touched, typed_error};
use super::emulate;
use super::enforcement::Enforcement;
use crate::model::error::{Error, Result};
use crate::model::meta::TableMeta;
use crate::model::row::RowReader;
use crate::model::table::{Key, Table};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;

/// The columns an INSERT names: all but a generated key.
pub(super) fn insert_columns(table: &TableMeta) -> Vec<usize> {
    let generated = table.generated_key().map(|c| c.name);
    (0..table.columns.len())
        .filter(|&i| Some(table.columns[i].name) != generated)
        .collect()
}

/// `INSERT INTO t (cols) VALUES (..), (..) [RETURNING key]` for a chunk of rows, given
/// as every column's value.
fn insert_statement(
    dialect: Dialect,
    table: &TableMeta,
    rows: Vec<Vec<Value>>,
    cols: &[usize],
    returning: bool,
) -> Result<Statement> {
    let mut b = SqlBuilder::new(dialect);
    b.push("INSERT INTO ").push_ident(table.name);
    if cols.is_empty() {
        b.push(dialect.syntax().default_values);
    } else {
        b.push(" (");
        b.push_list(cols, ", ", |b, &i| {
            b.push_ident(table.columns[i].name);
        });
        b.push(") VALUES ");
        for (n, mut values) in rows.into_iter().enumerate() {
            storable(dialect, table, &values)?;
            b.push(if n == 0 { "(" } else { ", (" });
            b.push_list(cols, ", ", |b, &i| {
                b.push_bind(std::mem::replace(
                    &mut values[i],
                    Value::Null(SqlType::Text),
                ));
            });
            b.push(")");
        }
    }
    if returning {
        b.push(" RETURNING ").push_idents(table.primary_key);
    }
    Ok(b.finish())
}

/// Refuses a row whose values the backend would not store as they are: floats it
/// cannot hold (NaN on SQLite becomes NULL; MySQL has neither NaN nor infinities), and
/// text or JSON with a NUL character where it cannot (PostgreSQL).
pub(super) fn storable(dialect: Dialect, table: &TableMeta, values: &[Value]) -> Result<()> {
    table
        .columns
        .iter()
        .zip(values)
        .try_for_each(|(c, v)| storable_value(dialect, table.name, c.name, v))
}

/// Refuses one value the backend would not store as it is (see [`storable`]).
pub(super) fn storable_value(
    dialect: Dialect,
    table: &'static str,
    column: &'static str,
    value: &Value,
) -> Result<()> {
    let refuse = |message: String| Error::UnsupportedValue {
        table,
        column,
        message,
    };
    let x = match value {
        Value::F64(x) => *x,
        Value::F32(x) => f64::from(*x),
        Value::Text(s) if !dialect.syntax().stores_nul && s.contains('\0') => {
            return Err(refuse(format!(
                "{} cannot store the NUL character (\\0) in text; remove it, or store the value as bytes",
                dialect.syntax().name
            )));
        }
        #[cfg(feature = "serde_json")]
        Value::Json(j) if !dialect.syntax().stores_nul && json_has_nul(j) => {
            return Err(refuse(format!(
                "{} cannot store the NUL character (\\u0000) in JSON; remove it",
                dialect.syntax().name
            )));
        }
        _ => return Ok(()),
    };
    if dialect.syntax().floats.stores(x) {
        return Ok(());
    }
    Err(refuse(format!(
        "{} cannot store the float {x}",
        dialect.syntax().name
    )))
}

/// Whether a string of `value`, a key or a value at any depth, holds a NUL.
#[cfg(feature = "serde_json")]
fn json_has_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match value {
        J::String(s) => s.contains('\0'),
        J::Array(items) => items.iter().any(json_has_nul),
        J::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v)),
        _ => false,
    }
}

/// The SQL types of `table`'s primary-key columns, in order.
pub(super) fn key_types(table: &TableMeta) -> Vec<SqlType> {
    table
        .primary_key
        .iter()
        .map(|pk| table.column(pk).map_or(SqlType::BigInt, |c| c.ty))
        .collect()
}

pub(super) fn decode_key<T: Table>(values: Vec<Value>) -> Result<T::Key> {
    T::Key::from_values(&mut RowReader::for_names(
        T::NAME,
        T::META.primary_key,
        values,
    ))
}

/// Inserts one row; its key (generated, for an `auto_increment` key).
pub async fn insert<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    row: &T,
) -> Result<T::Key> {
    Ok(
        insert_picked(run, enforcement, std::slice::from_ref(row), &[0])
            .await?
            .remove(0),
    )
}

/// Inserts rows, in as few statements as the bind limit allows; their keys in order.
pub async fn insert_many<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    rows: &[T],
) -> Result<Vec<T::Key>> {
    let all: Vec<usize> = (0..rows.len()).collect();
    insert_picked(run, enforcement, rows, &all).await
}

/// Inserts the rows at positions `picked` of `rows`, as [`insert_many`] does; their
/// keys in the order of `picked`.
pub async fn insert_picked<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    rows: &[T],
    picked: &[usize],
) -> Result<Vec<T::Key>> {
    let picked: Vec<&T> = picked.iter().filter_map(|&at| rows.get(at)).collect();
    let values_of = |i: usize| picked[i].values();
    match insert_rows(run, enforcement, T::META, picked.len(), &values_of).await? {
        Some(generated) => generated.into_iter().map(decode_key::<T>).collect(),
        None => Ok(picked.iter().map(|row| row.key()).collect()),
    }
}

/// Inserts `count` rows of `table`, row `i` given as every column's value by
/// `values_of(i)`, in as few statements as the bind limit allows (each chunk's values
/// made as it is sent). The generated keys in order (each as its columns' values)
/// where the table generates its key; `None` where the rows hold theirs.
///
/// Every insert of rows of a struct comes here, and this takes no type of the
/// struct's, so it is compiled once rather than once per table of the user's (a
/// nested insert reaches it for every relation target).
pub async fn insert_rows(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    table: &'static TableMeta,
    count: usize,
    values_of: &(dyn Fn(usize) -> Vec<Value> + Sync),
) -> Result<Option<Vec<Vec<Value>>>> {
    let dialect = run.dialect();
    let cols = insert_columns(table);
    let generated = table.generated_key().is_some();
    // Without RETURNING, the database reports only the first generated key of a
    // statement, and a row with no column to name is inserted alone
    // (`DEFAULT VALUES`), so those go row by row.
    let returning = generated && dialect.syntax().returning;
    let per_statement = if (generated && !returning) || cols.is_empty() {
        1
    } else {
        (dialect.bind_limit() / cols.len().max(1)).max(1)
    };
    let emulation = enforcement.emulation_for(table)?;
    let mut keys = Vec::with_capacity(if generated { count } else { 0 });
    let mut start = 0;
    while start < count {
        let chunk = start..count.min(start + per_statement);
        start = chunk.end;
        let values: Vec<Vec<Value>> = chunk.clone().map(values_of).collect();
        // Emulated mode checks (and locks) what the rows refer to first. A refusal
        // waits until the insert is sent: a unique key it breaks is reported first, as
        // the database reports it, and the transaction around it undoes the rows.
        let mut refused = None;
        if let Some(emulation) = emulation {
            refused = emulate::check_insert(run, emulation, table, &values).await?;
        }
        let stmt = insert_statement(dialect, table, values, &cols, returning)?;
        let rows = chunk.clone();
        let failed = |run, e| values_error(run, enforcement, table, e, rows.map(values_of));
        if returning {
            let mut out = match run.fetch(&stmt, &key_types(table)).await {
                Ok(out) => out,
                Err(e) => return Err(failed(run, e).await),
            };
            // RETURNING lists the rows in no promised order (SQLite's documentation
            // says so outright). The database draws generated keys in the order it
            // inserts the rows, which is the order of VALUES, so the keys sorted are
            // the rows' keys in order, consecutive or not.
            out.sort_by_key(|key| generated_order(key));
            keys.extend(out);
        } else {
            let done = match run.execute(&stmt).await {
                Ok(done) => done,
                Err(e) => return Err(failed(run, e).await),
            };
            match (generated, done.last_insert_id) {
                (true, Some(id)) => {
                    let id = i64::try_from(id).map_err(|_| {
                        Error::Database(sqlx::Error::Decode(
                            format!("generated key {id} of `{}` does not fit in i64", table.name)
                                .into(),
                        ))
                    })?;
                    keys.push(vec![Value::I64(id)]);
                }
                // No key reported: the row's own, as given.
                (true, None) => keys.extend(chunk.map(|i| own_key(table, values_of(i)))),
                (false, _) => {}
            }
        }
        if let Some(refused) = refused {
            return Err(refused);
        }
    }
    Ok(generated.then_some(keys))
}

/// The primary key's values among a row's values (every column's, in column order).
fn own_key(table: &TableMeta, mut values: Vec<Value>) -> Vec<Value> {
    table
        .primary_key
        .iter()
        .map(|pk| {
            let at = table.columns.iter().position(|c| c.name == *pk);
            at.map_or(Value::Null(SqlType::BigInt), |at| {
                std::mem::replace(&mut values[at], Value::Null(SqlType::BigInt))
            })
        })
        .collect()
}

/// Where a generated key (one integer column) falls in the order the database drew
/// them.
fn generated_order(key: &[Value]) -> i64 {
    match key.first() {
        Some(Value::I64(k)) => *k,
        Some(Value::I32(k)) => i64::from(*k),
        Some(Value::I16(k)) => i64::from(*k),
        _ => 0,
    }
}

/// Inserts rows given as every column's value, in as few statements as the bind limit
/// allows: a junction's rows, which have no struct of their own (nested inserts). The
/// table has no generated key.
pub async fn insert_values(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    table: &'static TableMeta,
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    let dialect = run.dialect();
    let cols = insert_columns(table);
    let per_statement = (dialect.bind_limit() / cols.len().max(1)).max(1);
    let emulation = enforcement.emulation_for(table)?;
    for chunk in rows.chunks(per_statement) {
        let mut refused = None;
        if let Some(emulation) = emulation {
            refused = emulate::check_insert(run, emulation, table, chunk).await?;
        }
        let stmt = insert_statement(dialect, table, chunk.to_vec(), &cols, false)?;
        if let Err(e) = run.execute(&stmt).await {
            let failed = Failed {
                table,
                rows: chunk,
                sets: &[],
                touched: Touched::None,
            };
            return Err(typed_error(run, enforcement.graph(), failed, e).await);
        }
        if let Some(refused) = refused {
            return Err(refused);
        }
    }
    Ok(())
}

/// The typed error of a failed insert of `rows`.
pub(super) async fn rows_error<'r, T: Table + 'r>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    e: Error,
    rows: impl IntoIterator<Item = &'r T>,
) -> Error {
    let values = rows.into_iter().map(Table::values);
    values_error(run, enforcement, T::META, e, values).await
}

/// The typed error of a failed insert of rows of `table`, given as every column's
/// value.
async fn values_error(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    table: &'static TableMeta,
    e: Error,
    rows: impl Iterator<Item = Vec<Value>>,
) -> Error {
    let values: Vec<Vec<Value>> = rows.collect();
    let failed = Failed {
        table,
        rows: &values,
        sets: &[],
        touched: Touched::None,
    };
    typed_error(run, enforcement.graph(), failed, e).await
}

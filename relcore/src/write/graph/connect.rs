//! Connect or create: the rows of a table named with
//! `insert_graph(..).connect_or_create(Tag::name)` are looked up by that unique column
//! before their level is inserted. A row whose value is already stored takes that
//! row's key and is not inserted (a connect); rows of the level with one value are
//! inserted once and share its key; the others are inserted as usual (a create).
//! By a generated key (`connect_or_create(Group::id)`), a row with key 0 is created,
//! and a row with another key connected: how existing rows are linked through a
//! junction.
//!
//! The lookup is one `SELECT key, column ... WHERE column IN (..)` per chunk of
//! distinct values, matched to the rows by exact equality. A database that compares
//! the column more loosely (a case-insensitive MySQL collation finds `rust` for
//! `Rust`) returns rows that match no value exactly; only then are the values left
//! unmatched looked up one by one, so that each finds the row the database takes for
//! equal to it.

use super::super::insert::key_types;
use super::LevelRows;
use crate::model::error::{Error, Result};
use crate::model::meta::TableMeta;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::exec::Executor;
use std::collections::HashMap;

/// What a nested insert is asked besides inserting: the tables whose rows are looked
/// up by a unique column first.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Each table (by its SQL name) and its column.
    connect_by: Vec<(&'static str, &'static str)>,
}

impl Plan {
    /// Looks rows of `table` up by `column` first. The column must be unique on its
    /// own, or be the whole primary key; otherwise [`Error::Unsupported`], before
    /// anything is sent. A second column for the same table replaces the first.
    #[doc(hidden)]
    pub fn connect_or_create(
        &mut self,
        table: &'static TableMeta,
        column: &'static str,
    ) -> Result<()> {
        let unique =
            table.column(column).is_some_and(|c| c.unique) || table.primary_key == [column];
        if !unique {
            return Err(Error::Unsupported {
                table: table.name,
                relation: "",
                message: format!(
                    "connect_or_create by `{column}`: the column is neither unique nor the primary key, so a value may find several rows; mark it #[column(unique)]"
                ),
            });
        }
        self.connect_by.retain(|(t, _)| *t != table.name);
        self.connect_by.push((table.name, column));
        Ok(())
    }

    /// The column rows of `table` are looked up by, if any.
    pub(super) fn column_for(&self, table: &TableMeta) -> Option<&'static str> {
        self.connect_by
            .iter()
            .find(|(t, _)| *t == table.name)
            .map(|(_, c)| *c)
    }
}

/// Where each row of a level gets its key under connect or create.
pub(super) struct Split {
    /// The rows to insert, by position.
    pub insert: Vec<usize>,
    /// Rows that take a stored row's key (its primary key's values).
    pub found: Vec<(usize, Vec<Value>)>,
    /// Rows that take the key of an inserted row with the same value.
    pub same_as: Vec<(usize, usize)>,
}

/// How many values one lookup statement names (its bind count), well under every
/// backend's limit.
const VALUES_PER_LOOKUP: usize = 500;

/// Splits `rows` by whether their `column` value is stored already: see the module
/// docs. A row whose value is NULL is always inserted (NULL equals nothing), and so is
/// a row whose generated key, the column, is 0; a generated key that no row has is
/// `Error::ForeignKey` (a connect to a row that does not exist).
pub(super) async fn split(
    run: &mut dyn Executor,
    rows: &dyn LevelRows,
    column: &'static str,
) -> Result<Split> {
    let table = rows.table();
    let Some(at) = table.columns.iter().position(|c| c.name == column) else {
        return Err(Error::Unsupported {
            table: table.name,
            relation: "",
            message: format!("internal error in connect_or_create: no column `{column}`"),
        });
    };
    let ty = table.columns[at].ty;
    // The distinct values, and the first row of each. `Value` holds floats, so it has
    // no `Eq` or `Hash`; its `Debug` text names one value and stands for it.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut distinct: Vec<(String, Value)> = Vec::new();
    // A generated key of 0 is a row to create (the database draws its key).
    let generated = table.generated_key().is_some_and(|c| c.name == column);
    let to_create = |v: &Value| match v {
        Value::Null(_) => true,
        Value::I64(0) | Value::I32(0) | Value::I16(0) => generated,
        _ => false,
    };
    let values: Vec<Option<Value>> = (0..rows.len())
        .map(|row| rows.column_value(row, at).filter(|v| !to_create(v)))
        .collect();
    for (i, value) in values.iter().enumerate() {
        if let Some(value) = value {
            let text = format!("{value:?}");
            if !first_of.contains_key(&text) {
                first_of.insert(text.clone(), i);
                distinct.push((text, value.clone()));
            }
        }
    }
    let found = look_up(run, table, column, ty, &distinct).await?;
    let mut split = Split {
        insert: Vec::new(),
        found: Vec::new(),
        same_as: Vec::new(),
    };
    for (i, value) in values.iter().enumerate() {
        let Some(value) = value else {
            split.insert.push(i);
            continue;
        };
        let text = format!("{value:?}");
        if let Some(key) = found.get(&text) {
            split.found.push((i, key.clone()));
        } else if generated {
            // A key given to connect to, which no row has: connecting would be creating
            // another row under a new key.
            return Err(Error::ForeignKey {
                table: table.name,
                relation: None,
                path: String::new(),
                message: format!(
                    "connect_or_create by `{column}`: no row has the key {value:?}; give 0 to create one"
                ),
                source: None,
            });
        } else {
            match first_of.get(&text) {
                Some(&first) if first != i => split.same_as.push((i, first)),
                _ => split.insert.push(i),
            }
        }
    }
    Ok(split)
}

/// The stored rows' keys for the distinct `values` of `column`, by each value's
/// `Debug` text.
async fn look_up(
    run: &mut dyn Executor,
    table: &'static TableMeta,
    column: &'static str,
    ty: SqlType,
    values: &[(String, Value)],
) -> Result<HashMap<String, Vec<Value>>> {
    let keys = table.primary_key.len();
    let mut types = key_types(table);
    types.push(ty);
    let mut found = HashMap::new();
    let mut unmatched_rows = 0;
    for chunk in values.chunks(VALUES_PER_LOOKUP) {
        let stmt = lookup(run, table, column, chunk.iter().map(|(_, v)| v.clone()));
        for mut row in run.fetch(&stmt, &types).await? {
            let stored = row.pop().map(|v| format!("{v:?}")).unwrap_or_default();
            row.truncate(keys);
            if chunk.iter().any(|(text, _)| *text == stored) {
                found.insert(stored, row);
            } else {
                unmatched_rows += 1;
            }
        }
    }
    // The database took a value for equal to a stored one that is not exactly it: ask
    // again, one value at a time, for the values still unmatched.
    if unmatched_rows > 0 {
        for (text, value) in values {
            if found.contains_key(text) {
                continue;
            }
            let stmt = lookup(run, table, column, std::iter::once(value.clone()));
            if let Some(mut row) = run.fetch(&stmt, &types).await?.into_iter().next() {
                row.truncate(keys);
                found.insert(text.clone(), row);
            }
        }
    }
    Ok(found)
}

/// `SELECT key, column FROM table WHERE column IN (values)`.
fn lookup(
    run: &dyn Executor,
    table: &'static TableMeta,
    column: &'static str,
    values: impl Iterator<Item = Value>,
) -> crate::sql::builder::Statement {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT ")
        .push_idents(table.primary_key)
        .push(", ")
        .push_ident(column)
        .push(" FROM ")
        .push_ident(table.name)
        .push(" WHERE ")
        .push_ident(column)
        .push(" IN (");
    b.push_list(values, ", ", |b, value| {
        b.push_bind(value);
    });
    b.push(")");
    b.finish()
}

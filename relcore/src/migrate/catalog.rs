//! The shape a live database has, read from its catalog. Each dialect gives three
//! queries for the whole database (`sql::dialect::Catalog`: columns, keys and indexes,
//! foreign keys) whose rows have one layout everywhere; this file builds the shape from
//! those rows, the same way for every backend. So a schema of hundreds of tables reads
//! in three round trips, and a new dialect adds SQL, not code here.

use super::pull::rust_type;
use super::shape::{
    ColumnShape, ForeignKeyShape, IndexShape, Shape, TableShape, canonical_action,
    canonical_default, canonical_type,
};
use crate::model::error::Result;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::ddl::RECORD_TABLE;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;

/// Tables that are Rel's or sqlx's own bookkeeping, never part of a user's shape.
pub fn is_bookkeeping(table: &str) -> bool {
    table == RECORD_TABLE || table == "rel_guards" || table == "_sqlx_migrations"
}

const T: SqlType = SqlType::Text;
const I: SqlType = SqlType::BigInt;

/// The live database's shape, without Rel's and sqlx's bookkeeping tables.
pub async fn read(run: &mut dyn Executor) -> Result<Shape> {
    let d = run.dialect();
    let catalog = d.catalog();
    let mut shape = Shape::default();

    let columns = run
        .fetch(&statement(d, catalog.columns), &[T, T, T, I, T, I])
        .await?;
    for c in &columns {
        let ty = canonical_type(d, &text(&c[2]));
        table_mut(&mut shape, &text(&c[0]))
            .columns
            .push(ColumnShape {
                rust: rust_type(d, &ty),
                renamed_from: None,
                name: text(&c[1]),
                default: canonical_default(d, &ty, opt_text(&c[4]).as_deref()),
                ty,
                nullable: int(&c[3]) == 0,
                generated: int(&c[5]) != 0,
            });
    }

    let keys = run
        .fetch(&statement(d, catalog.keys), &[T, T, I, I, I, T])
        .await?;
    for rows in keys.chunk_by(|a, b| a[0] == b[0] && a[1] == b[1]) {
        let table = table_mut(&mut shape, &text(&rows[0][0]));
        let columns: Vec<String> = rows.iter().map(|r| text(&r[5])).collect();
        let (name, unique) = (text(&rows[0][1]), int(&rows[0][2]) != 0);
        if int(&rows[0][3]) != 0 {
            table.primary_key = columns;
        } else if unique && columns.len() == 1 {
            // A one-column unique index is the column's unique key, whatever the
            // backend named it.
            table.uniques.push(columns[0].clone());
            table.unique_names.push((columns[0].clone(), name));
        } else if !unique {
            table.indexes.push(IndexShape { name, columns });
        }
    }

    let keys = run
        .fetch(
            &statement(d, catalog.foreign_keys),
            &[T, T, T, T, T, T, I, T, T],
        )
        .await?;
    for rows in keys.chunk_by(|a, b| a[0] == b[0] && a[1] == b[1]) {
        let first = &rows[0];
        table_mut(&mut shape, &text(&first[0]))
            .foreign_keys
            .push(ForeignKeyShape {
                name: text(&first[2]),
                parent: text(&first[3]),
                on_delete: canonical_action(d, opt_text(&first[4]).as_deref()),
                on_update: canonical_action(d, opt_text(&first[5]).as_deref()),
                columns: rows.iter().map(|r| text(&r[7])).collect(),
                parent_columns: rows.iter().map(|r| text(&r[8])).collect(),
            });
    }

    shape.tables.retain(|t| !is_bookkeeping(&t.name));
    shape.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(shape)
}

fn statement(dialect: Dialect, sql: &'static str) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    b.push(sql);
    b.finish()
}

/// The table of this name, added if it is not there yet. Rows come grouped by table,
/// so the last one is nearly always it.
fn table_mut<'s>(shape: &'s mut Shape, name: &str) -> &'s mut TableShape {
    let i = match shape.tables.iter().rposition(|t| t.name == name) {
        Some(i) => i,
        None => {
            shape.tables.push(TableShape {
                name: name.to_owned(),
                ..TableShape::default()
            });
            shape.tables.len() - 1
        }
    };
    &mut shape.tables[i]
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::I64(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        _ => String::new(),
    }
}

fn opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Null(_) => None,
        v => Some(text(v)),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::I64(n) => *n,
        Value::I32(n) => i64::from(*n),
        Value::Bool(b) => i64::from(*b),
        Value::Text(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

//! Database errors of a write turned into typed errors that name the relation.

use crate::model::error::Error;
use crate::model::meta::TableMeta;
use crate::model::schema::{ForeignKey, Schema};
use crate::model::table::Table;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::exec::Executor;

fn db_error(e: &Error) -> Option<&dyn sqlx::error::DatabaseError> {
    match e {
        Error::Database(sqlx::Error::Database(d)) => Some(&**d),
        _ => None,
    }
}

/// Turns a failed insert into a typed error naming the relation whose key points nowhere.
pub(super) async fn write_error<T: Table>(run: &mut dyn Executor, e: Error, rows: &[T]) -> Error {
    let Some(d) = db_error(&e) else { return e };
    let message = d.message().to_owned();
    if d.is_unique_violation() {
        return Error::Unique {
            table: T::NAME,
            message,
        };
    }
    let dialect = run.dialect().sql();
    if !dialect.is_foreign_key_violation(d) {
        return e;
    }
    let mut relation = dialect
        .constraint_name(d)
        .and_then(|c| Schema::relation_of_constraint(T::META, &c));
    if relation.is_none() && !dialect.names_constraints() {
        // The database names no constraint (SQLite); a statement error does not abort
        // its transaction there, so ask which referenced row is missing.
        relation = missing_reference::<T>(run, rows).await;
    }
    Error::ForeignKey {
        table: T::NAME,
        relation,
        message,
    }
}

/// The first relation of `T` that holds a key and whose referenced row does not exist.
async fn missing_reference<T: Table>(run: &mut dyn Executor, rows: &[T]) -> Option<&'static str> {
    for rel in T::META.relations.iter().filter(|r| r.holds_key) {
        let target = (rel.target)();
        for row in rows {
            let values = row.values();
            let key: Vec<Value> = rel
                .from
                .iter()
                .filter_map(|c| T::COLUMNS.iter().position(|m| m.name == *c))
                .map(|i| values[i].clone())
                .collect();
            if key.iter().any(Value::is_null) {
                continue;
            }
            let mut b = SqlBuilder::new(run.dialect());
            b.push("SELECT 1 FROM ")
                .push_ident(target.name)
                .push(" WHERE ");
            b.push_list(rel.to.iter().zip(key), " AND ", |b, (col, v)| {
                b.push_ident(col).push(" = ").push_bind(v);
            });
            match run.fetch(&b.finish(), &[SqlType::BigInt]).await {
                Ok(found) if found.is_empty() => return Some(rel.name),
                _ => {}
            }
        }
    }
    None
}

/// Turns a failed delete (or key change) of a referenced row into
/// [`Error::StillReferenced`], naming the relation that still refers to it: by the
/// constraint's name where the database gives it, else by asking which candidate's
/// rows refer to the row with key `key` (SQLite, where the failed statement leaves the
/// transaction usable).
pub(super) async fn referenced_error(
    run: &mut dyn Executor,
    table: &'static TableMeta,
    key: &[Value],
    e: Error,
) -> Error {
    let Some(d) = db_error(&e) else { return e };
    let dialect = run.dialect().sql();
    if !dialect.is_foreign_key_violation(d) {
        return e;
    }
    let message = d.message().to_owned();
    let candidates = ForeignKey::referencing(table);
    let mut found = dialect
        .constraint_name(d)
        .and_then(|c| candidates.iter().find(|fk| fk.name == c));
    if found.is_none() && !dialect.names_constraints() {
        for fk in &candidates {
            if still_refers(run, fk, key).await {
                found = Some(fk);
                break;
            }
        }
    }
    Error::StillReferenced {
        table: table.name,
        referencing_table: found.map(|fk| fk.child.name),
        relation: found.map(|fk| fk.relation).filter(|r| !r.is_empty()),
        message,
    }
}

/// Whether rows of `fk`'s child refer to the parent row with primary key `key`.
async fn still_refers(run: &mut dyn Executor, fk: &ForeignKey, key: &[Value]) -> bool {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT 1 FROM ")
        .push_ident(fk.child.name)
        .push(" AS ")
        .push_ident("c")
        .push(", ")
        .push_ident(fk.parent.name)
        .push(" AS ")
        .push_ident("p")
        .push(" WHERE ");
    b.push_list(
        fk.parent.primary_key.iter().zip(key),
        " AND ",
        |b, (col, v)| {
            b.push_qualified("p", col).push(" = ").push_bind(v.clone());
        },
    );
    for (c, p) in fk.child_cols.iter().zip(fk.parent_cols) {
        b.push(" AND ")
            .push_qualified("c", c)
            .push(" = ")
            .push_qualified("p", p);
    }
    b.push(" LIMIT 1");
    matches!(run.fetch(&b.finish(), &[SqlType::BigInt]).await, Ok(rows) if !rows.is_empty())
}

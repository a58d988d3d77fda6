//! Database errors of a write turned into typed errors that name the relation.

use crate::model::error::Error;
use crate::model::meta::{RelationKind, TableMeta};
use crate::model::schema::Schema;
use crate::model::table::Table;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::Dialect;
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

/// Turns a failed delete of a referenced row into a typed error naming the relation.
pub(super) fn referenced_error(dialect: Dialect, table: &'static TableMeta, e: Error) -> Error {
    let Some(d) = db_error(&e) else { return e };
    let dialect = dialect.sql();
    if !dialect.is_foreign_key_violation(d) {
        return e;
    }
    let constraint = dialect.constraint_name(d);
    // The constraint belongs to the referencing table; name this table's inverse relation.
    let relation = constraint.and_then(|c| {
        table
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::Many)
            .find(|r| {
                let target = (r.target)();
                target.relations.iter().any(|inv| {
                    inv.holds_key
                        && inv.to == r.from
                        && inv.from == r.to
                        && Schema::relation_of_constraint(target, &c) == Some(inv.name)
                })
            })
            .map(|r| r.name)
    });
    Error::ForeignKey {
        table: table.name,
        relation,
        message: d.message().to_owned(),
    }
}

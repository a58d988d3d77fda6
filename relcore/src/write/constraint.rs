//! Database errors of a write turned into typed errors that name the table, the columns
//! and the relation, in one shape on every backend.

use crate::model::error::Error;
use crate::model::graph::{ForeignKey, Graph};
use crate::model::meta::{Action, TableMeta};
use crate::model::schema::Schema;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::exec::Executor;
use crate::sql::expr::{Node, Scope};

/// What a failed write was doing, for naming its error.
pub(super) struct Failed<'a> {
    /// The table written to.
    pub table: &'static TableMeta,
    /// The rows written (inserts, upserts), each with every column's value.
    pub rows: &'a [Vec<Value>],
    /// The columns an update set, with their values.
    pub sets: &'a [(&'static str, Value)],
    /// The rows a delete or an update touched.
    pub touched: Touched<'a>,
}

/// The rows a delete or an update touched.
pub(super) enum Touched<'a> {
    /// None (an insert).
    None,
    /// The row with this primary key.
    Key(&'a [Value]),
    /// The rows matching this filter (all rows without one).
    Filter(Option<&'a Node>),
}

/// The typed error of a failed write: `Unique` with its columns, `NotNull` with its
/// column, `ForeignKey` naming the relation of a written key that points nowhere, or
/// `StillReferenced` naming the relation that still refers to a touched row. Other
/// errors pass through. `graph`, where the schema is known, names keys declared only
/// on the referring side.
pub(super) async fn typed_error(
    run: &mut dyn Executor,
    graph: Option<&Graph>,
    failed: Failed<'_>,
    e: Error,
) -> Error {
    let source = match e {
        Error::Database(source @ sqlx::Error::Database(_)) => source,
        other => return other,
    };
    let sqlx::Error::Database(d) = &source else {
        return Error::Database(source);
    };
    let d: &dyn sqlx::error::DatabaseError = &**d;
    let message = d.message().to_owned();
    let dialect = run.dialect().errors();
    let table = failed.table;
    if dialect.is_unique_violation(d) {
        let columns = dialect.unique_columns(d, table);
        return Error::Unique {
            path: String::new(),
            table: table.name,
            columns,
            message,
            source: Some(Box::new(source)),
        };
    }
    if d.kind() == sqlx::error::ErrorKind::NotNullViolation
        && let Some(column) = dialect.not_null_column(d)
    {
        return Error::NotNull {
            path: String::new(),
            table: table.name,
            column,
            message,
            source: Some(Box::new(source)),
        };
    }
    if !dialect.is_foreign_key_violation(d) {
        return Error::Database(source);
    }
    // A unique key comes first: where the database checked a foreign key before it
    // (MySQL and MariaDB check them row by row), an update whose new key is taken is
    // `Unique`, as on PostgreSQL and SQLite.
    // The foreign-key error is not this one's cause: it stays in the message, and
    // there is no source.
    if let Some(columns) = taken_key(run, &failed).await {
        return Error::Unique {
            path: String::new(),
            table: table.name,
            source: None,
            message: format!(
                "the new value of {} is another row's (the database reported first: {message})",
                columns
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            columns,
        };
    }
    // Every key that points at the table: the schema's, where the `Db` knows it, and
    // those the table's own relations reveal.
    let mut referencing = ForeignKey::referencing(table);
    for fk in graph.into_iter().flat_map(|g| g.referring_to(table.name)) {
        if !referencing.iter().any(|k| k.name == fk.name) {
            referencing.push(fk.clone());
        }
    }
    let constraint = dialect.constraint_name(d);
    if let Some(name) = constraint {
        if let Some(fk) = referencing.iter().find(|fk| fk.name == name)
            && !writes_key(fk, &failed)
        {
            return still_referenced(table, Some(fk), message, source);
        }
        // A key of two other tables: the write's own cascade reached it (deleted a row
        // of another table, or changed or defaulted its key) and a `restrict` there, or
        // a default pointing nowhere, refused the change. As Emulated mode says it: the
        // other table's row is still referred to.
        if let Some(fk) = graph.and_then(|g| {
            g.keys()
                .iter()
                .find(|fk| fk.name == name && fk.child.name != table.name)
        }) {
            return still_referenced(fk.parent, Some(fk), message, source);
        }
        return Error::ForeignKey {
            path: String::new(),
            table: table.name,
            relation: Schema::relation_of_constraint(table, &name),
            message,
            source: Some(Box::new(source)),
        };
    }
    // The database names no constraint (SQLite). A statement error does not abort its
    // transaction there, so ask: a written key that points nowhere, or a touched row
    // that something still refers to.
    if let Some(relation) = missing_reference(run, &failed).await {
        return Error::ForeignKey {
            path: String::new(),
            table: table.name,
            relation: Some(relation),
            message,
            source: Some(Box::new(source)),
        };
    }
    // The keys whose action refuses the change first (a `cascade` or `set_null` key
    // with rows is no refusal): a delete's `on_delete`, a key change's `on_update`.
    let refuses = |fk: &ForeignKey| {
        let action = if failed.sets.is_empty() {
            fk.on_delete
        } else {
            fk.on_update
        };
        matches!(action, None | Some(Action::Restrict | Action::NoAction))
    };
    let (first, then): (Vec<&ForeignKey>, Vec<&ForeignKey>) =
        referencing.iter().partition(|fk| refuses(fk));
    for fk in first.into_iter().chain(then) {
        if still_refers(run, fk, &failed.touched).await {
            return still_referenced(table, Some(fk), message, source);
        }
    }
    match failed.touched {
        Touched::None => Error::ForeignKey {
            path: String::new(),
            table: table.name,
            relation: None,
            message,
            source: Some(Box::new(source)),
        },
        _ => still_referenced(table, None, message, source),
    }
}

/// The unique key (the primary key, or a unique column) an update sets to values
/// another row than those it touched already holds, if any. Asked only after a
/// foreign-key error, so the usual path costs nothing.
async fn taken_key(run: &mut dyn Executor, failed: &Failed<'_>) -> Option<Vec<&'static str>> {
    let table = failed.table;
    if failed.sets.is_empty() || matches!(failed.touched, Touched::None) {
        return None;
    }
    let set = |c: &str| failed.sets.iter().find(|(s, _)| *s == c).map(|(_, v)| v);
    let mut keys: Vec<Vec<&'static str>> = vec![table.primary_key.to_vec()];
    keys.extend(
        table
            .columns
            .iter()
            .filter(|c| c.unique)
            .map(|c| vec![c.name]),
    );
    for key in keys {
        let Some(values) = key.iter().map(|c| set(c)).collect::<Option<Vec<_>>>() else {
            continue;
        };
        if values.iter().any(|v| v.is_null()) {
            continue;
        }
        let mut b = SqlBuilder::new(run.dialect());
        b.push("SELECT 1 FROM ")
            .push_ident(table.name)
            .push(" WHERE ");
        b.push_list(
            &key.iter().zip(&values).collect::<Vec<_>>(),
            " AND ",
            |b, (c, v)| {
                b.push_ident(c).push(" = ").push_bind((**v).clone());
            },
        );
        let scope = Scope {
            table,
            alias: table.name,
        };
        match failed.touched {
            Touched::Key(k) => {
                b.push(" AND NOT (");
                b.push_list(
                    &table.primary_key.iter().zip(k).collect::<Vec<_>>(),
                    " AND ",
                    |b, (c, v)| {
                        b.push_ident(c).push(" = ").push_bind((*v).clone());
                    },
                );
                b.push(")");
            }
            Touched::Filter(Some(filter)) => {
                b.push(" AND NOT (");
                filter.write(&mut b, &scope);
                b.push(")");
            }
            Touched::Filter(None) | Touched::None => {}
        }
        b.push(run.dialect().syntax().limit_one);
        if let Ok(rows) = run.fetch(&b.finish(), &[SqlType::BigInt]).await
            && !rows.is_empty()
        {
            return Some(key);
        }
    }
    None
}

/// Whether the failed write sets `fk`'s own key, when its table is both ends of it (a
/// self relation, whose one constraint is broken by a key that points nowhere as by a
/// referenced row that changes): an insert does, and an update that sets the key's
/// columns and not the columns it refers to.
fn writes_key(fk: &ForeignKey, failed: &Failed<'_>) -> bool {
    if fk.child.name != failed.table.name {
        return false;
    }
    let sets = |cols: &[&str]| failed.sets.iter().any(|(c, _)| cols.contains(c));
    match failed.touched {
        Touched::None => true,
        _ => sets(fk.child_cols) && !sets(fk.parent_cols),
    }
}

fn still_referenced(
    table: &TableMeta,
    fk: Option<&ForeignKey>,
    message: String,
    source: sqlx::Error,
) -> Error {
    Error::StillReferenced {
        table: table.name,
        referencing_table: fk.map(|fk| fk.child.name),
        relation: fk.and_then(ForeignKey::relation),
        message,
        source: Some(Box::new(source)),
    }
}

/// The first relation of the table that holds a key whose written value (all of its
/// columns written, none NULL) refers to no row.
async fn missing_reference(run: &mut dyn Executor, failed: &Failed<'_>) -> Option<&'static str> {
    let table = failed.table;
    for rel in table.relations.iter().filter(|r| r.holds_key) {
        let target = (rel.target)();
        let written: Vec<Vec<Value>> = if failed.sets.is_empty() {
            failed
                .rows
                .iter()
                .map(|values| {
                    rel.from
                        .iter()
                        .filter_map(|c| table.columns.iter().position(|m| m.name == *c))
                        .map(|i| values[i].clone())
                        .collect()
                })
                .collect()
        } else {
            let set: Vec<Value> = rel
                .from
                .iter()
                .filter_map(|c| {
                    failed
                        .sets
                        .iter()
                        .find(|(s, _)| s == c)
                        .map(|(_, v)| v.clone())
                })
                .collect();
            vec![set]
        };
        if !failed.sets.is_empty() && !written[0].is_empty() && written[0].len() < rel.to.len() {
            // An update that sets part of the key: the touched rows' new keys.
            if partial_key_points_nowhere(run, failed, rel).await {
                return Some(rel.name);
            }
            continue;
        }
        for key in written {
            if key.len() != rel.to.len() || key.iter().any(Value::is_null) {
                continue;
            }
            let mut b = SqlBuilder::new(run.dialect());
            b.push("SELECT 1 FROM ")
                .push_ident(target.name)
                .push(" WHERE ");
            b.push_list(rel.to.iter().zip(key), " AND ", |b, (col, v)| {
                b.push_ident(col).push(" = ").push_bind(v);
            });
            if let Ok(found) = run.fetch(&b.finish(), &[SqlType::BigInt]).await
                && found.is_empty()
            {
                return Some(rel.name);
            }
        }
    }
    None
}

/// Whether an update that set part of `rel`'s key left a touched row whose key (the
/// parts set, and the row's other parts) refers to no row. The failed statement was
/// undone, so the touched rows are found as they were.
async fn partial_key_points_nowhere(
    run: &mut dyn Executor,
    failed: &Failed<'_>,
    rel: &crate::model::meta::RelationMeta,
) -> bool {
    let table = failed.table;
    let target = (rel.target)();
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT 1")
        .push_from(table.name, "t")
        .push(" WHERE ");
    if !touched_rows(&mut b, table, &failed.touched) {
        return false;
    }
    for (from, _) in rel.from.iter().zip(rel.to) {
        if !failed.sets.iter().any(|(c, _)| c == from) {
            b.push(" AND ")
                .push_qualified("t", from)
                .push(" IS NOT NULL");
        }
    }
    b.push(" AND NOT EXISTS (SELECT 1")
        .push_from(target.name, "p")
        .push(" WHERE ");
    b.push_list(rel.from.iter().zip(rel.to), " AND ", |b, (from, to)| {
        b.push_qualified("p", to).push(" = ");
        match failed.sets.iter().find(|(c, _)| c == from) {
            Some((_, v)) => {
                b.push_bind(v.clone());
            }
            None => {
                b.push_qualified("t", from);
            }
        }
    });
    b.push(")").push_limit_one();
    matches!(run.fetch(&b.finish(), &[SqlType::BigInt]).await, Ok(rows) if !rows.is_empty())
}

/// The predicate of the touched rows of `table` under the alias `t`; false when the
/// write touched none (an insert).
fn touched_rows(b: &mut SqlBuilder, table: &'static TableMeta, touched: &Touched<'_>) -> bool {
    match touched {
        Touched::None => return false,
        Touched::Key(key) => {
            b.push_list(
                table.primary_key.iter().zip(key.iter()),
                " AND ",
                |b, (c, v)| {
                    b.push_qualified("t", c).push(" = ").push_bind(v.clone());
                },
            );
        }
        Touched::Filter(Some(filter)) => {
            b.push("(");
            filter.write(b, &Scope { table, alias: "t" });
            b.push(")");
        }
        Touched::Filter(None) => {
            b.push("1 = 1");
        }
    }
    true
}

/// Whether rows of `fk`'s child refer to the touched rows of its parent.
async fn still_refers(run: &mut dyn Executor, fk: &ForeignKey, touched: &Touched<'_>) -> bool {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT 1")
        .push_from(fk.child.name, "c")
        .push(", ")
        .push_aliased(fk.parent.name, "p")
        .push(" WHERE ");
    b.push_list(
        fk.child_cols.iter().zip(fk.parent_cols),
        " AND ",
        |b, (c, p)| {
            b.push_qualified("c", c).push(" = ").push_qualified("p", p);
        },
    );
    match touched {
        Touched::None => return false,
        Touched::Key(key) => {
            for (col, v) in fk.parent.primary_key.iter().zip(key.iter()) {
                b.push(" AND ")
                    .push_qualified("p", col)
                    .push(" = ")
                    .push_bind(v.clone());
            }
        }
        Touched::Filter(Some(filter)) => {
            b.push(" AND (");
            filter.write(
                &mut b,
                &Scope {
                    table: fk.parent,
                    alias: "p",
                },
            );
            b.push(")");
        }
        Touched::Filter(None) => {}
    }
    b.push_limit_one();
    matches!(run.fetch(&b.finish(), &[SqlType::BigInt]).await, Ok(rows) if !rows.is_empty())
}

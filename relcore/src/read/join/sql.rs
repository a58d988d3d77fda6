//! The SQL of the Join strategy: each loaded relation as a column holding a correlated
//! subquery that aggregates its rows as JSON, or counts them.

use crate::model::value::{SqlType, Value};
use crate::read::spec::LoadSpec;
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::JsonCell;
use crate::sql::expr::{Scope, write_order};
use crate::sql::related::{allocate, write_from, write_link};

/// Writes `, (relation subquery) AS r0, ...` for the root's loads.
pub fn write_root_relations(b: &mut SqlBuilder, scope: &Scope<'_>, specs: &[LoadSpec]) {
    for (i, spec) in specs.iter().enumerate() {
        b.push(", ");
        match b.dialect().syntax().json_root_cast {
            Some(ty) if !spec.is_value() => {
                b.push("CAST(");
                write_relation(b, spec, scope);
                b.push(" AS ").push(ty).push(")");
            }
            _ => write_relation(b, spec, scope),
        }
        b.push_as(&format!("r{i}"));
    }
}

/// One relation of the row in `parent`: a count, or a JSON array of its rows.
///
/// Without a per-parent window, or where the dialect limits inside the aggregate, the
/// rows are aggregated straight from the related table, ordered inside the aggregate.
/// Otherwise they are numbered in a limited derived table and aggregated in that order.
fn write_relation(b: &mut SqlBuilder, spec: &LoadSpec, parent: &Scope<'_>) {
    if let Some(agg) = &spec.aggregate {
        agg.scalar(spec).write(b, parent);
        return;
    }
    let d = b.dialect().syntax();
    let related = allocate(b, spec.rel);
    let scope = related.scope();
    let from_where = |b: &mut SqlBuilder| {
        write_from(b, spec.rel, &related);
        write_link(b, spec.rel, spec.filter.as_ref(), &related, parent);
    };
    if spec.count {
        b.push("(SELECT COUNT(*)");
        from_where(b);
        b.push(")");
        return;
    }
    let windowed = spec.limit.is_some() || spec.offset.is_some();
    if !windowed || d.limits_inside_aggregate {
        b.push("(SELECT ").push(d.json_agg.0);
        write_row_array(b, spec, &scope);
        b.push(" ORDER BY ");
        write_order(b, &scope, &spec.order);
        write_window(b, spec);
        b.push(d.json_agg.1);
        from_where(b);
        b.push(")");
        return;
    }
    b.push("(SELECT ").push(d.json_agg.0);
    match d.json_reparse {
        Some((open, close)) => b.push(open).push("s.j").push(close),
        None => b.push("s.j"),
    };
    b.push(" ORDER BY s.n").push(d.json_agg.1);
    b.push(" FROM (SELECT ");
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

/// ` LIMIT ? OFFSET ?` for a per-parent window.
fn write_window(b: &mut SqlBuilder, spec: &LoadSpec) {
    let bound = |n: u64| Value::I64(i64::try_from(n).unwrap_or(i64::MAX));
    if spec.limit.is_none() && spec.offset.is_none() {
        return;
    }
    b.push(" LIMIT ");
    match spec.limit {
        Some(l) => b.push_bind(bound(l)),
        None => b.push(b.dialect().syntax().unlimited),
    };
    if let Some(o) = spec.offset {
        b.push(" OFFSET ").push_bind(bound(o));
    }
}

/// `json_array(col, ..., nested, ...)` for one related row.
fn write_row_array(b: &mut SqlBuilder, spec: &LoadSpec, scope: &Scope<'_>) {
    let d = b.dialect().syntax();
    b.push(d.json_row);
    match &spec.select {
        None => {
            b.push_list(scope.table.columns, ", ", |b, c| {
                write_json_value(b, c.ty, &|b| {
                    b.push_qualified(scope.alias, c.name);
                })
            });
        }
        // A partial struct's fields: columns and computed values.
        Some(select) => {
            b.push_list(
                select.columns.iter().enumerate(),
                ", ",
                |b, (i, c)| match select.computed_at(i) {
                    Some(value) => {
                        write_json_value(b, value.sql_type(), &|b| value.write(b, scope))
                    }
                    None => {
                        let ty = scope.table.column(c).map_or(SqlType::Text, |m| m.ty);
                        write_json_value(b, ty, &|b| {
                            b.push_qualified(scope.alias, c);
                        })
                    }
                },
            );
        }
    }
    for child in &spec.children {
        b.push(", ");
        if let Some(agg) = &child.aggregate {
            let scalar = agg.scalar(child);
            write_json_value(b, agg.ty, &|b| scalar.write(b, scope));
            continue;
        }
        match d.json_reparse {
            Some((open, close)) if !child.count => {
                b.push(open);
                write_relation(b, child, scope);
                b.push(close);
            }
            _ => write_relation(b, child, scope),
        }
    }
    b.push(")");
}

/// A value (a column, an aggregate) of type `ty` as it travels inside JSON; `value`
/// writes it (twice or three times, where NULL or a REAL needs its own case).
fn write_json_value(b: &mut SqlBuilder, ty: SqlType, value: &dyn Fn(&mut SqlBuilder)) {
    match b.dialect().json().json_cell(ty) {
        JsonCell::Plain => value(b),
        JsonCell::Hex(open, close) => {
            // hex(NULL) is '' on SQLite: keep NULL distinct from empty bytes.
            b.push("CASE WHEN ");
            value(b);
            b.push(" IS NULL THEN NULL ELSE ").push(open);
            value(b);
            b.push(close).push(" END");
        }
        JsonCell::Bits => {
            b.push("CASE WHEN ");
            value(b);
            b.push(" IS NULL THEN NULL ELSE json_array(rel_f64_bits(");
            value(b);
            b.push(")) END");
        }
        JsonCell::BitsWhereReal => {
            b.push("CASE WHEN typeof(");
            value(b);
            b.push(") = 'real' THEN json_array(rel_f64_bits(");
            value(b);
            b.push(")) ELSE ");
            value(b);
            b.push(" END");
        }
        JsonCell::Text(cast) => {
            b.push("CAST(");
            value(b);
            b.push(" AS ").push(cast).push(")");
        }
    }
}

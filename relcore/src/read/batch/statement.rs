//! The SQL of one Batch level: the related rows (or counts) of a chunk of parent keys.

use super::keys::KeyOf;
use crate::model::value::{SqlType, Value};
use crate::read::spec::LoadSpec;
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::expr::write_order;
use crate::sql::related::{Related, allocate, write_filter, write_from, write_source};
use crate::sql::scalar::write_aggregate;

/// The binds of a level's filter, order and computed fields (an aggregate's filter may
/// hold values).
fn filter_bind_count(dialect: Dialect, spec: &LoadSpec) -> usize {
    let mut b = SqlBuilder::new(dialect);
    let mut scratch = SqlBuilder::new(dialect);
    let related = write_source(&mut scratch, spec.rel);
    if let Some(f) = &spec.filter {
        f.write(&mut b, &related.scope());
    }
    write_order(&mut b, &related.scope(), &spec.order);
    // A partial struct's computed fields may bind values too.
    if let Some(select) = &spec.select {
        for (_, value) in &select.computed {
            value.write(&mut b, &related.scope());
        }
    }
    b.bind_count()
}

/// How many parent keys go in one statement: all of them in one array parameter, else
/// as many as the bind limit leaves room for beside the filter's binds and a window's
/// two.
pub(super) fn keys_per_statement(
    dialect: Dialect,
    spec: &LoadSpec,
    keys: usize,
    array: Option<SqlType>,
) -> usize {
    if array.is_some() {
        return keys.max(1);
    }
    let width = spec.rel.from.len().max(1);
    let filter_binds = filter_bind_count(dialect, spec);
    let fit = (dialect.bind_limit().saturating_sub(filter_binds + 2)) / width;
    fit.min(dialect.syntax().keys_per_in_list).max(1)
}

/// The key's element type when the keys go in one array parameter (`= ANY($1)`), where
/// the dialect binds arrays: a single-column key of integers, text or UUIDs.
pub(super) fn array_key(dialect: Dialect, key_types: &[SqlType]) -> Option<SqlType> {
    match key_types {
        [
            t @ (SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Text
            | SqlType::Uuid),
        ] if dialect.syntax().binds_key_arrays => Some(*t),
        _ => None,
    }
}

/// The parent keys one statement of a level sends.
#[derive(Clone, Copy)]
pub(super) enum Keys<'a> {
    /// A chunk of the keys, in an `IN` list, or in one array parameter of this
    /// element type where the dialect binds arrays ([`array_key`]).
    Chunk(&'a [KeyOf], Option<SqlType>),
    /// None: the level reads its whole table (see [`Reach`](super::Reach)).
    Unsent,
}

/// The positions of the level's key columns (on its own rows) that may be NULL: an
/// unkeyed level leaves those rows out in SQL, and its rows are not every row of
/// their table.
pub(super) fn nullable_keys(spec: &LoadSpec) -> impl Iterator<Item = usize> + '_ {
    let target = (spec.rel.target)();
    spec.rel
        .to
        .iter()
        .enumerate()
        .filter(move |(_, c)| target.column(c).is_none_or(|m| m.nullable))
        .map(|(i, _)| i)
}

/// ` WHERE (k1, k2) IN ((?, ?), ...) AND (filter)`, on PostgreSQL ` WHERE k = ANY($1)`,
/// and without keys ` WHERE k IS NOT NULL AND (filter)` (each part only where needed).
fn write_where(b: &mut SqlBuilder, spec: &LoadSpec, related: &Related, keys: Keys<'_>) {
    let rel = spec.rel;
    let width = rel.from.len();
    let Keys::Chunk(keys, array) = keys else {
        return write_unkeyed_where(b, spec, related);
    };
    b.push(" WHERE ");
    if let Some(t) = array {
        related.write_key(b, rel, 0);
        b.push(" = ANY(");
        b.push_bind(Value::Array(
            t,
            keys.iter().map(|k| k.values()[0].clone()).collect(),
        ));
        b.push(")");
        write_filter(b, spec.filter.as_ref(), related);
        return;
    }
    b.push_tuple_of(width, |b, i| related.write_key(b, rel, i));
    b.push_in_keys(keys.iter().map(KeyOf::values));
    write_filter(b, spec.filter.as_ref(), related);
}

/// A level read whole: ` WHERE k IS NOT NULL AND (filter)`, each part where needed.
fn write_unkeyed_where(b: &mut SqlBuilder, spec: &LoadSpec, related: &Related) {
    let nullable: Vec<usize> = nullable_keys(spec).collect();
    if nullable.is_empty() {
        if let Some(filter) = &spec.filter {
            b.push(" WHERE (");
            filter.write(b, &related.scope());
            b.push(")");
        }
        return;
    }
    b.push(" WHERE ");
    b.push_list(nullable, " AND ", |b, i| {
        related.write_key(b, spec.rel, i);
        b.push(" IS NOT NULL");
    });
    write_filter(b, spec.filter.as_ref(), related);
}

/// `c0, c1, ..., k0, ..., h0, ...`: the target's columns (or a partial struct's
/// fields), then the parent key where it is not among them, then a partial struct's
/// keys for its own relations, under plain aliases (see [`output_names`]).
fn write_columns(b: &mut SqlBuilder, spec: &LoadSpec, related: &Related) {
    let rel = spec.rel;
    let mut n = 0;
    match &spec.select {
        None => {
            b.push_list(related.target.columns, ", ", |b, c| {
                b.push_qualified(&related.alias, c.name)
                    .push_as(&format!("c{n}"));
                n += 1;
            });
        }
        Some(select) => {
            b.push_list(select.columns.iter().enumerate(), ", ", |b, (i, c)| {
                match select.computed_at(i) {
                    Some(value) => value.write(b, &related.scope()),
                    None => {
                        b.push_qualified(&related.alias, c);
                    }
                }
                b.push_as(&format!("c{i}"));
            });
        }
    }
    if trails_key(spec) {
        for i in 0..rel.from.len() {
            b.push(", ");
            related.write_key(b, rel, i);
            b.push_as(&format!("k{i}"));
        }
    }
    if let Some(select) = &spec.select {
        for (i, column) in select.hidden.iter().enumerate() {
            b.push(", ").push_qualified(&related.alias, column);
            b.push_as(&format!("h{i}"));
        }
    }
}

/// Whether the parent key is selected after the row's cells (`k0..`), to group it
/// by: a junction's key, and any key of a partial struct (which need not read it). A
/// table's own row holds its direct relation's key among its columns.
pub(super) fn trails_key(spec: &LoadSpec) -> bool {
    spec.rel.through.is_some() || spec.select.is_some()
}

/// The output names of a rows statement, in order: `c0..` for the row's cells,
/// `k0..` for a trailing key, `h0..` for a partial struct's keys.
fn output_names(spec: &LoadSpec) -> Vec<String> {
    let cells = match &spec.select {
        Some(select) => select.columns.len(),
        None => (spec.rel.target)().columns.len(),
    };
    let keys = if trails_key(spec) {
        spec.rel.from.len()
    } else {
        0
    };
    let hidden = spec.select.as_ref().map_or(0, |s| s.hidden.len());
    (0..cells)
        .map(|i| format!("c{i}"))
        .chain((0..keys).map(|i| format!("k{i}")))
        .chain((0..hidden).map(|i| format!("h{i}")))
        .collect()
}

/// The output names of a rows statement's key columns: `k0..` for a trailing key,
/// else the target's own `to` columns among `c0..`.
fn key_names(spec: &LoadSpec) -> Vec<String> {
    let rel = spec.rel;
    let target = (rel.target)();
    (0..rel.from.len())
        .map(|i| {
            if trails_key(spec) {
                return format!("k{i}");
            }
            let pos = target
                .columns
                .iter()
                .position(|c| c.name == rel.to[i])
                .unwrap_or(0);
            format!("c{pos}")
        })
        .collect()
}

/// The related rows of a chunk of parents, in each parent's order.
pub(super) fn rows_statement(dialect: Dialect, spec: &LoadSpec, keys: Keys<'_>) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let windowed = spec.limit.is_some() || spec.offset.is_some();
    if !windowed {
        b.push("SELECT ");
        let related = write_related(&mut b, spec, keys);
        if sorts_in_memory(spec) {
            // Ordered by the integer primary key after grouping (see `sorts_in_memory`).
            return b.finish();
        }
        // The parent key first: rows are grouped by it anyway, and it matches the
        // foreign-key index, so the database can often skip the sort.
        b.push(" ORDER BY ");
        b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
            related.write_key(b, spec.rel, i)
        });
        b.push(", ");
        write_order(&mut b, &related.scope(), &spec.order);
        return b.finish();
    }
    // Per-parent window: number each parent's rows, keep offset < n <= offset + limit.
    let outer = "w";
    b.push("SELECT ");
    let keys_out = key_names(spec);
    let names = output_names(spec);
    b.push_list(&names, ", ", |b, n| {
        b.push_qualified(outer, n);
    });
    b.push(" FROM (SELECT ");
    write_related(&mut b, spec, keys);
    b.push(")").push_as(outer).push(" WHERE ");
    let offset = spec.offset.unwrap_or(0);
    b.push_qualified(outer, "rn")
        .push(" > ")
        .push_bind(Value::I64(clamp(offset)));
    if let Some(limit) = spec.limit {
        b.push(" AND ")
            .push_qualified(outer, "rn")
            .push(" <= ")
            .push_bind(Value::I64(clamp(offset.saturating_add(limit))));
    }
    b.push(" ORDER BY ");
    b.push_list(&keys_out, ", ", |b, k| {
        b.push_qualified(outer, k);
    });
    b.push(", ").push_qualified(outer, "rn");
    b.finish()
}

/// Writes the columns, ROW_NUMBER when windowed, FROM and WHERE of a rows statement
/// (the caller wrote `SELECT `).
fn write_related(b: &mut SqlBuilder, spec: &LoadSpec, keys: Keys<'_>) -> Related {
    let windowed = spec.limit.is_some() || spec.offset.is_some();
    let related = allocate(b, spec.rel);
    write_columns(b, spec, &related);
    if windowed {
        b.push(", ROW_NUMBER() OVER (PARTITION BY ");
        b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
            related.write_key(b, spec.rel, i)
        });
        b.push(" ORDER BY ");
        write_order(b, &related.scope(), &spec.order);
        b.push(")").push_as("rn");
    }
    write_from(b, spec.rel, &related);
    write_where(b, spec, &related, keys);
    related
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `SELECT k..., COUNT(*) ... GROUP BY k...`, or the spec's aggregate for `COUNT(*)`.
pub(super) fn count_statement(dialect: Dialect, spec: &LoadSpec, keys: Keys<'_>) -> Statement {
    value_statement(dialect, spec, keys)
}

/// `SELECT k..., <count or aggregate> ... GROUP BY k...`.
pub(super) fn value_statement(dialect: Dialect, spec: &LoadSpec, keys: Keys<'_>) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let related = allocate(&mut b, spec.rel);
    b.push("SELECT ");
    b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
        related.write_key(b, spec.rel, i)
    });
    b.push(", ");
    match spec.aggregate {
        Some(agg) => write_aggregate(&mut b, agg.func, Some(agg.column), &related),
        None => {
            b.push("COUNT(*)");
        }
    }
    write_from(&mut b, spec.rel, &related);
    write_where(&mut b, spec, &related, keys);
    b.push(" GROUP BY ");
    b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
        related.write_key(b, spec.rel, i)
    });
    b.finish()
}

/// Whether a level's rows are ordered in memory instead of by SQL: when no order was
/// asked for and the target's primary key is all integers, whose order is the same in
/// Rust and in every database. Sorting each parent's group by key is cheaper than an
/// `ORDER BY` over all parents' rows (MariaDB sorts a long IN list in a temporary table).
/// A partial struct's rows are sorted so only when it reads the whole key.
pub(super) fn sorts_in_memory(spec: &LoadSpec) -> bool {
    let target = (spec.rel.target)();
    let reads = |pk: &&str| {
        spec.select
            .as_ref()
            .is_none_or(|s| s.columns.contains(pk) && !s.computed_at_name(pk))
    };
    spec.order.is_empty()
        && spec.limit.is_none()
        && spec.offset.is_none()
        && target
            .primary_key
            .iter()
            .all(|pk| reads(pk) && target.column(pk).is_some_and(|c| c.ty.is_integer()))
}

//! Loading relations onto rows already fetched: the Batch strategy.
//!
//! One statement per relation per level, whatever the number of parents. The parents'
//! keys go into an `IN` list, chunked under the backend's bind limit. Per-parent limit
//! and offset use `ROW_NUMBER() OVER (PARTITION BY key ...)`. Results are stitched to
//! their parents through a hash map on the key, so the work is linear in the rows.

use crate::db::Runner;
use crate::error::Result;
use crate::expr::write_order;
use crate::meta::{RelationKind, TableMeta};
use crate::plan::{Related, allocate, write_filter, write_from, write_source};
use crate::query::column_types;
use crate::relation::LoadSpec;
use crate::row::{Loaded, RowData};
use crate::sql::{SqlBuilder, Statement};
use crate::value::{SqlType, Value};
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

/// Loads every spec onto `rows` of `table`, and their nested specs below them.
pub(crate) fn load<'a>(
    run: &'a mut Runner<'_>,
    table: &'static TableMeta,
    rows: &'a mut [RowData],
    specs: &'a [LoadSpec],
) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        for (spec, index) in specs.iter().map(|s| (s, relation_index(table, s))) {
            load_one(run, table, rows, spec, index).await?;
        }
        Ok(())
    })
}

pub(crate) fn relation_index(table: &TableMeta, spec: &LoadSpec) -> usize {
    table
        .relations
        .iter()
        .position(|r| std::ptr::eq(r, spec.rel) || r.name == spec.rel.name)
        .unwrap_or(0)
}

/// A key's values, hashable (floats by bits, decimals normalized). Single-column keys,
/// the common case, need no allocation of their own.
#[derive(Clone, Debug)]
enum KeyOf {
    One(Value),
    Many(Vec<Value>),
}

impl KeyOf {
    fn values(&self) -> &[Value] {
        match self {
            KeyOf::One(v) => std::slice::from_ref(v),
            KeyOf::Many(v) => v,
        }
    }

    /// Takes the key from the end of a fetched row (`width` values).
    fn split_from(values: &mut Vec<Value>, width: usize) -> KeyOf {
        if width == 1 {
            KeyOf::One(values.pop().unwrap_or(Value::Null(SqlType::BigInt)))
        } else {
            KeyOf::Many(values.split_off(values.len().saturating_sub(width)))
        }
    }
}

impl PartialEq for KeyOf {
    fn eq(&self, other: &Self) -> bool {
        self.values() == other.values()
    }
}
impl Eq for KeyOf {}

impl Hash for KeyOf {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for v in self.values() {
            std::mem::discriminant(v).hash(h);
            match v {
                Value::Null(_) => {}
                Value::I16(x) => x.hash(h),
                Value::I32(x) => x.hash(h),
                Value::I64(x) => x.hash(h),
                Value::F32(x) => x.to_bits().hash(h),
                Value::F64(x) => x.to_bits().hash(h),
                Value::Bool(x) => x.hash(h),
                Value::Text(x) => x.hash(h),
                Value::Bytes(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::Date(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::DateTime(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::TimestampTz(x) => x.hash(h),
                #[cfg(feature = "uuid")]
                Value::Uuid(x) => x.hash(h),
                #[cfg(feature = "serde_json")]
                Value::Json(x) => x.to_string().hash(h),
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(x) => x.normalize().hash(h),
                Value::Array(_, items) => items.len().hash(h),
            }
        }
    }
}

/// A fast hasher for keys (the FxHash mix): keys come from the database, not from an
/// attacker choosing collisions, and SipHash showed in profiles.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type KeyMap<V> = HashMap<KeyOf, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Positions of a relation's parent-side key columns in the parent's values.
fn key_positions(table: &TableMeta, cols: &[&str]) -> Vec<Option<usize>> {
    cols.iter()
        .map(|c| table.columns.iter().position(|m| m.name == *c))
        .collect()
}

/// The key at `positions` in a row's values, or `None` when part of it is NULL (such a
/// row relates to nothing).
fn parent_key(values: &[Value], positions: &[Option<usize>]) -> Option<KeyOf> {
    let value = |p: &Option<usize>| {
        p.and_then(|i| values.get(i))
            .filter(|v| !v.is_null())
            .cloned()
    };
    match positions {
        [p] => value(p).map(KeyOf::One),
        ps => ps
            .iter()
            .map(value)
            .collect::<Option<Vec<Value>>>()
            .map(KeyOf::Many),
    }
}

async fn load_one(
    run: &mut Runner<'_>,
    table: &'static TableMeta,
    rows: &mut [RowData],
    spec: &LoadSpec,
    index: usize,
) -> Result<()> {
    let rel = spec.rel;
    let target = (rel.target)();
    // Distinct parent keys, in first-seen order.
    let mut keys: Vec<KeyOf> = Vec::new();
    let mut parents_per_key: KeyMap<usize> = KeyMap::default();
    let positions = key_positions(table, rel.from);
    for row in rows.iter() {
        if let Some(k) = parent_key(&row.values, &positions) {
            let n = parents_per_key.entry(k.clone()).or_insert(0);
            if *n == 0 {
                keys.push(k);
            }
            *n += 1;
        }
    }

    let width = rel.from.len().max(1);
    let key_types: Vec<SqlType> = rel
        .from
        .iter()
        .map(|c| table.column(c).map_or(SqlType::BigInt, |m| m.ty))
        .collect();
    // PostgreSQL takes one array parameter, whatever the number of keys.
    let array = array_key(run.dialect(), &key_types);
    let per_chunk = if array.is_some() {
        keys.len().max(1)
    } else {
        let filter_binds = filter_bind_count(run.dialect(), spec);
        ((run.dialect().bind_limit().saturating_sub(filter_binds + 2)) / width).max(1)
    };

    if spec.count {
        let mut counts: KeyMap<u64> = KeyMap::default();
        for chunk in keys.chunks(per_chunk) {
            let stmt = count_statement(run.dialect(), spec, chunk, array);
            let mut types = key_types.clone();
            types.push(SqlType::BigInt);
            for mut values in run.fetch(&stmt, &types).await? {
                let n = match values.pop() {
                    Some(Value::I64(n)) => u64::try_from(n).unwrap_or(0),
                    _ => 0,
                };
                counts.insert(KeyOf::split_from(&mut values, width), n);
            }
        }
        for row in rows.iter_mut() {
            let n = parent_key(&row.values, &positions)
                .and_then(|k| counts.get(&k).copied())
                .unwrap_or(0);
            row.set_relation(index, Loaded::Count(n));
        }
        return Ok(());
    }

    // Fetch the related rows of all parents, and load their own relations in one go.
    let mut children: Vec<RowData> = Vec::new();
    let mut child_keys: Vec<KeyOf> = Vec::new();
    let mut types = column_types(target);
    let through = rel.through.is_some();
    if through {
        types.extend(&key_types);
    }
    let own_key = key_positions(target, rel.to);
    for chunk in keys.chunks(per_chunk) {
        let stmt = rows_statement(run.dialect(), spec, chunk, array);
        for mut values in run.fetch(&stmt, &types).await? {
            let key = if through {
                KeyOf::split_from(&mut values, width)
            } else {
                let Some(key) = parent_key(&values, &own_key) else {
                    continue;
                };
                key
            };
            children.push(RowData::new(values));
            child_keys.push(key);
        }
    }
    load(run, target, &mut children, &spec.children).await?;

    // Stitch: group by key in fetched order, then hand each parent its group.
    let mut groups: KeyMap<Vec<RowData>> = KeyMap::default();
    for (key, child) in child_keys.into_iter().zip(children) {
        groups.entry(key).or_default().push(child);
    }
    if sorts_in_memory(spec) {
        let pk = key_positions(target, target.primary_key);
        for group in groups.values_mut() {
            sort_by_integer_key(group, &pk);
        }
    }
    for row in rows.iter_mut() {
        let group = match parent_key(&row.values, &positions) {
            None => Vec::new(),
            Some(k) => {
                let shared = parents_per_key
                    .get_mut(&k)
                    .expect("every parent key was counted");
                *shared -= 1;
                if *shared == 0 {
                    groups.remove(&k).unwrap_or_default()
                } else {
                    groups.get(&k).cloned().unwrap_or_default()
                }
            }
        };
        let group = match rel.kind {
            RelationKind::One => group.into_iter().take(1).collect(),
            RelationKind::Many => group,
        };
        row.set_relation(index, Loaded::Rows(group));
    }
    Ok(())
}

fn filter_bind_count(dialect: crate::Dialect, spec: &LoadSpec) -> usize {
    let mut b = SqlBuilder::new(dialect);
    let mut scratch = SqlBuilder::new(dialect);
    let related = write_source(&mut scratch, spec.rel);
    if let Some(f) = &spec.filter {
        f.write(&mut b, &related.scope());
    }
    b.bind_count()
}

/// Whether a level's rows are ordered in memory instead of by SQL: when no order was
/// asked for and the target's primary key is all integers, whose order is the same in
/// Rust and in every database. Sorting each parent's group by key is cheaper than an
/// `ORDER BY` over all parents' rows (MariaDB sorts a long IN list in a temporary table).
fn sorts_in_memory(spec: &LoadSpec) -> bool {
    let target = (spec.rel.target)();
    spec.order.is_empty()
        && spec.limit.is_none()
        && spec.offset.is_none()
        && target
            .primary_key
            .iter()
            .all(|pk| target.column(pk).is_some_and(|c| c.ty.is_integer()))
}

/// Orders rows by an all-integer primary key at `positions`.
fn sort_by_integer_key(rows: &mut [RowData], positions: &[Option<usize>]) {
    fn at(row: &RowData, p: Option<usize>) -> i64 {
        match p.and_then(|i| row.values.get(i)) {
            Some(Value::I16(v)) => i64::from(*v),
            Some(Value::I32(v)) => i64::from(*v),
            Some(Value::I64(v)) => *v,
            _ => i64::MIN,
        }
    }
    match positions {
        // Rows usually arrive in key order already.
        [p] if rows.is_sorted_by_key(|row| at(row, *p)) => {}
        [p] => rows.sort_by_key(|row| at(row, *p)),
        ps => rows.sort_by_cached_key(|row| ps.iter().map(|p| at(row, *p)).collect::<Vec<i64>>()),
    }
}

/// The key's element type when the keys go in one PostgreSQL array (`= ANY($1)`),
/// which beats a long IN list there: a single-column key of integers, text or UUIDs.
fn array_key(dialect: crate::Dialect, key_types: &[SqlType]) -> Option<SqlType> {
    match key_types {
        [
            t @ (SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Text
            | SqlType::Uuid),
        ] if dialect == crate::Dialect::Postgres => Some(*t),
        _ => None,
    }
}

/// ` WHERE (k1, k2) IN ((?, ?), ...) AND (filter)`, or on PostgreSQL ` WHERE k = ANY($1)`.
fn write_where(
    b: &mut SqlBuilder,
    spec: &LoadSpec,
    related: &Related,
    keys: &[KeyOf],
    array: Option<SqlType>,
) {
    let rel = spec.rel;
    let width = rel.from.len();
    b.push(" WHERE ");
    if let Some(t) = array {
        related.write_key(b, rel, 0);
        b.push(" = ANY(");
        b.push_bind(Value::Array(
            t,
            keys.iter().map(|k| k.values()[0].clone()).collect(),
        ));
        b.push(")");
        write_filter(b, spec, related);
        return;
    }
    if width > 1 {
        b.push("(");
    }
    b.push_list(0..width, ", ", |b, i| related.write_key(b, rel, i));
    b.push(if width > 1 { ") IN (" } else { " IN (" });
    b.push_list(keys, ", ", |b, key| {
        if width > 1 {
            b.push("(");
        }
        b.push_list(key.values(), ", ", |b, v| {
            b.push_bind(v.clone());
        });
        if width > 1 {
            b.push(")");
        }
    });
    b.push(")");
    write_filter(b, spec, related);
}

/// `c0, c1, ..., k0, ...`: the target's columns then the parent key, under plain aliases.
fn write_columns(b: &mut SqlBuilder, spec: &LoadSpec, related: &Related) {
    let rel = spec.rel;
    let mut n = 0;
    b.push_list(related.target.columns, ", ", |b, c| {
        b.push_qualified(&related.alias, c.name)
            .push(" AS ")
            .push_ident(&format!("c{n}"));
        n += 1;
    });
    // A direct relation's key is among the target's columns already; only a junction's
    // key columns are selected on top.
    if rel.through.is_some() {
        for i in 0..rel.from.len() {
            b.push(", ");
            related.write_key(b, rel, i);
            b.push(" AS ").push_ident(&format!("k{i}"));
        }
    }
}

/// The output names of a rows statement's key columns: `k0..` for a junction's, else
/// the target's own `to` columns among `c0..`.
fn key_names(spec: &LoadSpec) -> Vec<String> {
    let rel = spec.rel;
    let target = (rel.target)();
    (0..rel.from.len())
        .map(|i| match rel.through {
            Some(_) => format!("k{i}"),
            None => {
                let pos = target
                    .columns
                    .iter()
                    .position(|c| c.name == rel.to[i])
                    .unwrap_or(0);
                format!("c{pos}")
            }
        })
        .collect()
}

/// The related rows of a chunk of parents, in each parent's order.
fn rows_statement(
    dialect: crate::Dialect,
    spec: &LoadSpec,
    keys: &[KeyOf],
    array: Option<SqlType>,
) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let windowed = spec.limit.is_some() || spec.offset.is_some();
    if !windowed {
        b.push("SELECT ");
        let related = write_related(&mut b, spec, keys, array);
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
    let target = (spec.rel.target)();
    let outer = "w";
    b.push("SELECT ");
    let keys_out = key_names(spec);
    let names: Vec<String> = (0..target.columns.len())
        .map(|i| format!("c{i}"))
        .chain(keys_out.iter().filter(|k| k.starts_with('k')).cloned())
        .collect();
    b.push_list(&names, ", ", |b, n| {
        b.push_qualified(outer, n);
    });
    b.push(" FROM (SELECT ");
    write_related(&mut b, spec, keys, array);
    b.push(") AS ").push_ident(outer).push(" WHERE ");
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
fn write_related(
    b: &mut SqlBuilder,
    spec: &LoadSpec,
    keys: &[KeyOf],
    array: Option<SqlType>,
) -> Related {
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
        b.push(") AS ").push_ident("rn");
    }
    write_from(b, spec.rel, &related);
    write_where(b, spec, &related, keys, array);
    related
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `SELECT k..., COUNT(*) ... GROUP BY k...`.
fn count_statement(
    dialect: crate::Dialect,
    spec: &LoadSpec,
    keys: &[KeyOf],
    array: Option<SqlType>,
) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let related = allocate(&mut b, spec.rel);
    b.push("SELECT ");
    b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
        related.write_key(b, spec.rel, i)
    });
    b.push(", COUNT(*)");
    write_from(&mut b, spec.rel, &related);
    write_where(&mut b, spec, &related, keys, array);
    b.push(" GROUP BY ");
    b.push_list(0..spec.rel.from.len(), ", ", |b, i| {
        related.write_key(b, spec.rel, i)
    });
    b.finish()
}

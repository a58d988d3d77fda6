//! Loading relations onto rows already fetched: the Batch strategy.
//!
//! One statement per relation per level, whatever the number of parents. The parents'
//! keys go into an `IN` list, chunked under the backend's bind limit. Per-parent limit
//! and offset use `ROW_NUMBER() OVER (PARTITION BY key ...)`. Results are stitched to
//! their parents through a hash map on the key, so the work is linear in the rows.

use crate::db::Runner;
use crate::error::{Error, Result};
use crate::expr::write_order;
use crate::json_cursor::Cursor;
use crate::meta::{RelationKind, Table, TableMeta};
use crate::plan::{Related, allocate, write_filter, write_from, write_source};
use crate::relation::{LoadSpec, Many, One};
use crate::row::{Path, RowReader};
use crate::sql::{SqlBuilder, Statement};
use crate::value::{SqlType, Value};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one relation fetched for all parents, grouped by key: `Groups<C>` of the
/// relation's target `C`, behind `Any` so that the parent's side needs no `C`.
type Fetched = Box<dyn Any + Send>;

/// A relation's rows (or counts) for each distinct parent key, in key order.
enum Groups<C> {
    Rows(Vec<Vec<C>>),
    Counts(Vec<u64>),
}

/// The loaders' typed steps for a relation's target, as plain function pointers: the
/// Batch steps (`fetch`, `assign`, `copy`) and the Join steps (`join`, `count`).
///
/// The loaders walk a tree of [`LoadSpec`]s whose targets are different types. Each
/// spec carries the steps monomorphized for its own target (set by `.with(..)`, where
/// the type is known), so rows are decoded straight from the driver's buffers into the
/// user's structs, and relations are set on their fields, with no intermediate form.
#[derive(Clone, Copy)]
pub(crate) struct Ops {
    /// Fetches the related rows of the given parent keys, loads their own relations,
    /// and groups them by key.
    fetch: for<'a, 'b> fn(&'a mut Runner<'b>, Parents<'a>) -> BoxFuture<'a, Result<Fetched>>,
    /// Moves (or, for a key several parents share, copies) a parent's group into its
    /// relation field.
    assign: fn(&mut Fetched, Slot<'_>) -> Result<()>,
    /// Copies a loaded relation field into another row's field of the same relation.
    copy: fn(&dyn Any, &mut dyn Any, &LoadSpec) -> Result<()>,
    /// The Join strategy: reads the relation's JSON at the cursor (its rows, and
    /// theirs below them, or a count) into a parent's relation field.
    pub(crate) join: for<'c> fn(&mut Cursor<'c>, Field<'_>) -> Result<()>,
    /// Sets a parent's relation field to a count.
    pub(crate) count: fn(u64, Field<'_>) -> Result<()>,
}

impl Ops {
    pub(crate) fn of<C: Table>() -> Self {
        Ops {
            fetch: fetch::<C>,
            assign: assign::<C>,
            copy: copy_field::<C>,
            join: crate::join::read_relation::<C>,
            count: set_count::<C>,
        }
    }
}

/// A parent's relation field, type-erased, and what errors about it name.
pub(crate) struct Field<'a> {
    pub value: &'a mut dyn Any,
    pub spec: &'a LoadSpec,
    /// The parent's table.
    pub table: &'static str,
    /// The relation's path from the query root.
    pub path: Path<'a>,
}

impl<'a> Field<'a> {
    /// The relation field at `spec` of `row`.
    pub(crate) fn of<P: Table>(row: &'a mut P, spec: &'a LoadSpec, path: Path<'a>) -> Result<Self> {
        let value = row
            .relation_field(spec.field)
            .ok_or_else(|| internal(P::NAME, spec, "relation field not found"))?;
        Ok(Field {
            value,
            spec,
            table: P::NAME,
            path,
        })
    }

    fn mismatch(&self) -> Error {
        internal(self.table, self.spec, "relation field of another type")
    }
}

/// Sets a relation field of target `C` to a count: see [`Ops::count`].
pub(crate) fn set_count<C: Table>(n: u64, field: Field<'_>) -> Result<()> {
    let mismatch = field.mismatch();
    let value = field.value.downcast_mut::<Many<C>>().ok_or(mismatch)?;
    *value = Many::Counted(n);
    Ok(())
}

/// Sets a relation field of target `C` to its loaded rows. A required `One` with no
/// row is [`Error::MissingRelated`].
pub(crate) fn set_rows<C: Table>(rows: Vec<C>, field: Field<'_>) -> Result<()> {
    if let Some(value) = field.value.downcast_mut::<Many<C>>() {
        *value = Many::Loaded(rows);
    } else if let Some(value) = field.value.downcast_mut::<One<Option<C>>>() {
        *value = One::loaded(rows.into_iter().next());
    } else if let Some(value) = field.value.downcast_mut::<One<C>>() {
        match rows.into_iter().next() {
            Some(row) => *value = One::loaded(row),
            None => {
                return Err(Error::MissingRelated {
                    table: field.table,
                    path: field.path.render(),
                });
            }
        }
    } else {
        return Err(field.mismatch());
    }
    Ok(())
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ops")
    }
}

/// What a relation's fetch needs to know of the parents.
#[derive(Clone, Copy)]
struct Parents<'a> {
    spec: &'a LoadSpec,
    /// The distinct keys of the parents, numbered.
    index: &'a KeyIndex,
    /// The types of the key's columns on the parent side.
    key_types: &'a [SqlType],
    /// The relation's path from the query root, for errors.
    path: &'a str,
}

/// One parent's relation field, and what fills it.
struct Slot<'a> {
    field: Field<'a>,
    /// The position of the parent's key among the distinct keys; `None` for a NULL key.
    group: Option<usize>,
    /// Other parents still need the same group, so this one gets a copy.
    shared: bool,
}

/// Loads every spec onto `rows`, and their nested specs below them. `path` is where
/// `rows` sit below the query root, for error messages.
pub(crate) async fn load<P: Table>(
    run: &mut Runner<'_>,
    rows: &mut [P],
    specs: &[LoadSpec],
    path: &str,
) -> Result<()> {
    for spec in specs {
        load_relation(run, rows, spec, path).await?;
    }
    Ok(())
}

async fn load_relation<P: Table>(
    run: &mut Runner<'_>,
    rows: &mut [P],
    spec: &LoadSpec,
    path: &str,
) -> Result<()> {
    let ops = spec.ops(P::NAME)?;
    let positions = key_positions(P::META, spec.rel.from);
    // Distinct keys in first-seen order, each parent's position among them, and how
    // many parents hold each.
    let parent_keys: Vec<Option<KeyOf>> = rows
        .iter()
        .map(|row| key_of(|i| row.column_value(i), &positions))
        .collect();
    let mut index = KeyIndex::for_keys(parent_keys.iter().flatten());
    let mut uses: Vec<usize> = Vec::new();
    let row_groups: Vec<Option<usize>> = parent_keys
        .into_iter()
        .map(|key| {
            let group = index.number(key?);
            if group == uses.len() {
                uses.push(0);
            }
            uses[group] += 1;
            Some(group)
        })
        .collect();
    let path = Path::Child(&Path::At(path), spec.rel.name).render();
    let key_types = key_types(spec, P::META);
    let parents = Parents {
        spec,
        index: &index,
        key_types: &key_types,
        path: &path,
    };
    let mut fetched = (ops.fetch)(run, parents).await?;
    for (row, group) in rows.iter_mut().zip(row_groups) {
        let shared = match group {
            Some(g) => {
                uses[g] -= 1;
                uses[g] > 0
            }
            None => false,
        };
        let slot = Slot {
            field: Field::of(row, spec, Path::At(&path))?,
            group,
            shared,
        };
        (ops.assign)(&mut fetched, slot)?;
    }
    Ok(())
}

pub(crate) fn internal(table: &'static str, spec: &LoadSpec, message: &str) -> Error {
    Error::Unsupported {
        table,
        relation: spec.rel.name,
        message: format!("internal error in the relation loader: {message}"),
    }
}

/// A key's values, hashable (floats by bits, decimals normalized). Single-column keys,
/// the common case, need no allocation of their own.
#[derive(Clone, Debug)]
pub(crate) enum KeyOf {
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
}

impl PartialEq for KeyOf {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (KeyOf::One(a), KeyOf::One(b)) => a == b,
            _ => self.values() == other.values(),
        }
    }
}
impl Eq for KeyOf {}

impl Hash for KeyOf {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        // The common key, hashed without the general walk. Equal keys still hash alike:
        // every one-column `I64` key takes this branch.
        if let KeyOf::One(Value::I64(x)) = self {
            return h.write_i64(*x);
        }
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

/// The distinct keys of a relation's parents, numbered in first-seen order, and the
/// lookup from a key to its number, which every fetched child goes through.
pub(crate) struct KeyIndex {
    keys: Vec<KeyOf>,
    lookup: Lookup,
}

enum Lookup {
    /// One integer column whose values lie in a range at most a few times the number
    /// of parents (sequential ids, the common case): a key's number sits at
    /// `key - min`, with no hashing. `u32::MAX` marks a key no parent holds.
    Dense {
        min: i64,
        numbers: Vec<u32>,
    },
    Hashed(KeyMap<usize>),
}

impl KeyIndex {
    /// An empty index, dense when all of `keys` (the parents' keys, repeats included)
    /// are integers in a narrow range.
    fn for_keys<'k>(keys: impl Iterator<Item = &'k KeyOf> + Clone) -> Self {
        let (mut min, mut max, mut count) = (i64::MAX, i64::MIN, 0usize);
        let all_integers = keys.clone().all(|k| match k {
            KeyOf::One(Value::I64(n)) => {
                (min, max, count) = (min.min(*n), max.max(*n), count + 1);
                true
            }
            _ => false,
        });
        let span = max.checked_sub(min).and_then(|s| usize::try_from(s).ok());
        let lookup = match span {
            Some(span) if all_integers && span < count.saturating_mul(4).max(64) => Lookup::Dense {
                min,
                numbers: vec![u32::MAX; span + 1],
            },
            _ => Lookup::Hashed(KeyMap::default()),
        };
        KeyIndex {
            keys: Vec::new(),
            lookup,
        }
    }

    /// The number of `key`, which is given the next number when it is new.
    fn number(&mut self, key: KeyOf) -> usize {
        let next = self.keys.len();
        let slot = match (&mut self.lookup, &key) {
            (Lookup::Dense { min, numbers }, KeyOf::One(Value::I64(n))) => n
                .checked_sub(*min)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| numbers.get_mut(i)),
            _ => None,
        };
        match slot {
            Some(number) if *number != u32::MAX => *number as usize,
            Some(number) if u32::try_from(next).is_ok_and(|n| n != u32::MAX) => {
                *number = next as u32;
                self.keys.push(key);
                next
            }
            _ => self.number_hashed(key),
        }
    }

    /// The general case, and the dense index's fallback (a key out of its range
    /// cannot happen for keys it was made for, but must not be lost either).
    fn number_hashed(&mut self, key: KeyOf) -> usize {
        let next = self.keys.len();
        let mut map = match std::mem::replace(&mut self.lookup, Lookup::Hashed(KeyMap::default())) {
            Lookup::Hashed(map) => map,
            Lookup::Dense { .. } => self.keys.iter().cloned().zip(0..).collect(),
        };
        let number = *map.entry(key).or_insert_with_key(|key| {
            self.keys.push(key.clone());
            next
        });
        self.lookup = Lookup::Hashed(map);
        number
    }

    /// The number of `key`, if a parent holds it.
    #[inline]
    fn get(&self, key: &KeyOf) -> Option<usize> {
        match (&self.lookup, key) {
            (Lookup::Dense { min, numbers }, KeyOf::One(Value::I64(n))) => {
                let i = usize::try_from(n.checked_sub(*min)?).ok()?;
                numbers
                    .get(i)
                    .filter(|&&number| number != u32::MAX)
                    .map(|&number| number as usize)
            }
            (Lookup::Dense { .. }, _) => None,
            (Lookup::Hashed(map), key) => map.get(key).copied(),
        }
    }
}

/// Positions of a relation's parent-side key columns in the parent's values.
fn key_positions(table: &TableMeta, cols: &[&str]) -> Vec<Option<usize>> {
    cols.iter()
        .map(|c| table.columns.iter().position(|m| m.name == *c))
        .collect()
}

/// The key at `positions`, read by `value`, or `None` when part of it is NULL (such a
/// row relates to nothing).
fn key_of(value: impl Fn(usize) -> Option<Value>, positions: &[Option<usize>]) -> Option<KeyOf> {
    let value = |p: &Option<usize>| p.and_then(&value).filter(|v| !v.is_null());
    match positions {
        [p] => value(p).map(KeyOf::One),
        ps => ps
            .iter()
            .map(value)
            .collect::<Option<Vec<Value>>>()
            .map(KeyOf::Many),
    }
}

/// The parent key's column types, as a statement reads them back.
fn key_types(spec: &LoadSpec, parent: &TableMeta) -> Vec<SqlType> {
    spec.rel
        .from
        .iter()
        .map(|c| parent.column(c).map_or(SqlType::BigInt, |m| m.ty))
        .collect()
}

/// Reads the key that follows a row's other cells (a junction's key, or a count's).
fn trailing_key(reader: &mut RowReader<'_>, types: &[SqlType]) -> Result<KeyOf> {
    let mut values = types
        .iter()
        .map(|t| reader.next_value(*t))
        .collect::<Result<Vec<Value>>>()?;
    Ok(match values.len() {
        1 => KeyOf::One(values.pop().unwrap_or(Value::Null(SqlType::BigInt))),
        _ => KeyOf::Many(values),
    })
}

/// The Batch strategy for a relation whose target is `C`: see [`Ops::fetch`].
fn fetch<'a, C: Table>(
    run: &'a mut Runner<'_>,
    parents: Parents<'a>,
) -> BoxFuture<'a, Result<Fetched>> {
    let Parents {
        spec,
        index,
        key_types,
        path,
    } = parents;
    let keys = index.keys.as_slice();
    Box::pin(async move {
        let rel = spec.rel;
        let width = rel.from.len().max(1);
        // PostgreSQL takes one array parameter, whatever the number of keys.
        let array = array_key(run.dialect(), key_types);
        let per_chunk = if array.is_some() {
            keys.len().max(1)
        } else {
            let filter_binds = filter_bind_count(run.dialect(), spec);
            ((run.dialect().bind_limit().saturating_sub(filter_binds + 2)) / width).max(1)
        };

        if spec.count {
            let mut counts = vec![0; keys.len()];
            for chunk in keys.chunks(per_chunk) {
                let stmt = count_statement(run.dialect(), spec, chunk, array);
                run.fetch_each(&stmt, |cells| {
                    let mut reader = RowReader::from_cells(C::META, Path::At(path), cells);
                    let key = trailing_key(&mut reader, key_types)?;
                    let n = match reader.next_value(SqlType::BigInt)? {
                        Value::I64(n) => u64::try_from(n).unwrap_or(0),
                        _ => 0,
                    };
                    if let Some(g) = index.get(&key) {
                        counts[g] = n;
                    }
                    Ok(())
                })
                .await?;
            }
            return Ok(Box::new(Groups::<C>::Counts(counts)) as Fetched);
        }

        // Fetch the related rows of all parents, and load their own relations in one go.
        let mut children: Vec<C> = Vec::new();
        let mut child_groups: Vec<usize> = Vec::new();
        let through = rel.through.is_some();
        let own_key = key_positions(C::META, rel.to);
        for chunk in keys.chunks(per_chunk) {
            let stmt = rows_statement(run.dialect(), spec, chunk, array);
            run.fetch_each(&stmt, |cells| {
                let mut reader = RowReader::from_cells(C::META, Path::At(path), cells);
                let child = C::decode(&mut reader)?;
                let key = if through {
                    Some(trailing_key(&mut reader, key_types)?)
                } else {
                    key_of(|i| child.column_value(i), &own_key)
                };
                if let Some(g) = key.as_ref().and_then(|k| index.get(k)) {
                    children.push(child);
                    child_groups.push(g);
                }
                Ok(())
            })
            .await?;
        }
        load(run, &mut children, &spec.children, path).await?;

        // Each parent key's rows, in fetched order.
        let mut groups: Vec<Vec<C>> = Vec::new();
        groups.resize_with(keys.len(), Vec::new);
        for (g, child) in child_groups.into_iter().zip(children) {
            groups[g].push(child);
        }
        if sorts_in_memory(spec) {
            let pk = key_positions(C::META, C::META.primary_key);
            for group in &mut groups {
                sort_by_integer_key(group, &pk);
            }
        }
        Ok(Box::new(Groups::Rows(groups)) as Fetched)
    })
}

/// Fills one parent's relation field from the groups of target `C`: see [`Ops::assign`].
fn assign<C: Table>(fetched: &mut Fetched, slot: Slot<'_>) -> Result<()> {
    let Slot {
        field,
        group,
        shared,
    } = slot;
    let groups = fetched
        .downcast_mut::<Groups<C>>()
        .ok_or_else(|| field.mismatch())?;
    let wanted = match field.spec.rel.kind {
        RelationKind::One => 1,
        RelationKind::Many => usize::MAX,
    };
    let rows: Vec<C> = match groups {
        Groups::Counts(counts) => {
            let n = group.and_then(|g| counts.get(g)).copied().unwrap_or(0);
            return set_count::<C>(n, field);
        }
        Groups::Rows(groups) => match group.and_then(|g| groups.get_mut(g)) {
            None => Vec::new(),
            Some(group) if shared => group
                .iter()
                .take(wanted)
                .map(|row| duplicate(row, field.spec))
                .collect::<Result<_>>()?,
            Some(group) => std::mem::take(group),
        },
    };
    set_rows(rows, field)
}

/// A copy of `row` with the relations `spec` loaded on it, for a second parent that
/// shares its key. Columns are copied through their values, so a table needs no `Clone`.
fn duplicate<C: Table>(row: &C, spec: &LoadSpec) -> Result<C> {
    let mut copy = C::decode(&mut RowReader::new(C::META, Path::Root, row.values()))?;
    for child in &spec.children {
        let ops = child.ops(C::NAME)?;
        let (Some(from), Some(to)) = (row.relation(child.field), copy.relation_field(child.field))
        else {
            return Err(internal(C::NAME, child, "relation field not found"));
        };
        (ops.copy)(from, to, child)?;
    }
    Ok(copy)
}

/// Copies a relation field whose target is `C`: see [`Ops::copy`].
fn copy_field<C: Table>(from: &dyn Any, to: &mut dyn Any, spec: &LoadSpec) -> Result<()> {
    let mismatch = || internal(C::NAME, spec, "relation field of another type");
    if let (Some(from), Some(to)) = (from.downcast_ref::<Many<C>>(), to.downcast_mut::<Many<C>>()) {
        *to = match from {
            Many::NotLoaded => Many::NotLoaded,
            Many::Counted(n) => Many::Counted(*n),
            Many::Loaded(rows) => Many::Loaded(
                rows.iter()
                    .map(|row| duplicate(row, spec))
                    .collect::<Result<_>>()?,
            ),
        };
    } else if let (Some(from), Some(to)) = (
        from.downcast_ref::<One<Option<C>>>(),
        to.downcast_mut::<One<Option<C>>>(),
    ) {
        *to = match from {
            One::NotLoaded => One::NotLoaded,
            One::Loaded(row) => One::loaded(match row.as_ref() {
                Some(row) => Some(duplicate(row, spec)?),
                None => None,
            }),
        };
    } else if let (Some(from), Some(to)) =
        (from.downcast_ref::<One<C>>(), to.downcast_mut::<One<C>>())
    {
        *to = match from {
            One::NotLoaded => One::NotLoaded,
            One::Loaded(row) => One::loaded(duplicate(row.as_ref(), spec)?),
        };
    } else {
        return Err(mismatch());
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
fn sort_by_integer_key<C: Table>(rows: &mut [C], positions: &[Option<usize>]) {
    fn at<C: Table>(row: &C, p: Option<usize>) -> i64 {
        match p.and_then(|i| row.column_value(i)) {
            Some(Value::I16(v)) => i64::from(v),
            Some(Value::I32(v)) => i64::from(v),
            Some(Value::I64(v)) => v,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> KeyOf {
        KeyOf::One(Value::I64(n))
    }

    /// Numbers keys in first-seen order, and finds each again; `None` for the others.
    fn check(index: &mut KeyIndex, keys: &[KeyOf], absent: &[KeyOf]) {
        let numbers: Vec<usize> = keys.iter().map(|k| index.number(k.clone())).collect();
        let mut distinct: Vec<&KeyOf> = Vec::new();
        for (key, number) in keys.iter().zip(&numbers) {
            let expected = distinct.iter().position(|d| *d == key).unwrap_or_else(|| {
                distinct.push(key);
                distinct.len() - 1
            });
            assert_eq!(*number, expected, "{key:?}");
            assert_eq!(index.get(key), Some(expected), "{key:?}");
        }
        assert_eq!(index.keys.len(), distinct.len());
        for key in absent {
            assert_eq!(index.get(key), None, "{key:?}");
        }
    }

    #[test]
    fn sequential_integer_keys_are_looked_up_densely() {
        let keys: Vec<KeyOf> = [5, 3, 5, 4, 9, 3].into_iter().map(int).collect();
        let mut index = KeyIndex::for_keys(keys.iter());
        assert!(matches!(index.lookup, Lookup::Dense { .. }));
        let absent = [
            int(6),
            int(2),
            int(10),
            int(i64::MIN),
            KeyOf::One(Value::I32(5)),
        ];
        check(&mut index, &keys, &absent);
    }

    #[test]
    fn sparse_composite_and_text_keys_are_hashed() {
        let sparse: Vec<KeyOf> = [i64::MIN, 0, i64::MAX, 0].into_iter().map(int).collect();
        let text: Vec<KeyOf> = ["b", "a", "b"]
            .into_iter()
            .map(|s| KeyOf::One(Value::Text(s.into())))
            .collect();
        let composite: Vec<KeyOf> = [(1, 2), (2, 1), (1, 2)]
            .into_iter()
            .map(|(a, b)| KeyOf::Many(vec![Value::I64(a), Value::I64(b)]))
            .collect();
        for keys in [sparse, text, composite] {
            let mut index = KeyIndex::for_keys(keys.iter());
            assert!(matches!(index.lookup, Lookup::Hashed(_)));
            check(&mut index, &keys, &[int(7)]);
        }
    }

    #[test]
    fn a_key_outside_the_dense_range_is_still_numbered() {
        let mut index = KeyIndex::for_keys([int(1), int(2)].iter());
        let keys = [int(1), int(1_000_000), int(2), int(1_000_000)];
        check(&mut index, &keys, &[int(3)]);
        assert!(matches!(index.lookup, Lookup::Hashed(_)));
    }
}

//! The target side of a Batch level, monomorphized for the target `C` and reached
//! through `Ops`: fetch the rows of all parents, decode them, load their own
//! relations, group them by parent key, and move each group into its parent's field.

use super::keys::{key_of, key_positions, trailing_key};
use super::statement::{
    Keys, array_key, keys_per_statement, rows_statement, sorts_in_memory, value_statement,
};
use super::{Fetched, Hidden, Parents, Slot, hidden_types, load};
use crate::model::error::Result;
use crate::model::fields::{Many, One};
use crate::model::meta::RelationKind;
use crate::model::row::{Cells, Path, RowReader};
use crate::model::value::{SqlType, Value};
use crate::read::ops::{internal, set_aggregate, set_count, set_rows};
use crate::read::record::{self, Record};
use crate::read::spec::LoadSpec;
use crate::sql::dialect::Dialect;
use crate::sql::exec::{BoxFuture, Executor};
use std::any::Any;

/// A relation's rows (or counts) for each distinct parent key, in key order.
enum Groups<C> {
    Rows(Vec<Vec<C>>),
    Counts(Vec<u64>),
}

/// The Batch strategy for a relation whose target is `C`: see [`Ops::fetch`](crate::read::ops::Ops::fetch).
pub fn fetch<'a, C: Record>(
    run: &'a mut dyn Executor,
    parents: Parents<'a>,
) -> BoxFuture<'a, Result<Fetched>> {
    let Parents {
        spec,
        index,
        key_types,
        path,
        reach,
    } = parents;
    Box::pin(async move {
        let rel = spec.rel;
        if spec.count {
            let values = grouped_values(run, &parents, SqlType::BigInt).await?;
            let counts = values
                .into_iter()
                .map(|v| match v {
                    Value::I64(n) => u64::try_from(n).unwrap_or(0),
                    _ => 0,
                })
                .collect();
            return Ok(Box::new(Groups::<C>::Counts(counts)) as Fetched);
        }

        // Fetch the related rows of all parents. Each parent key's rows, in fetched
        // order, go into its group: straight away when they load no relations of their
        // own, else after those are loaded onto all of them in one go (the rows must
        // then sit in one slice, and are moved into their groups afterwards). Grouping
        // as they arrive keeps a leaf level, usually the largest, from being held twice.
        let mut groups: Vec<Vec<C>> = Vec::new();
        groups.resize_with(index.keys.len(), Vec::new);
        let direct = spec.children.is_empty();
        let mut children: Vec<C> = Vec::new();
        let mut child_groups: Vec<usize> = Vec::new();
        // A partial child's keys for its own relations, read after its fields.
        let mut hidden: Vec<Vec<Value>> = Vec::new();
        let hidden_types = hidden_types(spec);
        let trailing = rel.through.is_some() || spec.select.is_some();
        let table = record::meta::<C>();
        let own_key = key_positions(table, rel.to);
        // The group begun last, for `reserve_like_last`.
        let mut last: Option<usize> = None;
        for keys in statement_keys(run.dialect(), &parents) {
            let stmt = rows_statement(run.dialect(), spec, keys);
            stmt.check_binds(run.dialect(), table.name)?;
            run.fetch_each(&stmt, &mut |cells: &dyn Cells| {
                let mut reader =
                    RowReader::from_cells(table, Path::At(path), cells).with_names(C::SELECTED);
                let child = C::decode_record(&mut reader)?;
                let key = if trailing {
                    Some(trailing_key(&mut reader, key_types)?)
                } else {
                    key_of(|i| child.record_column(i), &own_key)
                };
                if let Some(g) = key.as_ref().and_then(|k| index.get(k)) {
                    if direct {
                        reserve_like_last(&mut groups, g, &mut last);
                        groups[g].push(child);
                    } else {
                        if !hidden_types.is_empty() {
                            hidden.push(reader.next_values(&hidden_types)?);
                        }
                        children.push(child);
                        child_groups.push(g);
                    }
                }
                Ok(())
            })
            .await?;
        }
        if !direct {
            let hidden = spec.select.as_ref().map(|select| Hidden {
                select,
                values: &hidden,
            });
            let below = reach.below(spec);
            load(run, &mut children, hidden, &spec.children, path, below).await?;
            // Each group sized exactly: its rows are counted already.
            let mut sizes = vec![0usize; groups.len()];
            for &g in &child_groups {
                sizes[g] += 1;
            }
            for (group, n) in groups.iter_mut().zip(sizes) {
                group.reserve_exact(n);
            }
            for (g, child) in child_groups.into_iter().zip(children) {
                groups[g].push(child);
            }
        }
        if sorts_in_memory(spec) {
            let pk = key_positions(table, table.primary_key);
            for group in &mut groups {
                sort_by_integer_key(group, &pk);
            }
        }
        Ok(Box::new(Groups::Rows(groups)) as Fetched)
    })
}

/// Before group `g`'s first row: room for as many rows as the group begun before it
/// holds by then, when that is more than the 4 a `Vec` starts with. Rows usually
/// arrive a parent at a time (in key order, or in the table's order), so a leaf
/// level's groups end the size they need instead of doubling past it (five comments
/// per post held eight places each: a fifth more memory in the largest level). Where
/// rows arrive interleaved the group before is still small, and the `Vec` grows as
/// usual. Each group reserves at most the rows another holds, so the places reserved
/// beyond the rows are never more than the rows (as with doubling), whatever the
/// sizes: an average of the groups so far would let one huge group make every later
/// small one reserve its size.
fn reserve_like_last<C>(groups: &mut [Vec<C>], g: usize, last: &mut Option<usize>) {
    if groups[g].capacity() > 0 {
        return;
    }
    let size = last.map_or(0, |l| groups[l].len());
    if size > 4 {
        groups[g].reserve_exact(size);
    }
    *last = Some(g);
}

/// Fills one parent's relation field from the groups of target `C`: see [`Ops::assign`](crate::read::ops::Ops::assign).
pub fn assign<C: Record>(fetched: &mut Fetched, slot: Slot<'_>) -> Result<()> {
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
fn duplicate<C: Record>(row: &C, spec: &LoadSpec) -> Result<C> {
    let mut copy = row.copy_record()?;
    let table = record::name::<C>();
    for child in &spec.children {
        let ops = child.ops(table)?;
        let (Some(from), Some(to)) = (
            row.record_relation(child.field),
            copy.record_relation_mut(child.field),
        ) else {
            return Err(internal(table, child, "relation field not found"));
        };
        (ops.copy)(from, to, child)?;
    }
    Ok(copy)
}

/// Copies a relation field whose target is `C`: see [`Ops::copy`](crate::read::ops::Ops::copy).
pub fn copy_field<C: Record>(from: &dyn Any, to: &mut dyn Any, spec: &LoadSpec) -> Result<()> {
    let mismatch = || internal(record::name::<C>(), spec, "relation field of another type");
    if let (Some(from), Some(to)) = (from.downcast_ref::<Many<C>>(), to.downcast_mut::<Many<C>>()) {
        // The field's aggregates are copied by their own specs.
        match (from.get(), from.count()) {
            (Ok(rows), _) => {
                to.put_rows(
                    rows.iter()
                        .map(|row| duplicate(row, spec))
                        .collect::<Result<_>>()?,
                );
                to.put_next_page(from.next_page_text().map(str::to_owned));
            }
            (Err(_), Ok(n)) => to.put_count(n),
            (Err(_), Err(_)) => {}
        }
    } else if let (Some(from), Some(to)) = (
        from.downcast_ref::<One<Option<C>>>(),
        to.downcast_mut::<One<Option<C>>>(),
    ) {
        *to = match from.get() {
            Ok(Some(row)) => One::loaded(Some(duplicate(row, spec)?)),
            Ok(None) => One::loaded(None),
            Err(_) => One::default(),
        };
    } else if let (Some(from), Some(to)) =
        (from.downcast_ref::<One<C>>(), to.downcast_mut::<One<C>>())
    {
        *to = match from.get() {
            Ok(row) => One::loaded(duplicate(row, spec)?),
            Err(_) => One::default(),
        };
    } else {
        return Err(mismatch());
    }
    Ok(())
}

/// Orders rows by an all-integer primary key at `positions`.
fn sort_by_integer_key<C: Record>(rows: &mut [C], positions: &[Option<usize>]) {
    fn at<C: Record>(row: &C, p: Option<usize>) -> i64 {
        match p.and_then(|i| row.record_column(i)) {
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

/// Each distinct parent key's aggregate, in key order.
struct AggregateGroups(Vec<Value>);

/// The Batch strategy for an aggregate loaded onto a `Many` field: one grouped
/// statement per chunk of parent keys (see `Ops::aggregate`).
pub fn fetch_aggregate<'a>(
    run: &'a mut dyn Executor,
    parents: Parents<'a>,
) -> BoxFuture<'a, Result<Fetched>> {
    Box::pin(async move {
        let spec = parents.spec;
        let agg = spec
            .aggregate
            .ok_or_else(|| internal(spec.rel.target_name, spec, "aggregate without its store"))?;
        let values = grouped_values(run, &parents, agg.ty).await?;
        Ok(Box::new(AggregateGroups(values)) as Fetched)
    })
}

/// The keys each statement of a level sends: none when it reads its whole table
/// (see [`Reach`](super::Reach)), else the parents' keys in chunks under the bind
/// limit, or in one array parameter where the dialect binds arrays (PostgreSQL). No
/// statement at all when there are no parents.
fn statement_keys<'a>(dialect: Dialect, parents: &Parents<'a>) -> Vec<Keys<'a>> {
    let keys = parents.index.keys.as_slice();
    if keys.is_empty() {
        return Vec::new();
    }
    if parents.reach.unkeyed(parents.spec) {
        return vec![Keys::Unsent];
    }
    let array = array_key(dialect, parents.key_types);
    let per_chunk = keys_per_statement(dialect, parents.spec, keys.len(), array);
    keys.chunks(per_chunk)
        .map(|chunk| Keys::Chunk(chunk, array))
        .collect()
}

/// Each distinct parent key's count or aggregate (NULL where it has no rows), read
/// with one grouped statement per chunk of keys (`value_statement`).
async fn grouped_values(
    run: &mut dyn Executor,
    parents: &Parents<'_>,
    ty: SqlType,
) -> Result<Vec<Value>> {
    let (spec, index, key_types, path) =
        (parents.spec, parents.index, parents.key_types, parents.path);
    let target = (spec.rel.target)();
    let mut values = vec![Value::Null(ty); index.keys.len()];
    for keys in statement_keys(run.dialect(), parents) {
        let stmt = value_statement(run.dialect(), spec, keys);
        stmt.check_binds(run.dialect(), target.name)?;
        run.fetch_each(&stmt, &mut |cells: &dyn Cells| {
            let mut reader = RowReader::from_cells(target, Path::At(path), cells);
            let key = trailing_key(&mut reader, key_types)?;
            let value = reader.next_value(ty)?;
            if let Some(g) = index.get(&key) {
                values[g] = value;
            }
            Ok(())
        })
        .await?;
    }
    Ok(values)
}

/// Sets one parent's aggregate: NULL where it has no related rows.
pub fn assign_aggregate(fetched: &mut Fetched, slot: Slot<'_>) -> Result<()> {
    let Slot { field, group, .. } = slot;
    let values = fetched
        .downcast_mut::<AggregateGroups>()
        .ok_or_else(|| field.mismatch())?;
    let value = match group.and_then(|g| values.0.get(g)) {
        Some(value) => value.clone(),
        None => Value::Null(field.spec.aggregate.map_or(SqlType::BigInt, |a| a.ty)),
    };
    set_aggregate(value, field)
}

#[cfg(test)]
mod tests {
    use super::reserve_like_last;

    #[test]
    fn a_group_reserves_the_size_of_the_group_before_it() {
        // Rows a parent at a time: 1,000, then 1, 1, 5 and 5.
        let sizes = [1_000, 1, 1, 5, 5];
        let mut groups: Vec<Vec<u64>> = vec![Vec::new(); sizes.len()];
        let mut last = None;
        for (g, n) in sizes.into_iter().enumerate() {
            for row in 0..n {
                reserve_like_last(&mut groups, g, &mut last);
                groups[g].push(row);
            }
        }
        let capacities: Vec<usize> = groups.iter().map(Vec::capacity).collect();
        // The huge group's size once (an average would hand it on: 501 for the
        // third), a Vec's own growth after small groups, and exact after a 5.
        assert_eq!(capacities[1..], [1_000, 4, 8, 5]);
    }
}

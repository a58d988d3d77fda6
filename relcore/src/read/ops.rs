//! What both loaders share: the typed steps for a relation's target (`Ops`), and
//! setting a parent's relation field (`Field`, `set_rows`, `set_count`).

use super::batch::{self, Fetched, Parents, Slot};
use super::join::{self, cursor::Cursor};
use super::page;
use super::record::{self, Record};
use super::spec::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::fields::{Many, One};
use crate::model::row::Path;
use crate::model::value::Value;
use crate::sql::exec::{BoxFuture, Executor};
use std::any::Any;

/// The loaders' typed steps for a relation's target, as plain function pointers: the
/// Batch steps (`fetch`, `assign`, `copy`) and the Join steps (`join`, `count`).
///
/// The loaders walk a tree of [`LoadSpec`]s whose targets are different types. Each
/// spec carries the steps monomorphized for its own target (set by `.with(..)`, where
/// the type is known), so rows are decoded straight from the driver's buffers into the
/// user's structs, and relations are set on their fields, with no intermediate form.
#[derive(Clone, Copy)]
pub struct Ops {
    /// Fetches the related rows of the given parent keys, loads their own relations,
    /// and groups them by key.
    pub(super) fetch:
        for<'a> fn(&'a mut dyn Executor, Parents<'a>) -> BoxFuture<'a, Result<Fetched>>,
    /// Moves (or, for a key several parents share, copies) a parent's group into its
    /// relation field.
    pub(super) assign: fn(&mut Fetched, Slot<'_>) -> Result<()>,
    /// Copies a loaded relation field into another row's field of the same relation.
    pub(super) copy: fn(&dyn Any, &mut dyn Any, &LoadSpec) -> Result<()>,
    /// The Join strategy: reads the relation's JSON at the cursor (its rows, and
    /// theirs below them, or a count) into a parent's relation field.
    pub(super) join: for<'c> fn(&mut Cursor<'c>, Field<'_>) -> Result<()>,
    /// Sets a parent's relation field to a count.
    pub(super) count: fn(u64, Field<'_>) -> Result<()>,
}

impl Ops {
    pub fn of<C: Record>() -> Self {
        Ops {
            fetch: batch::fetch::<C>,
            assign: batch::assign::<C>,
            copy: batch::copy_field::<C>,
            join: join::read_relation::<C>,
            count: set_count::<C>,
        }
    }

    /// The steps of an aggregate loaded onto a `Many` field: untyped, as the field's
    /// type is reached through the spec's [`AggregateLoad`](super::spec::AggregateLoad).
    pub fn aggregate() -> Self {
        Ops {
            fetch: batch::fetch_aggregate,
            assign: batch::assign_aggregate,
            copy: copy_aggregate,
            join: join::read_aggregate,
            count: |_, field| Err(field.mismatch()),
        }
    }
}

/// Copies a loaded aggregate to another row's field of the same relation.
fn copy_aggregate(from: &dyn Any, to: &mut dyn Any, spec: &LoadSpec) -> Result<()> {
    let Some(agg) = spec.aggregate else {
        return Err(internal("", spec, "aggregate without its store"));
    };
    if let Some(value) = (agg.store.get)(from, agg.func, agg.column) {
        (agg.store.set)(to, agg.func, agg.column, value);
    }
    Ok(())
}

/// Sets an aggregate on a parent's `Many` field.
pub fn set_aggregate(value: Value, field: Field<'_>) -> Result<()> {
    let Some(agg) = field.spec.aggregate else {
        return Err(field.mismatch());
    };
    if (agg.store.set)(field.value, agg.func, agg.column, value) {
        Ok(())
    } else {
        Err(field.mismatch())
    }
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ops")
    }
}

/// A parent's relation field, type-erased, and what errors about it name.
pub struct Field<'a> {
    pub value: &'a mut dyn Any,
    pub spec: &'a LoadSpec,
    /// The parent's table.
    pub table: &'static str,
    /// The relation's path from the query root.
    pub path: Path<'a>,
    /// The parent's key, where the relation is loaded by page (its cursor holds it).
    pub key: Option<Vec<Value>>,
}

impl<'a> Field<'a> {
    /// The relation field at `spec` of `row`.
    pub fn of<P: Record>(row: &'a mut P, spec: &'a LoadSpec, path: Path<'a>) -> Result<Self> {
        let table = record::name::<P>();
        let key = match spec.page {
            Some(_) => Some(parent_key(row, spec)?),
            None => None,
        };
        let value = row
            .record_relation_mut(spec.field)
            .ok_or_else(|| internal(table, spec, "relation field not found"))?;
        Ok(Field {
            value,
            spec,
            table,
            path,
            key,
        })
    }

    pub(super) fn mismatch(&self) -> Error {
        internal(self.table, self.spec, "relation field of another type")
    }
}

/// The key of `row` that relation `spec` joins on. A partial struct must read it to
/// page the relation (checked before the query is sent: see `read/record.rs`).
fn parent_key<P: Record>(row: &P, spec: &LoadSpec) -> Result<Vec<Value>> {
    let table = record::meta::<P>();
    spec.rel
        .from
        .iter()
        .map(|c| {
            table
                .columns
                .iter()
                .position(|m| m.name == *c)
                .and_then(|i| row.record_column(i))
                .ok_or_else(|| internal(table.name, spec, "the parent's key was not read"))
        })
        .collect()
}

/// Sets a relation field of target `C` to a count: see [`Ops::count`].
pub fn set_count<C: Record>(n: u64, field: Field<'_>) -> Result<()> {
    let mismatch = field.mismatch();
    let value = field.value.downcast_mut::<Many<C>>().ok_or(mismatch)?;
    value.put_count(n);
    Ok(())
}

/// Sets a relation field of target `C` to its loaded rows. A required `One` with no
/// row is [`Error::MissingRelated`].
pub fn set_rows<C: Record>(mut rows: Vec<C>, field: Field<'_>) -> Result<()> {
    if let Some(value) = field.value.downcast_mut::<Many<C>>() {
        // A page: the rows past its size only say that more follow.
        let next = match (field.spec.page, field.key) {
            (Some(size), Some(key)) if rows.len() as u64 > size => {
                rows.truncate(size as usize);
                match rows.last() {
                    Some(last) => Some(page::nested_cursor(field.spec, key, last)?),
                    None => None,
                }
            }
            _ => None,
        };
        value.put_rows(rows);
        value.put_next_page(next);
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

pub fn internal(table: &'static str, spec: &LoadSpec, message: &str) -> Error {
    Error::Unsupported {
        table,
        relation: spec.rel.name,
        message: format!("internal error in the relation loader: {message}"),
    }
}

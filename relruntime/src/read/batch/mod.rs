//! The Batch strategy, also used to load onto rows fetched before (`Db::load`).
//!
//! One statement per relation per level, whatever the number of parents. The parents'
//! keys go into an `IN` list, chunked under the backend's bind limit (or, where the
//! dialect binds arrays, one array parameter). Per-parent limit and offset use
//! `ROW_NUMBER() OVER (PARTITION BY key ...)`. Fetched rows are numbered by their
//! parent's key through a [`KeyIndex`](keys::KeyIndex), so the work is linear in the rows.
//!
//! - `mod.rs`: the parent side, generic over the parent type: number the parents'
//!   keys, fetch, hand each parent its group.
//! - `steps.rs`: the target side, monomorphized per target through `Ops`: fetch,
//!   decode, group, assign, copy.
//! - `keys.rs`: keys and the key index.
//! - `statement.rs`: the SQL of a level.

mod keys;
mod statement;
mod steps;

pub(crate) use steps::{assign, assign_aggregate, copy_field, fetch, fetch_aggregate};

use super::ops::Field;
use super::spec::LoadSpec;
use crate::model::error::Result;
use crate::model::meta::TableMeta;
use crate::model::row::Path;
use crate::model::value::{SqlType, Value};
use crate::read::plan::PlanStep;
use crate::read::record::{self, Record, Selection};
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;
use keys::{KeyIndex, KeyOf, key_of, key_positions, key_types};
use statement::{array_key, count_statement, keys_per_statement, rows_statement};
use std::any::Any;

/// What one relation fetched for all parents, grouped by key: `Groups<C>` of the
/// relation's target `C`, behind `Any` so that the parent's side needs no `C`.
pub(crate) type Fetched = Box<dyn Any + Send>;

/// What a relation's fetch needs to know of the parents.
#[derive(Clone, Copy)]
pub(crate) struct Parents<'a> {
    pub(super) spec: &'a LoadSpec,
    /// The distinct keys of the parents, numbered.
    pub(super) index: &'a KeyIndex,
    /// The types of the key's columns on the parent side.
    pub(super) key_types: &'a [SqlType],
    /// The relation's path from the query root, for errors.
    pub(super) path: &'a str,
}

/// One parent's relation field, and what fills it.
pub(crate) struct Slot<'a> {
    pub(super) field: Field<'a>,
    /// The position of the parent's key among the distinct keys; `None` for a NULL key.
    pub(super) group: Option<usize>,
    /// Other parents still need the same group, so this one gets a copy.
    pub(super) shared: bool,
}

/// The keys partial parents were read with beside their fields (see
/// `read/record.rs`): per row, the values of `select.hidden`.
#[derive(Clone, Copy)]
pub(crate) struct Hidden<'a> {
    pub select: &'a Selection,
    pub values: &'a [Vec<Value>],
}

/// Loads every spec onto `rows`, and their nested specs below them. `path` is where
/// `rows` sit below the query root, for error messages; `hidden` holds the keys of
/// partial rows.
pub(crate) async fn load<P: Record>(
    run: &mut dyn Executor,
    rows: &mut [P],
    hidden: Option<Hidden<'_>>,
    specs: &[LoadSpec],
    path: &str,
) -> Result<()> {
    for spec in specs {
        load_relation(run, rows, hidden, spec, path).await?;
    }
    Ok(())
}

/// The types of the keys a level's partial rows are read with for their own
/// relations (`Selection::hidden`).
pub(crate) fn hidden_types(spec: &LoadSpec) -> Vec<SqlType> {
    let target = (spec.rel.target)();
    spec.select.as_ref().map_or_else(Vec::new, |select| {
        select
            .hidden
            .iter()
            .map(|c| target.column(c).map_or(SqlType::BigInt, |m| m.ty))
            .collect()
    })
}

/// The statements a load of `specs` onto rows of `parent` sends, appended to `steps`
/// in the order the loader sends them (each level's first chunk, with one placeholder
/// key); `from` is the step whose rows hold the keys (numbered from 1).
pub(crate) fn plan(
    dialect: Dialect,
    parent: &'static TableMeta,
    specs: &[LoadSpec],
    path: &str,
    from: usize,
    steps: &mut Vec<PlanStep>,
) {
    for spec in specs {
        let rel = spec.rel;
        let types = key_types(spec, parent);
        let placeholder = match types.as_slice() {
            [t] => KeyOf::One(Value::Null(*t)),
            ts => KeyOf::Many(ts.iter().map(|t| Value::Null(*t)).collect()),
        };
        let array = array_key(dialect, &types);
        let keys = std::slice::from_ref(&placeholder);
        let statement = if spec.is_value() {
            count_statement(dialect, spec, keys, array)
        } else {
            rows_statement(dialect, spec, keys, array)
        };
        let mut columns = SqlBuilder::new(dialect);
        columns.push_list(rel.from, ", ", |b, c| {
            b.push_ident(c);
        });
        let sent = match array {
            Some(_) => "as one array".to_owned(),
            None => {
                let per_statement = keys_per_statement(dialect, spec, 1, None);
                format!("in IN lists of up to {per_statement} keys")
            }
        };
        let here = Path::Child(&Path::At(path), rel.name).render();
        steps.push(PlanStep {
            path: here.clone(),
            statement,
            keys: Some(format!(
                "keys ({}) of the rows of step {from}, {sent}",
                columns.finish().sql
            )),
        });
        if !spec.is_value() {
            let step = steps.len();
            plan(dialect, (rel.target)(), &spec.children, &here, step, steps);
        }
    }
}

async fn load_relation<P: Record>(
    run: &mut dyn Executor,
    rows: &mut [P],
    hidden: Option<Hidden<'_>>,
    spec: &LoadSpec,
    path: &str,
) -> Result<()> {
    let table = record::meta::<P>();
    let ops = spec.ops(table.name)?;
    // Distinct keys in first-seen order, each parent's position among them, and how
    // many parents hold each.
    let parent_keys: Vec<Option<KeyOf>> = match hidden {
        Some(Hidden { select, values }) => {
            let all: Vec<Option<usize>> = (0..spec.rel.from.len()).map(Some).collect();
            values
                .iter()
                .map(|hidden| {
                    let key = select.key_values(spec, hidden);
                    key_of(|i| key.get(i).cloned(), &all)
                })
                .collect()
        }
        None => {
            let positions = key_positions(table, spec.rel.from);
            rows.iter()
                .map(|row| key_of(|i| row.record_column(i), &positions))
                .collect()
        }
    };
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
    let key_types = key_types(spec, table);
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

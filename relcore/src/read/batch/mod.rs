//! The Batch strategy, also used to load onto rows fetched before (`Db::load`).
//!
//! One statement per relation per level, whatever the number of parents. The parents'
//! keys go into an `IN` list, chunked under the backend's bind limit (or, where the
//! dialect binds arrays, one array parameter); where the parents are every row of their
//! table and the level's rows point at them, no keys at all (see [`Reach`]). Per-parent
//! limit and offset use `ROW_NUMBER() OVER (PARTITION BY key ...)`. Fetched rows are numbered by their
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

pub use steps::{assign, assign_aggregate, copy_field, fetch, fetch_aggregate};

use super::ops::Field;
use super::spec::LoadSpec;
use crate::model::error::Result;
use crate::model::meta::{Constraint, TableMeta};
use crate::model::row::Path;
use crate::model::value::{SqlType, Value};
use crate::read::plan::PlanStep;
use crate::read::record::{self, Record, Selection};
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;
use keys::{KeyIndex, KeyOf, key_of, key_positions, key_types};
use statement::{
    Keys, array_key, count_statement, keys_per_statement, nullable_keys, rows_statement,
};
use std::any::Any;

/// What one relation fetched for all parents, grouped by key: `Groups<C>` of the
/// relation's target `C`, behind `Any` so that the parent's side needs no `C`.
pub type Fetched = Box<dyn Any + Send>;

/// What a relation's fetch needs to know of the parents.
#[derive(Clone, Copy)]
pub struct Parents<'a> {
    pub(super) spec: &'a LoadSpec,
    /// The distinct keys of the parents, numbered.
    pub(super) index: &'a KeyIndex,
    /// The types of the key's columns on the parent side.
    pub(super) key_types: &'a [SqlType],
    /// The relation's path from the query root, for errors.
    pub(super) path: &'a str,
    /// Which rows of their table the parents are.
    pub(super) reach: Reach,
}

/// Which rows of their table a level's parents are: decided where the query starts
/// (the root), passed down level by level.
///
/// Sending the parents' keys is what costs most in a large load: the database builds
/// the `IN` list (tens of thousands of binds) and seeks the foreign-key index once per
/// key. When the parents are all rows of their table and each related row points at
/// one of them through a key Rel keeps (a constraint, in either mode), the related
/// rows are all rows of their table: the level reads it whole, in the table's own
/// order, and keeps the rows whose key the parents hold, as it does anyway. A row
/// whose key no parent holds (an orphan where nothing enforces the key, a row written
/// between the two statements) is dropped, as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Some rows of the table: their keys are sent.
    Listed,
    /// Every row of the table: an unfiltered, unlimited root, and the levels below it
    /// that read their whole table, unfiltered, through a key that cannot be NULL.
    Table,
}

impl Reach {
    /// Whether the level of `spec` below parents of this reach reads its whole
    /// table instead of sending the parents' keys: its rows hold the key (not a
    /// junction's, not the parents'), and the key is a constraint.
    pub(super) fn unkeyed(self, spec: &LoadSpec) -> bool {
        let rel = spec.rel;
        self == Reach::Table
            && rel.through.is_none()
            && !rel.holds_key
            && rel.constraint != Constraint::QueryOnly
    }

    /// The reach of the rows the level of `spec` loads, for their own relations:
    /// every row of their table when the level read it whole with nothing taken out
    /// (no filter, window or page, and a key that cannot be NULL).
    pub(super) fn below(self, spec: &LoadSpec) -> Reach {
        let whole = self.unkeyed(spec)
            && spec.filter.is_none()
            && spec.limit.is_none()
            && spec.offset.is_none()
            && spec.page.is_none()
            && nullable_keys(spec).next().is_none();
        if whole { Reach::Table } else { Reach::Listed }
    }
}

/// One parent's relation field, and what fills it.
pub struct Slot<'a> {
    pub(super) field: Field<'a>,
    /// The position of the parent's key among the distinct keys; `None` for a NULL key.
    pub(super) group: Option<usize>,
    /// Other parents still need the same group, so this one gets a copy.
    pub(super) shared: bool,
}

/// The keys partial parents were read with beside their fields (see
/// `read/record.rs`): per row, the values of `select.hidden`.
#[derive(Clone, Copy)]
pub struct Hidden<'a> {
    pub select: &'a Selection,
    pub values: &'a [Vec<Value>],
}

/// Loads every spec onto `rows`, and their nested specs below them. `path` is where
/// `rows` sit below the query root, for error messages; `hidden` holds the keys of
/// partial rows; `reach` says which rows of their table they are.
pub async fn load<P: Record>(
    run: &mut dyn Executor,
    rows: &mut [P],
    hidden: Option<Hidden<'_>>,
    specs: &[LoadSpec],
    path: &str,
    reach: Reach,
) -> Result<()> {
    for spec in specs {
        load_relation(run, rows, hidden, spec, path, reach).await?;
    }
    Ok(())
}

/// The types of the keys a level's partial rows are read with for their own
/// relations (`Selection::hidden`).
pub fn hidden_types(spec: &LoadSpec) -> Vec<SqlType> {
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
/// key); `from` is the step whose rows hold the keys (numbered from 1), and `reach`
/// which rows of `parent` they are.
pub fn plan(
    dialect: Dialect,
    parent: &'static TableMeta,
    specs: &[LoadSpec],
    path: &str,
    from: usize,
    reach: Reach,
    steps: &mut Vec<PlanStep>,
) {
    for spec in specs {
        let rel = spec.rel;
        let types = key_types(spec, parent);
        let placeholder = match types.as_slice() {
            [t] => KeyOf::One(Value::Null(*t)),
            ts => KeyOf::Many(ts.iter().map(|t| Value::Null(*t)).collect()),
        };
        let keys = if reach.unkeyed(spec) {
            Keys::Unsent
        } else {
            Keys::Chunk(
                std::slice::from_ref(&placeholder),
                array_key(dialect, &types),
            )
        };
        let statement = if spec.is_value() {
            count_statement(dialect, spec, keys)
        } else {
            rows_statement(dialect, spec, keys)
        };
        let mut columns = SqlBuilder::new(dialect);
        columns.push_list(rel.from, ", ", |b, c| {
            b.push_ident(c);
        });
        let columns = columns.finish().sql;
        let note = match keys {
            Keys::Unsent => format!(
                "the whole table, no keys sent: the rows of step {from} are all rows of theirs"
            ),
            Keys::Chunk(_, Some(_)) => {
                format!("keys ({columns}) of the rows of step {from}, as one array")
            }
            Keys::Chunk(_, None) => {
                let per_statement = keys_per_statement(dialect, spec, 1, None);
                format!(
                    "keys ({columns}) of the rows of step {from}, in IN lists of up to {per_statement} keys"
                )
            }
        };
        let here = Path::Child(&Path::At(path), rel.name).render();
        steps.push(PlanStep {
            path: here.clone(),
            statement,
            keys: Some(note),
        });
        if !spec.is_value() {
            let (step, below) = (steps.len(), reach.below(spec));
            plan(
                dialect,
                (rel.target)(),
                &spec.children,
                &here,
                step,
                below,
                steps,
            );
        }
    }
}

async fn load_relation<P: Record>(
    run: &mut dyn Executor,
    rows: &mut [P],
    hidden: Option<Hidden<'_>>,
    spec: &LoadSpec,
    path: &str,
    reach: Reach,
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
        reach,
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

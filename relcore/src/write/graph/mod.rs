//! Nested inserts: `db.insert_graph(&mut user)` inserts a row and every row loaded in
//! its relation fields, at any depth, level by level and set-based: one `insert_many`
//! per table per level (chunked under the bind limit, with `RETURNING` where the
//! backend has it), whatever the number of rows.
//!
//! A level runs in three steps, for all its rows at once:
//! 1. the rows its rows point to (`One` fields of relations whose key this side
//!    holds, such as a post's author) are inserted first, as a level of their own, and
//!    each row's foreign key is set from its target's key;
//! 2. the rows are inserted, and generated keys are set on them;
//! 3. the rows that point to them (`Many` fields, and `One` fields whose key the other
//!    side holds) get their foreign key from their parent's key and are inserted, as
//!    one level below.
//!
//! A `One` that holds its key and is not loaded is left alone: its foreign-key column
//! says which existing row it points to (a connect by key). A relation through a
//! junction inserts its targets as rows below, then one junction row per parent and
//! target. Relations that are not loaded are left alone. The rows are written in
//! place: keys and foreign keys are set on the caller's structs.
//!
//! Rows of a table named with `connect_or_create` are looked up by their unique
//! column in step 2, and only those not stored yet are inserted (`connect.rs`).
//!
//! An error of a level's statements carries the level's relation path from the root
//! (`posts.comments`, in `Error::Unique`'s `path` and its kin).
//!
//! The steps here take the rows as [`LevelRows`] (`rows.rs`), with no type of the
//! table's, so that they are compiled once; the few typed steps for a relation's
//! target (taking rows out of its fields and putting them back) are reached through
//! the derive's `Table::graph_steps` (`steps.rs`).

mod connect;
mod rows;
mod steps;

pub use connect::Plan;
pub use rows::LevelRows;
pub use steps::{GraphSteps, NotATable, Probe, Steps, ViaTable};

use super::enforcement::Enforcement;
use super::insert::{insert_rows, insert_values};
use crate::model::error::{Error, Result};
use crate::model::key::KeyOf;
use crate::model::meta::{RelationMeta, TableMeta};
use crate::model::value::Value;
use crate::sql::exec::{BoxFuture, Executor};
use std::any::Any;
use steps::Rows;

/// Inserts `rows` and everything loaded in them, in place: see the module docs; how
/// many rows it inserted. `path` is where the rows sit below the root, for errors;
/// `set_by_parent`, the columns their parent set (its key), which a loaded `One` of
/// theirs must not set again; `plan`, what the caller asked besides inserting.
pub fn insert_graph<'a>(
    run: &'a mut dyn Executor,
    enforcement: &'a Enforcement,
    rows: &'a mut dyn LevelRows,
    path: &'a str,
    set_by_parent: &'static [&'static str],
    plan: &'a Plan,
) -> BoxFuture<'a, Result<u64>> {
    Box::pin(async move {
        if rows.len() == 0 {
            return Ok(0);
        }
        let mut inserted = 0;
        let table = rows.table();
        let relations = table.relations;
        let mut level = Level {
            run,
            enforcement,
            path,
            plan,
        };
        // 1. What the rows point to, first; each row's foreign key from it.
        for (i, rel) in relations.iter().enumerate() {
            if !rel.holds_key || rel.through.is_some() {
                continue;
            }
            // A relation without a field (a column's `references`) holds no rows.
            let Some(steps) = rows.steps(i) else {
                continue;
            };
            if !set_by_parent.is_empty()
                && rel.from == set_by_parent
                && (0..rows.len()).any(|at| rows.relation(at, i).is_some_and(|f| (steps.holds)(f)))
            {
                return Err(unsupported(
                    table,
                    rel,
                    "this relation is loaded, and its key is also set by the parent the rows are inserted under: the row would be inserted twice; leave it not loaded",
                ));
            }
            // Found before any row is taken out of its field.
            let from = positions(table, rel.from)?;
            let to = positions((rel.target)(), rel.to)?;
            let (taken, mut result) =
                take_and_insert(&mut level, rows, i, rel, steps, &[], |_, _| Ok(())).await;
            for (at, mut part) in taken {
                // Each part goes back into its field whatever happened, so that a
                // failure loses none of the caller's rows.
                if result.is_ok()
                    && let Some(part) = level_of(steps, &mut part)
                    && part.len() > 0
                {
                    result = set_at(rows, at, &from, key_at(part, 0, &to)).and(result);
                }
                (steps.put)(field_of(rows, at, i, rel)?, part);
            }
            inserted += result?;
        }
        // 2. The rows, and their generated keys; under connect or create, only the
        // rows not stored yet.
        inserted += insert_level(level.run, enforcement, rows, set_by_parent, plan)
            .await
            .map_err(|e| e.at_path(path))?;
        // 3. What points to the rows, below them, with their keys.
        for (i, rel) in relations.iter().enumerate() {
            if rel.holds_key {
                continue;
            }
            let Some(steps) = rows.steps(i) else {
                continue;
            };
            let keys = keys_of(rows, rel.from)?;
            if let Some(through) = rel.through {
                // Through a junction: the targets are rows of their own, then one
                // junction row per parent and target.
                let (mut taken, result) =
                    take_and_insert(&mut level, rows, i, rel, steps, &[], |_, _| Ok(())).await;
                let mut junction = Vec::new();
                if result.is_ok() {
                    for (at, part) in &mut taken {
                        let mut targets = match level_of(steps, part) {
                            Some(part) => keys_of(part, rel.to)?,
                            None => Vec::new(),
                        };
                        // A target given twice (connected, or repeated) is linked once.
                        let mut seen = std::collections::HashSet::new();
                        targets.retain(|t| seen.insert(KeyOf::Many(t.clone())));
                        for target in targets {
                            junction.push(junction_row(table, rel, through, &keys[*at], &target));
                        }
                    }
                }
                for (at, part) in taken {
                    (steps.put)(field_of(rows, at, i, rel)?, part);
                }
                inserted += result?;
                let junction: Vec<Vec<Value>> = junction.into_iter().collect::<Result<_>>()?;
                inserted += junction.len() as u64;
                insert_values(level.run, enforcement, (through.table)(), junction)
                    .await
                    .map_err(|e| e.at_path(&child_path(path, rel.name)))?;
                continue;
            }
            let set = |at: usize, part: &mut Rows| match level_of(steps, part) {
                Some(part) => {
                    let columns = positions(part.table(), rel.to)?;
                    (0..part.len())
                        .try_for_each(|row| set_at(part, row, &columns, keys[at].clone()))
                }
                None => Ok(()),
            };
            let (taken, result) =
                take_and_insert(&mut level, rows, i, rel, steps, rel.to, set).await;
            for (at, part) in taken {
                (steps.put)(field_of(rows, at, i, rel)?, part);
            }
            inserted += result?;
        }
        Ok(inserted)
    })
}

/// Inserts a level's rows and sets their generated keys; how many it inserted. Under
/// connect or create (see `connect.rs`), a row already stored takes its key instead,
/// and a row repeating another's value takes that row's key.
async fn insert_level(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    rows: &mut dyn LevelRows,
    set_by_parent: &[&str],
    plan: &Plan,
) -> Result<u64> {
    let table = rows.table();
    let split = match plan.column_for(table) {
        Some(column) => Some(connect::split(run, rows, column).await?),
        None => None,
    };
    let picked: Vec<usize> = match &split {
        Some(split) => split.insert.clone(),
        None => (0..rows.len()).collect(),
    };
    if let Some(split) = &split {
        // Rows below a parent got its key; one connected instead of inserted would
        // keep its stored parent while the struct says the new one.
        if !set_by_parent.is_empty() && (!split.found.is_empty() || !split.same_as.is_empty()) {
            return Err(Error::Unsupported {
                table: table.name,
                relation: "",
                message: "connect_or_create found rows of this table below their parent (stored, or given twice); Rel does not move a stored row to another parent: update its foreign key, or leave this table out of connect_or_create".into(),
            });
        }
        let connected = split.found.iter().map(|(at, _)| *at);
        refuse_loaded_targets(
            rows,
            connected.chain(split.same_as.iter().map(|(at, _)| *at)),
        )?;
    }
    let generated = {
        let rows = &*rows;
        let values_of = |i: usize| rows.values(picked[i]);
        insert_rows(run, enforcement, table, picked.len(), &values_of).await?
    };
    if let (Some(generated), Some(column)) = (generated, table.generated_key()) {
        let at = column_index(table, column.name)?;
        for (&row, key) in picked.iter().zip(generated) {
            if let Some(value) = key.into_iter().next_back() {
                rows.set_column_value(row, at, value)?;
            }
        }
    }
    if let Some(split) = split {
        let at = positions(table, table.primary_key)?;
        for (row, key) in split.found {
            set_at(rows, row, &at, key)?;
        }
        for (row, first) in split.same_as {
            let key = key_at(&*rows, first, &at);
            set_at(rows, row, &at, key)?;
        }
    }
    Ok(picked.len() as u64)
}

/// Refuses connected rows (found stored, or repeating another row) that hold a loaded
/// `One` whose key they hold: its row was inserted in step 1, but the connected row
/// is not written, so nothing would point at it.
fn refuse_loaded_targets(
    rows: &dyn LevelRows,
    connected: impl Iterator<Item = usize>,
) -> Result<()> {
    let table = rows.table();
    for at in connected {
        for (i, rel) in table.relations.iter().enumerate() {
            let Some(steps) = rows.steps(i) else {
                continue;
            };
            let loaded = rows.relation(at, i).is_some_and(|f| (steps.holds)(f));
            if rel.holds_key && rel.through.is_none() && loaded {
                return Err(unsupported(
                    table,
                    rel,
                    "connect_or_create found this row (stored, or given twice), so it is not written, and the row loaded in this relation would point at nothing; leave the relation not loaded",
                ));
            }
        }
    }
    Ok(())
}

/// Where a level runs, handed down to the levels below it.
struct Level<'l, 'r> {
    run: &'l mut (dyn Executor + 'r),
    enforcement: &'l Enforcement,
    path: &'l str,
    plan: &'l Plan,
}

/// Takes the rows of relation `i` from every row that holds some, readies each group
/// with `ready` (its position among `rows`), and inserts them all as one level. The
/// groups, by row position, go back to the caller to put back whatever happened.
async fn take_and_insert(
    level: &mut Level<'_, '_>,
    rows: &mut dyn LevelRows,
    i: usize,
    rel: &'static RelationMeta,
    steps: &'static Steps,
    set_by_parent: &'static [&'static str],
    ready: impl Fn(usize, &mut Rows) -> Result<()>,
) -> (Vec<(usize, Rows)>, Result<u64>) {
    let table = rows.table();
    let mut positions = Vec::new();
    let mut groups = Vec::new();
    for at in 0..rows.len() {
        let taken = match rows
            .relation_field(at, i)
            .ok_or_else(|| internal(table, rel))
        {
            Ok(field) => (steps.take)(field),
            Err(e) => Err(e),
        };
        match taken {
            Ok(Some(mut group)) => {
                let readied = ready(at, &mut group);
                positions.push(at);
                groups.push(group);
                if let Err(e) = readied {
                    return (positions.into_iter().zip(groups).collect(), Err(e));
                }
            }
            Ok(None) => {}
            Err(e) => return (positions.into_iter().zip(groups).collect(), Err(e)),
        }
    }
    if groups.is_empty() {
        return (Vec::new(), Ok(0));
    }
    // Held by a guard across the await: if the future is dropped there (a timeout, a
    // cancelled request), the rows go back to their fields all the same.
    let mut taken = Taken {
        held: Some((steps.join)(groups)),
        rows,
        i,
        steps,
        positions,
    };
    let here = child_path(level.path, rel.name);
    let result = match taken
        .held
        .as_mut()
        .and_then(|(all, _)| level_of(steps, all))
    {
        Some(all) => {
            let run = &mut *level.run;
            insert_graph(
                run,
                level.enforcement,
                all,
                &here,
                set_by_parent,
                level.plan,
            )
            .await
        }
        None => Ok(0),
    };
    let positions = std::mem::take(&mut taken.positions);
    let groups = match taken.held.take() {
        Some((all, counts)) => (steps.split)(all, &counts),
        None => Vec::new(),
    };
    (positions.into_iter().zip(groups).collect(), result)
}

/// Rows taken from their parents' fields while they are inserted: put back on drop,
/// unless handed back first.
struct Taken<'r> {
    /// All the groups joined, and each one's size.
    held: Option<(Rows, Vec<usize>)>,
    rows: &'r mut dyn LevelRows,
    i: usize,
    steps: &'static Steps,
    /// The parent of each group.
    positions: Vec<usize>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let Some((all, counts)) = self.held.take() else {
            return;
        };
        for (&at, part) in self.positions.iter().zip((self.steps.split)(all, &counts)) {
            if at < self.rows.len()
                && let Some(field) = self.rows.relation_field(at, self.i)
            {
                (self.steps.put)(field, part);
            }
        }
    }
}

/// The rows of a relation's target held in `rows`, as a level.
fn level_of<'r>(steps: &Steps, rows: &'r mut Rows) -> Option<&'r mut dyn LevelRows> {
    (steps.rows)(rows)
}

/// The values of `columns` of each row, each column found once.
fn keys_of(rows: &dyn LevelRows, columns: &[&str]) -> Result<Vec<Vec<Value>>> {
    let at = positions(rows.table(), columns)?;
    Ok((0..rows.len()).map(|row| key_at(rows, row, &at)).collect())
}

/// The values of the columns at `positions` of row `row`.
fn key_at(rows: &dyn LevelRows, row: usize, positions: &[usize]) -> Vec<Value> {
    let columns = rows.table().columns;
    positions
        .iter()
        .map(|&p| {
            rows.column_value(row, p)
                .unwrap_or(Value::Null(columns[p].ty))
        })
        .collect()
}

/// The positions of `columns` among `table`'s.
fn positions(table: &'static TableMeta, columns: &[&str]) -> Result<Vec<usize>> {
    columns.iter().map(|c| column_index(table, c)).collect()
}

/// The junction row linking a parent (its `from` values, `parent`) and a target (its
/// `to` values, `target`), in the junction's column order. A junction with columns
/// besides the two keys is refused: Rel would not know their values.
fn junction_row(
    table: &'static TableMeta,
    rel: &'static RelationMeta,
    through: crate::model::meta::Through,
    parent: &[Value],
    target: &[Value],
) -> Result<Vec<Value>> {
    let junction = (through.table)();
    junction
        .columns
        .iter()
        .map(|c| {
            if let Some(at) = through.from.iter().position(|f| *f == c.name) {
                return Ok(parent[at].clone());
            }
            if let Some(at) = through.to.iter().position(|t| *t == c.name) {
                return Ok(target[at].clone());
            }
            Err(unsupported(
                table,
                rel,
                &format!(
                    "the junction `{}` has a column besides its keys (`{}`): insert_graph would not know its value; insert the junction's rows with insert_many",
                    junction.name, c.name
                ),
            ))
        })
        .collect()
}

/// Relation `i`'s field of row `at`.
fn field_of<'r>(
    rows: &'r mut dyn LevelRows,
    at: usize,
    i: usize,
    rel: &'static RelationMeta,
) -> Result<&'r mut dyn Any> {
    let table = rows.table();
    rows.relation_field(at, i)
        .ok_or_else(|| internal(table, rel))
}

/// Sets the columns at `positions` of row `at` to `values`.
fn set_at(
    rows: &mut dyn LevelRows,
    at: usize,
    positions: &[usize],
    values: Vec<Value>,
) -> Result<()> {
    positions
        .iter()
        .zip(values)
        .try_for_each(|(&column, value)| rows.set_column_value(at, column, value))
}

fn column_index(table: &'static TableMeta, column: &str) -> Result<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == column)
        .ok_or_else(|| Error::Unsupported {
            table: table.name,
            relation: "",
            message: format!("internal error in insert_graph: no column `{column}`"),
        })
}

fn child_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn unsupported(table: &'static TableMeta, rel: &RelationMeta, message: &str) -> Error {
    Error::Unsupported {
        table: table.name,
        relation: rel.name,
        message: message.to_owned(),
    }
}

fn internal(table: &'static TableMeta, rel: &RelationMeta) -> Error {
    unsupported(
        table,
        rel,
        "internal error in insert_graph: relation field not found",
    )
}

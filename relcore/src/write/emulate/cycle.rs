//! A delete whose cascades go around a cycle of tables (A cascades to B, B to A).
//!
//! A fixpoint over predicates would need mutual recursion across tables, which SQLite's
//! and MySQL's recursive CTEs do not have. So this delete reads as it plans: it
//! collects the doomed rows' keys, table by table and locked, until no cascade finds a
//! new row; then the other actions apply to the rows outside that set (each a plan of
//! its own), and every collected row is deleted by key. Unlike the set-based plans, it
//! holds the keys in memory, and its statements grow with the rows, in chunks under
//! the bind limit; it is only used for such cycles.

use super::existence::{action_value, check_default};
use super::guards::rows_guards;
use super::plan::{Plan, Refused, Step};
use super::rows::{Rows, SetTo, delete_statement, keys_per_statement};
use super::{Planner, execute, update};
use crate::model::error::Result;
use crate::model::graph::{ForeignKey, Graph};
use crate::model::key::{KeyOf, KeySet};
use crate::model::meta::{Action, TableMeta};
use crate::sql::exec::Executor;

/// Whether a cascade delete from `table` can reach a cycle of two or more tables whose
/// relations all cascade on delete (self relations aside: a closure handles them).
pub(super) fn cascades_around_a_cycle(graph: &Graph, table: &'static TableMeta) -> bool {
    fn visit(
        graph: &Graph,
        table: &'static str,
        path: &mut Vec<&'static str>,
        done: &mut Vec<&'static str>,
    ) -> bool {
        if path.contains(&table) {
            return true;
        }
        if done.contains(&table) {
            return false;
        }
        path.push(table);
        let found = graph
            .referring_to(table)
            .filter(|fk| !fk.is_self() && fk.on_delete == Some(Action::Cascade))
            .any(|fk| visit(graph, fk.child.name, path, done));
        path.pop();
        done.push(table);
        found
    }
    visit(graph, table.name, &mut Vec::new(), &mut Vec::new())
}

/// Every table's doomed keys, in the order found.
type Doomed = Vec<(&'static TableMeta, KeySet, Vec<KeyOf>)>;

/// Adds `keys` of `table` to the doomed ones; those that were not yet.
fn add(doomed: &mut Doomed, table: &'static TableMeta, keys: Vec<KeyOf>) -> Vec<KeyOf> {
    let i = match doomed.iter().position(|(t, ..)| t.name == table.name) {
        Some(i) => i,
        None => {
            doomed.push((table, KeySet::default(), Vec::new()));
            doomed.len() - 1
        }
    };
    let (_, set, list) = &mut doomed[i];
    let new: Vec<KeyOf> = keys.into_iter().filter(|k| set.insert(k.clone())).collect();
    list.extend(new.iter().cloned());
    new
}

/// Deletes `rows` of `table` and everything its cascades reach around the cycle (see
/// the [module docs](self)); how many of `rows` it deleted.
pub(super) async fn delete_keyed(
    run: &mut dyn Executor,
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: Rows<'_>,
) -> Result<u64> {
    let mut doomed = Doomed::new();
    let seed = execute::keys_of(run, p, table, &rows).await?;
    let asked = seed.len() as u64;
    let mut queue = vec![(table, add(&mut doomed, table, seed))];
    while let Some((parent, keys)) = queue.pop() {
        let per = keys_per_statement(p.dialect, parent);
        for fk in p
            .graph
            .referring_to(parent.name)
            .filter(|fk| fk.on_delete == Some(Action::Cascade))
        {
            for chunk in keys.chunks(per) {
                let children = referencing(fk, chunk);
                let found = execute::keys_of(run, p, fk.child, &children).await?;
                let new = add(&mut doomed, fk.child, found);
                if !new.is_empty() {
                    queue.push((fk.child, new));
                }
            }
        }
    }
    // On a multi-primary cluster, every doomed row's guards.
    let mut guards = Plan::default();
    for (t, _, keys) in &doomed {
        for chunk in keys.chunks(keys_per_statement(p.dialect, t)) {
            let rows = Rows::Keys(chunk.to_vec());
            guards.steps.extend(rows_guards(p, t, &rows, |_| true));
        }
    }
    execute::run(run, p, &guards).await?;
    // The other actions, on the rows that refer to doomed rows and are not doomed.
    let mut defaults: Vec<&ForeignKey> = Vec::new();
    for (parent, _, keys) in &doomed {
        let per = keys_per_statement(p.dialect, parent);
        for fk in p
            .graph
            .referring_to(parent.name)
            .filter(|fk| fk.on_delete != Some(Action::Cascade))
        {
            let spared = |k: &KeyOf| {
                !doomed
                    .iter()
                    .any(|(t, set, _)| t.name == fk.child.name && set.contains(k))
            };
            for chunk in keys.chunks(per) {
                let children = referencing(fk, chunk);
                let referring: Vec<KeyOf> = execute::keys_of(run, p, fk.child, &children)
                    .await?
                    .into_iter()
                    .filter(spared)
                    .collect();
                if referring.is_empty() {
                    continue;
                }
                let action @ (Action::SetNull | Action::SetDefault) =
                    fk.on_delete.unwrap_or(Action::NoAction)
                else {
                    return Err(Refused::StillReferenced(fk).error());
                };
                let sets: Vec<(&'static str, SetTo)> = fk
                    .child_cols
                    .iter()
                    .map(|c| (*c, action_value(fk, c, action)))
                    .collect();
                let carried = (action == Action::SetDefault).then_some(fk);
                for part in referring.chunks(keys_per_statement(p.dialect, fk.child)) {
                    let rows = Rows::Keys(part.to_vec());
                    let path = vec![parent.name];
                    let plan = update::plan(p, fk.child, sets.clone(), rows, path, carried, false);
                    execute::run(run, p, &plan).await?;
                }
                if action == Action::SetDefault {
                    defaults.push(fk);
                }
            }
        }
    }
    let mut deletes = Plan::default();
    for (t, _, keys) in &doomed {
        for chunk in keys.chunks(keys_per_statement(p.dialect, t)) {
            deletes.push(Step::Write {
                stmt: delete_statement(p, t, &Rows::Keys(chunk.to_vec())),
                table: t,
                counted: false,
                typed: None,
            });
        }
    }
    for fk in defaults {
        deletes.steps.extend(check_default(p, fk));
    }
    execute::run(run, p, &deletes).await?;
    // The rows asked for, as a database's own cascade counts them (the set of `table`
    // may hold more, reached around the cycle).
    Ok(asked)
}

/// The rows of `fk`'s child that refer to the parent rows with these keys.
fn referencing<'g>(fk: &'g ForeignKey, keys: &[KeyOf]) -> Rows<'g> {
    Rows::Referencing {
        fk,
        parent: Box::new(Rows::Keys(keys.to_vec())),
        changed: Vec::new(),
    }
}

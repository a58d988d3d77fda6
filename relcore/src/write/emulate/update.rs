//! Updates: the keys an update writes must refer to rows that exist, and every
//! `on_update` that points at the columns it changes applies.

use super::existence::{NewKey, action_value, check_default, check_update, count_existing};
use super::guards::rows_guards;
use super::plan::{MAX_DEPTH, Plan, Refusal, Refused, Step, When};
use super::rows::{Rows, SetTo, any_statement, keys_per_pass, lock_statement, update_statement};
use super::{Planner, execute};
use crate::model::error::Result;
use crate::model::graph::ForeignKey;
use crate::model::meta::{Action, TableMeta};
use crate::model::value::Value;
use crate::sql::exec::Executor;
use crate::write::enforcement::Emulation;

/// Sets `sets` on `rows` of `table`, checking the keys it writes and applying every
/// `on_update` of the keys it changes; how many rows matched.
pub async fn update(
    run: &mut dyn Executor,
    emulation: &Emulation,
    table: &'static TableMeta,
    sets: Vec<(&'static str, SetTo)>,
    rows: Rows<'_>,
) -> Result<u64> {
    let p = Planner::new(emulation, run.dialect());
    let changes_referenced = p
        .graph
        .referring_to(table.name)
        .any(|fk| changes(fk, &sets));
    if changes_referenced && !rows.by_keys() {
        // A key change of the rows asked for, locked and named by key (see `delete`).
        let keys = execute::keys_of(run, &p, table, &rows).await?;
        let mut changed = 0;
        for pass in keys.chunks(keys_per_pass(p.dialect, table, &keys)) {
            let rows = Rows::Keys(pass.to_vec());
            let plan = plan(&p, table, sets.clone(), rows, Vec::new(), None, true);
            changed += execute::run(run, &p, &plan).await?;
        }
        return Ok(changed);
    }
    let plan = plan(&p, table, sets, rows, Vec::new(), None, false);
    execute::run(run, &p, &plan).await
}

/// Whether setting `sets` changes columns that `fk` refers to.
fn changes(fk: &ForeignKey, sets: &[(&'static str, SetTo)]) -> bool {
    fk.parent_cols
        .iter()
        .any(|c| sets.iter().any(|(s, _)| s == c))
}

/// The plan of setting `sets` on `rows` of `table`. `path` holds the tables whose key
/// changes led here. `carried` is the key whose `on_update = cascade` (or
/// `set_default`) this update carries out: its new values are the parent's new key,
/// which the parent's own update writes next, so they are not checked (a default is
/// checked once the parent's key has changed). `locked`: the rows were read by key
/// with a lock already.
pub(super) fn plan<'g>(
    p: &Planner<'g>,
    table: &'static TableMeta,
    sets: Vec<(&'static str, SetTo)>,
    rows: Rows<'g>,
    path: Vec<&'static str>,
    carried: Option<&'g ForeignKey>,
    locked: bool,
) -> Plan<'g> {
    let mut plan = Plan::default();
    let set = |c: &str| sets.iter().find(|(s, _)| *s == c).map(|(_, to)| to);
    // Keys this update writes must refer to rows that exist: a key set whole is
    // share-locked, then a touched row the update would leave pointing nowhere is
    // looked for. A failed check still lets the update run (`When::AtWrite`), so that
    // a unique key it breaks is reported first, as the database reports it.
    for fk in p.graph.held_by(table.name).filter(|fk| {
        fk.child_cols.iter().any(|c| set(c).is_some())
            && carried.is_none_or(|carried| carried.name != fk.name)
    }) {
        if let NewKey::Whole(key) = NewKey::of(fk, &sets) {
            // Only the lock and the guard: the check below finds a missing row.
            for step in count_existing(p, fk, &[key]) {
                plan.push(match step {
                    Step::Count(stmt) => Step::Lock(stmt),
                    step => step,
                });
            }
        }
        for step in check_update(p, fk, table, &sets, &rows) {
            plan.push(step);
        }
    }
    // Keys this update changes may be referred to.
    let referenced: Vec<&'g ForeignKey> = p
        .graph
        .referring_to(table.name)
        .filter(|fk| changes(fk, &sets))
        .collect();
    if !referenced.is_empty() {
        if !locked {
            plan.steps
                .extend(lock_statement(p, table, &rows).map(Step::Lock));
        }
        plan.steps
            .extend(rows_guards(p, table, &rows, |fk| changes(fk, &sets)));
    }
    let mut path = path;
    path.push(table.name);
    for fk in referenced {
        let children = Rows::Referencing {
            fk,
            parent: Box::new(rows.clone()),
            changed: sets.clone(),
        };
        let action = fk.on_update.unwrap_or(Action::NoAction);
        let child_sets: Vec<(&'static str, SetTo)> = match action {
            Action::Restrict | Action::NoAction => {
                // The update still runs, so that a unique key the new key breaks is
                // reported first, as PostgreSQL and SQLite do (and as ForeignKeys mode
                // does on MySQL too, see `write::constraint::taken_key`).
                plan.push(Step::RefuseIfFound {
                    stmt: any_statement(p, fk.child, &children),
                    refusal: Refusal {
                        why: Refused::StillReferenced(fk),
                        when: When::AtWrite,
                    },
                });
                continue;
            }
            // The new key, where it changes, carried to the rows that refer to it.
            Action::Cascade => fk
                .child_cols
                .iter()
                .zip(fk.parent_cols)
                .filter_map(|(c, parent)| set(parent).map(|to| (*c, to.clone())))
                .collect(),
            action @ (Action::SetNull | Action::SetDefault) => fk
                .child_cols
                .iter()
                .map(|c| (*c, action_value(fk, c, action)))
                .collect(),
        };
        if path.len() > MAX_DEPTH {
            plan.fail(Refused::Cycle {
                fk,
                path: path.clone(),
            });
            break;
        }
        let carried = matches!(action, Action::Cascade | Action::SetDefault).then_some(fk);
        let nested = self::plan(
            p,
            fk.child,
            child_sets,
            children,
            path.clone(),
            carried,
            false,
        );
        let then = match action {
            Action::SetDefault => check_default(p, fk),
            _ => Vec::new(),
        };
        if !plan.nest(nested, then) {
            break;
        }
    }
    if sets.is_empty() {
        return plan;
    }
    let stmt = update_statement(p, table, &sets, &rows);
    // A unique key or a NOT NULL the new values break is named with the values set.
    let values: Vec<(&'static str, Value)> = sets
        .iter()
        .filter_map(|(c, to)| match to {
            SetTo::Value(v) => Some((*c, v.clone())),
            _ => None,
        })
        .collect();
    plan.push(Step::Write {
        stmt,
        table,
        counted: true,
        typed: Some(values),
    });
    plan
}

//! Deletes: every `on_delete` that points at the deleted rows applies, recursively.

use super::existence::{action_value, check_default};
use super::guards::rows_guards;
use super::plan::{Plan, Refusal, Refused, Step, When};
use super::rows::{Rows, SetTo, any_statement, delete_statement, keys_per_pass, lock_statement};
use super::{Planner, cycle, execute, update};
use crate::model::error::Result;
use crate::model::meta::{Action, TableMeta};
use crate::sql::exec::Executor;
use crate::write::enforcement::Emulation;

/// Deletes `rows` of `table` and applies every `on_delete` that points at them; how
/// many rows of `table` it deleted.
pub async fn delete(
    run: &mut dyn Executor,
    emulation: &Emulation,
    table: &'static TableMeta,
    rows: Rows<'_>,
) -> Result<u64> {
    let p = Planner::new(emulation, run.dialect());
    if cycle::cascades_around_a_cycle(p.graph, table) {
        return cycle::delete_keyed(run, &p, table, rows).await;
    }
    if p.graph.is_referenced(table.name) && !rows.by_keys() {
        // The rows asked for, locked and then named by key: a predicate would also
        // match rows inserted meanwhile (PostgreSQL has no gap locks), whose children
        // no step below would have looked for.
        let keys = execute::keys_of(run, &p, table, &rows).await?;
        let per_pass = keys_per_pass(p.dialect, table, &keys);
        let p = Planner {
            whole: (matches!(rows, Rows::Filter(None)) && keys.len() <= per_pass)
                .then_some(table.name),
            ..p
        };
        let mut deleted = 0;
        for pass in keys.chunks(per_pass) {
            let plan = plan(&p, table, Rows::Keys(pass.to_vec()), Vec::new(), true);
            deleted += execute::run(run, &p, &plan).await?;
        }
        return Ok(deleted);
    }
    let plan = plan(&p, table, rows, Vec::new(), false);
    execute::run(run, &p, &plan).await
}

/// The plan of deleting `rows` of `table`. `path` holds the tables whose deletes
/// cascaded here; `locked`: the rows were read by key with a lock already.
fn plan<'g>(
    p: &Planner<'g>,
    table: &'static TableMeta,
    rows: Rows<'g>,
    path: Vec<&'static str>,
    locked: bool,
) -> Plan<'g> {
    let mut plan = Plan::default();
    let referenced = p.graph.is_referenced(table.name);
    // A self relation that cascades takes its whole subtree along.
    let seed = rows.clone();
    let rows = match p
        .graph
        .held_by(table.name)
        .find(|fk| fk.is_self() && fk.on_delete == Some(Action::Cascade))
    {
        Some(fk) => Rows::Closure {
            fk,
            seed: Box::new(rows),
        },
        None => rows,
    };
    // Rows nothing refers to need no lock before the delete: it locks them itself.
    let locked = locked && rows.by_keys();
    if referenced && !locked {
        plan.steps
            .extend(lock_statement(p, table, &rows).map(Step::Lock));
    }
    if referenced {
        plan.steps.extend(rows_guards(p, table, &rows, |_| true));
    }
    let mut path = path;
    path.push(table.name);
    for fk in p.graph.referring_to(table.name) {
        let mut children = Rows::Referencing {
            fk,
            parent: Box::new(rows.clone()),
            changed: Vec::new(),
        };
        if fk.is_self() {
            // Rows deleted along with their parent do not refer to it any more.
            children = Rows::Excluding {
                rows: Box::new(children),
                except: Box::new(rows.clone()),
            };
        }
        let nested = match fk.on_delete.unwrap_or(Action::NoAction) {
            Action::Restrict | Action::NoAction => {
                plan.push(Step::RefuseIfFound {
                    stmt: any_statement(p, fk.child, &children),
                    refusal: Refusal {
                        why: Refused::StillReferenced(fk),
                        when: When::Now,
                    },
                });
                continue;
            }
            Action::Cascade if fk.is_self() => continue,
            Action::Cascade => {
                if path.contains(&fk.child.name) {
                    plan.fail(Refused::Cycle {
                        fk,
                        path: path.clone(),
                    });
                    break;
                }
                (
                    self::plan(p, fk.child, children, path.clone(), false),
                    Vec::new(),
                )
            }
            action @ (Action::SetNull | Action::SetDefault) => {
                let sets: Vec<(&'static str, SetTo)> = fk
                    .child_cols
                    .iter()
                    .map(|c| (*c, action_value(fk, c, action)))
                    .collect();
                // The default is checked once the rows are gone: it may be one of them.
                let (carried, then) = match action {
                    Action::SetDefault => (Some(fk), check_default(p, fk)),
                    _ => (None, Vec::new()),
                };
                let nested =
                    update::plan(p, fk.child, sets, children, path.clone(), carried, false);
                (nested, then)
            }
        };
        if !plan.nest(nested.0, nested.1) {
            break;
        }
    }
    if let Rows::Closure { .. } = rows {
        // The subtree below the rows asked for goes first, so that the count is of
        // those rows alone, as a database's own cascade reports it.
        let below = Rows::Excluding {
            rows: Box::new(rows),
            except: Box::new(seed.clone()),
        };
        plan.push(Step::Write {
            stmt: delete_statement(p, table, &below),
            table,
            counted: false,
            typed: None,
        });
    }
    plan.push(Step::Write {
        stmt: delete_statement(p, table, &seed),
        table,
        counted: true,
        typed: None,
    });
    plan
}

//! The executor: the only part of Emulated mode that talks to the connection. It sends
//! a plan's statements in order and reads what they say (see [`Step`]).

use super::Planner;
use super::plan::{Plan, Refusal, Step, When};
use super::rows::{Rows, key_types, keys_statement};
use crate::model::error::{Error, Result};
use crate::model::key::KeyOf;
use crate::model::meta::TableMeta;
use crate::model::row::Cells;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::Statement;
use crate::sql::exec::{BoxFuture, Executor};
use crate::write::constraint::{Failed, Touched, typed_error};

/// What running a plan came to.
struct Outcome<'p, 'g> {
    /// The row count of its counted write.
    written: u64,
    /// A refusal met before its write (`When::AtWrite`): the write was sent, and
    /// this is the write's error.
    refused: Option<Error>,
    /// What runs once the plan is through (see `Step::Nested`).
    after: Vec<&'p Step<'g>>,
}

/// Runs `plan`; how many rows its counted write changed.
pub(super) async fn run(run: &mut dyn Executor, p: &Planner<'_>, plan: &Plan<'_>) -> Result<u64> {
    steps(run, p, &plan.steps).await
}

/// Runs a plan's steps, then what they leave for after; the count of its write.
fn steps<'a>(
    run: &'a mut dyn Executor,
    p: &'a Planner<'_>,
    steps: &'a [Step<'_>],
) -> BoxFuture<'a, Result<u64>> {
    Box::pin(async move {
        let outcome = send(run, p, steps).await?;
        if let Some(refused) = outcome.refused {
            return Err(refused);
        }
        // The checks left for after.
        match send(run, p, outcome.after).await?.refused {
            Some(refused) => Err(refused),
            None => Ok(outcome.written),
        }
    })
}

/// Sends `steps` in order: a refusal `Now` fails at once; one `AtWrite` skips to the
/// next write, which is sent, and is then the outcome's.
async fn send<'p, 'g: 'p>(
    run: &mut dyn Executor,
    p: &Planner<'_>,
    steps: impl IntoIterator<Item = &'p Step<'g>>,
) -> Result<Outcome<'p, 'g>> {
    let mut outcome = Outcome {
        written: 0,
        refused: None,
        after: Vec::new(),
    };
    // Rows the `Count`s found since the last `Expect`.
    let mut tally = 0;
    for step in steps {
        if outcome.refused.is_some() && !matches!(step, Step::Write { .. }) {
            continue;
        }
        match step {
            Step::Lock(stmt) => {
                finds_rows(run, stmt).await?;
            }
            Step::Guard(stmt) => {
                run.execute(stmt).await?;
            }
            Step::Count(stmt) => tally += count(run, stmt).await?,
            Step::Expect { at_least, refusal } => {
                if tally < *at_least {
                    refuse(refusal, &mut outcome)?;
                }
                tally = 0;
            }
            Step::RefuseIfFound { stmt, refusal } => {
                if finds_rows(run, stmt).await? {
                    refuse(refusal, &mut outcome)?;
                }
            }
            Step::Nested { plan, then } => {
                if self::steps(run, p, &plan.steps).await? > 0 {
                    outcome.after.extend(then);
                }
            }
            Step::Fail(why) => return Err(why.error()),
            Step::Write {
                stmt,
                table,
                counted,
                typed,
            } => {
                stmt.check_binds(run.dialect(), table.name)?;
                let done = match run.execute(stmt).await {
                    Ok(done) => done,
                    Err(e) => {
                        let Some(sets) = typed else { return Err(e) };
                        let failed = Failed {
                            table,
                            rows: &[],
                            sets,
                            touched: Touched::None,
                        };
                        return Err(typed_error(run, Some(p.graph), failed, e).await);
                    }
                };
                if *counted {
                    outcome.written = done.rows_affected;
                }
                if outcome.refused.is_some() {
                    break;
                }
            }
        }
    }
    Ok(outcome)
}

/// Meets a refusal: fails at once, or notes it for after the write.
fn refuse(refusal: &Refusal<'_>, outcome: &mut Outcome<'_, '_>) -> Result<()> {
    match refusal.when {
        When::Now => Err(refusal.why.error()),
        When::AtWrite => {
            outcome.refused = Some(refusal.why.error());
            Ok(())
        }
    }
}

/// Runs the checks of an insert's plan (which has no write of its own): the refusal
/// they met, which the caller reports once it has sent the insert.
pub(super) async fn checks(
    run: &mut dyn Executor,
    p: &Planner<'_>,
    plan: &Plan<'_>,
) -> Result<Option<Error>> {
    Ok(send(run, p, &plan.steps).await?.refused)
}

/// The primary keys of `rows` of `table`, locked for a change.
pub(super) async fn keys_of(
    run: &mut dyn Executor,
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
) -> Result<Vec<KeyOf>> {
    let stmt = keys_statement(p, table, rows);
    stmt.check_binds(run.dialect(), table.name)?;
    Ok(run
        .fetch(&stmt, &key_types(table))
        .await?
        .into_iter()
        .map(|mut key| match key.len() {
            1 => KeyOf::One(key.remove(0)),
            _ => KeyOf::Many(key),
        })
        .collect())
}

/// Whether a statement returns any row (its cells unread).
async fn finds_rows(run: &mut dyn Executor, stmt: &Statement) -> Result<bool> {
    let mut found = false;
    run.fetch_each(stmt, &mut |_: &dyn Cells| {
        found = true;
        Ok(())
    })
    .await?;
    Ok(found)
}

/// The count a `SELECT COUNT(*)` returns.
async fn count(run: &mut dyn Executor, stmt: &Statement) -> Result<usize> {
    let counted = run.fetch(stmt, &[SqlType::BigInt]).await?;
    Ok(match counted.first().and_then(|row| row.first()) {
        Some(Value::I64(n)) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    })
}

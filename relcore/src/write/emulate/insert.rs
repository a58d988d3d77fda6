//! Inserts (and upserts): the keys the rows refer to must exist.

use super::existence::{count_existing, referenced_keys};
use super::plan::{Plan, Refusal, Refused, Step, When};
use super::{Planner, execute};
use crate::model::error::{Error, Result};
use crate::model::meta::TableMeta;
use crate::model::value::Value;
use crate::sql::exec::Executor;
use crate::write::enforcement::Emulation;

/// Checks, before an insert of `rows` (every column's value, in column order) into
/// `table`, that the keys they refer to exist, and share-locks them: one statement per
/// foreign key (and chunk, where the dialect cannot take the keys as one parameter).
/// The error when one does not: the caller still sends the insert, so that a unique key
/// it breaks is reported first, as the database reports it, and the transaction every
/// emulated write runs in undoes it.
pub async fn check_insert(
    run: &mut dyn Executor,
    emulation: &Emulation,
    table: &'static TableMeta,
    rows: &[Vec<Value>],
) -> Result<Option<Error>> {
    let p = Planner::new(emulation, run.dialect());
    let mut plan = Plan::default();
    for (fk, keys) in referenced_keys(&p, table, rows) {
        plan.steps.extend(count_existing(&p, fk, &keys));
        plan.push(Step::Expect {
            at_least: keys.len(),
            refusal: Refusal {
                why: Refused::PointsNowhere(fk),
                when: When::AtWrite,
            },
        });
    }
    execute::checks(run, &p, &plan).await
}

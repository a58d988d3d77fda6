//! The plan of an emulated write: its statements, rendered, in the order they are sent,
//! each with what its answer means. The planners build it without a connection; the
//! executor (`execute.rs`) runs it.

use crate::model::error::Error;
use crate::model::graph::ForeignKey;
use crate::model::meta::TableMeta;
use crate::model::value::Value;
use crate::sql::builder::Statement;

/// The steps of a write at one table, and of the writes it entails at the tables that
/// refer to it (nested plans).
#[derive(Debug, Default)]
pub(super) struct Plan<'g> {
    pub steps: Vec<Step<'g>>,
    /// Whether the plan stops at a [`Step::Fail`] (its own or a nested plan's): the
    /// planner plans nothing after one, as the executor would never get there.
    pub fails: bool,
}

/// One statement of a plan and what its answer means, or a nested plan.
#[derive(Debug)]
pub(super) enum Step<'g> {
    /// Locks rows (`FOR UPDATE`, or a share lock on rows referred to); its rows are
    /// not read.
    Lock(Statement),
    /// Upserts conflict guards on a multi-primary cluster.
    Guard(Statement),
    /// Counts rows that exist, adding to the tally an [`Step::Expect`] reads.
    Count(Statement),
    /// Refuses the write when the `Count`s since the last `Expect` found fewer than
    /// `at_least` rows.
    Expect {
        at_least: usize,
        refusal: Refusal<'g>,
    },
    /// Refuses the write when the statement finds a row.
    RefuseIfFound {
        stmt: Statement,
        refusal: Refusal<'g>,
    },
    /// The write at a table that refers to this one. `then` runs after this plan's
    /// writes when the nested plan changed rows: where a `set_default` moved rows to
    /// their default key, that key's row must exist once this plan's rows are gone.
    Nested { plan: Plan<'g>, then: Vec<Step<'g>> },
    /// Fails here: a chain of key changes around a cycle of tables, too long to carry.
    Fail(Refused<'g>),
    /// A write of the plan's own table: an `UPDATE` or `DELETE`. The plan's result is
    /// the row count of its `counted` write. A failed `UPDATE` names its error with
    /// the values it set (`typed`); a failed `DELETE` reports the database's.
    Write {
        stmt: Statement,
        table: &'static TableMeta,
        counted: bool,
        typed: Option<Vec<(&'static str, Value)>>,
    },
}

/// When a refusal fails the write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum When {
    /// At once: the rest of the plan is not sent.
    Now,
    /// After the plan's own write: the steps between are skipped, the write is sent,
    /// and a unique key or NOT NULL it breaks is reported instead (the database checks
    /// those before its foreign keys), then the transaction undoes it.
    AtWrite,
}

/// A refusal a step may meet, and when it fails the write.
#[derive(Clone, Debug)]
pub(super) struct Refusal<'g> {
    pub why: Refused<'g>,
    pub when: When,
}

/// Why Emulated mode refuses a write.
#[derive(Clone, Debug)]
pub(super) enum Refused<'g> {
    /// Rows of the key's child still refer to a row the write deletes or changes.
    StillReferenced(&'g ForeignKey),
    /// A key the write stores refers to no row of the key's parent.
    PointsNowhere(&'g ForeignKey),
    /// A `set_default` moved rows to a default key that refers to no row.
    DefaultMissing(&'g ForeignKey),
    /// A key change would be carried around a cycle of tables more than `MAX_DEPTH`
    /// steps.
    Cycle {
        fk: &'g ForeignKey,
        path: Vec<&'static str>,
    },
}

/// How many steps a chain of key changes may take (each changes a key that another
/// relation refers to); a longer one goes around a cycle of tables.
pub(super) const MAX_DEPTH: usize = 64;

impl Refused<'_> {
    /// The typed error, naming the tables and the relation.
    pub(super) fn error(&self) -> Error {
        match self {
            Refused::StillReferenced(fk) => Error::StillReferenced {
                table: fk.parent.name,
                referencing_table: Some(fk.child.name),
                relation: fk.relation(),
                message: format!(
                    "rows of `{}` still refer to it (Rel, Emulated mode)",
                    fk.child.name
                ),
                source: None,
            },
            Refused::PointsNowhere(fk) => Error::ForeignKey {
                path: String::new(),
                table: fk.child.name,
                relation: fk.relation(),
                message: format!(
                    "no row of `{}` has the key it refers to (Rel, Emulated mode)",
                    fk.parent.name
                ),
                source: None,
            },
            // The rows that referred to the parent have nowhere to point: the parent's
            // change is refused, as the database's own action reports it.
            Refused::DefaultMissing(fk) => Error::StillReferenced {
                table: fk.parent.name,
                referencing_table: Some(fk.child.name),
                relation: fk.relation(),
                message: format!(
                    "rows of `{}` still refer to it, and their default key refers to no row \
                     (Rel, Emulated mode)",
                    fk.child.name
                ),
                source: None,
            },
            Refused::Cycle { fk, path } => Error::Unsupported {
                table: fk.child.name,
                relation: fk.relation,
                message: format!(
                    "Emulated mode cannot carry a key change around a cycle of tables more \
                     than {MAX_DEPTH} steps ({} -> {})",
                    path.join(" -> "),
                    fk.child.name
                ),
            },
        }
    }
}

impl<'g> Plan<'g> {
    /// Adds a step.
    pub(super) fn push(&mut self, step: Step<'g>) {
        self.steps.push(step);
    }

    /// Adds the write at a referring table; whether planning may go on (the nested
    /// plan does not stop at a failure).
    pub(super) fn nest(&mut self, plan: Plan<'g>, then: Vec<Step<'g>>) -> bool {
        let fails = plan.fails;
        self.steps.push(Step::Nested { plan, then });
        self.fails |= fails;
        !fails
    }

    /// Adds a failure: nothing after it is planned.
    pub(super) fn fail(&mut self, why: Refused<'g>) {
        self.steps.push(Step::Fail(why));
        self.fails = true;
    }
}

//! Emulated relation mode: Rel enforces every foreign key itself, for databases without
//! them.
//!
//! A write is planned over the schema's foreign-key graph (every relation, whichever
//! side declares it) and runs as set-based statements, whose number grows with the
//! depth of the relation graph, not with the number of rows. Planning and running are
//! apart, as in toasty: the planners (`insert.rs`, `update.rs`, `delete.rs`, with the
//! statements of `rows.rs`, `existence.rs` and `guards.rs`) turn a write into a
//! [`Plan`](plan::Plan) of rendered statements without a connection, and only the
//! executor (`execute.rs`) sends them and reads what they say.
//!
//! - **Existence.** For an insert, per foreign key of the table, Rel counts the
//!   referenced rows of the whole batch that exist: one `SELECT` per key, which also
//!   takes a share lock on them. An update that sets key columns checks the key it
//!   writes the same way. A NULL in any key column skips the check (SQL's MATCH
//!   SIMPLE). The check (and lock) comes before the write, parent before child;
//!   when it fails the write is still sent, so that a unique key it breaks is
//!   reported first, as the database reports it, and then rolled back.
//! - **Actions.** A delete (or a change of a referenced key) first locks the rows it
//!   touches (`FOR UPDATE`), then, for each foreign key that points at them, refuses
//!   (`restrict`, `no_action`), or deletes, sets NULL, sets the default, or carries the
//!   new key to the rows that refer to them, recursively. The rows at each step are
//!   described by a subquery on the step above ([`Rows`]), so no key is held in memory;
//!   a self relation's cascade is its transitive closure, one recursive CTE.
//!
//! Two things depend on what the database answers, and so happen between plans: the
//! rows a delete or key change asks for are first read by key, with a lock, and each
//! pass of them planned alone; and a delete whose cascades go around a cycle of tables
//! collects its rows until no cascade finds a new one (`cycle.rs`).
//!
//! Lock order: the parent rows before their children. A child write takes a share lock
//! on its parent; a parent delete or key change takes an exclusive lock on the parent
//! before it looks for children. So the two never both commit: one waits for the
//! other, and then sees what it did. The facade runs each emulated write in one
//! transaction (its own, retried on deadlocks and serialization failures, or the
//! caller's, at a savepoint).

mod cycle;
mod delete;
mod execute;
mod existence;
mod guards;
mod insert;
mod plan;
mod rows;
mod update;

pub(super) use delete::delete;
pub(super) use insert::check_insert;
pub(super) use rows::{Rows, SetTo};
pub(super) use update::update;

use super::enforcement::Emulation;
use crate::model::graph::Graph;
use crate::sql::dialect::{Dialect, GuardSql};

/// What plans an emulated write: the graph, the dialect its statements are written
/// in, and the emulation's switches.
#[derive(Clone, Copy)]
struct Planner<'g> {
    graph: &'g Graph,
    dialect: Dialect,
    locking: bool,
    guards: bool,
    /// The table whose rows named by key are all of its rows (a delete of every row,
    /// its keys read in one pass): a cascade from them through keys that take no
    /// NULL reaches each child whole (see `rows::Joined`).
    whole: Option<&'static str>,
}

impl<'g> Planner<'g> {
    fn new(emulation: &'g Emulation, dialect: Dialect) -> Planner<'g> {
        Planner {
            graph: &emulation.graph,
            dialect,
            locking: emulation.locking,
            guards: emulation.guards,
            whole: None,
        }
    }

    /// The clause that share-locks the rows a SELECT reads, where the write locks.
    fn lock_for_share(&self) -> Option<&'static str> {
        self.dialect
            .syntax()
            .lock_for_share
            .filter(|_| self.locking)
    }

    /// The clause that locks the rows a SELECT reads for a change, where the write
    /// locks.
    fn lock_for_update(&self) -> Option<&'static str> {
        self.dialect
            .syntax()
            .lock_for_update
            .filter(|_| self.locking)
    }

    /// How conflict guards are written, where the write guards (see `GuardSql`).
    fn guard_sql(&self) -> Option<GuardSql> {
        self.dialect.syntax().guards.filter(|_| self.guards)
    }
}

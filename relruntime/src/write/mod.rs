//! Writing: insert (one or many), update (by key or filter), upsert, delete (by key or
//! filter), and the mapping of constraint errors to typed errors naming the table,
//! columns and relation.
//!
//! It imports the model and the SQL layer, never the reading layer beside it, and runs
//! its statements through `sql::exec::Executor`. Every statement goes through
//! `SqlBuilder`. Each write takes the [`Enforcement`] its caller decided: the
//! database's foreign keys, or Emulated mode's checks and actions (`emulate/`).

mod constraint;
mod delete;
mod emulate;
mod enforcement;
mod insert;
mod update;
mod upsert;

pub(crate) use delete::delete;
pub(crate) use enforcement::Enforcement;
pub(crate) use insert::{insert, insert_many};
pub(crate) use update::update_row;
pub use {delete::Delete, update::Update, upsert::Upsert};

/// The state of an [`Update`] or a [`Delete`] that has no filter yet: it cannot run.
#[derive(Debug, Clone, Copy)]
pub struct Unfiltered;

/// The state of an [`Update`] or a [`Delete`] that has a filter, or said `all_rows()`:
/// it can run.
#[derive(Debug, Clone, Copy)]
pub struct Filtered;

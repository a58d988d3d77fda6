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
mod graph;
mod insert;
mod update;
mod upsert;

pub use delete::delete;
pub use enforcement::Enforcement;
pub use graph::{GraphSteps, NotATable, Probe, Steps, ViaTable};
pub use graph::{Plan as GraphPlan, insert_graph};
pub use insert::{insert, insert_many};
pub use update::update_row;
pub use {delete::Delete, update::Update, upsert::Upsert};

/// The state of an [`Update`] or a [`Delete`] that has no filter yet: it cannot run.
#[derive(Debug, Clone, Copy)]
pub struct Unfiltered;

/// The state of an [`Update`] or a [`Delete`] that has a filter: it can run, and takes
/// more filters.
#[derive(Debug, Clone, Copy)]
pub struct Filtered;

/// The state of an [`Update`] or a [`Delete`] that said `all_rows()`: it can run, and
/// takes no filter (a filter would contradict it).
#[derive(Debug, Clone, Copy)]
pub struct AllRows;

/// The state of an [`Update`] that sets no column yet: it cannot run.
#[derive(Debug, Clone, Copy)]
pub struct NoSets;

/// The state of an [`Update`] that sets at least one column.
#[derive(Debug, Clone, Copy)]
pub struct HasSets;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Filtered {}
    impl Sealed for super::AllRows {}
    impl Sealed for super::Unfiltered {}
    impl Sealed for super::HasSets {}
}

/// Said of an [`Update`] or a [`Delete`] whose rows are chosen, by `.filter(..)` or
/// `.all_rows()`: only then does it run. Implemented by [`Filtered`] and [`AllRows`].
#[diagnostic::on_unimplemented(
    message = "this update or delete does not say which rows: add `.filter(..)`, or `.all_rows()` to write every row",
    label = "`.filter(..)` or `.all_rows()` comes before this"
)]
pub trait RowsChosen: sealed::Sealed {}
impl RowsChosen for Filtered {}
impl RowsChosen for AllRows {}

/// Said of an [`Update`] or a [`Delete`] that takes a filter: one that has none yet, or
/// has one. Not one that said `.all_rows()`.
#[diagnostic::on_unimplemented(
    message = "this update or delete said `.all_rows()`, and a filter contradicts it: keep `.filter(..)` or `.all_rows()`, not both",
    label = "after `.all_rows()`"
)]
pub trait TakesFilter: sealed::Sealed {}
impl TakesFilter for Unfiltered {}
impl TakesFilter for Filtered {}

/// Said of an [`Update`] that sets a column: only then does it run. Implemented by
/// [`HasSets`] alone.
#[diagnostic::on_unimplemented(
    message = "this update sets nothing: add `.set(Table::column, value)`",
    label = "`.set(..)` comes before this"
)]
pub trait ColumnsSet: sealed::Sealed {}
impl ColumnsSet for HasSets {}

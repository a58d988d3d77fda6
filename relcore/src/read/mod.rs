//! Reading: the query builder, relation handles and what they load, and the two
//! loaders (Join in one statement, Batch in one statement per level).
//!
//! It imports the model and the SQL layer, never the writing layer beside it, and runs
//! its statements through `sql::exec::Executor`, which the connection layer implements.

pub mod aggregate;
pub mod batch;
pub mod integrity;
pub mod join;
pub mod ops;
pub mod page;
pub mod plan;
pub mod prepared;
pub mod query;
pub mod record;
pub mod relation;
pub mod select;
pub mod spec;

use crate::model::error::Result;
use crate::model::table::Table;
use crate::sql::exec::Executor;
use spec::LoadSpec;

/// Loads the relations `specs` describe onto `rows` that were fetched before
/// (`Db::load`).
pub async fn load_onto<T: Table>(
    run: &mut dyn Executor,
    rows: &mut [T],
    specs: &[LoadSpec],
) -> Result<()> {
    LoadSpec::check_unique(T::NAME, specs)?;
    batch::load(run, rows, None, specs, "", batch::Reach::Listed).await
}

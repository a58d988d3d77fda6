//! Reading: the query builder, relation handles and what they load, and the two
//! loaders (Join in one statement, Batch in one statement per level).
//!
//! It imports the model and the SQL layer, never the writing layer beside it, and runs
//! its statements through `sql::exec::Executor`, which the connection layer implements.

pub(crate) mod aggregate;
pub(crate) mod batch;
pub(crate) mod integrity;
pub(crate) mod join;
pub(crate) mod ops;
pub(crate) mod page;
pub(crate) mod plan;
pub(crate) mod prepared;
pub(crate) mod query;
pub(crate) mod record;
pub(crate) mod relation;
pub(crate) mod select;
pub(crate) mod spec;

use crate::model::error::Result;
use crate::model::table::Table;
use crate::sql::exec::Executor;
use spec::LoadSpec;

/// Loads the relations `specs` describe onto `rows` that were fetched before
/// (`Db::load`).
pub(crate) async fn load_onto<T: Table>(
    run: &mut dyn Executor,
    rows: &mut [T],
    specs: &[LoadSpec],
) -> Result<()> {
    LoadSpec::check_unique(T::NAME, specs)?;
    batch::load(run, rows, None, specs, "", batch::Reach::Listed).await
}

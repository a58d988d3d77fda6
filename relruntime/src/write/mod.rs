//! Writing: insert and delete, and the mapping of constraint errors to the relations
//! they concern.
//!
//! It imports the model and the SQL layer, never the reading layer beside it, and runs
//! its statements through `sql::exec::Executor`. Every statement goes through
//! `SqlBuilder`.

mod constraint;
mod delete;
mod insert;

pub(crate) use delete::delete;
pub(crate) use insert::{insert, insert_many};

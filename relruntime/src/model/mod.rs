//! The schema model, the bottom layer: SQL types and values, table metadata, the
//! `Table` and `Key` traits, relation fields, reading a row into a struct, the
//! relation graph of a `Schema`, and the error type.
//!
//! It imports nothing else of the crate. Everything above reads it.

#[doc(hidden)]
pub mod check;
pub(crate) mod error;
pub(crate) mod fields;
pub(crate) mod graph;
pub(crate) mod key;
pub(crate) mod meta;
pub(crate) mod names;
pub(crate) mod registry;
pub(crate) mod row;
pub(crate) mod schema;
pub(crate) mod table;
pub(crate) mod value;

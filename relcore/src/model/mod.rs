//! The schema model, the bottom layer: SQL types and values, table metadata, the
//! `Table` and `Key` traits, relation fields, reading a row into a struct, the
//! relation graph of a `Schema`, and the error type.
//!
//! It imports nothing else of the crate. Everything above reads it.

#[doc(hidden)]
pub mod check;
pub mod error;
pub mod fields;
pub mod graph;
pub mod key;
pub mod meta;
pub mod names;
pub mod registry;
pub mod row;
pub mod schema;
pub mod table;
pub mod value;

//! The SQL layer: the builder every statement goes through, the dialects, column
//! handles and the filter AST, how a relation joins its parent, DDL, and the
//! interface a statement runs through.
//!
//! It imports only the model below it.

pub mod builder;
pub mod column;
pub mod computed;
pub mod ddl;
pub mod dialect;
pub mod exec;
pub mod expr;
pub mod placeholder;
pub mod raw;
pub mod related;
pub mod scalar;

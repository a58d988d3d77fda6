//! The SQL layer: the builder every statement goes through, the dialects, column
//! handles and the filter AST, how a relation joins its parent, DDL, and the
//! interface a statement runs through.
//!
//! It imports only the model below it.

pub(crate) mod builder;
pub(crate) mod column;
pub(crate) mod computed;
pub(crate) mod ddl;
pub(crate) mod dialect;
pub(crate) mod exec;
pub(crate) mod expr;
pub(crate) mod placeholder;
pub(crate) mod raw;
pub(crate) mod related;
pub(crate) mod scalar;

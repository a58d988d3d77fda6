//! The runtime of Rel: schema metadata, dialects, the SQL builder, DDL and row I/O.
//!
//! Users depend on the `rel` facade, which re-exports this crate and the derive.
//! See `ARCHITECTURE.md` for how the pieces fit.

#![warn(missing_docs)]

mod backend;
mod column;
mod crud;
mod db;
mod ddl;
mod error;
mod expr;
mod join;
mod json_cursor;
mod load;
mod meta;
mod plan;
mod query;
mod relation;
mod row;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite_functions;
mod value;

pub use column::{Column, TextColumn};
pub use db::{Conn, Db, Transaction};
pub use ddl::{RelationMode, Schema};
pub use error::{DecodeError, Error, Result};
pub use expr::{Expr, Order};
pub use meta::{
    Action, ColumnMeta, Key, Literal, RelationKind, RelationMeta, Table, TableMeta, Through,
};
pub use query::{Query, Strategy};
pub use relation::{Many, One, Relation};
pub use row::RowReader;
pub use sql::{Dialect, SqlBuilder, Statement};
pub use value::{ColumnValue, SqlType, Value};

/// What the derive's generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::column::Column;
    pub use crate::error::Result;
    pub use crate::meta::{
        Action, ColumnMeta, Literal, RelationKind, RelationMeta, Table, TableMeta, Through, check,
    };
    pub use crate::relation::Relation;
    pub use crate::row::RowReader;
    pub use crate::value::{ColumnValue, LiteralKind, Value};
}

//! The runtime of Rel: schema metadata, dialects, the SQL builder, DDL, the query
//! builder and its loaders, writes, and connections.
//!
//! Users depend on the `rel` facade, which re-exports this crate and the derive.
//! The folders are layers, each importing only those below it; see `ARCHITECTURE.md`.
//!
//! | layer | folder |
//! |---|---|
//! | the facade users call | `db/` |
//! | connections | `conn/` |
//! | reading, writing (side by side) | `read/`, `write/` |
//! | SQL | `sql/` |
//! | the schema model | `model/` |

#![warn(missing_docs)]
// On docs.rs (`--cfg docsrs`, a nightly rustdoc), each item behind a cargo feature is
// badged with it.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod db;
mod driver;
mod migrate;
mod model;
mod read;
mod sql;
mod write;

pub use db::{Conn, Db, DbBuilder, TableExt, Transaction};
pub use driver::{JournalMode, SqlxConn, SqlxPool};
pub use migrate::{Destructive, Migration, Step};
pub use model::error::{DecodeError, Error, Result};
pub use model::fields::{Many, One};
// The table metadata the derive generates, the row reader and the SQL builder its code
// calls: public, since a user's crate expands the derive, but not part of the API a user
// writes against, so hidden from the docs.
#[doc(hidden)]
pub use model::meta::{
    Action, ColumnMeta, Constraint, Literal, RelationKind, RelationMeta, TableMeta, Through,
};
#[doc(hidden)]
pub use model::row::RowReader;
pub use model::schema::{RelationMode, Schema};
pub use model::table::{Key, Table};
pub use model::value::{ColumnValue, SqlType, Value};
pub use read::integrity::Orphans;
pub use read::plan::{Plan, PlanStep};
pub use read::query::{Query, Strategy};
pub use read::relation::{
    Counted, Fresh, Loadable, LoadsRows, OnlyFilters, Plural, Relation, Shaped, ToMany, ToOne,
};
#[doc(hidden)]
pub use sql::builder::SqlBuilder;
pub use sql::builder::Statement;
pub use sql::column::escape_like;
pub use sql::column::{Column, TextColumn, ValueOf};
pub use sql::dialect::Dialect;
pub use sql::expr::{Expr, Order};
pub use write::{
    AllRows, ColumnsSet, Delete, Filtered, HasSets, NoSets, RowsChosen, TakesFilter, Unfiltered,
    Update, Upsert,
};

/// What the derive's generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::check;
    pub use crate::model::error::Result;
    pub use crate::model::meta::{
        Action, ColumnMeta, Constraint, Literal, RelationKind, RelationMeta, TableMeta, Through,
    };
    pub use crate::model::registry::Registered;
    pub use crate::model::row::RowReader;
    pub use crate::model::table::Table;
    pub use crate::model::value::{ColumnValue, LiteralKind, SqlType, Value};
    pub use crate::read::query::Query;
    pub use crate::read::relation::{Relation, ToMany, ToOne};
    pub use crate::sql::column::Column;
    pub use inventory;
}

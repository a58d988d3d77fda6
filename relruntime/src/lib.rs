//! The runtime of Rel: connections and what runs on them, over `relcore` (schema
//! metadata, dialects, the SQL builder, DDL, the query builder and its loaders,
//! writes, migrations).
//!
//! Users depend on the `rel` facade, which re-exports this crate and the derive.
//! The folders are layers, each importing only those below it; see `ARCHITECTURE.md`.
//!
//! | layer | folder |
//! |---|---|
//! | the facade users call | `db/` |
//! | connections, one folder per sqlx driver | `driver/` |
//! | reading, migrating, writing (side by side) | `relcore`: `read/`, `migrate/`, `write/` |
//! | SQL | `relcore`: `sql/` |
//! | the schema model | `relcore`: `model/` |

#![warn(missing_docs)]
// Every `unsafe` block is in `driver/sqlite/handle.rs`, allowed there by name.
#![deny(unsafe_code)]
// On docs.rs (`--cfg docsrs`, a nightly rustdoc), each item behind a cargo feature is
// badged with it.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod db;
mod driver;
// The layers below the drivers, in their own crate (see ARCHITECTURE.md, "Two crates").
use relcore::{migrate, model, read, sql, write};

pub use db::{
    Conn, Db, DbBuilder, InsertGraph, Position, PositionError, ReplicaChooser, ReplicaSettings,
    RoundRobin, TableExt, Transaction,
};
pub use driver::{JournalMode, SqlxConn, SqlxPool};
pub use migrate::{Destructive, Migration, Step};
pub use model::error::{DecodeError, Error, Result};
pub use model::fields::{Many, One};
pub use relcore::column_newtype;
pub use relcore::run::{IntoRunner, SchemaRunner};
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
pub use read::page::{Cursor, Page, PagedQuery};
pub use read::plan::{Plan, PlanStep};
pub use read::prepared::{Bound, Prepared};
pub use read::query::{Query, Strategy};
pub use read::relation::{
    Counted, Fresh, Load, Loadable, LoadsRows, OnlyFilters, Plural, Relation, Shaped, ToMany, ToOne,
};
pub use read::select::{Partial, Select};
#[doc(hidden)]
pub use sql::builder::SqlBuilder;
pub use sql::builder::Statement;
pub use sql::column::escape_like;
pub use sql::column::{Column, Placeholder, TextColumn, ValueOf};
pub use sql::computed::{
    Arith, Case, Compute, Computed, ComputedValue, Joined, Number, Operand, Text,
};
pub use sql::dialect::Dialect;
pub use sql::expr::{Expr, Order};
pub use sql::raw::{RawValue, RawValues};
pub use sql::scalar::{Extremum, RelatedValue, Summable};
pub use write::{
    AllRows, ColumnsSet, Delete, Filtered, HasSets, NoSets, RowsChosen, TakesFilter, Unfiltered,
    Update, Upsert,
};

/// The sqlx that Rel runs on, for queries of your own at the same version: its query
/// functions, pools, connections, transactions and rows, and each enabled backend's
/// modules (SQLite's in part). Not all of sqlx: re-exporting the whole crate makes
/// rustc spell the types in Rel's compile errors with their full paths
/// (`std::string::String`, `rel::Update`), because names such as sqlx's `Column` trait
/// would then be reachable twice. For the rest (`types`, `migrate`, the `Column` trait),
/// depend on sqlx 0.9 beside Rel.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::sqlx::{self, Row};
/// let db = rel::Db::connect("sqlite::memory:").await?;
/// let row = sqlx::query("SELECT 1 + 1 AS two")
///     .fetch_one(db.sqlite_pool().unwrap())
///     .await?;
/// assert_eq!(row.get::<i64, _>("two"), 2);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub mod sqlx {
    pub use ::sqlx::{
        Acquire, Arguments, AssertSqlSafe, Connection, Database, Decode, Encode, Executor, FromRow,
        IntoArguments, Pool, Row, SqlSafeStr, Statement, Transaction, Type, pool, query, query_as,
        query_as_with, query_scalar, query_scalar_with, query_with, raw_sql,
    };
    #[cfg(feature = "mysql")]
    pub use ::sqlx::{MySql, MySqlConnection, MySqlPool, mysql};
    #[cfg(feature = "postgres")]
    pub use ::sqlx::{PgConnection, PgPool, Postgres, postgres};
    // Not sqlx's `sqlite` module: its `SqliteOperation::Update` makes rustc spell Rel's
    // `Update` in full, as above.
    #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
    pub use ::sqlx::{Sqlite, SqliteConnection, SqlitePool};
    /// sqlx's SQLite options, pool options and row, from its `sqlite` module.
    #[cfg(any(feature = "sqlite", feature = "sqlite-system"))]
    pub mod sqlite {
        pub use ::sqlx::sqlite::{
            SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
            SqliteSynchronous,
        };
    }
    /// sqlx's error.
    pub use ::sqlx::Error;
}

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
    pub use crate::model::value::column_error;
    pub use crate::model::value::{ColumnValue, LiteralKind, SqlType, Value};
    pub use crate::read::query::Query;
    pub use crate::read::record::{
        FieldLoader, Record, RelationField, copy_record, partial_relation,
    };
    pub use crate::read::relation::{Relation, ToMany, ToOne};
    pub use crate::read::select::Partial;
    pub use crate::sql::column::Column;
    pub use crate::sql::computed::{AnyComputed, computed_field};
    pub use crate::sql::expr::Expr;
    pub use crate::write::{GraphSteps, NotATable, Probe, Steps, ViaTable};
    pub use inventory;
}

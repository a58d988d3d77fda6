//! # Rel
//!
//! Typed relations and relational queries for Rust, checked at compile time, on SQLite,
//! PostgreSQL and MySQL/MariaDB through sqlx.
//!
//! Annotate plain structs with `#[derive(Table)]`, declare relations with
//! `#[relation(...)]`, and Rel generates typed column handles, relation handles and
//! the table metadata its runtime reads. A bad relation is a compile error at your
//! token.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use rel::prelude::*;
//!
//! #[derive(Table, Debug)]
//! #[table(name = "users")]
//! struct User {
//!     #[column(primary_key, auto_increment)]
//!     id: i64,
//!     name: String,
//!     #[relation(many)]
//!     posts: Many<Post>,
//! }
//!
//! #[derive(Table, Debug)]
//! #[table(name = "posts")]
//! struct Post {
//!     #[column(primary_key, auto_increment)]
//!     id: i64,
//!     author_id: i64,
//!     title: String,
//!     #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
//!     author: One<User>,
//! }
//!
//! let db = Db::connect("sqlite::memory:").await?;
//! let schema = Schema::new(RelationMode::ForeignKeys).table::<User>().table::<Post>();
//! schema.create_all(&db).await?;
//!
//! let ada = db.insert(&User { id: 0, name: "Ada".into(), posts: Many::default() }).await?;
//! db.insert(&Post { id: 0, author_id: ada, title: "Notes".into(), author: One::default() }).await?;
//!
//! let posts = db.all::<Post>().await?;
//! assert_eq!(posts[0].author_id, ada);
//! assert!(posts[0].author.get().is_err()); // not loaded
//!
//! // A post pointing at no user is refused, with the relation named.
//! let err = db.insert(&Post { id: 0, author_id: 99, title: "x".into(), author: One::default() }).await;
//! assert!(matches!(err, Err(rel::Error::ForeignKey { relation: Some("author"), .. })));
//! # Ok::<(), rel::Error>(())
//! # }).unwrap();
//! ```

pub use relmacros::Table;
pub use relruntime::*;

#[cfg(feature = "cli")]
pub mod cli;

/// The names most programs need: `use rel::prelude::*;`.
pub mod prelude {
    pub use relmacros::Table;
    pub use relruntime::{
        Column, ColumnValue, Conn, Db, Delete, Destructive, Dialect, Expr, Many, One, Order, Query,
        Relation, RelationMode, Schema, Strategy, Table, TableExt, Transaction, Update, Upsert,
    };
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

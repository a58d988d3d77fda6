// The README is the crate's front page, and the guide's pages are modules of
// documentation. Their links are reference links to files, which work where the
// Markdown is read as files (GitHub, a checkout). `docs/rustdoc-links.md` defines the
// same labels as intra-doc links and comes first: in Markdown the first definition of
// a label wins, so on docs.rs the links lead to the modules.
#![doc = include_str!("../docs/rustdoc-links.md")]
#![doc = include_str!("../README.md")]
// On docs.rs (`--cfg docsrs`, a nightly rustdoc), each item behind a cargo feature is
// badged with it.
#![cfg_attr(docsrs, feature(doc_cfg))]
/// `#[derive(Table)]`: the attribute reference.
///
#[doc = include_str!("../docs/derive.md")]
#[doc(inline)]
pub use relmacros::Table;
pub use relruntime::*;

/// Makes serde skip every relation of the struct that was not loaded, so that a row
/// loaded without its relations serializes (with the `serde` feature, a relation not
/// loaded refuses to serialize: it is not an empty one). A loaded relation serializes
/// as its value, a loaded empty one as `[]` or `null`; an absent field deserializes as
/// not loaded.
///
/// Put it above `#[derive(..)]`: it adds
/// `#[serde(default, skip_serializing_if = "::rel::Many::is_not_loaded")]` (`One` for a
/// `one`) to each relation field, and serde's derive must see that. What a field says
/// itself wins: `default` is added unless the field sets `default` or `skip`, and
/// `skip_serializing_if` unless it sets `skip`, `skip_serializing` or
/// `skip_serializing_if`. Below the derive, or without `Serialize` or `Deserialize`
/// derived, it is a compile error.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
/// use serde::Serialize;
///
/// #[rel::skip_unloaded]
/// #[derive(Table, Serialize)]
/// #[table(name = "users")]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     #[relation(many)]
///     posts: Many<Post>,
/// }
///
/// #[rel::skip_unloaded]
/// #[derive(Table, Serialize)]
/// #[table(name = "posts")]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     author_id: i64,
///     #[relation(one, from = author_id, to = User::id)]
///     author: One<User>,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
/// db.insert(&User { id: 1, posts: Many::default() }).await?;
///
/// let plain = db.get::<User>(&1).await?.unwrap();
/// assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"id":1}"#);
/// let loaded = User::query().with(User::posts()).all(&db).await?;
/// assert_eq!(serde_json::to_string(&loaded[0]).unwrap(), r#"{"id":1,"posts":[]}"#);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub use relmacros::skip_unloaded;

/// Derives [`Partial`](trait@Partial): some columns, computed values and relations of a
/// table as a struct of its own, read with [`Query::select`]. See the trait and
/// [`Computed`] for examples.
pub use relmacros::Partial;

#[cfg(feature = "cli")]
pub mod cli;

/// The names most programs need: `use rel::prelude::*;`.
pub mod prelude {
    pub use relmacros::{Partial, Table};
    pub use relruntime::{
        Case, Column, ColumnValue, Compute, Computed, Conn, Cursor, Db, Delete, Destructive,
        Dialect, Expr, Many, One, Order, Placeholder, Query, Relation, RelationMode, Schema,
        Strategy, Table, TableExt, Transaction, Update, Upsert,
    };
}

/// The guide: Rel's long-form documentation, one page per topic. Every example on these
/// pages is a doctest that `cargo test` runs.
pub mod guide {
    macro_rules! page {
        ($name:ident, $file:literal) => {
            #[doc = include_str!("../docs/rustdoc-links.md")]
            #[doc = include_str!(concat!("../docs/guide/", $file))]
            pub mod $name {}
        };
    }
    page!(relations, "relations.md");
    page!(querying, "querying.md");
    page!(writing, "writing.md");
    page!(relation_modes, "relation-modes.md");
    page!(migrations, "migrations.md");
    page!(sqlx, "sqlx.md");
    page!(cluster, "cluster.md");
    page!(replicas, "replicas.md");
    page!(backends, "backends.md");
    /// How fast Rel is, against hand-written sqlx, Diesel and SeaORM, and how to run
    /// the benchmarks.
    #[doc = include_str!("../docs/rustdoc-links.md")]
    #[doc = include_str!("../BENCHMARKS.md")]
    pub mod benchmarks {}
}

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
    page!(backends, "backends.md");
    /// How fast Rel is, against hand-written sqlx, Diesel and SeaORM, and how to run
    /// the benchmarks.
    #[doc = include_str!("../docs/rustdoc-links.md")]
    #[doc = include_str!("../BENCHMARKS.md")]
    pub mod benchmarks {}
}

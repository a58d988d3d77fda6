//! The core of [Rel](https://docs.rs/rel): what does not depend on a database driver.
//!
//! Table metadata and its checks, the dialects, the SQL builder, query plans and the
//! Batch and Join loaders, row decoding, writes and Emulated mode's statements,
//! migrations. Everything here runs SQL through `sql::exec::Executor`, which the
//! drivers in `relruntime` implement. Use Rel through the `rel` crate; this one is
//! split from `relruntime` so that it compiles while the drivers' dependencies (SQLite's
//! C code) do, and it is not an API of its own.

#![warn(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Its modules are hidden (see ARCHITECTURE.md, "Two crates"): their docs may link to
// what is private, as they did when these layers were private modules of `relruntime`.
#![allow(rustdoc::private_intra_doc_links)]

// sqlx's driver-independent core, under the name the code has always used for it.
extern crate sqlx_core as sqlx;

#[doc(hidden)]
pub mod migrate;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod read;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod sql;
#[doc(hidden)]
pub mod write;

//! The schema's lifecycle: the shape the structs describe, the shape the database has
//! (read from its catalog), and the steps between them.
//!
//! It imports the model and the SQL layer, never reading, writing or the connection
//! layer; it runs its catalog queries through `sql::exec::Executor`.
//!
//! | file | what |
//! |---|---|
//! | `shape.rs` | `Shape`: tables, columns, keys, indexes and foreign keys, in one canonical spelling per backend; the shape a `Schema` describes |
//! | `catalog.rs` | the shape a live database has, from its catalog (per dialect) |
//! | `diff.rs` | `Step`, and the steps from one shape to another |
//! | `sql.rs` | the statements that carry out the steps on one dialect (SQLite's rebuild) |
//! | `pull.rs` | a live shape written as Rust source: structs, relations from foreign keys |
//! | `file.rs` | `Migration`: the steps and statements, as a sqlx migration file |

pub mod catalog;
pub mod diff;
pub mod file;
pub mod pull;
pub mod shape;
pub mod sql;

pub use diff::Step;
pub use file::{Destructive, Migration};

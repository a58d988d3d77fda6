//! The facade users call: `Db`, `Transaction`, `Conn`, the methods that run a query
//! or a write on one of them, and `TableExt`, which starts queries from a table type.
//!
//! It is the top layer: it may import every layer below, and wires the reading and
//! writing layers to the connection layer's `Runner`.

mod builder;
mod conn;
mod database;
mod ext;
mod graph;
mod knowledge;
mod operation;
mod position;
mod replicas;
mod trace;
mod transaction;
mod write;

pub use builder::DbBuilder;
pub use conn::Conn;
pub use database::Db;
pub use ext::TableExt;
pub use graph::InsertGraph;
pub use position::{Position, PositionError};
pub use replicas::{ReplicaChooser, ReplicaSettings, RoundRobin};
pub use transaction::Transaction;

//! The Join strategy: one statement whatever the depth, built on JSON aggregation.
//!
//! Each loaded relation becomes a correlated subquery that aggregates the related rows
//! into a JSON array of positional arrays: `[[col, col, ..., nested, ...], ...]`. The
//! order inside each aggregate is fixed by SQL (`ORDER BY` in the aggregate), and
//! per-parent limits are applied inside the subquery:
//!
//! - PostgreSQL: `json_agg(json_build_array(..) ORDER BY ..)`; with a limit or offset,
//!   `json_agg(s.j ORDER BY s.n)` over a numbered, limited derived table.
//! - SQLite: `json_group_array(json_array(..) ORDER BY ..)`, and the same derived table
//!   (`json_group_array(json(s.j) ORDER BY s.n)`) with a limit or offset.
//! - MariaDB: `JSON_ARRAYAGG(JSON_ARRAY(..) ORDER BY .. LIMIT ..)`, with no derived
//!   table, because MariaDB has no LATERAL and derived tables cannot see the outer row.
//!
//! Values that JSON would bend travel as text: bytes as hex, decimals as text, JSON
//! documents as their text (so a JSON `null` differs from SQL NULL), SQLite's doubles
//! as their bits. Integers stay JSON integers, read exactly.
//!
//! The dialect supplies each piece of that SQL (its `Syntax`'s `json_row` and
//! `json_agg`, and its `JsonCells` part); `sql.rs` puts them together the same way for
//! every dialect.
//!
//! The result is decoded without an intermediate tree (`decode.rs`): the pull reader
//! `cursor::Cursor` walks the text, the derive's `decode` reads each nested row's columns from it, and
//! each relation's typed step (`Ops::join`, monomorphized for its target) reads the
//! rows below into their parent's field.

pub mod cursor;
mod decode;
mod sql;

pub use decode::{attach_root, read_aggregate, read_relation};
pub use sql::write_root_relations;

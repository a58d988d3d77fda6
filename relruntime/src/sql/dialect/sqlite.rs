//! SQLite 3.35 or later (the bundled one).

use super::{Driver, JsonCell, ListParameter, Missing, SqlDialect, json_list, unqualified};
use crate::model::meta::TableMeta;
use crate::model::value::{SqlType, Value};

/// SQLite: `?` placeholders, inline foreign keys, `json_group_array`, doubles through
/// JSON as their bits, and no constraint names in errors.
pub(crate) struct Sqlite;

impl SqlDialect for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }
    fn driver(&self) -> Driver {
        Driver::Sqlite
    }

    // `?` (the default) also here: sqlx binds numbered placeholders about 6x slower.

    /// SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite.
    /// SQLite 3.51 (the bundled one) may turn `EXISTS` into a join and apply `OFFSET`
    /// to the joined rows: `WHERE EXISTS (posts with a comment) AND id IN (4) LIMIT -1
    /// OFFSET 2` returned user 4, who has three such comments (found by
    /// `tests/differential.rs`; `exists_subquery_and_offset` keeps it). A `LIMIT 1` in
    /// the subquery keeps SQLite from flattening it, and means the same to `EXISTS`.
    fn exists_limit(&self) -> &'static str {
        " LIMIT 1"
    }
    fn bind_limit(&self) -> usize {
        32_766
    }

    fn unlimited(&self) -> &'static str {
        "-1"
    }
    /// No row locks: SQLite has one writer at a time, and Rel's transactions take the
    /// write lock when they begin.
    fn lock_for_share(&self) -> Option<&'static str> {
        None
    }
    fn lock_for_update(&self) -> Option<&'static str> {
        None
    }
    /// `IN (SELECT value FROM json_each(?))` with the list as one JSON text.
    fn list_parameter(
        &self,
        _ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        Some(ListParameter {
            open: if negated {
                " NOT IN (SELECT value FROM json_each("
            } else {
                " IN (SELECT value FROM json_each("
            },
            value: Value::Text(json_list(values)?),
            close: "))",
        })
    }
    /// `(SELECT value AS v FROM json_each(?))` with the list as one JSON text.
    fn list_rows(&self, _ty: SqlType, values: &[Value]) -> Option<ListParameter> {
        Some(ListParameter {
            open: "(SELECT value AS v FROM json_each(",
            value: Value::Text(json_list(values)?),
            close: "))",
        })
    }
    /// SQLite's `LOWER` folds ASCII only; `rel_lower` (registered on every connection)
    /// lowercases with Rust's Unicode rules, like PostgreSQL's and MariaDB's `LOWER`.
    fn lowercase(&self) -> (&'static str, &'static str) {
        ("rel_lower(", ")")
    }
    /// The statement runs in-process, and one statement beats three round trips
    /// through sqlx's worker thread.
    fn prefers_join(&self) -> bool {
        true
    }

    fn json_row(&self) -> &'static str {
        "json_array("
    }
    fn json_agg_open(&self) -> &'static str {
        "json_group_array("
    }
    fn json_agg_close(&self) -> &'static str {
        ")"
    }
    fn json_reparse(&self) -> Option<(&'static str, &'static str)> {
        Some(("json(", ")"))
    }
    /// SQLite's JSON prints doubles inexactly (15 digits, wrong digits at large
    /// exponents), so they travel as their bits (see the connection layer's
    /// `rel_f64_bits`).
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Real | SqlType::Double => JsonCell::Bits,
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            _ => JsonCell::Plain,
        }
    }

    fn type_name(&self, ty: SqlType, _keyed: bool) -> &'static str {
        use SqlType as T;
        match ty {
            T::SmallInt | T::Integer | T::BigInt => "INTEGER",
            T::Real | T::Double => "REAL",
            T::Boolean => "BOOLEAN",
            T::Blob => "BLOB",
            // Dates, UUIDs, JSON and decimals are stored as text, which keeps them exact
            // and readable.
            T::Text | T::Date | T::DateTime | T::TimestampTz | T::Uuid | T::Json | T::Decimal => {
                "TEXT"
            }
        }
    }
    fn identity_column(&self, _ty: SqlType) -> &'static str {
        "INTEGER PRIMARY KEY AUTOINCREMENT"
    }
    /// SQLite has no ALTER TABLE ... ADD CONSTRAINT, but accepts forward references.
    fn inline_foreign_keys(&self) -> bool {
        true
    }
    fn foreign_key_checks(&self) -> Option<(&'static str, &'static str)> {
        Some(("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"))
    }

    /// SQLite stores NaN as NULL.
    fn stores_float(&self, x: f64) -> bool {
        !x.is_nan()
    }

    /// A transaction takes the write lock when it starts, so that one that reads and
    /// then writes never fails to upgrade its lock (`database is locked`) when another
    /// connection wrote in between; writers queue on the busy timeout instead.
    fn begin_statement(&self) -> Option<&'static str> {
        Some("BEGIN IMMEDIATE")
    }

    /// Foreign keys on; `LIKE` case-sensitive, as on PostgreSQL and MariaDB (a binary collation).
    fn connection_setup(&self) -> &'static [&'static str] {
        &[
            "PRAGMA foreign_keys = ON",
            "PRAGMA case_sensitive_like = ON",
        ]
    }
    /// SQLite reports `RESTRICT` with SQLITE_CONSTRAINT_TRIGGER (1811), which sqlx does
    /// not classify.
    fn is_foreign_key_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        error.is_foreign_key_violation()
            || (error.code().as_deref() == Some("1811") && error.message().contains("FOREIGN KEY"))
    }
    /// `UNIQUE constraint failed: users.email, users.name`.
    fn unique_columns(
        &self,
        error: &dyn sqlx::error::DatabaseError,
        table: &'static TableMeta,
    ) -> Vec<&'static str> {
        let Some(list) = error.message().strip_prefix("UNIQUE constraint failed: ") else {
            return Vec::new();
        };
        list.split(", ")
            .filter_map(|qualified| table.column(unqualified(qualified)).map(|c| c.name))
            .collect()
    }
    /// `NOT NULL constraint failed: users.email`.
    fn not_null_column(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        let column = error
            .message()
            .strip_prefix("NOT NULL constraint failed: ")?;
        Some(unqualified(column).to_owned())
    }
    /// `no such table: users`, `no such column: t0.name`, and for an INSERT
    /// `table users has no column named name`.
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing> {
        let message = error.message();
        if let Some(table) = message.strip_prefix("no such table: ") {
            return Some(Missing::Table(unqualified(table).to_owned()));
        }
        if let Some(column) = message.strip_prefix("no such column: ") {
            return Some(Missing::Column {
                table: None,
                column: unqualified(column).to_owned(),
            });
        }
        let (table, column) = message
            .strip_prefix("table ")?
            .split_once(" has no column named ")?;
        Some(Missing::Column {
            table: Some(table.to_owned()),
            column: column.to_owned(),
        })
    }
}

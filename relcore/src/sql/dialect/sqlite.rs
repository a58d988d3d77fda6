//! SQLite 3.35 or later: the bundled one, or the system's (the `sqlite-system`
//! feature). The Join strategy needs 3.44 (`ORDER BY` inside `json_group_array`); with
//! an older library, `Strategy::Auto` picks Batch and Join is `Error::Unsupported`.

use super::parts::{
    Catalog, Ddl, Errors, JsonCell, JsonCells, ListParameter, Lists, Missing, Parts, Server,
    json_list, unqualified,
};
use super::syntax::{Alter, Casts, Floats, Syntax};
use crate::model::meta::TableMeta;
use crate::model::value::{SqlType, Value};

/// SQLite: `?` placeholders (sqlx binds numbered ones about 6x slower here), inline
/// foreign keys, `json_group_array`, doubles through JSON as their bits, no row locks,
/// and no constraint names in errors.
pub const SYNTAX: Syntax = Syntax {
    // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite.
    bind_limit: 32_766,
    // SQLite 3.51 (the bundled one) may turn `EXISTS` into a join and apply `OFFSET`
    // to the joined rows: `WHERE EXISTS (posts with a comment) AND id IN (4) LIMIT -1
    // OFFSET 2` returned user 4, who has three such comments (found by
    // `tests/differential.rs`; `exists_subquery_and_offset` keeps it). A `LIMIT 1` in
    // the subquery keeps SQLite from flattening it, and means the same to `EXISTS`.
    exists_limit: " LIMIT 1",
    // No row locks: SQLite has one writer at a time, and Rel's transactions take the
    // write lock when they begin.
    lock_for_share: None,
    lock_for_update: None,
    // SQLite's `LOWER` folds ASCII only; `rel_lower` (registered on every connection)
    // lowercases with Rust's Unicode rules, like PostgreSQL's and MariaDB's `LOWER`.
    lowercase: ("rel_lower(", ")"),
    uppercase: ("rel_upper(", ")"),
    // SQLite's `length` counts a text's characters (it has no `char_length`).
    char_length: "LENGTH",
    // SQLITE_MAX_LIKE_PATTERN_LENGTH of the bundled SQLite: a longer pattern is
    // "LIKE or GLOB pattern too complex".
    like_pattern_limit: Some(50_000),
    // Through sqlx's worker thread, one statement beats three round trips; Rel's
    // direct reads make Batch the faster (see `Syntax::join_through_driver`).
    join_through_driver: true,
    // Direct reads from cached statements make Batch's three statements cheaper than
    // one row's JSON (`benches/strategies.rs`, one user by key: Batch 29–32 µs, Join
    // 36–37 µs, 2026-12-07); without direct reads `join_through_driver` picks Join.
    join_for_one_row: false,
    casts: Casts {
        integer: "INTEGER",
        double: "REAL",
        text: "TEXT",
    },
    json_reparse: Some(("json(", ")")),
    // SQLite has no ALTER TABLE ... ADD CONSTRAINT, but accepts forward references.
    inline_foreign_keys: true,
    // `ALTER TABLE` adds, renames and drops columns, and changes nothing else.
    alter: Alter {
        rebuilds: true,
        ..Alter::STANDARD
    },
    case_blind_tables: true,
    foreign_key_checks: Some(("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")),
    // SQLite stores NaN as NULL.
    floats: Floats::NotNan,
    // A transaction takes the write lock when it starts, so that one that reads and
    // then writes never fails to upgrade its lock (`database is locked`) when another
    // connection wrote in between; writers queue on the busy timeout instead.
    begin: Some("BEGIN IMMEDIATE"),
    // Foreign keys on. `like` is case-sensitive, as on PostgreSQL and MariaDB (a binary
    // collation), through `GLOB` in the statement, not `PRAGMA case_sensitive_like`,
    // which would change `LIKE` for every query on the connection, the user's too.
    connection_setup: &["PRAGMA foreign_keys = ON"],
    like_as_glob: true,
    ..Syntax::standard(
        "SQLite",
        "sqlite",
        &["sqlite"],
        "-1",
        "json_array(",
        ("json_group_array(", ")"),
    )
};

/// SQLite's behaviour.
pub const PARTS: Parts = Parts {
    syntax: SYNTAX,
    ddl: &Sqlite,
    json: &Sqlite,
    lists: &Sqlite,
    errors: &Sqlite,
    server: &Sqlite,
    catalog: CATALOG,
    replication: None,
};

/// SQLite's catalog: `sqlite_master` joined with the `pragma_*` table functions. A
/// primary key is read from `pragma_table_info` (a rowid key has no index), and the
/// only generated key Rel creates is a one-column `INTEGER PRIMARY KEY AUTOINCREMENT`.
/// Foreign keys have no names, only numbers.
const CATALOG: Catalog = Catalog {
    columns: "SELECT m.name, p.name, p.type, (p.\"notnull\" <> 0 OR p.pk > 0), p.dflt_value, \
              (p.pk = 1 AND upper(m.sql) LIKE '%AUTOINCREMENT%' \
              AND (SELECT count(*) FROM pragma_table_info(m.name) WHERE pk > 0) = 1) \
              FROM sqlite_master m JOIN pragma_table_info(m.name) p \
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
              ORDER BY m.name, p.cid",
    keys: "SELECT m.name, '', 1, 1, p.pk, p.name \
           FROM sqlite_master m JOIN pragma_table_info(m.name) p \
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.pk > 0 \
           UNION ALL \
           SELECT m.name, l.name, l.\"unique\", 0, i.seqno, i.name \
           FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.origin <> 'pk' \
           ORDER BY 1, 2, 5",
    foreign_keys: "SELECT m.name, CAST(f.id AS TEXT), '', f.\"table\", f.on_delete, f.on_update, \
                   f.seq, f.\"from\", f.\"to\" \
                   FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
                   WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                   ORDER BY m.name, f.id, f.seq",
};

/// SQLite's parts.
pub struct Sqlite;

impl Ddl for Sqlite {
    fn types_are_affinities(&self) -> bool {
        true
    }
    /// `pragma_foreign_key_list` has no constraint names.
    fn names_foreign_keys(&self) -> bool {
        false
    }

    /// Every integer spelling is one 64-bit INTEGER.
    fn pulled_type(&self, base: &str, _ty: &str) -> Option<&'static str> {
        matches!(base, "integer" | "int" | "bigint").then_some("i64")
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
}

/// SQLite's JSON prints doubles inexactly (15 digits, wrong digits at large
/// exponents), so they travel as their bits (see the driver's `rel_f64_bits`).
impl JsonCells for Sqlite {
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Real | SqlType::Double => JsonCell::Bits,
            SqlType::Decimal => JsonCell::BitsWhereReal,
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            _ => JsonCell::Plain,
        }
    }
}

impl Lists for Sqlite {
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
}

impl Errors for Sqlite {
    /// A BLOB where a TEXT column's value should be (SQLite's columns take any type):
    /// its JSON functions refuse it.
    fn is_value_json_cannot_hold(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        error.message().contains("JSON cannot hold BLOB values")
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

/// One kind of server.
impl Server for Sqlite {
    fn join_unsupported_here(&self) -> Option<String> {
        let version = linked_version()?;
        (version < 3_044_000).then(|| {
            format!(
                "the Join strategy needs SQLite 3.44 or later (ORDER BY inside \
                 json_group_array), and the SQLite this program links is {}.{}.{}; use \
                 Strategy::Batch, which Strategy::Auto picks with it",
                version / 1_000_000,
                version / 1_000 % 1_000,
                version % 1_000
            )
        })
    }
}

/// The version number of the SQLite library linked into the program (3.44.0 is
/// 3044000), where one is. The SQL layer needs it before any connection exists
/// (`Strategy::resolve`), and neither it nor its crate may depend on the driver
/// (`relcore` builds while SQLite's C code compiles): the driver registers the
/// library's own `sqlite3_libversion_number` as a [`LinkedSqlite`] at link time. The
/// header's `SQLITE_VERSION_NUMBER` would be wrong with the `sqlite-system` feature,
/// whose library is the one found at run time.
fn linked_version() -> Option<i32> {
    inventory::iter::<LinkedSqlite>
        .into_iter()
        .next()
        .map(|linked| (linked.0)())
}

/// The version of the SQLite library the program links, registered by the SQLite
/// driver (`relruntime`) with `inventory::submit!`; none without it.
#[doc(hidden)]
pub struct LinkedSqlite(pub fn() -> i32);

inventory::collect!(LinkedSqlite);

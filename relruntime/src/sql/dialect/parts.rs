//! What a dialect does rather than says: a few small traits, each with defaults where
//! most databases agree, in the manner of sea-query's `TableBuilder` / `IndexBuilder` /
//! `ForeignKeyBuilder`. A dialect is its [`Syntax`] and one implementation of each part
//! ([`Parts`]); a variant takes its base's parts and replaces the one that differs.

use super::Dialect;
use super::syntax::Syntax;
use crate::model::meta::{Action, TableMeta};
use crate::model::value::{SqlType, Value};

/// A dialect: its constant answers and its behaviour, part by part.
pub(crate) struct Parts {
    pub syntax: Syntax,
    pub ddl: &'static dyn Ddl,
    pub json: &'static dyn JsonCells,
    pub lists: &'static dyn Lists,
    pub errors: &'static dyn Errors,
    pub server: &'static dyn Server,
}

/// Column types and foreign keys in DDL.
pub(crate) trait Ddl: Sync {
    /// The column type name of `ty`. `keyed` columns take part in a key or index.
    fn type_name(&self, ty: SqlType, keyed: bool) -> &'static str;
    /// Whether a declared column type is only an affinity (SQLite): any integer
    /// spelling is one type, and text that looks like a number is converted where the
    /// affinity is not TEXT (`migrate/diff.rs changes_values`).
    fn types_are_affinities(&self) -> bool {
        false
    }

    /// The Rust type `pull` gives a column of type `base` (`ty` without its
    /// parameters) where this dialect reads it otherwise than the common mapping
    /// (`migrate/pull.rs`).
    fn pulled_type(&self, base: &str, ty: &str) -> Option<&'static str> {
        let _ = (base, ty);
        None
    }
    /// The whole definition of a generated (auto-increment) primary-key column.
    fn identity_column(&self, ty: SqlType) -> &'static str;
    /// Why this dialect's foreign keys cannot take `action`, if they cannot.
    fn unsupported_action(&self, action: Action) -> Option<&'static str> {
        let _ = action;
        None
    }
    /// A column type, lower case with single spaces, in the one spelling the
    /// dialect's catalog reports, its aliases resolved (`migrate/shape.rs`).
    fn canonical_type(&self, ty: String) -> String {
        ty
    }
    /// A referential action, upper case, as the dialect's catalog reports it.
    fn canonical_action(&self, action: String) -> String {
        action
    }
    /// Whether the catalog reports foreign keys by the names Rel gave them (SQLite's
    /// does not).
    fn names_foreign_keys(&self) -> bool {
        true
    }
}

/// How a column's value travels inside the Join strategy's JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonCell {
    /// As the database puts it into JSON.
    Plain,
    /// As hex text, between these two pieces of SQL: `hex(` and `)`.
    Hex(&'static str, &'static str),
    /// A double as `[its IEEE-754 bits]`, through `rel_f64_bits` (SQLite).
    Bits,
    /// A value stored as text, which a column of another affinity may have stored as a
    /// REAL (SQLite's `NUMERIC` for a decimal): a REAL as `[its bits]`, any other
    /// storage as it is.
    BitsWhereReal,
    /// As its text: `CAST(x AS <type>)`.
    Text(&'static str),
}

/// The Join strategy's JSON: how each column type travels inside it.
pub(crate) trait JsonCells: Sync {
    /// How a column of type `ty` travels inside JSON.
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            _ => JsonCell::Plain,
        }
    }
}

/// A whole list bound as one parameter: `column` + `open` + placeholder + `close`.
#[derive(Clone)]
pub(crate) struct ListParameter {
    pub open: &'static str,
    pub value: Value,
    pub close: &'static str,
}

/// Long lists of values in one parameter.
pub(crate) trait Lists: Sync {
    /// `column [NOT] IN (values)` with the whole list in one parameter, for a list too
    /// long to bind value by value; `None` where the dialect cannot (then a statement
    /// over the bind limit is `Error::TooManyBinds`).
    fn list_parameter(&self, ty: SqlType, negated: bool, values: &[Value])
    -> Option<ListParameter>;
    /// The values as a table of one column `v`, in one parameter, to join a key list
    /// against a table: `json_each(?)` on SQLite, where that join runs in a third of
    /// the time of `IN (SELECT value FROM json_each(?))`. `None` where the `IN` form of
    /// [`list_parameter`](Self::list_parameter) is as fast (PostgreSQL's `= ANY`,
    /// MariaDB's semi-join; measured), and where rows are locked: a join would lock
    /// the list too.
    fn list_rows(&self, ty: SqlType, values: &[Value]) -> Option<ListParameter> {
        let _ = (ty, values);
        None
    }
}

/// A table or column a statement named that the database does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    Table(String),
    Column {
        table: Option<String>,
        column: String,
    },
}

/// Reading the database's errors: what kind they are, and what they name.
pub(crate) trait Errors: Sync {
    /// Whether a database error is a unique-key violation.
    fn is_unique_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        error.is_unique_violation()
    }
    /// Whether a database error is a foreign-key violation.
    fn is_foreign_key_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        error.is_foreign_key_violation()
    }
    /// The name of the constraint a database error is about.
    fn constraint_name(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        error.constraint().map(str::to_owned)
    }
    /// The table or column a "does not exist" error is about.
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing>;
    /// Whether a Join statement failed on a value its JSON cannot hold (a stored value
    /// of another type than its column's), which Batch reads cell by cell and names.
    fn is_value_json_cannot_hold(&self, _error: &dyn sqlx::error::DatabaseError) -> bool {
        false
    }
    /// The columns of `table` a unique violation is about, where the error tells. The
    /// default reads the constraint names PostgreSQL gives: `{table}_pkey`,
    /// `{table}_{column}_key`.
    fn unique_columns(
        &self,
        error: &dyn sqlx::error::DatabaseError,
        table: &'static TableMeta,
    ) -> Vec<&'static str> {
        let Some(constraint) = error.constraint() else {
            return Vec::new();
        };
        if constraint == format!("{}_pkey", table.name) {
            return table.primary_key.to_vec();
        }
        table
            .columns
            .iter()
            .filter(|c| constraint == format!("{}_{}_key", table.name, c.name))
            .map(|c| c.name)
            .collect()
    }
    /// The column a NOT NULL violation is about, where the error tells.
    fn not_null_column(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String>;
}

/// What a server's version says, on dialects whose servers differ
/// (`Syntax::version_query`).
pub(crate) trait Server: Sync {
    /// The variant of this dialect that a server of this `version` speaks, where it is
    /// not this one (MySQL 8 behind a `mysql://` URL, where the dialect is MariaDB's).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    fn variant_for(&self, version: &str) -> Option<Dialect> {
        let _ = version;
        None
    }
    /// Why a server of this `version` cannot run Join's SQL, if it cannot.
    fn join_unsupported(&self, version: &str) -> Option<String> {
        let _ = version;
        None
    }
    /// Why the database library linked into this program cannot run Join's SQL, if it
    /// cannot (an embedded database: its version is the program's, known without a
    /// connection).
    fn join_unsupported_here(&self) -> Option<String> {
        None
    }
}

/// The text between the first `open` after `after` and the next `close`.
pub(crate) fn between<'m>(
    message: &'m str,
    after: &str,
    open: &str,
    close: &str,
) -> Option<&'m str> {
    let rest = &message[message.find(after)? + after.len()..];
    let start = rest.find(open)? + open.len();
    let len = rest[start..].find(close)?;
    Some(&rest[start..start + len])
}

/// A column name as a statement qualified it (`t0.name`), without the qualifier.
pub(crate) fn unqualified(column: &str) -> &str {
    column.rsplit_once('.').map_or(column, |(_, c)| c)
}

/// The values as a JSON array, for dialects that read a list from JSON text: integers,
/// finite floats, booleans and text only.
pub(crate) fn json_list(values: &[Value]) -> Option<String> {
    let items = values
        .iter()
        .map(|v| {
            Some(match v {
                Value::I16(x) => serde_json::Value::from(*x),
                Value::I32(x) => serde_json::Value::from(*x),
                Value::I64(x) => serde_json::Value::from(*x),
                Value::F32(x) if x.is_finite() => serde_json::Value::from(f64::from(*x)),
                Value::F64(x) if x.is_finite() => serde_json::Value::from(*x),
                Value::Bool(x) => serde_json::Value::from(*x),
                Value::Text(x) => serde_json::Value::from(x.as_str()),
                _ => return None,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(serde_json::Value::Array(items).to_string())
}

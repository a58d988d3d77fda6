//! The dialects: one type per dialect, in its own file, behind [`SqlDialect`].
//!
//! Every difference between the SQL of two databases is a method of [`SqlDialect`].
//! Its default methods say what most databases say; a dialect overrides only what it
//! does differently, the way sea-query's backends override its `QueryBuilder`. Generic
//! code asks the dialect (`dialect.sql().unlimited()`), and never matches on which
//! dialect it is.
//!
//! A dialect is registered with one line in the `dialects!` list below, which makes the
//! public [`Dialect`] enum. A variant of an existing dialect (MySQL 8, which lacks
//! MariaDB's `JSON_ARRAYAGG(.. LIMIT ..)`) is a new file whose type overrides what
//! differs and defers the rest to the dialect it varies.
//!
//! A dialect is what SQL to say. How values travel is the [`Driver`]'s business (the
//! connection layer has one file per driver); several dialects may share a driver, as
//! CockroachDB would share PostgreSQL's.

mod mysql;
mod postgres;
mod sqlite;

use crate::model::meta::Action;
use crate::model::value::{SqlType, Value};

/// The sqlx driver that carries a dialect's statements and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Driver {
    Sqlite,
    Postgres,
    MySql,
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
    /// As its text: `CAST(x AS <type>)`.
    Text(&'static str),
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

/// A whole list bound as one parameter: `column` + `open` + placeholder + `close`.
pub(crate) struct ListParameter {
    pub open: &'static str,
    pub value: Value,
    pub close: &'static str,
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

/// Everything that differs between dialects. See the [module docs](self).
pub(crate) trait SqlDialect: Sync {
    /// The dialect's name, for messages.
    fn name(&self) -> &'static str;
    /// The URL schemes that select this dialect.
    fn schemes(&self) -> &'static [&'static str];
    /// The driver that carries this dialect.
    fn driver(&self) -> Driver;

    // -- Identifiers, placeholders, literals --------------------------------------

    /// The character that quotes identifiers (doubled inside).
    fn quote_char(&self) -> char {
        '"'
    }
    /// Appends the placeholder of the `n`-th bound value (from 1).
    fn placeholder(&self, sql: &mut String, n: usize) {
        let _ = n;
        sql.push('?');
    }
    /// The most parameters one statement may bind.
    fn bind_limit(&self) -> usize {
        65_535
    }
    /// A boolean literal in DDL.
    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "1" } else { "0" }
    }
    /// Whether string literals read backslash escapes (so a backslash is doubled).
    fn backslash_escapes(&self) -> bool {
        false
    }

    // -- Queries -------------------------------------------------------------------

    /// Whether `ORDER BY` takes `NULLS FIRST` / `NULLS LAST`. Without it, a nullable
    /// column is ordered by `col IS NULL` first.
    fn orders_nulls(&self) -> bool {
        true
    }
    /// The `LIMIT` that means no limit, for an offset without a limit.
    fn unlimited(&self) -> &'static str;
    /// Whether `OFFSET` may stand without `LIMIT` at the end of a query.
    fn offset_alone(&self) -> bool {
        false
    }
    /// What follows a `LIKE` pattern to make `\` its escape character.
    fn like_escape(&self) -> &'static str {
        " ESCAPE '\\'"
    }
    /// What lowercases a value with Unicode's rules, around it: `LOWER(` and `)`.
    fn lowercase(&self) -> (&'static str, &'static str) {
        ("LOWER(", ")")
    }
    /// `column [NOT] IN (values)` with the whole list in one parameter, for a list too
    /// long to bind value by value; `None` where the dialect cannot (then a statement
    /// over the bind limit is `Error::TooManyBinds`).
    fn list_parameter(
        &self,
        ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        let _ = (ty, negated, values);
        None
    }
    /// Whether the Batch strategy binds a single-column key list as one array
    /// parameter (`= ANY($1)`) instead of an `IN` list.
    fn binds_key_arrays(&self) -> bool {
        false
    }
    /// Whether `Strategy::Auto` picks Join (one statement) over Batch, as measured by
    /// `benches/load.rs`.
    fn prefers_join(&self) -> bool {
        false
    }

    // -- The Join strategy's JSON ---------------------------------------------------

    /// Opens a JSON array of one row's cells: `json_array(`.
    fn json_row(&self) -> &'static str;
    /// Opens the aggregate of rows into a JSON array, which is never NULL: `json_agg(`.
    fn json_agg_open(&self) -> &'static str;
    /// Closes what [`json_agg_open`](Self::json_agg_open) opened.
    fn json_agg_close(&self) -> &'static str;
    /// Whether the aggregate takes `LIMIT` and `OFFSET` inside it (MariaDB). Otherwise
    /// a per-parent window numbers the rows in a derived table.
    fn limits_inside_aggregate(&self) -> bool {
        false
    }
    /// What turns a subquery's JSON text back into JSON inside another JSON value:
    /// `json(` and `)` on SQLite, where text from a subquery would be embedded as a
    /// string.
    fn json_reparse(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// The type the root's relation columns are cast to, so that the driver reads them
    /// as text (PostgreSQL's `json` is not text to sqlx).
    fn json_root_cast(&self) -> Option<&'static str> {
        None
    }
    /// How a column of type `ty` travels inside JSON.
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            _ => JsonCell::Plain,
        }
    }
    /// The statement that asks a server which version it is, sent after a Join
    /// statement failed, where some servers of this dialect cannot run Join's SQL.
    fn join_version_query(&self) -> Option<&'static str> {
        None
    }
    /// Why a server of this `version` cannot run Join's SQL, if it cannot.
    fn join_unsupported(&self, version: &str) -> Option<String> {
        let _ = version;
        None
    }

    // -- DDL -----------------------------------------------------------------------

    /// The column type name of `ty`. `keyed` columns take part in a key or index.
    fn type_name(&self, ty: SqlType, keyed: bool) -> &'static str;
    /// The whole definition of a generated (auto-increment) primary-key column.
    fn identity_column(&self, ty: SqlType) -> &'static str;
    /// Why this dialect's foreign keys cannot take `action`, if they cannot.
    fn unsupported_action(&self, action: Action) -> Option<&'static str> {
        let _ = action;
        None
    }
    /// Whether foreign keys are declared inside CREATE TABLE (forward references
    /// allowed) rather than added by ALTER TABLE after all tables.
    fn inline_foreign_keys(&self) -> bool {
        false
    }
    /// What follows a CREATE TABLE's closing parenthesis.
    fn table_options(&self) -> Option<&'static str> {
        None
    }
    /// The statements that turn foreign-key checks off and on again for one
    /// connection, so that tables in a cycle can be dropped one by one. `None` drops
    /// them all in one statement.
    fn foreign_key_checks(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// Whether DDL runs inside a transaction (MySQL commits each DDL statement).
    fn transactional_ddl(&self) -> bool {
        true
    }

    // -- Writes --------------------------------------------------------------------

    /// An INSERT of a row with no column to name: ` DEFAULT VALUES`.
    fn default_values(&self) -> &'static str {
        " DEFAULT VALUES"
    }
    /// Whether a float column stores `x` as it is.
    fn stores_float(&self, x: f64) -> bool {
        let _ = x;
        true
    }
    /// Whether INSERT takes `RETURNING`. Without it, a generated key is read from the
    /// statement's result (MySQL's `LAST_INSERT_ID()`), one row per statement.
    fn returning(&self) -> bool {
        true
    }

    // -- Connections and errors ----------------------------------------------------

    /// The statement that starts a transaction, where it is not a plain `BEGIN`.
    fn begin_statement(&self) -> Option<&'static str> {
        None
    }
    /// Statements run on every new connection.
    fn connection_setup(&self) -> &'static [&'static str] {
        &[]
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
    /// Whether a foreign-key violation names its constraint. Where it does not
    /// (SQLite), Rel asks which referenced row is missing.
    fn names_constraints(&self) -> bool {
        true
    }
}

/// Declares the [`Dialect`] enum: one line per dialect, `Variant => its type`.
macro_rules! dialects {
    ($($(#[$doc:meta])* $variant:ident => $imp:path,)*) => {
        /// An SQL dialect.
        ///
        /// ```
        /// use rel::Dialect;
        /// assert_eq!(Dialect::from_url("postgres://localhost/db"), Some(Dialect::Postgres));
        /// assert_eq!(Dialect::Sqlite.quote("a\"b"), "\"a\"\"b\"");
        /// assert_eq!(Dialect::MySql.quote("a`b"), "`a``b`");
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Dialect {
            $($(#[$doc])* $variant,)*
        }

        impl Dialect {
            /// All dialects, in a fixed order.
            pub const ALL: [Dialect; [$(stringify!($variant)),*].len()] = [$(Dialect::$variant),*];

            /// What this dialect says differently from the others.
            pub(crate) fn sql(self) -> &'static dyn SqlDialect {
                match self {
                    $(Dialect::$variant => &$imp,)*
                }
            }
        }
    };
}

dialects! {
    /// SQLite 3.35 or later.
    Sqlite => sqlite::Sqlite,
    /// PostgreSQL 13 or later.
    Postgres => postgres::Postgres,
    /// MySQL 8 or MariaDB 10.6 or later.
    MySql => mysql::MySql,
}

impl Dialect {
    /// The dialect a connection URL speaks, from its scheme.
    pub fn from_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?;
        Dialect::ALL
            .into_iter()
            .find(|d| d.sql().schemes().contains(&scheme))
    }

    /// Quotes an identifier: double quotes, or backticks on MySQL, doubled inside.
    pub fn quote(self, ident: &str) -> String {
        let q = self.sql().quote_char();
        let mut out = String::with_capacity(ident.len() + 2);
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// The most parameters one statement may bind.
    pub fn bind_limit(self) -> usize {
        self.sql().bind_limit()
    }
}

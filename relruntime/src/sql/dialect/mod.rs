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
mod mysql8;
mod postgres;
mod sqlite;

use super::builder::SqlBuilder;
use crate::model::meta::{Action, TableMeta};
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

/// How Emulated mode guards its writes on a multi-primary cluster (MariaDB Galera).
///
/// Row locks stay on the node that takes them, and a cluster certifies a transaction
/// against the others by the keys of the rows it writes. So a child write and a
/// delete or key change of its parent, on two nodes, must write a common row: both
/// upsert the parent row's guard in [`GUARD_TABLE`], keyed by the parent table and a
/// hash of the referenced columns' values, computed from the parent row on both sides.
/// Then the cluster lets only one of them commit, and the other's commit fails with a
/// retryable error (Rel retries it when it owns the transaction).
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub(crate) struct GuardSql {
    /// Whether the server is a cluster node: a query that returns 1 if it is.
    pub detect: &'static str,
    /// Creates the guard table if it is missing.
    pub table_ddl: &'static str,
    /// Around the referenced columns, the guard's key: a hash of their values.
    pub key: (&'static str, &'static str),
    /// After `INSERT .. SELECT`: bump the guard when it exists.
    pub bump: &'static str,
}

/// The table of conflict guards (see [`GuardSql`]).
pub(crate) const GUARD_TABLE: &str = "rel_guards";

/// A whole list bound as one parameter: `column` + `open` + placeholder + `close`.
#[derive(Clone)]
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
    /// The dialect this one is a variant of: every default method gives its answer,
    /// so a variant overrides only what differs (and forwards the required methods).
    fn base(&self) -> Option<&'static dyn SqlDialect> {
        None
    }
    /// The dialect's name, for messages.
    fn name(&self) -> &'static str;
    /// The URL schemes that select this dialect.
    fn schemes(&self) -> &'static [&'static str];
    /// The driver that carries this dialect.
    fn driver(&self) -> Driver;

    // -- Identifiers, placeholders, literals --------------------------------------

    /// The character that quotes identifiers (doubled inside).
    fn quote_char(&self) -> char {
        if let Some(base) = self.base() {
            return base.quote_char();
        }
        '"'
    }
    /// Appends the placeholder of the `n`-th bound value (from 1).
    fn placeholder(&self, sql: &mut String, n: usize) {
        if let Some(base) = self.base() {
            return base.placeholder(sql, n);
        }
        let _ = n;
        sql.push('?');
    }
    /// The most parameters one statement may bind.
    fn bind_limit(&self) -> usize {
        if let Some(base) = self.base() {
            return base.bind_limit();
        }
        65_535
    }
    /// A boolean literal in DDL.
    fn bool_literal(&self, value: bool) -> &'static str {
        if let Some(base) = self.base() {
            return base.bool_literal(value);
        }
        if value { "1" } else { "0" }
    }
    /// Whether string literals read backslash escapes (so a backslash is doubled).
    fn backslash_escapes(&self) -> bool {
        if let Some(base) = self.base() {
            return base.backslash_escapes();
        }
        false
    }

    // -- Queries -------------------------------------------------------------------

    /// Whether `ORDER BY` takes `NULLS FIRST` / `NULLS LAST`. Without it, a nullable
    /// column is ordered by `col IS NULL` first.
    fn orders_nulls(&self) -> bool {
        if let Some(base) = self.base() {
            return base.orders_nulls();
        }
        true
    }
    /// The `LIMIT` that means no limit, for an offset without a limit.
    fn unlimited(&self) -> &'static str;
    /// Whether `OFFSET` may stand without `LIMIT` at the end of a query.
    fn offset_alone(&self) -> bool {
        if let Some(base) = self.base() {
            return base.offset_alone();
        }
        false
    }
    /// What follows a SELECT to lock the rows it reads against their deletion or a
    /// change of their key, while others may read-lock them too: ` FOR SHARE`.
    /// `None` where the database has a single writer (SQLite).
    fn lock_for_share(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.lock_for_share();
        }
        Some(" FOR SHARE")
    }
    /// What follows a SELECT to lock the rows it reads for a change: ` FOR UPDATE`.
    fn lock_for_update(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.lock_for_update();
        }
        Some(" FOR UPDATE")
    }
    /// What follows a `LIKE` pattern to make `\` its escape character.
    fn like_escape(&self) -> &'static str {
        if let Some(base) = self.base() {
            return base.like_escape();
        }
        " ESCAPE '\\'"
    }
    /// What lowercases a value with Unicode's rules, around it: `LOWER(` and `)`.
    fn lowercase(&self) -> (&'static str, &'static str) {
        if let Some(base) = self.base() {
            return base.lowercase();
        }
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
        if let Some(base) = self.base() {
            return base.list_parameter(ty, negated, values);
        }
        let _ = (ty, negated, values);
        None
    }
    /// How Emulated mode guards writes on a multi-primary cluster of this backend; `None`
    /// where it has none.
    fn guards(&self) -> Option<GuardSql> {
        if let Some(base) = self.base() {
            return base.guards();
        }
        None
    }
    /// Whether the database checks a foreign key as each row is written, before the
    /// row's unique keys (MySQL/MariaDB), rather than at the end of the statement.
    /// Emulated mode follows it, so that a write breaking both reports the same error
    /// in both modes.
    fn checks_foreign_keys_per_row(&self) -> bool {
        if let Some(base) = self.base() {
            return base.checks_foreign_keys_per_row();
        }
        false
    }
    /// The values as a table of one column `v`, in one parameter, to join a key list
    /// against a table: `json_each(?)` on SQLite, where that join runs in a third of
    /// the time of `IN (SELECT value FROM json_each(?))`. `None` where the `IN` form of
    /// [`list_parameter`](Self::list_parameter) is as fast (PostgreSQL's `= ANY`,
    /// MariaDB's semi-join; measured), and where rows are locked: a join would lock
    /// the list too.
    fn list_rows(&self, ty: SqlType, values: &[Value]) -> Option<ListParameter> {
        if let Some(base) = self.base() {
            return base.list_rows(ty, values);
        }
        let _ = (ty, values);
        None
    }
    /// Whether the Batch strategy binds a single-column key list as one array
    /// parameter (`= ANY($1)`) instead of an `IN` list.
    fn binds_key_arrays(&self) -> bool {
        if let Some(base) = self.base() {
            return base.binds_key_arrays();
        }
        false
    }
    /// What closes a relation filter's `EXISTS (SELECT 1 ...` subquery before its `)`:
    /// nothing, or a `LIMIT 1` where the dialect needs one to read it right.
    fn exists_limit(&self) -> &'static str {
        if let Some(base) = self.base() {
            return base.exists_limit();
        }
        ""
    }
    /// The most parent keys one Batch statement sends in its `IN` list, besides the
    /// bind limit: where a server's cost per key grows with the list's length.
    fn keys_per_in_list(&self) -> usize {
        if let Some(base) = self.base() {
            return base.keys_per_in_list();
        }
        usize::MAX
    }
    /// Whether `Strategy::Auto` picks Join (one statement) over Batch, as measured by
    /// `benches/load.rs`.
    fn prefers_join(&self) -> bool {
        if let Some(base) = self.base() {
            return base.prefers_join();
        }
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
        if let Some(base) = self.base() {
            return base.limits_inside_aggregate();
        }
        false
    }
    /// What turns a subquery's JSON text back into JSON inside another JSON value:
    /// `json(` and `)` on SQLite, where text from a subquery would be embedded as a
    /// string.
    fn json_reparse(&self) -> Option<(&'static str, &'static str)> {
        if let Some(base) = self.base() {
            return base.json_reparse();
        }
        None
    }
    /// The type the root's relation columns are cast to, so that the driver reads them
    /// as text (PostgreSQL's `json` is not text to sqlx).
    fn json_root_cast(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.json_root_cast();
        }
        None
    }
    /// How a column of type `ty` travels inside JSON.
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        if let Some(base) = self.base() {
            return base.json_cell(ty);
        }
        match ty {
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            _ => JsonCell::Plain,
        }
    }
    /// The statement that asks a server which version it is: sent once when a pool
    /// connects (see [`variant_for`](Self::variant_for)), and after a Join statement
    /// failed, where some servers of this dialect cannot run Join's SQL.
    fn version_query(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.version_query();
        }
        None
    }
    /// The variant of this dialect that a server of this `version` speaks, where it is
    /// not this one (MySQL 8 behind a `mysql://` URL, where this dialect is MariaDB's).
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    fn variant_for(&self, version: &str) -> Option<Dialect> {
        if let Some(base) = self.base() {
            return base.variant_for(version);
        }
        let _ = version;
        None
    }
    /// Why a server of this `version` cannot run Join's SQL, if it cannot.
    fn join_unsupported(&self, version: &str) -> Option<String> {
        if let Some(base) = self.base() {
            return base.join_unsupported(version);
        }
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
        if let Some(base) = self.base() {
            return base.unsupported_action(action);
        }
        let _ = action;
        None
    }
    /// Whether foreign keys are declared inside CREATE TABLE (forward references
    /// allowed) rather than added by ALTER TABLE after all tables.
    fn inline_foreign_keys(&self) -> bool {
        if let Some(base) = self.base() {
            return base.inline_foreign_keys();
        }
        false
    }
    /// What follows a CREATE TABLE's closing parenthesis.
    fn table_options(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.table_options();
        }
        None
    }
    /// The statements that turn foreign-key checks off and on again for one
    /// connection, so that tables in a cycle can be dropped one by one. `None` drops
    /// them all in one statement.
    fn foreign_key_checks(&self) -> Option<(&'static str, &'static str)> {
        if let Some(base) = self.base() {
            return base.foreign_key_checks();
        }
        None
    }
    /// Whether DDL runs inside a transaction (MySQL commits each DDL statement).
    fn transactional_ddl(&self) -> bool {
        if let Some(base) = self.base() {
            return base.transactional_ddl();
        }
        true
    }

    // -- Writes --------------------------------------------------------------------

    /// An INSERT of a row with no column to name: ` DEFAULT VALUES`.
    fn default_values(&self) -> &'static str {
        if let Some(base) = self.base() {
            return base.default_values();
        }
        " DEFAULT VALUES"
    }
    /// Whether a float column stores `x` as it is.
    fn stores_float(&self, x: f64) -> bool {
        if let Some(base) = self.base() {
            return base.stores_float(x);
        }
        let _ = x;
        true
    }
    /// Whether INSERT takes `RETURNING`. Without it, a generated key is read from the
    /// statement's result (MySQL's `LAST_INSERT_ID()`), one row per statement.
    fn returning(&self) -> bool {
        if let Some(base) = self.base() {
            return base.returning();
        }
        true
    }
    /// Writes what turns an INSERT into an upsert: on a conflict on `conflict`, set
    /// `update` to the values the INSERT carried. `generated` is the table's
    /// auto-increment key, if it has one. The default is `ON CONFLICT (..) DO UPDATE SET
    /// c = excluded.c` (PostgreSQL, SQLite); `update` is never empty.
    fn write_upsert(
        &self,
        b: &mut SqlBuilder,
        conflict: &[&str],
        update: &[&str],
        generated: Option<&str>,
    ) {
        if let Some(base) = self.base() {
            return base.write_upsert(b, conflict, update, generated);
        }
        let _ = generated;
        b.push(" ON CONFLICT (")
            .push_idents(conflict)
            .push(") DO UPDATE SET ");
        b.push_list(update, ", ", |b, c| {
            b.push_ident(c).push(" = ").push("excluded.").push_ident(c);
        });
    }

    // -- Connections and errors ----------------------------------------------------

    /// The statement that starts a transaction, where it is not a plain `BEGIN`.
    fn begin_statement(&self) -> Option<&'static str> {
        if let Some(base) = self.base() {
            return base.begin_statement();
        }
        None
    }
    /// Statements run on every new connection.
    fn connection_setup(&self) -> &'static [&'static str] {
        if let Some(base) = self.base() {
            return base.connection_setup();
        }
        &[]
    }
    /// Whether a database error is a unique-key violation.
    fn is_unique_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        if let Some(base) = self.base() {
            return base.is_unique_violation(error);
        }
        error.is_unique_violation()
    }
    /// Whether a database error is a foreign-key violation.
    fn is_foreign_key_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        if let Some(base) = self.base() {
            return base.is_foreign_key_violation(error);
        }
        error.is_foreign_key_violation()
    }
    /// The name of the constraint a database error is about.
    fn constraint_name(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        if let Some(base) = self.base() {
            return base.constraint_name(error);
        }
        error.constraint().map(str::to_owned)
    }
    /// The table or column a "does not exist" error is about.
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing>;
    /// The columns of `table` a unique violation is about, where the error tells.
    fn unique_columns(
        &self,
        error: &dyn sqlx::error::DatabaseError,
        table: &'static TableMeta,
    ) -> Vec<&'static str> {
        if let Some(base) = self.base() {
            return base.unique_columns(error, table);
        }
        // The constraint names PostgreSQL gives: `{table}_pkey`, `{table}_{column}_key`.
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
        ///
        /// New dialects are added over time, so a `match` on it needs a `_` arm.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
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
    /// MariaDB 10.6 or later (`mysql://` or `mariadb://`).
    MySql => mysql::MySql,
    /// MySQL 8, picked when a `mysql://` server says it is not MariaDB. Untested here:
    /// this machine has no MySQL 8 server.
    MySql8 => mysql8::MySql8,
}

impl Dialect {
    /// The dialect a connection URL speaks, from its scheme.
    pub fn from_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?;
        Dialect::ALL
            .into_iter()
            .find(|d| d.sql().schemes().contains(&scheme))
    }

    /// The dialect a connection of `driver` speaks until its server says otherwise: the
    /// driver's first registered dialect that is no variant of another.
    pub(crate) fn of_driver(driver: Driver) -> Dialect {
        Dialect::ALL
            .into_iter()
            .find(|d| d.sql().driver() == driver && d.sql().base().is_none())
            .unwrap_or(Dialect::Sqlite)
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

//! The constant answers of a dialect, as one value: what it writes and what it can do.
//!
//! A dialect's file states its answers as a `Syntax`, starting from
//! [`Syntax::standard`] (what most databases say) and overriding what differs; a
//! variant copies its base and overrides a few fields:
//! `Syntax { returning: false, ..mysql::SYNTAX }`. Diesel's `SqlDialect` states its
//! syntax choices the same way, as data rather than code.

/// How a bound value's placeholder is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `?` for every value.
    Question,
    /// `$1`, `$2`, ...
    Numbered,
}

impl Placeholder {
    /// Appends the placeholder of the `n`-th bound value (from 1).
    pub(crate) fn push(self, sql: &mut String, n: usize) {
        match self {
            Placeholder::Question => sql.push('?'),
            Placeholder::Numbered => {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
    }
}

/// Which floats a column stores as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Floats {
    /// Every float.
    All,
    /// All but NaN (SQLite stores NaN as NULL).
    NotNan,
    /// Finite floats only (MySQL has neither NaN nor the infinities).
    Finite,
}

impl Floats {
    /// Whether a float column stores `x` as it is.
    pub fn stores(self, x: f64) -> bool {
        match self {
            Floats::All => true,
            Floats::NotNan => !x.is_nan(),
            Floats::Finite => x.is_finite(),
        }
    }
}

/// What turns an INSERT into an upsert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertClause {
    /// `ON CONFLICT (..) DO UPDATE SET c = excluded.c` (PostgreSQL, SQLite).
    OnConflict,
    /// `ON DUPLICATE KEY UPDATE c = VALUES(c)`, which fires on any unique key; a
    /// generated key is set to `LAST_INSERT_ID(key)`, so that the statement reports
    /// the existing row's key when it updated one (MySQL, MariaDB).
    OnDuplicateKey,
}

/// How a migration changes a table in place (`migrate/sql.rs`).
#[derive(Clone, Copy, Debug)]
pub struct Alter {
    /// Whether `ALTER TABLE` cannot change a column's type or a key, so that a table
    /// with such a change is rebuilt: created anew, its rows copied (SQLite).
    pub rebuilds: bool,
    /// Whether a column's type, nullability and default change in one `MODIFY COLUMN`
    /// with its whole definition (MySQL), rather than `ALTER COLUMN .. TYPE .. USING`,
    /// `SET`/`DROP NOT NULL` and `SET`/`DROP DEFAULT`.
    pub modify_column: bool,
    /// What drops the primary key after `ALTER TABLE t`; `None` drops the constraint
    /// `<table>_pkey`.
    pub drop_primary_key: Option<&'static str>,
    /// Whether indexes belong to their table (MySQL): a unique key is dropped as an
    /// index (`ALTER TABLE t DROP INDEX k`), and `DROP INDEX i ON t` names the table.
    /// Otherwise a unique key may be a constraint or an index, and an index is named
    /// alone.
    pub indexes_of_tables: bool,
    /// What drops a foreign key after `ALTER TABLE t`.
    pub drop_foreign_key: &'static str,
}

impl Alter {
    /// What most databases do: `ALTER COLUMN`, constraints dropped by name.
    pub const STANDARD: Alter = Alter {
        rebuilds: false,
        modify_column: false,
        drop_primary_key: None,
        indexes_of_tables: false,
        drop_foreign_key: " DROP CONSTRAINT ",
    };
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
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
pub struct GuardSql {
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
pub const GUARD_TABLE: &str = "rel_guards";

/// The type names of `CAST(.. AS ..)` for per-parent aggregates.
#[derive(Clone, Copy, Debug)]
pub struct Casts {
    /// A 64-bit integer.
    pub integer: &'static str,
    /// A double.
    pub double: &'static str,
    /// Text in the connection's character set.
    pub text: &'static str,
}

/// Everything a dialect answers with a constant. See the [module docs](self).
#[derive(Clone, Copy, Debug)]
pub struct Syntax {
    /// The dialect's name, for messages.
    pub name: &'static str,
    /// The URL schemes that select this dialect (none for a variant that a server's
    /// version picks).
    pub schemes: &'static [&'static str],

    // -- Identifiers, placeholders, literals ------------------------------------------
    /// The character that quotes identifiers (doubled inside).
    pub quote: char,
    /// How bound values are written.
    pub placeholder: Placeholder,
    /// The most parameters one statement may bind.
    pub bind_limit: usize,
    /// The boolean literals of DDL: true, false.
    pub bool_literals: (&'static str, &'static str),
    /// Whether string literals read backslash escapes (so a backslash is doubled).
    pub backslash_escapes: bool,

    // -- Queries ----------------------------------------------------------------------
    /// Whether `ORDER BY` takes `NULLS FIRST` / `NULLS LAST`. Without it, a nullable
    /// column is ordered by `col IS NULL` first.
    pub orders_nulls: bool,
    /// The `LIMIT` that means no limit, for an offset without a limit.
    pub unlimited: &'static str,
    /// Whether `OFFSET` may stand without `LIMIT` at the end of a query.
    pub offset_alone: bool,
    /// What keeps one row of a query: ` LIMIT 1`.
    pub limit_one: &'static str,
    /// What follows a SELECT to lock the rows it reads against their deletion or a
    /// change of their key, while others may read-lock them too. `None` where the
    /// database has a single writer (SQLite).
    pub lock_for_share: Option<&'static str>,
    /// What follows a SELECT to lock the rows it reads for a change.
    pub lock_for_update: Option<&'static str>,
    /// What follows a `LIKE` pattern to make `\` its escape character.
    pub like_escape: &'static str,
    /// Whether a case-sensitive `like` is written as `GLOB` with the pattern translated
    /// (SQLite, whose `LIKE` ignores ASCII case unless a connection pragma says
    /// otherwise, which Rel must not set on connections it does not own).
    pub like_as_glob: bool,
    /// The longest LIKE pattern, in bytes, the database takes (SQLite's
    /// `SQLITE_MAX_LIKE_PATTERN_LENGTH`, 50,000 as bundled); `None`: no limit short of
    /// the statement's.
    pub like_pattern_limit: Option<usize>,
    /// What lowercases a value with Unicode's rules, around it.
    pub lowercase: (&'static str, &'static str),
    /// What uppercases a value with Unicode's rules, around it.
    pub uppercase: (&'static str, &'static str),
    /// The function that counts a text's characters (not its bytes).
    pub char_length: &'static str,
    /// How two texts are joined: before, between and after them (`||` or `CONCAT`).
    pub concat: (&'static str, &'static str, &'static str),
    /// The operator that divides integers, truncating toward zero (MariaDB's `/` gives
    /// a decimal).
    pub integer_division: &'static str,
    /// What closes a relation filter's `EXISTS (SELECT 1 ...` subquery before its `)`:
    /// nothing, or a `LIMIT 1` where the dialect needs one to read it right.
    pub exists_limit: &'static str,
    /// Whether the Batch strategy binds a single-column key list as one array
    /// parameter (`= ANY($1)`) instead of an `IN` list.
    pub binds_key_arrays: bool,
    /// The most parent keys one Batch statement sends in its `IN` list, besides the
    /// bind limit: where a server's cost per key grows with the list's length.
    pub keys_per_in_list: usize,
    /// Whether `Strategy::Auto` picks Join (one statement) over Batch where reads go
    /// through the driver, as measured by `benches/load.rs` and
    /// `benches/sqlite_small.rs`: on SQLite without direct reads, whose worker thread
    /// hands each row and each statement over a channel. Where Rel reads directly,
    /// Batch is faster (2.8x at 61,000 rows), and Auto picks it.
    pub join_through_driver: bool,
    /// Whether `Strategy::Auto` picks Join for a load of at most one root row (a
    /// filter on its key, a limit of 1), where one statement beats one per level:
    /// on PostgreSQL, a round trip costs more than building one row's JSON
    /// (`benches/strategies.rs`: one user's posts and comments, Join 297 µs against
    /// Batch 369 µs). MariaDB builds JSON slowly enough that Batch stays ahead.
    pub join_for_one_row: bool,

    /// The types a sum or an average is cast to, so that each backend returns the
    /// same type (see `sql/scalar.rs`).
    pub casts: Casts,

    // -- The Join strategy's JSON -------------------------------------------------------
    /// Opens a JSON array of one row's cells: `json_array(`.
    pub json_row: &'static str,
    /// Around the aggregate of rows into a JSON array, which is never NULL.
    pub json_agg: (&'static str, &'static str),
    /// Whether the aggregate takes `LIMIT` and `OFFSET` inside it (MariaDB). Otherwise
    /// a per-parent window numbers the rows in a derived table.
    pub limits_inside_aggregate: bool,
    /// What turns a subquery's JSON text back into JSON inside another JSON value,
    /// where text from a subquery would be embedded as a string (SQLite).
    pub json_reparse: Option<(&'static str, &'static str)>,
    /// The type the root's relation columns are cast to, so that the driver reads them
    /// as text (PostgreSQL's `json` is not text to sqlx).
    pub json_root_cast: Option<&'static str>,
    /// The statement that asks a server which version it is: sent once when a pool
    /// connects (see `Server::variant_for`), and after a Join statement failed, where
    /// some servers of this dialect cannot run Join's SQL.
    pub version_query: Option<&'static str>,

    // -- DDL --------------------------------------------------------------------------
    /// Whether foreign keys are declared inside CREATE TABLE (forward references
    /// allowed) rather than added by ALTER TABLE after all tables.
    pub inline_foreign_keys: bool,
    /// What follows a CREATE TABLE's closing parenthesis.
    pub table_options: Option<&'static str>,
    /// The statements that turn foreign-key checks off and on again for one
    /// connection, so that tables in a cycle can be dropped one by one. `None` drops
    /// them all in one statement.
    pub foreign_key_checks: Option<(&'static str, &'static str)>,
    /// Whether DDL runs inside a transaction (MySQL commits each DDL statement).
    pub transactional_ddl: bool,
    /// Whether table names compare without case, so that `Users` and `users` are one
    /// table (SQLite).
    pub case_blind_tables: bool,
    /// How a migration changes a table in place.
    pub alter: Alter,

    // -- Writes -----------------------------------------------------------------------
    /// An INSERT of a row with no column to name.
    pub default_values: &'static str,
    /// Which floats a float column stores as they are.
    pub floats: Floats,
    /// What a Join statement starts with, before its `SELECT`: MariaDB's aggregate
    /// stops at the session's `group_concat_max_len` (1 MiB by default) and cuts the
    /// JSON, so the statement raises it for itself (the server caps it at its
    /// `max_allowed_packet`), without touching the session.
    pub join_prefix: Option<&'static str>,
    /// Whether the server cuts a Join's JSON at `max_allowed_packet` with a warning
    /// (1260, 1301) rather than an error: a JSON cell that does not parse is then
    /// asked about with `SHOW WARNINGS` and reported as the limit it is.
    pub join_cut_warns: bool,
    /// Whether text and JSON store the NUL character (PostgreSQL's do not: its text is
    /// NUL-terminated, and `jsonb` refuses `\u0000`).
    pub stores_nul: bool,
    /// Whether INSERT takes `RETURNING`. Without it, a generated key is read from the
    /// statement's result (MySQL's `LAST_INSERT_ID()`), one row per statement.
    pub returning: bool,
    /// What turns an INSERT into an upsert.
    pub upsert: UpsertClause,
    /// Whether the database checks a foreign key as each row is written, before the
    /// row's unique keys (MySQL/MariaDB), rather than at the end of the statement.
    /// Emulated mode follows it, so that a write breaking both reports the same error
    /// in both modes.
    pub checks_foreign_keys_per_row: bool,
    /// Whether Emulated mode deletes and updates the rows a cascade reaches through
    /// joins (`DELETE c FROM child AS c JOIN parent AS p ON ..`, `UPDATE child AS c
    /// JOIN .. SET c.col = ..`) rather than through `IN (SELECT ..)` (MySQL, MariaDB):
    /// MariaDB before 11.1 runs a single-table DELETE's or UPDATE's subquery as a
    /// dependent one, reading the whole child table row by row, where a join starts
    /// from the parents and follows the key's index.
    pub delete_through_joins: bool,
    /// The join that reads its tables in the order written (`STRAIGHT_JOIN`), where
    /// there is one: a cascade through joins from every row of a table, through keys
    /// that take no NULL, reads each child whole, so it starts from the child, in its
    /// key order, rather than from the parents' keys and through the child's index.
    pub join_in_written_order: Option<&'static str>,
    /// How Emulated mode guards writes on a multi-primary cluster of this backend;
    /// `None` where it has none.
    pub guards: Option<GuardSql>,

    // -- Connections --------------------------------------------------------------------
    /// The wire protocol that carries it: the name of its driver's folder
    /// (`driver/<name>/`, whose `Driver::WIRE` says the same). Several dialects may
    /// share one (MariaDB and MySQL 8).
    pub driver: &'static str,
    /// The statement that starts a transaction, where it is not a plain `BEGIN`.
    pub begin: Option<&'static str>,
    /// Statements run on every new connection.
    pub connection_setup: &'static [&'static str],
}

impl Syntax {
    /// What most databases say, given what no two dialects share: the name, the
    /// driver, the URL schemes, the `LIMIT` of no limit and the JSON aggregation.
    pub const fn standard(
        name: &'static str,
        driver: &'static str,
        schemes: &'static [&'static str],
        unlimited: &'static str,
        json_row: &'static str,
        json_agg: (&'static str, &'static str),
    ) -> Syntax {
        Syntax {
            name,
            schemes,
            quote: '"',
            placeholder: Placeholder::Question,
            bind_limit: 65_535,
            bool_literals: ("1", "0"),
            backslash_escapes: false,
            orders_nulls: true,
            unlimited,
            offset_alone: false,
            limit_one: " LIMIT 1",
            lock_for_share: Some(" FOR SHARE"),
            lock_for_update: Some(" FOR UPDATE"),
            like_escape: " ESCAPE '\\'",
            like_as_glob: false,
            like_pattern_limit: None,
            lowercase: ("LOWER(", ")"),
            uppercase: ("UPPER(", ")"),
            char_length: "CHAR_LENGTH",
            concat: ("(", " || ", ")"),
            integer_division: " / ",
            exists_limit: "",
            binds_key_arrays: false,
            keys_per_in_list: usize::MAX,
            join_through_driver: false,
            join_for_one_row: false,
            casts: Casts {
                integer: "BIGINT",
                double: "DOUBLE PRECISION",
                text: "TEXT",
            },
            json_row,
            json_agg,
            limits_inside_aggregate: false,
            json_reparse: None,
            json_root_cast: None,
            version_query: None,
            inline_foreign_keys: false,
            table_options: None,
            foreign_key_checks: None,
            transactional_ddl: true,
            case_blind_tables: false,
            alter: Alter::STANDARD,
            driver,
            default_values: " DEFAULT VALUES",
            floats: Floats::All,
            stores_nul: true,
            join_prefix: None,
            join_cut_warns: false,
            returning: true,
            upsert: UpsertClause::OnConflict,
            checks_foreign_keys_per_row: false,
            delete_through_joins: false,
            join_in_written_order: None,
            guards: None,
            begin: None,
            connection_setup: &[],
        }
    }

    /// A boolean literal in DDL.
    pub fn bool_literal(&self, value: bool) -> &'static str {
        if value {
            self.bool_literals.0
        } else {
            self.bool_literals.1
        }
    }
}

//! The one error type of the runtime: its variants here, how each prints and
//! chains in `display.rs`, and what sqlx's errors become in `from_sqlx.rs`.

mod display;
mod from_sqlx;

/// Why a single value could not be decoded into its Rust type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// A NULL arrived for a column whose Rust type is not `Option`.
    #[error("unexpected NULL in a non-Option field")]
    UnexpectedNull,
    /// The database sent a value of another kind.
    #[error("expected {expected}, found {found}")]
    Mismatch {
        /// What the Rust type needs.
        expected: &'static str,
        /// What arrived.
        found: &'static str,
    },
    /// An integer does not fit the Rust type.
    #[error("value {value} does not fit in {expected}")]
    OutOfRange {
        /// The Rust type.
        expected: &'static str,
        /// The value that arrived, as text.
        value: String,
    },
    /// A text representation (UUID, decimal, JSON on some backends) failed to parse.
    #[error("invalid {expected}: {message}")]
    Invalid {
        /// What was being parsed.
        expected: &'static str,
        /// The parser's message.
        message: String,
    },
}

/// Everything that can go wrong in Rel at run time.
///
/// Each variant names the table, column or relation it concerns.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A value read from the database could not become its Rust field.
    Decode {
        /// Table of the column.
        table: &'static str,
        /// SQL name of the column.
        column: &'static str,
        /// Relation path from the query root (empty for the root table), e.g. `posts.comments`.
        path: String,
        /// What went wrong.
        source: DecodeError,
    },
    /// A write pointed at a row that does not exist, or removed a row that is still referenced.
    ForeignKey {
        /// The table written to.
        table: &'static str,
        /// The relation whose key failed, when Rel could tell.
        relation: Option<&'static str>,
        /// Where the rows sat in a nested insert (`Db::insert_graph`):
        /// the relation path from the root rows (`posts.comments`); empty for the root
        /// rows and for every other write.
        path: String,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// A row could not be deleted (or its key changed) because rows of another table
    /// still refer to it, under `restrict` or `no_action`.
    StillReferenced {
        /// The table of the row that is still referred to.
        table: &'static str,
        /// The table whose rows refer to it, when Rel could tell.
        referencing_table: Option<&'static str>,
        /// The relation of `referencing_table` that holds the key, when it declares one.
        relation: Option<&'static str>,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// Two structs of one `Schema` have the same SQL table name (on SQLite, names that
    /// differ only in case, which it takes for one).
    DuplicateTable {
        /// The SQL name.
        table: &'static str,
        /// The struct added first, by its path (`app::models::User`).
        first: &'static str,
        /// The other struct, by its path.
        second: &'static str,
    },
    /// A unique or primary key constraint was violated.
    Unique {
        /// The table written to.
        table: &'static str,
        /// The columns of the unique key, when the database said which.
        columns: Vec<&'static str>,
        /// Where the rows sat in a nested insert (`Db::insert_graph`):
        /// the relation path from the root rows (`posts.comments`); empty for the root
        /// rows and for every other write.
        path: String,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// A NOT NULL column was written NULL (the table's column is required where the
    /// struct's field is an `Option`).
    NotNull {
        /// The table written to.
        table: &'static str,
        /// The column, as the database named it.
        column: String,
        /// Where the rows sat in a nested insert (`Db::insert_graph`):
        /// the relation path from the root rows (`posts.comments`); empty for the root
        /// rows and for every other write.
        path: String,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// A required `one` relation (`One<T>`, not `One<Option<T>>`) found no row: the key
    /// points nowhere (possible in Emulated mode) or the load's filter excluded the row.
    MissingRelated {
        /// The table holding the relation.
        table: &'static str,
        /// The relation path from the query root.
        path: String,
    },
    /// A relation field was read before it was loaded.
    NotLoaded {
        /// The table the relation points at.
        target: &'static str,
    },
    /// A query loads one relation twice among the loads of one table
    /// (`.with(User::posts()).with(User::posts())`), where the second would replace
    /// the first. Nothing was sent.
    DuplicateLoad {
        /// The table whose relation is loaded twice.
        table: &'static str,
        /// The relation.
        relation: &'static str,
    },
    /// A migration has steps that drop or change data, and the caller did not allow
    /// them ([`Destructive::Allow`](crate::migrate::Destructive::Allow)). Nothing was sent.
    Destructive {
        /// The destructive steps, one line each.
        steps: Vec<String>,
    },
    /// The schema asks for something this backend cannot do in this relation mode.
    Unsupported {
        /// Table that holds the relation.
        table: &'static str,
        /// The relation.
        relation: &'static str,
        /// What is unsupported and what to do instead.
        message: String,
    },
    /// A page's cursor ([`PagedQuery::after`](crate::read::page::PagedQuery::after)) is not one of
    /// this query's: another table, order or filter made it, or the text is no cursor;
    /// or the query orders by a related value, which a cursor cannot hold. Nothing was
    /// sent.
    Cursor {
        /// The table paged.
        table: &'static str,
        /// Why.
        message: String,
    },
    /// A raw SQL fragment ([`Expr::raw`](crate::sql::expr::Expr::raw)) does not fit: a `?` without
    /// a value, a value without a `?`, an unknown `{column}` or an unclosed brace.
    /// Nothing was sent.
    RawSql {
        /// The table the fragment filters.
        table: &'static str,
        /// The fragment.
        sql: &'static str,
        /// What does not fit.
        message: String,
    },
    /// An upsert's conflict target (`on_conflict`) is not a key of the table: neither
    /// its primary key nor a unique column. A conflict is only on a unique key
    /// (PostgreSQL and SQLite refuse the statement, and MySQL's `ON DUPLICATE KEY`
    /// ignores the columns named and inserts a second row). Nothing was sent.
    ConflictTarget {
        /// The table.
        table: &'static str,
        /// The columns the upsert named.
        columns: Vec<&'static str>,
    },
    /// Rel will not write `table`, because it cannot tell who enforces its relations:
    /// the database records no relation mode and the `Db` declares none, the mode the
    /// `Db` was told is not the one the database records, a table of the database's
    /// schema is not in this program, or the connection is one of yours without its
    /// `Db` (`db.on(&mut tx)`). The message says what to do. Nothing was written.
    Enforcement {
        /// The table the write was to.
        table: &'static str,
        /// Why, and what to do.
        message: String,
    },
    /// The server could not be reached within the connect timeout (the message says
    /// the driver's cause), or the URL names a backend this build does not include, or
    /// is malformed.
    Connect {
        /// The URL, with any password removed.
        url: String,
        /// Why.
        message: String,
    },
    /// A statement was too large to bind (more parameters than the backend accepts).
    /// `in_list` of any length fits where the backend takes a list as one parameter;
    /// otherwise split the list, or filter through a relation.
    TooManyBinds {
        /// The table.
        table: &'static str,
        /// How many parameters one row needs times rows.
        binds: usize,
        /// The backend's name.
        dialect: &'static str,
        /// Its limit.
        limit: usize,
    },
    /// A prepared query ran with a placeholder given no value
    /// ([`Prepared::bind`](crate::read::prepared::Prepared::bind)); nothing was sent.
    Unbound {
        /// The table whose column the placeholder is compared with.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The placeholder's name.
        placeholder: &'static str,
    },
    /// A value the backend cannot store as it is, refused before anything was written.
    UnsupportedValue {
        /// The table written to.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What the backend cannot store.
        message: String,
    },
    /// The transaction can no longer commit: the savepoint an operation starts at
    /// could not be taken, or an operation failed and rolling back to its savepoint
    /// failed too (the connection was lost, or the server rolled the whole transaction
    /// back); or, in a sqlx transaction of yours on PostgreSQL, a statement of yours
    /// failed and the server now refuses every statement until the transaction ends
    /// (SQLSTATE 25P02; that error is not kept). Nothing of it is stored; roll back and
    /// run it again.
    TransactionAborted,
    /// A table a statement names does not exist in the database (create it with
    /// `Schema::create_all`).
    MissingTable {
        /// The table, as the database named it.
        table: String,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// A column a statement names does not exist in the database: the table was
    /// created from another version of the struct.
    MissingColumn {
        /// The table, when the database said which.
        table: Option<String>,
        /// The column, as the database named it.
        column: String,
        /// The database's message.
        message: String,
        /// The driver's error, where the database returned one (`None` for what Rel
        /// found or refused itself, such as Emulated mode's checks).
        /// [`Error::database_error`] reads its code and constraint. (Boxed: it keeps
        /// `Error` small, under clippy's `result_large_err`.)
        source: Option<Box<sqlx::Error>>,
    },
    /// Something took longer than it was allowed: no connection was free within the
    /// pool's acquire timeout (30 s by default; see `DbBuilder::acquire_timeout`: the
    /// pool is exhausted, or the server is down; `source` is `None`), or the server
    /// cancelled a statement at its own time limit (PostgreSQL's `statement_timeout`,
    /// MariaDB's `max_statement_time`, MySQL's `max_execution_time`; `source` is the
    /// server's error). Waiting too long for another transaction's lock is
    /// [`Error::Retryable`] instead.
    Timeout {
        /// What timed out.
        message: String,
        /// The server's error, for a statement it cancelled.
        source: Option<sqlx::Error>,
    },
    /// The operation needs a connection, and the pool's only one is held by an open
    /// transaction of the same `Db`: an in-memory SQLite database (`sqlite::memory:`)
    /// has exactly one. Waiting would last until the acquire timeout and then fail, so
    /// Rel fails at once. Run the operation through the transaction (`&mut tx`), commit
    /// or roll it back first, or use a file database, which has a pool of connections.
    ConnectionHeld {
        /// What holds it, and what to do.
        message: String,
    },
    /// The database aborted the statement or the transaction for a conflict with
    /// another one: a deadlock, a serialization failure, a lock wait timeout
    /// (MySQL's `innodb_lock_wait_timeout`, PostgreSQL's `lock_timeout`), a busy
    /// SQLite database, a cluster's certification failure, or a cluster node not ready
    /// yet. Running it again may succeed; Rel does so itself when it owns the
    /// transaction (see [`Error::is_retryable`]).
    Retryable {
        /// The database's message.
        message: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Any other error from the driver or the database. Rel is built on sqlx, and this
    /// is sqlx's own error, kept whole in the variant's field. It displays as sqlx's
    /// message; its [`source`](std::error::Error::source) is what comes after that
    /// message in sqlx's chain (sqlx's `Error::Database` prints the database's message
    /// and then returns that error as its source, so a chain printer such as anyhow's
    /// `{:#}` would show it twice). The conditions users match on have variants of
    /// their own above.
    ///
    /// ```
    /// use rel::sqlx;
    /// use std::error::Error as _;
    /// let e = rel::Error::from(sqlx::Error::RowNotFound);
    /// assert!(matches!(e, rel::Error::Database(sqlx::Error::RowNotFound)));
    /// assert_eq!(e.to_string(), sqlx::Error::RowNotFound.to_string());
    /// assert!(e.source().is_none());
    /// ```
    Database(sqlx::Error),
}

impl Error {
    /// The database's own error behind this one, where the database returned one: its
    /// SQLSTATE or error code, the constraint it names, its message. `None` for what
    /// Rel refused itself (Emulated mode's checks, a schema mistake).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use rel::prelude::*;
    /// #[derive(Table, Debug)]
    /// #[table(name = "users")]
    /// struct User {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     #[column(unique)]
    ///     email: String,
    /// }
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
    /// db.insert(&User { id: 1, email: "ada@example.com".into() }).await?;
    /// let err = db.insert(&User { id: 2, email: "ada@example.com".into() }).await.unwrap_err();
    /// assert!(matches!(err, rel::Error::Unique { table: "users", .. }));
    /// let cause = err.database_error().unwrap();
    /// assert_eq!(cause.code().as_deref(), Some("2067")); // SQLITE_CONSTRAINT_UNIQUE
    /// assert_eq!(cause.message(), "UNIQUE constraint failed: users.email");
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn database_error(&self) -> Option<&dyn sqlx::error::DatabaseError> {
        let e = match self {
            Error::ForeignKey { source, .. }
            | Error::StillReferenced { source, .. }
            | Error::Unique { source, .. }
            | Error::NotNull { source, .. }
            | Error::MissingTable { source, .. }
            | Error::MissingColumn { source, .. } => source.as_deref()?,
            Error::Timeout { source, .. } => source.as_ref()?,
            Error::Retryable { source, .. } | Error::Database(source) => source,
            _ => return None,
        };
        e.as_database_error()
    }

    /// The error of a write of rows that sat at `path` in a nested insert: the path
    /// set on the errors that name the rows' table (see [`Error::Unique`]), unless a
    /// deeper level set it already.
    pub(crate) fn at_path(mut self, at: &str) -> Self {
        if let Error::Unique { path, .. }
        | Error::NotNull { path, .. }
        | Error::ForeignKey { path, .. } = &mut self
            && path.is_empty()
        {
            at.clone_into(path);
        }
        self
    }

    /// Whether the write may succeed if run again: the database aborted it for a
    /// deadlock, a serialization failure, a busy database, or a cluster node that was
    /// not ready. Rel retries these itself when it owns the transaction (writes on a
    /// `Db` in Emulated mode, `insert_many`); inside your transaction, roll back and
    /// run it again.
    ///
    /// ```
    /// assert!(!rel::Error::TransactionAborted.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Retryable { .. } => true,
            Error::Database(sqlx::Error::Database(d)) => from_sqlx::retryable(&**d),
            _ => false,
        }
    }
}

impl Error {
    /// Whether the error says the connection or the server failed, not the statement:
    /// the server could not be reached or went away, the pool gave no connection in
    /// time, or a cluster node is not ready to serve (it is joining, or lost its
    /// cluster). The write may or may not have been stored if this came from its
    /// commit.
    ///
    /// ```
    /// let e = rel::Error::Connect { url: "postgres://db".into(), message: "refused".into() };
    /// assert!(e.is_connection());
    /// assert!(!rel::Error::TransactionAborted.is_connection());
    /// ```
    pub fn is_connection(&self) -> bool {
        match self {
            // The pool's acquire timeout; a statement the server cancelled is not one.
            Error::Connect { .. } | Error::Timeout { source: None, .. } => true,
            Error::Retryable { message, .. } => message.contains("WSREP has not yet prepared node"),
            Error::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            Error::Database(sqlx::Error::Database(d)) => {
                let message = d.message();
                // PostgreSQL: the connection exception class, and an administrator's,
                // a crash's or a starting server's shutdown of the connection.
                let code = d.code();
                let code = code.as_deref().unwrap_or("");
                code.starts_with("08")
                    || matches!(code, "57P01" | "57P02" | "57P03")
                    || message.contains("WSREP has not yet prepared node")
                    || message.contains("Lost connection")
                    || message.contains("server has gone away")
                    || message.contains("Server shutdown in progress")
                    || message.contains("Connection was killed")
                    // MySQL 8.0.24+ to a connection its `wait_timeout` ended (4031).
                    || message.contains("disconnected by the server because of inactivity")
                    || message.contains("terminating connection")
            }
            _ => false,
        }
    }
}

impl Error {
    /// Whether the connection the statement ran on was found gone (the server ended
    /// it, or it broke), as opposed to the pool giving none: a read, or a BEGIN,
    /// that failed so may run again on another connection.
    #[doc(hidden)]
    pub fn is_lost(&self) -> bool {
        self.is_connection()
            && !matches!(
                self,
                Error::Connect { .. }
                    | Error::Timeout { .. }
                    | Error::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
            )
    }
}

/// Shorthand for `Result<T, rel::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

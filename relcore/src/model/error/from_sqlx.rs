//! What sqlx's errors become.

use super::Error;

/// sqlx's errors, with the conditions users match on made variants of their own:
/// [`Error::Timeout`] for the pool's acquire timeout and the server's statement time
/// limits, [`Error::Retryable`] for aborts that running again may cure,
/// [`Error::TransactionAborted`] for PostgreSQL's aborted transaction. Unique,
/// foreign-key and not-null violations are typed by the writes, which know the table
/// and rows.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if matches!(e, sqlx::Error::PoolTimedOut) {
            return Error::Timeout {
                message: "no connection was free within the pool's acquire timeout".into(),
                source: None,
            };
        }
        let sqlx::Error::Database(d) = &e else {
            return Error::Database(e);
        };
        if retryable(&**d) {
            return Error::Retryable {
                message: d.message().to_owned(),
                source: e,
            };
        }
        if timed_out(&**d) {
            return Error::Timeout {
                message: d.message().to_owned(),
                source: Some(e),
            };
        }
        // PostgreSQL: "current transaction is aborted, commands ignored until end of
        // transaction block".
        if d.code().as_deref() == Some("25P02") {
            return Error::TransactionAborted;
        }
        Error::Database(e)
    }
}

/// Whether the server cancelled a statement at its time limit: PostgreSQL's
/// `statement_timeout` (57014, "canceling statement due to statement timeout"; 57014
/// is also a cancel on request, which stays `Database`), MariaDB's
/// `max_statement_time` (1969, SQLSTATE 70100), MySQL's `max_execution_time` (3024,
/// SQLSTATE HY000). The messages are the servers' English ones (the default
/// `lc_messages`); in another language these stay `Error::Database`.
fn timed_out(d: &dyn sqlx::error::DatabaseError) -> bool {
    let message = d.message();
    match d.code().as_deref() {
        Some("57014") => message.contains("statement timeout"),
        Some("70100") => message.contains("max_statement_time exceeded"),
        Some("HY000") => message.contains("maximum statement execution time exceeded"),
        _ => false,
    }
}

/// Whether a database error is an abort that running again may cure.
pub(super) fn retryable(d: &dyn sqlx::error::DatabaseError) -> bool {
    let message = d.message();
    matches!(
        d.code().as_deref(),
        // PostgreSQL: serialization failure, deadlock; MySQL's SQLSTATE for deadlocks.
        Some("40001" | "40P01")
        // SQLite: busy, locked, busy snapshot, busy recovery, busy timeout.
        | Some("5" | "6" | "517" | "261" | "773")
    ) || (d.code().as_deref() == Some("55P03") && message.contains("lock timeout"))
        || message.contains("Deadlock found")
        || message.contains("Lock wait timeout")
        || message.contains("WSREP has not yet prepared node")
        || message.contains("database is locked")
}

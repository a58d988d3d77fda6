//! How each error prints, and the cause it returns as its source.

use super::Error;

/// Each error prints what Rel knows (the table, the columns, the relation), and the
/// driver's message only where it keeps no driver error to return as its
/// [`source`](std::error::Error::source): a printer of the whole chain (anyhow's
/// `{:#}`, `tracing`'s error values) shows every message once.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database's message, where no driver error follows it in the chain.
        let said = |message: &str, source: &Option<Box<sqlx::Error>>| match source {
            Some(_) => String::new(),
            None => format!(": {message}"),
        };
        match self {
            Error::Decode {
                table,
                column,
                path,
                ..
            } => write!(
                f,
                "cannot decode column `{column}` of table `{table}`{}",
                path_suffix(path)
            ),
            Error::ForeignKey {
                table,
                relation,
                path,
                message,
                source,
            } => write!(
                f,
                "foreign key violation on table `{table}` (relation {}){}{}",
                relation.unwrap_or("unknown"),
                path_suffix(path),
                said(message, source)
            ),
            Error::StillReferenced {
                table,
                referencing_table,
                relation,
                message,
                source,
            } => {
                let whose = match (referencing_table, relation) {
                    (Some(t), Some(r)) => format!("`{t}.{r}` still refers"),
                    (Some(t), None) => format!("rows of `{t}` still refer"),
                    _ => "rows of another table still refer".to_owned(),
                };
                write!(f, "{whose} to this `{table}` row{}", said(message, source))
            }
            Error::DuplicateTable {
                table,
                first,
                second,
            } => write!(
                f,
                "structs `{first}` and `{second}` are both the table `{table}`; give one of them another `#[table(name = \"...\")]`"
            ),
            Error::Unique {
                table,
                columns,
                path,
                message,
                source,
            } => write!(
                f,
                "unique violation on table `{table}` ({}){}{}",
                columns.join(", "),
                path_suffix(path),
                said(message, source)
            ),
            Error::NotNull {
                table,
                column,
                path,
                message,
                source,
            } => write!(
                f,
                "table `{table}`, column `{column}` cannot be NULL{}{}",
                path_suffix(path),
                said(message, source)
            ),
            Error::MissingRelated { table, path } => {
                write!(
                    f,
                    "table `{table}`: the required relation `{path}` has no row"
                )
            }
            Error::NotLoaded { target } => write!(f, "relation to `{target}` was not loaded"),
            Error::DuplicateLoad { table, relation } => write!(
                f,
                "table `{table}`: relation `{relation}` is loaded twice by one query; give one `.with(..)` its filter, order and nested loads"
            ),
            Error::Destructive { steps } => write!(
                f,
                "the migration would drop or change data, which was not allowed: {}; review it with Schema::migration, or pass Destructive::Allow",
                steps.join("; ")
            ),
            // A table-wide refusal names no relation.
            Error::Unsupported {
                table,
                relation: "",
                message,
            } => write!(f, "table `{table}`: {message}"),
            Error::Unsupported {
                table,
                relation,
                message,
            } => write!(f, "table `{table}`, relation `{relation}`: {message}"),
            Error::RawSql {
                table,
                sql,
                message,
            } => write!(f, "raw SQL `{sql}` on `{table}`: {message}"),
            Error::Cursor { table, message } => write!(f, "page of `{table}`: {message}"),
            Error::ConflictTarget { table, columns } => write!(
                f,
                "upsert into `{table}`: the conflict target ({}) is not the primary key or a unique column; name one with on_conflict, or mark the column #[column(unique)]",
                columns
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::Enforcement { table, message } => write!(
                f,
                "table `{table}`: Rel cannot tell who enforces its relations, so it writes nothing: {message}"
            ),
            Error::Connect { url, message } => write!(f, "cannot connect to `{url}`: {message}"),
            Error::TooManyBinds {
                table,
                binds,
                dialect,
                limit,
            } => write!(
                f,
                "statement on table `{table}` needs {binds} parameters, more than {dialect} accepts ({limit}); split the filter's lists"
            ),
            Error::Unbound {
                table,
                column,
                placeholder,
            } => write!(
                f,
                "placeholder `{placeholder}` (compared with `{table}`.`{column}`) has no value; bind one with .bind(placeholder, value) before running the prepared query"
            ),
            Error::UnsupportedValue {
                table,
                column,
                message,
            } => write!(f, "table `{table}`, column `{column}`: {message}"),
            Error::TransactionAborted => {
                write!(f, "the transaction was aborted; nothing of it is stored")
            }
            Error::MissingTable {
                table,
                message,
                source,
            } => write!(f, "table `{table}` does not exist{}", said(message, source)),
            Error::MissingColumn {
                table,
                column,
                message,
                source,
            } => write!(
                f,
                "column `{column}` does not exist{}{}",
                table
                    .as_ref()
                    .map(|t| format!(" in table `{t}`"))
                    .unwrap_or_default(),
                said(message, source)
            ),
            Error::Timeout {
                source: Some(_), ..
            } => write!(f, "the server cancelled the statement at its time limit"),
            Error::Timeout { message, .. } => write!(f, "timed out: {message}"),
            Error::ConnectionHeld { message } => write!(f, "{message}"),
            Error::Retryable { .. } => write!(
                f,
                "the database refused the statement for now (a conflict with another, a lock held, or a cluster node not ready); running it again may succeed"
            ),
            Error::Database(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::ForeignKey { source, .. }
            | Error::StillReferenced { source, .. }
            | Error::Unique { source, .. }
            | Error::NotNull { source, .. }
            | Error::MissingTable { source, .. }
            | Error::MissingColumn { source, .. } => source.as_deref().map(cause),
            Error::Timeout { source, .. } => source.as_ref().map(cause),
            Error::Retryable { source, .. } => Some(cause(source)),
            // sqlx's message already holds its source's: go on below it.
            Error::Database(e) => e.source().and_then(|inner| inner.source()),
            _ => None,
        }
    }
}

/// The cause a typed error returns as its source: for an error the database returned,
/// the database's own error (sqlx's `PgDatabaseError`, `MySqlDatabaseError` or
/// `SqliteError`, with its code and constraint), whose message the typed error does
/// not repeat; any other sqlx error as it is.
fn cause(e: &sqlx::Error) -> &(dyn std::error::Error + 'static) {
    match e {
        sqlx::Error::Database(d) => d.as_error(),
        other => other,
    }
}

fn path_suffix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" (relation path `{path}`)")
    }
}

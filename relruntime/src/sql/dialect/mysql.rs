//! MySQL 8 and MariaDB 10.6 or later (the Join strategy needs MariaDB 10.5+).

use super::{Driver, JsonCell, SqlDialect};
use crate::model::meta::Action;
use crate::model::value::SqlType;

/// MySQL and MariaDB: backticks, no `NULLS FIRST`, `JSON_ARRAYAGG` with `LIMIT`,
/// InnoDB with utf8mb4, no `RETURNING` and no `SET DEFAULT` action.
pub(crate) struct MySql;

impl SqlDialect for MySql {
    fn name(&self) -> &'static str {
        "MySQL"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &["mysql", "mariadb"]
    }
    fn driver(&self) -> Driver {
        Driver::MySql
    }

    fn quote_char(&self) -> char {
        '`'
    }
    fn backslash_escapes(&self) -> bool {
        true
    }

    fn orders_nulls(&self) -> bool {
        false
    }
    fn unlimited(&self) -> &'static str {
        "18446744073709551615"
    }

    fn json_row(&self) -> &'static str {
        "JSON_ARRAY("
    }
    fn json_agg_open(&self) -> &'static str {
        "COALESCE(JSON_ARRAYAGG("
    }
    fn json_agg_close(&self) -> &'static str {
        "), JSON_ARRAY())"
    }
    /// MariaDB has no LATERAL, and its derived tables cannot see the outer row, so the
    /// window goes into the aggregate.
    fn limits_inside_aggregate(&self) -> bool {
        true
    }
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            SqlType::Decimal | SqlType::Json => JsonCell::Text("CHAR"),
            _ => JsonCell::Plain,
        }
    }
    fn join_version_query(&self) -> Option<&'static str> {
        Some("SELECT VERSION()")
    }
    fn join_unsupported(&self, version: &str) -> Option<String> {
        (!server_has_join(version)).then(|| {
            format!(
                "the Join strategy needs MariaDB 10.5 or later (JSON_ARRAYAGG with ORDER BY \
                 and LIMIT), and this server is {version}; use Strategy::Batch, which \
                 Strategy::Auto picks on MySQL"
            )
        })
    }

    fn type_name(&self, ty: SqlType, keyed: bool) -> &'static str {
        use SqlType as T;
        match ty {
            T::SmallInt => "SMALLINT",
            T::Integer => "INT",
            T::BigInt => "BIGINT",
            T::Real => "FLOAT",
            T::Double => "DOUBLE",
            T::Boolean => "BOOLEAN",
            // MySQL indexes only bounded types.
            T::Text if keyed => "VARCHAR(255)",
            T::Text => "TEXT",
            T::Blob if keyed => "VARBINARY(255)",
            T::Blob => "BLOB",
            T::Date => "DATE",
            // UTC instants are stored as UTC wall time; TIMESTAMP would convert with the
            // session time zone and end in 2038.
            T::DateTime | T::TimestampTz => "DATETIME(6)",
            T::Uuid => "CHAR(36)",
            T::Json => "JSON",
            T::Decimal => "DECIMAL(65, 30)",
        }
    }
    fn identity_column(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::SmallInt => "SMALLINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            SqlType::Integer => "INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            _ => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        }
    }
    fn unsupported_action(&self, action: Action) -> Option<&'static str> {
        (action == Action::SetDefault).then_some(
            "MySQL and MariaDB (InnoDB) do not support the SET DEFAULT action in foreign \
             keys; use RelationMode::Emulated",
        )
    }
    /// utf8mb4 holds all of Unicode; the binary collation compares like the others.
    fn table_options(&self) -> Option<&'static str> {
        Some(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
    }
    fn foreign_key_checks(&self) -> Option<(&'static str, &'static str)> {
        Some(("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"))
    }
    fn transactional_ddl(&self) -> bool {
        false
    }

    fn default_values(&self) -> &'static str {
        " () VALUES ()"
    }
    fn returning(&self) -> bool {
        false
    }

    /// MySQL writes the constraint in the message, as ``CONSTRAINT `name` ``.
    fn constraint_name(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        if let Some(c) = error.constraint() {
            return Some(c.to_owned());
        }
        let msg = error.message();
        let start = msg.find("CONSTRAINT `")? + "CONSTRAINT `".len();
        // Backticks inside the name are doubled.
        let mut name = String::new();
        let mut chars = msg[start..].chars().peekable();
        while let Some(c) = chars.next() {
            if c == '`' {
                if chars.peek() == Some(&'`') {
                    chars.next();
                } else {
                    return Some(name);
                }
            }
            name.push(c);
        }
        None
    }
}

/// Whether a MySQL-protocol server, by its `VERSION()`, runs Join's SQL: MariaDB 10.5
/// or later. MySQL proper has no `ORDER BY` or `LIMIT` inside `JSON_ARRAYAGG`.
fn server_has_join(version: &str) -> bool {
    if !version.contains("MariaDB") {
        return false;
    }
    // Some MariaDB builds prefix `5.5.5-` for old clients.
    let version = version.strip_prefix("5.5.5-").unwrap_or(version);
    let mut parts = version.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (10, 5),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::server_has_join;

    #[test]
    fn join_needs_mariadb_10_5_on_the_mysql_protocol() {
        for (version, has) in [
            ("10.11.6-MariaDB-0+deb12u1", true),
            ("10.5.0-MariaDB", true),
            ("11.4.2-MariaDB-ubu2404", true),
            ("5.5.5-10.6.12-MariaDB-log", true),
            ("10.4.32-MariaDB", false),
            ("5.5.5-10.3.39-MariaDB", false),
            ("8.0.36", false),
            ("8.4.0-commercial", false),
            ("5.7.44-log", false),
        ] {
            assert_eq!(server_has_join(version), has, "{version}");
        }
    }
}

//! MariaDB 10.6 or later, on the MySQL protocol. MySQL 8 is its variant in `mysql8.rs`.

use super::Dialect;
use super::parts::{
    Catalog, Ddl, Errors, JsonCell, JsonCells, ListParameter, Lists, Missing, Parts, Replication,
    Server, between, json_list, unqualified,
};
use super::syntax::{Alter, Casts, Floats, GuardSql, Syntax, UpsertClause};
use crate::model::meta::{Action, TableMeta};
use crate::model::value::{SqlType, Value};

/// MariaDB: backticks, no `NULLS FIRST`, `JSON_ARRAYAGG` with `LIMIT`, InnoDB with
/// utf8mb4, `RETURNING`, `ON DUPLICATE KEY UPDATE`, and no `SET DEFAULT` action.
pub const SYNTAX: Syntax = Syntax {
    quote: '`',
    // String literals read backslash escapes, so `LIKE`'s one backslash is written
    // twice.
    backslash_escapes: true,
    like_escape: " ESCAPE '\\\\'",
    orders_nulls: false,
    lock_for_share: Some(" LOCK IN SHARE MODE"),
    // MariaDB's server time per key depends on the length of a prepared statement's
    // `IN` list, and not the same way at every size: server CPU for a 3.05M-row load
    // (`peers-rss load mysql rel-batch 50000`) was 11.1-11.4 s with lists of 65,533
    // keys (the bind limit), 6.9-7.2 s with 30,000 and 7.0-8.1 s with 10,000; for a
    // 610k-row load 0.74-0.76 s, 0.84-0.97 s and 1.03-1.09 s. 30,000 keeps the large
    // load at hand-written sqlx's cost and costs the smaller one least.
    keys_per_in_list: 30_000,
    // MariaDB has no LATERAL, and its derived tables cannot see the outer row, so the
    // window goes into the aggregate.
    limits_inside_aggregate: true,
    // 4 GiB: the server caps it at its `max_allowed_packet` (with a warning).
    join_prefix: Some("SET STATEMENT group_concat_max_len = 4294967295 FOR "),
    join_cut_warns: true,
    // `||` is OR unless the server's SQL mode says otherwise.
    concat: ("CONCAT(", ", ", ")"),
    integer_division: " DIV ",
    casts: Casts {
        integer: "SIGNED",
        double: "DOUBLE",
        text: "CHAR",
    },
    version_query: Some("SELECT VERSION()"),
    // utf8mb4 holds all of Unicode; the binary collation compares like the others, and
    // its NO PAD variant keeps trailing spaces significant (`utf8mb4_bin` would make
    // `'a' = 'a '` true, and the two collide in a unique column). MariaDB's name; MySQL
    // 8 calls it `utf8mb4_0900_bin`.
    table_options: Some(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"),
    foreign_key_checks: Some(("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1")),
    transactional_ddl: false,
    alter: Alter {
        rebuilds: false,
        modify_column: true,
        drop_primary_key: Some(" DROP PRIMARY KEY"),
        indexes_of_tables: true,
        drop_foreign_key: " DROP FOREIGN KEY ",
    },
    default_values: " () VALUES ()",
    // MySQL and MariaDB have neither NaN nor the infinities.
    floats: Floats::Finite,
    // MariaDB 10.5 and later take `INSERT ... RETURNING` (MySQL proper does not: see
    // `mysql8.rs`).
    returning: true,
    upsert: UpsertClause::OnDuplicateKey,
    // InnoDB checks foreign keys row by row, as it writes each row.
    checks_foreign_keys_per_row: true,
    // MariaDB 10.11 reads a single-table DELETE's `IN (SELECT ..)` as a dependent
    // subquery over the whole table (semi-joins there came in 11.1).
    delete_through_joins: true,
    join_in_written_order: Some(" STRAIGHT_JOIN "),
    // Galera: `@@wsrep_on`, a guard table, and `SHA2(JSON_ARRAY(..))` keys.
    guards: Some(GuardSql {
        detect: "SELECT @@wsrep_on",
        table_ddl: "CREATE TABLE IF NOT EXISTS `rel_guards` (`tbl` VARCHAR(191) NOT NULL, \
                    `k` CHAR(64) NOT NULL, `n` BIGINT NOT NULL DEFAULT 1, \
                    PRIMARY KEY (`tbl`, `k`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 \
                    COLLATE=utf8mb4_bin",
        key: ("SHA2(JSON_ARRAY(", "), 256)"),
        bump: " ON DUPLICATE KEY UPDATE `rel_guards`.`n` = `rel_guards`.`n` + 1",
    }),
    ..Syntax::standard(
        "MariaDB",
        "mysql",
        &["mysql", "mariadb"],
        "18446744073709551615",
        "JSON_ARRAY(",
        ("COALESCE(JSON_ARRAYAGG(", "), JSON_ARRAY())"),
    )
};

/// MariaDB's behaviour.
pub const PARTS: Parts = Parts {
    syntax: SYNTAX,
    ddl: &MySql,
    json: &MySql,
    lists: &MySql,
    errors: &MySql,
    server: &MySql,
    catalog: CATALOG,
    replication: Some(Replication {
        form: "gtid",
        // Every GTID in the binary log: at or past this session's last commit.
        written: "SELECT @@gtid_binlog_pos",
        replayed: "SELECT @@gtid_slave_pos",
        wait: Some("MASTER_GTID_WAIT"),
    }),
};

/// MariaDB's (and MySQL's) catalog, in the current database: `information_schema`,
/// every value cast, so that its collations and unsigned types decode as text and
/// integers.
const CATALOG: Catalog = Catalog {
    columns: "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
              CAST(IS_NULLABLE = 'NO' AS SIGNED), CAST(COLUMN_DEFAULT AS CHAR), \
              CAST(LOWER(EXTRA) LIKE '%auto_increment%' AS SIGNED) \
              FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
              ORDER BY TABLE_NAME, ORDINAL_POSITION",
    keys: "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE = 0 AS SIGNED), \
           CAST(INDEX_NAME = 'PRIMARY' AS SIGNED), CAST(SEQ_IN_INDEX AS SIGNED), CAST(COLUMN_NAME AS CHAR) \
           FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
           ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    foreign_keys: "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
                   CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.REFERENCED_TABLE_NAME AS CHAR), \
                   CAST(r.DELETE_RULE AS CHAR), CAST(r.UPDATE_RULE AS CHAR), \
                   CAST(k.ORDINAL_POSITION AS SIGNED), CAST(k.COLUMN_NAME AS CHAR), \
                   CAST(k.REFERENCED_COLUMN_NAME AS CHAR) \
                   FROM information_schema.KEY_COLUMN_USAGE k \
                   JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                   ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                   AND r.TABLE_NAME = k.TABLE_NAME \
                   WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
                   ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
};

/// MariaDB's parts; MySQL 8 shares all but its lists.
pub struct MySql;

impl Ddl for MySql {
    /// `int(11)` is `int`, `tinyint(1)` is `boolean`, `numeric(10,2)` is
    /// `decimal(10,2)`; on MariaDB `JSON` is `LONGTEXT` (with a check), so a JSON and
    /// a text column are one type there.
    fn canonical_type(&self, mut ty: String) -> String {
        for int in ["tinyint", "smallint", "mediumint", "int", "bigint"] {
            if ty.starts_with(&format!("{int}(")) && ty != "tinyint(1)" {
                ty = int.to_owned();
            }
        }
        ty = match ty.as_str() {
            "tinyint(1)" | "bool" | "boolean" => "boolean".to_owned(),
            "integer" => "int".to_owned(),
            "json" => "longtext".to_owned(),
            "decimal" | "numeric" => "decimal(10,0)".to_owned(),
            _ => match ty.strip_prefix("numeric(") {
                Some(rest) => format!("decimal({rest}"),
                None => ty,
            },
        };
        if let Some(digits) = ty
            .strip_prefix("decimal(")
            .and_then(|r| r.strip_suffix(')'))
            && !digits.contains(',')
        {
            ty = format!("decimal({digits},0)");
        }
        ty
    }

    /// InnoDB checks `RESTRICT` and `NO ACTION` alike, and reports an unspecified
    /// action as `RESTRICT`.
    fn canonical_action(&self, action: String) -> String {
        if action == "NO ACTION" {
            "RESTRICT".to_owned()
        } else {
            action
        }
    }

    /// A UUID is kept as `char(36)` text.
    fn pulled_type(&self, _base: &str, ty: &str) -> Option<&'static str> {
        (ty == "char(36)").then_some("uuid::Uuid")
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
            // MySQL indexes only bounded types. Unbounded ones are LONG: TEXT and BLOB
            // stop at 65,535 bytes, which the other backends do not.
            T::Text if keyed => "VARCHAR(255)",
            T::Text => "LONGTEXT",
            T::Blob if keyed => "VARBINARY(255)",
            T::Blob => "LONGBLOB",
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
}

impl JsonCells for MySql {
    fn json_cell(&self, ty: SqlType) -> JsonCell {
        match ty {
            SqlType::Blob => JsonCell::Hex("hex(", ")"),
            SqlType::Decimal | SqlType::Json => JsonCell::Text("CHAR"),
            _ => JsonCell::Plain,
        }
    }
}

impl Lists for MySql {
    /// `IN (SELECT v FROM JSON_TABLE(?, ...))` with the list as one JSON text, read as
    /// the column's type (text with the tables' binary collation).
    fn list_parameter(
        &self,
        ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        let columns = match ty {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => {
                ", '$[*]' COLUMNS (v BIGINT PATH '$')) AS j)"
            }
            SqlType::Real | SqlType::Double => ", '$[*]' COLUMNS (v DOUBLE PATH '$')) AS j)",
            SqlType::Text => {
                ", '$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin \
                 PATH '$')) AS j)"
            }
            _ => return None,
        };
        Some(ListParameter {
            open: if negated {
                " NOT IN (SELECT j.v FROM JSON_TABLE("
            } else {
                " IN (SELECT j.v FROM JSON_TABLE("
            },
            value: Value::Text(json_list(values)?),
            close: columns,
        })
    }
}

impl Errors for MySql {
    /// Also 1761 and 1762: a foreign key's cascade would write a duplicate key in the
    /// referencing table.
    fn is_unique_violation(&self, error: &dyn sqlx::error::DatabaseError) -> bool {
        error.is_unique_violation() || error.message().contains("would lead to a duplicate entry")
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
    /// 1146 (`Table 'db.users' doesn't exist`) and 1054 (`Unknown column 't0.name' in
    /// 'field list'`).
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing> {
        let message = error.message();
        match error.code().as_deref() {
            Some("42S02") | Some("1146") => Some(Missing::Table(
                unqualified(between(message, "Table", "'", "'")?).to_owned(),
            )),
            Some("42S22") | Some("1054") => Some(Missing::Column {
                table: None,
                column: unqualified(between(message, "column", "'", "'")?).to_owned(),
            }),
            _ => None,
        }
    }
    /// `Duplicate entry 'x' for key 'email'` (a column's own unique key is named after
    /// it; the primary key is `PRIMARY`).
    fn unique_columns(
        &self,
        error: &dyn sqlx::error::DatabaseError,
        table: &'static TableMeta,
    ) -> Vec<&'static str> {
        let message = error.message();
        let Some(key) = message
            .rfind("for key '")
            .map(|i| &message[i + "for key '".len()..])
            .and_then(|rest| rest.strip_suffix('\''))
        else {
            return Vec::new();
        };
        let key = unqualified(key);
        if key == "PRIMARY" {
            return table.primary_key.to_vec();
        }
        table.column(key).map(|c| vec![c.name]).unwrap_or_default()
    }
    /// 1048, `Column 'email' cannot be null`, and 1364, `Field 'email' doesn't have a
    /// default value` (a column the insert left out).
    fn not_null_column(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        let message = error.message();
        between(message, "Column", "'", "'")
            .or_else(|| between(message, "Field", "'", "'"))
            .map(str::to_owned)
    }
}

impl Server for MySql {
    fn variant_for(&self, version: &str) -> Option<Dialect> {
        (!version.contains("MariaDB")).then_some(Dialect::MySql8)
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

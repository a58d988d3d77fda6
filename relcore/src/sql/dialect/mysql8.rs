//! MySQL 8: MariaDB's dialect where MySQL differs. A `mysql://` URL picks MariaDB's
//! dialect; a server whose `VERSION()` is not MariaDB's gets this one when the pool
//! connects (`Server::variant_for`). Untested here: this machine has no MySQL 8.

use super::mysql;
use super::parts::{ListParameter, Lists, Parts, Replication};
use super::syntax::Syntax;
use crate::model::value::{SqlType, Value};

/// MySQL 8: no `INSERT ... RETURNING` (generated keys one row at a time, through
/// `LAST_INSERT_ID()`), and its own name for the binary NO PAD collation. The Join
/// strategy is refused with a typed error (its `JSON_ARRAYAGG` takes no `ORDER BY`).
pub const SYNTAX: Syntax = Syntax {
    name: "MySQL",
    // Picked by the server's version, never by a URL.
    schemes: &[],
    returning: false,
    // MySQL has no `SET STATEMENT` (and Rel refuses its Join, see above).
    join_prefix: None,
    table_options: Some(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin"),
    ..mysql::SYNTAX
};

/// MariaDB's parts, but for the lists' collation.
pub const PARTS: Parts = Parts {
    syntax: SYNTAX,
    lists: &MySql8,
    // GTID sets (`uuid:1-5`), with GTIDs on (`gtid_mode = ON`). Untested: no MySQL 8
    // server can run here.
    replication: Some(Replication {
        form: "gtid set",
        written: "SELECT @@GLOBAL.gtid_executed",
        replayed: "SELECT @@GLOBAL.gtid_executed",
        wait: Some("WAIT_FOR_EXECUTED_GTID_SET"),
    }),
    ..mysql::PARTS
};

/// MySQL 8's own parts.
pub struct MySql8;

impl Lists for MySql8 {
    fn list_parameter(
        &self,
        ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        let mut list = mysql::MySql.list_parameter(ty, negated, values)?;
        if ty == SqlType::Text {
            list.close = ", '$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 COLLATE \
                          utf8mb4_0900_bin PATH '$')) AS j)";
        }
        Some(list)
    }
}

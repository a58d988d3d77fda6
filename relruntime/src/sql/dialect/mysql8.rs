//! MySQL 8: MariaDB's dialect where MySQL differs. A `mysql://` URL picks MariaDB's
//! dialect; a server whose `VERSION()` is not MariaDB's gets this one when the pool
//! connects (`SqlDialect::variant_for`). Untested here: this machine has no MySQL 8.

use super::mysql::MySql;
use super::{Driver, ListParameter, Missing, SqlDialect};
use crate::model::value::{SqlType, Value};

/// MySQL 8: no `INSERT ... RETURNING` (generated keys one row at a time, through
/// `LAST_INSERT_ID()`), and its own name for the binary NO PAD collation. The Join
/// strategy is refused with a typed error (its `JSON_ARRAYAGG` takes no `ORDER BY`).
pub(crate) struct MySql8;

impl SqlDialect for MySql8 {
    fn base(&self) -> Option<&'static dyn SqlDialect> {
        Some(&MySql)
    }

    fn name(&self) -> &'static str {
        "MySQL"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &[]
    }
    fn driver(&self) -> Driver {
        Driver::MySql
    }
    fn unlimited(&self) -> &'static str {
        MySql.unlimited()
    }
    fn json_row(&self) -> &'static str {
        MySql.json_row()
    }
    fn json_agg_open(&self) -> &'static str {
        MySql.json_agg_open()
    }
    fn json_agg_close(&self) -> &'static str {
        MySql.json_agg_close()
    }
    fn type_name(&self, ty: SqlType, keyed: bool) -> &'static str {
        MySql.type_name(ty, keyed)
    }
    fn identity_column(&self, ty: SqlType) -> &'static str {
        MySql.identity_column(ty)
    }
    fn missing_object(&self, error: &dyn sqlx::error::DatabaseError) -> Option<Missing> {
        MySql.missing_object(error)
    }
    fn not_null_column(&self, error: &dyn sqlx::error::DatabaseError) -> Option<String> {
        MySql.not_null_column(error)
    }

    // What MySQL 8 does differently.

    fn returning(&self) -> bool {
        false
    }
    fn table_options(&self) -> Option<&'static str> {
        Some(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin")
    }
    fn list_parameter(
        &self,
        ty: SqlType,
        negated: bool,
        values: &[Value],
    ) -> Option<ListParameter> {
        let mut list = MySql.list_parameter(ty, negated, values)?;
        if ty == SqlType::Text {
            list.close = ", '$[*]' COLUMNS (v LONGTEXT CHARACTER SET utf8mb4 COLLATE \
                          utf8mb4_0900_bin PATH '$')) AS j)";
        }
        Some(list)
    }
}

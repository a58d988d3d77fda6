// `sql_type` is written into DDL as it is: anything but a type name with numeric
// parameters is refused where it is written.
use rel::prelude::*;

#[derive(Table)]
struct Product {
    #[column(primary_key, auto_increment, sql_type = "bigint")]
    id: i64,
    #[column(sql_type = "text); DROP TABLE users; --")]
    name: String,
    #[column(sql_type = "numeric(10,two)")]
    price: f64,
    #[column(sql_type = "varchar(40")]
    code: String,
    #[column(sql_type = "")]
    note: String,
    #[column(sql_type = "integer primary key")]
    key: i64,
    #[column(sql_type = "character varying (40)")]
    fine: String,
}

fn main() {}

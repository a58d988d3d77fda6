// Defaults at the edges of their column's range, and JSON text for a JSON column.
use rel::prelude::*;

#[derive(Table)]
struct Settings {
    #[column(primary_key)]
    id: i64,
    #[column(default = -32768)]
    low: i16,
    #[column(default = 2147483647)]
    high: i32,
    #[column(default = 9223372036854775807)]
    widest: i64,
    #[column(default = 3.0e38)]
    ratio: f32,
    #[column(default = r#"{"tags": []}"#)]
    data: serde_json::Value,
    #[column(default = "{tags: []}")]
    note: String,
}

fn main() {
    let ddl = Schema::new(RelationMode::ForeignKeys)
        .table::<Settings>()
        .ddl(Dialect::Postgres)
        .unwrap();
    let sql: Vec<&str> = ddl.iter().map(|s| s.sql.as_str()).collect();
    let sql = sql.join("\n");
    assert!(sql.contains("DEFAULT -32768"), "{sql}");
    assert!(sql.contains(r#"DEFAULT '{"tags": []}'"#), "{sql}");
}

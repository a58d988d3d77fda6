// A JSON column's default is JSON text: `{tags: []}` is not JSON.
use rel::prelude::*;

#[derive(Table)]
struct Settings {
    #[column(primary_key)]
    id: i64,
    #[column(default = "{tags: []}")]
    data: serde_json::Value,
}

fn main() {}

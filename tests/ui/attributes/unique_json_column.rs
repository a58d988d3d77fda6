// MySQL cannot index a JSON column, and the tests enable the `mysql` feature.
use rel::prelude::*;

#[derive(Table)]
struct Event {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    payload: serde_json::Value,
}

fn main() {}

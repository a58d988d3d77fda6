// A table renamed from its own name.
use rel::prelude::*;

#[derive(Table)]
#[table(name = "people", renamed_from = "people")]
struct User {
    #[column(primary_key)]
    id: i64,
}

fn main() {}

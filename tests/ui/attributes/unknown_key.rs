use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key, uniqe)]
    id: i64,
}

fn main() {}

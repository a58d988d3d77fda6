use rel::prelude::*;

#[derive(Table)]
struct Counter {
    #[column(primary_key)]
    id: i64,
    hits: u32,
}

fn main() {}

use rel::prelude::*;

#[derive(Table)]
struct Tag {
    #[column(primary_key)]
    id: Option<i64>,
}

fn main() {}

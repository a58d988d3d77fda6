use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = id)]
    parent_id: i64,
}

fn main() {}

use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(on_delete = cascade)]
    author_id: i64,
}

fn main() {}

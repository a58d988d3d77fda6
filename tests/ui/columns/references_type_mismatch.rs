use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::id)]
    author_id: String,
}

fn main() {}

use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(references = User::name)]
    author_name: String,
}

fn main() {}

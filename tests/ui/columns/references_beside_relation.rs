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
    author_id: i64,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
}

fn main() {}

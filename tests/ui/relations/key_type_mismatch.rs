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
    author_id: i32,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
}

fn main() {}

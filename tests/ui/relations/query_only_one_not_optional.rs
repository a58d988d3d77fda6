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
    author_id: i64,
    // Nothing keeps the user there, so a post may name one who is gone.
    #[relation(one, from = author_id, to = User::id, constraint = none)]
    author: One<User>,
}

fn main() {}

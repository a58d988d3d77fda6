// One mistake (no primary key on `User`), one error: `Post` does not fail on it too.
use rel::prelude::*;

#[derive(Table)]
struct User {
    id: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
}

fn main() {}

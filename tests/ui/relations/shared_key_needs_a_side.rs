// Both ends are primary keys: which one refers to the other?
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
struct Settings {
    #[column(primary_key)]
    user_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

fn main() {}

// `Option<One<User>>`: the option goes inside, `One<Option<User>>`.
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
    user_id: Option<i64>,
    #[relation(one, from = user_id, to = User::id)]
    user: Option<One<User>>,
}
fn main() {}

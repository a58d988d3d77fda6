// Two structs, one SQL table.
use rel::prelude::*;

#[derive(Table)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
#[table(name = "users")]
struct Admin {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

fn main() {}

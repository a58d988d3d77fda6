use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    team: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    team: i64,
    #[relation(one, from = team, to = User::team)]
    author: One<User>,
}

fn main() {}

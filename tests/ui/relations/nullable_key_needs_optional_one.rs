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
    reviewer_id: Option<i64>,
    #[relation(one, from = reviewer_id, to = User::id)]
    reviewer: One<User>,
}

fn main() {}

use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    // Post's `author` holds the key, and says whether it is a constraint.
    #[relation(many, constraint = none)]
    posts: Many<Post>,
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

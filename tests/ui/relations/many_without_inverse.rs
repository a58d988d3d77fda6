use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
}

fn main() {}

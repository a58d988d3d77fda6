// `to` is the target's primary key, so at most one post matches.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    pinned_post_id: i64,
    #[relation(many, from = pinned_post_id, to = Post::id)]
    pinned: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
}

fn main() {}

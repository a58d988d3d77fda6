// One alias on two `one` relations that each hold a key of their own.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    favourite_post_id: Option<i64>,
    #[relation(one, from = favourite_post_id, to = Post::id, alias = "favourite")]
    favourite: One<Option<Post>>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = User::id, alias = "favourite")]
    author: One<User>,
}

fn main() {}

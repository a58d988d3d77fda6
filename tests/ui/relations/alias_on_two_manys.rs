// An alias pairs a `one` with a `many`, not two `many`s.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    topic: String,
    #[relation(many, from = topic, to = Post::topic, alias = "topic")]
    posts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    topic: String,
    #[relation(many, from = topic, to = User::topic, alias = "topic")]
    readers: Many<User>,
}

fn main() {}

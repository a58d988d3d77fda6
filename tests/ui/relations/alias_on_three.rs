// One alias on three relations: `author` with both `posts` and `drafts`.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, alias = "author")]
    posts: Many<Post>,
    #[relation(many, alias = "author")]
    drafts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = User::id, alias = "author")]
    author: One<User>,
}

fn main() {}

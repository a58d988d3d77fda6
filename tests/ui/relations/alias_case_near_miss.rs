// Aliases match exactly: "Author" is not "author".
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, from = id, to = Post::author_id, alias = "Author")]
    posts: Many<Post>,
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

// Paired relations name the same columns from both ends.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, from = id, to = Post::editor_id, alias = "author")]
    posts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    editor_id: i64,
    #[relation(one, from = author_id, to = User::id, alias = "author")]
    author: One<User>,
    #[relation(one, from = editor_id, to = User::id)]
    editor: One<User>,
}

fn main() {}

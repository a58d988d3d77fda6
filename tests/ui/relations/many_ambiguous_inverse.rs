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
    editor_id: i64,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
    #[relation(one, from = editor_id, to = User::id)]
    editor: One<User>,
}

fn main() {}

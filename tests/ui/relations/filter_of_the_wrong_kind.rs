// A relation's own `filter` is an expression over its target's columns, and goes on a
// `many`: a `one` follows its key to exactly one row.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    active: bool,
    #[relation(many, filter = User::active.eq(true))]
    posts: Many<Post>,
    #[relation(many, filter = Post::published.eq("yes"))]
    drafts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    published: bool,
    #[relation(one, from = user_id, to = User::id, filter = User::active.eq(true))]
    user: One<User>,
}

fn main() {}

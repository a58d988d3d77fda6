// Two relations on the same keys read the same rows unless their filters differ.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, filter = Post::published.eq(true))]
    published: Many<Post>,
    #[relation(many, filter = Post::published.eq(true))]
    also_published: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    published: bool,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

fn main() {}

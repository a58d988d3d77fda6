// `Many<Vec<Post>>`: `Many<Post>` is already the list.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    posts: Many<Vec<Post>>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}
fn main() {}

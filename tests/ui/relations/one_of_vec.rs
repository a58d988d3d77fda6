// `One<Vec<Post>>`: a `one` holds one row; the error names `One<Post>` and `Many<Post>`.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(one, from = id, to = Post::user_id, foreign_key = to)]
    posts: One<Vec<Post>>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    user_id: i64,
}
fn main() {}

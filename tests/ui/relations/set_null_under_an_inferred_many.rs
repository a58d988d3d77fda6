// One mistake (`set_null` on a required key), one error: `User::posts`, inferred from
// `Post::author`, does not fail on it too.
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
    #[relation(one, from = author_id, to = User::id, on_delete = set_null)]
    author: One<User>,
}

fn main() {}

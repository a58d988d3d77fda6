use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
}

fn users_only(filter: Expr<User>) -> Expr<User> {
    filter
}

fn main() {
    users_only(Post::id.eq(1));
}

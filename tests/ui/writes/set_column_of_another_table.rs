use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    title: String,
}

fn main() {
    let _ = User::update().set(Post::title, "x").filter(User::id.eq(1));
}

use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    score: i32,
}

fn main() {
    let _ = User::update().set(User::score, "high").filter(User::id.eq(1));
}

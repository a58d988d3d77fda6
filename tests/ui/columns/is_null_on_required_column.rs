use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    nickname: Option<String>,
}

fn main() {
    let _ = User::nickname.is_null();
    let _ = User::id.is_null();
}

use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = User::id.eq("one");
    let _ = User::name.gt(5);
}

// A column renamed from the name another column has now.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    bio: String,
    #[column(renamed_from = "bio")]
    about: String,
}

fn main() {}

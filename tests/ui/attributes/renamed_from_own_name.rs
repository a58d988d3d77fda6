// A column renamed from its own name: the rename says nothing.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[column(renamed_from = "about")]
    about: String,
}

fn main() {}

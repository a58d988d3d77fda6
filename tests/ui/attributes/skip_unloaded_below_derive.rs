// `#[rel::skip_unloaded]` below `#[derive(..)]`: serde's derive has already read the
// struct without the attributes it adds.
use rel::prelude::*;
use serde::Serialize;

#[derive(Table, Serialize)]
#[rel::skip_unloaded]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
}

fn main() {}

// A partial struct's fields are columns of its table, with their types.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Partial)]
#[partial(of = User)]
struct Wrong {
    id: i32,
    nmae: String,
}

#[derive(Partial)]
struct NoTable {
    id: i64,
}

fn main() {}

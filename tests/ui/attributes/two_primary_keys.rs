use rel::prelude::*;

#[derive(Table)]
struct Pair {
    #[column(primary_key)]
    a: i64,
    #[column(primary_key)]
    b: i64,
}

#[derive(Table)]
#[table(primary_key(a, b))]
struct Both {
    #[column(primary_key)]
    a: i64,
    b: i64,
}

fn main() {}

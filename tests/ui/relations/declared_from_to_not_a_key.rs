// `foreign_key = from` says this side holds the key, but `to` is not a key of the
// target: the error is on the declaration.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_name: String,
    #[relation(one, from = author_name, to = Author::name, foreign_key = from)]
    author: One<Author>,
}

#[derive(Table)]
struct Author {
    #[column(primary_key)]
    id: i64,
    name: String,
}

fn main() {}

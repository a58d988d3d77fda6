// A division by zero is NULL on every backend, so a quotient is an `Option`.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
}

#[derive(Partial)]
#[partial(of = Post)]
struct Card {
    #[partial(computed = Post::id / 2)]
    half: i64,
}

fn main() {}

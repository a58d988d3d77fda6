// A partial struct's field takes only `#[partial(computed = ..)]`.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
}

#[derive(Partial)]
#[partial(of = Post)]
struct Card {
    #[partial(computd = Post::id)]
    typo: i64,
}

fn main() {}

// A computed field holds its expression's type; integers and floats do not mix, text
// functions take text.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    title: String,
    score: i32,
    rating: f64,
}

#[derive(Partial)]
#[partial(of = Post)]
struct Card {
    id: i64,
    // Arithmetic is in 64 bits: `i64`, not `i32`.
    #[partial(computed = Post::score * 2)]
    doubled: i32,
    // An integer and a float.
    #[partial(computed = Post::score + Post::rating)]
    mixed: f64,
    // `upper` of a number.
    #[partial(computed = Post::score.upper())]
    shout: String,
}

fn main() {}

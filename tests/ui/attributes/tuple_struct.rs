use rel::prelude::*;

#[derive(Table)]
struct Point(i64, i64);

fn main() {}

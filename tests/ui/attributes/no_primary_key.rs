use rel::prelude::*;

#[derive(Table)]
struct Log {
    line: String,
}

fn main() {}

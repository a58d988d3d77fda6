use rel::prelude::*;

#[derive(Table)]
enum Status {
    Active,
    Banned,
}

fn main() {}

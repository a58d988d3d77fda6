use rel::prelude::*;

#[derive(Table)]
struct Tag {
    #[column(primary_key, auto_increment)]
    name: String,
}

fn main() {}

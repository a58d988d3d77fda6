use rel::prelude::*;

#[derive(Table)]
struct Flag {
    #[column(primary_key)]
    id: i64,
    #[column(default = "yes")]
    on: bool,
}

fn main() {}

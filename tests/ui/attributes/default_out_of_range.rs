// 70000 is an integer, but no i16 holds it.
use rel::prelude::*;

#[derive(Table)]
struct Sensor {
    #[column(primary_key)]
    id: i64,
    #[column(default = 70000)]
    offset: i16,
}

fn main() {}

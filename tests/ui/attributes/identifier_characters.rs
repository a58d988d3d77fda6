// MySQL and MariaDB refuse emoji and a trailing space in names.
use rel::prelude::*;

#[derive(Table)]
struct Reaction {
    #[column(primary_key)]
    id: i64,
    #[column(name = "thumbs_👍")]
    thumbs: i64,
    #[column(name = "note ")]
    note: String,
}

fn main() {}

// SQLite and MySQL take `email` and `EMAIL` for one column.
use rel::prelude::*;

#[derive(Table)]
struct Contact {
    #[column(primary_key)]
    id: i64,
    email: String,
    #[column(name = "EMAIL")]
    email_upper: String,
}

fn main() {}

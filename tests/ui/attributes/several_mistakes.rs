use rel::prelude::*;

#[derive(Table)]
struct Account {
    #[column(primary_key, auto_increment)]
    name: String,
    #[column(nmae = "x")]
    email: String,
    #[column(primary_key)]
    other: i64,
    #[relation(many)]
    friends: Vec<Account>,
}

fn main() {}

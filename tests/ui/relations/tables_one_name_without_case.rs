// `Users` and `users` are one table to SQLite.
use rel::prelude::*;

#[derive(Table)]
#[table(name = "Users")]
struct Account {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
#[table(name = "users")]
struct Member {
    #[column(primary_key)]
    id: i64,
    account_id: i64,
    #[relation(one, from = account_id, to = Account::id)]
    account: One<Account>,
}

fn main() {}

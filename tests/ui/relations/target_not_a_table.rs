use rel::prelude::*;

struct Account {
    id: i64,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    account_id: i64,
    #[relation(one, from = account_id, to = Account::id)]
    account: One<Account>,
}

fn main() {
    let _ = Account { id: 1 }.id;
}

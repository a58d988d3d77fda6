// One mistake (the junction is a plain struct), one error.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
}

struct Membership {
    user_id: i64,
    group_id: i64,
}

fn main() {
    let m = Membership { user_id: 1, group_id: 2 };
    let _ = (m.user_id, m.group_id);
}

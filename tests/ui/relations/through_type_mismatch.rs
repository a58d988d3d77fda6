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
    id: String,
}

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

fn main() {}

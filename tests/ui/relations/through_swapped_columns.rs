// The junction's first list holds this side's key: here the two are swapped.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(group_id, user_id))]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(one, from = group_id, to = Group::id)]
    group: One<Group>,
}

fn main() {}

// A junction row holding a group's name would stand for every group of that name.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(user_id, group_name), to = Group::name)]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
#[table(primary_key(user_id, group_name))]
struct Membership {
    user_id: i64,
    group_name: String,
}

fn main() {}

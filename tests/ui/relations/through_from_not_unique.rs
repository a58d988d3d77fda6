// `from` names a column of this table that several rows may share.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    nickname: String,
    #[relation(many, from = nickname, through = Membership(nickname, group_id))]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
#[table(primary_key(nickname, group_id))]
struct Membership {
    nickname: String,
    group_id: i64,
}

fn main() {}

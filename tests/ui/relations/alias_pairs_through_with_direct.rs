// An alias pairs a many-to-many with a direct `one`: they describe different keys.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(user_id, group_id), alias = "members")]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
    owner_id: i64,
    #[relation(one, from = owner_id, to = User::id, alias = "members")]
    owner: One<User>,
}

#[derive(Table)]
#[table(primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

fn main() {}

// A self many-to-many needs two junction columns, one per side.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Follow(follower_id, follower_id))]
    following: Many<User>,
}

#[derive(Table)]
#[table(primary_key(follower_id, followed_id))]
struct Follow {
    follower_id: i64,
    followed_id: i64,
}

fn main() {}

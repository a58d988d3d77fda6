// Drizzle's `users.profileInfo`: the key lives on the target, whose `user_id` is not
// unique, so a user could have several profiles.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(one, from = id, to = ProfileInfo::user_id)]
    profile_info: One<Option<ProfileInfo>>,
}

#[derive(Table)]
struct ProfileInfo {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
}

fn main() {}

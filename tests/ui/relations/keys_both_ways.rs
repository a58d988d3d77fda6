// Each table holds a required key to the other, and no alias pairs them: neither row
// can be inserted first.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    profile_id: i64,
    #[relation(one, from = profile_id, to = Profile::user_id)]
    profile: One<Profile>,
}

#[derive(Table)]
struct Profile {
    #[column(primary_key)]
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, foreign_key = from)]
    user: One<User>,
}

fn main() {}

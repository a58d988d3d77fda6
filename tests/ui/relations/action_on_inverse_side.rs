// The profile holds the key, so the action belongs on its relation back to the user.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(one, from = id, to = Profile::user_id, on_delete = cascade)]
    profile: One<Option<Profile>>,
}

#[derive(Table)]
struct Profile {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    user_id: i64,
}

fn main() {}

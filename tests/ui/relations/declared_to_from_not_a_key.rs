// `foreign_key = to` says the target holds the key, but `from` is not a key of this
// table: the error is on the declaration.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    handle: String,
    #[relation(one, from = handle, to = Profile::user_handle, foreign_key = to)]
    profile: One<Option<Profile>>,
}

#[derive(Table)]
struct Profile {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    user_handle: String,
}

fn main() {}

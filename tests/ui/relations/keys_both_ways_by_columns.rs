// Two columns' `references` make two tables refer to each other by required keys.
use rel::prelude::*;

#[derive(Table)]
struct Team {
    #[column(primary_key)]
    id: i64,
    #[column(references = Player::id)]
    captain_id: i64,
}

#[derive(Table)]
struct Player {
    #[column(primary_key)]
    id: i64,
    #[column(references = Team::id)]
    team_id: i64,
}

fn main() {}

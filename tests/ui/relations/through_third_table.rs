// `Membership::team_id` refers to teams, not to groups.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(user_id, team_id))]
    groups: Many<Group>,
}

#[derive(Table)]
struct Group {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
struct Team {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table)]
#[table(primary_key(user_id, team_id))]
struct Membership {
    user_id: i64,
    team_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(one, from = team_id, to = Team::id)]
    team: One<Team>,
}

fn main() {}

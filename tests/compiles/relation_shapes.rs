// The legal neighbours of the relation shapes the derive refuses: two tables whose
// keys refer to each other when one key is optional, a one-to-one with its key on one
// side, many-to-manys to a unique column and paired by an alias, and a self
// many-to-many with one junction column per side.
use rel::prelude::*;

#[derive(Table)]
struct Team {
    #[column(primary_key)]
    id: i64,
    // Optional: a team is inserted first, and gets its captain afterwards.
    #[column(references = Player::id)]
    captain_id: Option<i64>,
}

#[derive(Table)]
struct Player {
    #[column(primary_key)]
    id: i64,
    #[column(references = Team::id)]
    team_id: i64,
}

#[derive(Table)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(one, from = id, to = Profile::user_id, foreign_key = to)]
    profile: One<Option<Profile>>,
    #[relation(many, through = Membership(user_id, group_name), to = Group::name, alias = "members")]
    groups: Many<Group>,
    #[relation(many, through = Follow(follower_id, followed_id))]
    following: Many<User>,
}

#[derive(Table)]
struct Profile {
    #[column(primary_key)]
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, foreign_key = from)]
    user: One<User>,
}

#[derive(Table)]
#[table(name = "groups")]
struct Group {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    name: String,
    #[relation(many, from = name, to = User::id, through = Membership(group_name, user_id), alias = "members")]
    members: Many<User>,
}

#[derive(Table)]
#[table(primary_key(user_id, group_name))]
struct Membership {
    user_id: i64,
    group_name: String,
}

#[derive(Table)]
#[table(primary_key(follower_id, followed_id))]
struct Follow {
    follower_id: i64,
    followed_id: i64,
}

fn main() {
    let sql = User::query()
        .with(User::groups())
        .strategy(Strategy::Join)
        .to_sql(Dialect::Sqlite)
        .sql;
    assert!(sql.contains("\"group_name\""), "{sql}");
    let _ = (Team::captain_id, Player::team_id, Profile::user_id, Group::members());
}

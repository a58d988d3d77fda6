//! A schema with every column type, defaults of every kind (quotes and backslashes
//! included), generated and composite keys, unique keys, indexes, a junction, a self
//! relation, a cycle between tables and every action: shared by the migration and pull
//! tests (`#[path = "shapes/rich.rs"] mod rich;`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Table, Debug)]
#[table(name = "m_kinds")]
pub struct Kinds {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(default = 7)]
    pub small: i16,
    #[column(default = -3)]
    pub int: i32,
    pub big: i64,
    #[column(default = 1.5)]
    pub real: f32,
    pub double: f64,
    #[column(default = true)]
    pub flag: bool,
    #[column(default = "it's a \\ path")]
    pub text: String,
    pub bytes: Vec<u8>,
    pub date: NaiveDate,
    pub datetime: NaiveDateTime,
    pub instant: DateTime<Utc>,
    pub uuid: Uuid,
    #[column(default = r#"{"a": [1]}"#)]
    pub json: serde_json::Value,
    pub decimal: Decimal,
    #[column(unique)]
    pub code: Option<String>,
    #[column(index)]
    pub rank: Option<i32>,
}

#[derive(Table, Debug)]
#[table(name = "m_teams")]
pub struct Team {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(unique)]
    pub name: String,
    pub captain_id: Option<i64>,
    #[relation(one, from = captain_id, to = Player::id, alias = "captain", on_delete = set_null)]
    pub captain: One<Option<Player>>,
    #[relation(many, alias = "members")]
    pub players: Many<Player>,
}

#[derive(Table, Debug)]
#[table(name = "m_players")]
pub struct Player {
    #[column(primary_key)]
    pub id: i64,
    pub team_id: i64,
    pub mentor_id: Option<i64>,
    #[relation(one, from = team_id, to = Team::id, alias = "members", on_delete = cascade, on_update = restrict)]
    pub team: One<Team>,
    #[relation(one, from = mentor_id, to = Player::id, alias = "mentor", on_delete = set_null)]
    pub mentor: One<Option<Player>>,
    #[relation(many, alias = "mentor")]
    pub mentees: Many<Player>,
    #[relation(many, alias = "captain")]
    pub captain_of: Many<Team>,
    #[relation(many, through = Membership(player_id, club_id))]
    pub clubs: Many<Club>,
}

#[derive(Table, Debug)]
#[table(name = "m_clubs")]
pub struct Club {
    #[column(primary_key)]
    pub id: i64,
}

#[derive(Table, Debug)]
#[table(name = "m_memberships", primary_key(player_id, club_id))]
pub struct Membership {
    pub player_id: i64,
    pub club_id: i64,
    #[column(default = 0)]
    pub since: i32,
    #[relation(one, from = player_id, to = Player::id, on_delete = cascade)]
    pub player: One<Player>,
    #[relation(one, from = club_id, to = Club::id, on_delete = no_action)]
    pub club: One<Club>,
}

#[derive(Table, Debug)]
#[table(name = "m_scores", primary_key(player_id, round))]
pub struct Score {
    pub player_id: i64,
    pub round: i16,
    #[column(default = "n/a")]
    pub note: String,
    #[relation(one, from = player_id, to = Player::id)]
    pub player: One<Player>,
    #[column(references = Player::id, on_delete = set_null)]
    pub referee_id: Option<i64>,
    pub team_name: String,
    #[relation(one, from = team_name, to = Team::name, constraint = none)]
    pub team: One<Option<Team>>,
}

/// The schema of all of them.
pub fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode)
        .table::<Kinds>()
        .table::<Team>()
        .table::<Membership>()
        .table::<Score>()
}

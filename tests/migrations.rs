//! The schema's lifecycle: `Schema::diff` against live databases on every backend.
//!
//! A database made by `create_all` has no drift, in both relation modes, for a schema
//! that has every column type, defaults of every kind, generated keys, composite keys,
//! unique keys, indexes, a junction, a self relation, a cycle between tables and every
//! action; and each kind of change made by hand is found, as the step that would undo it.

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rel::prelude::*;
use rel::{Error, Step};
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Table, Debug)]
#[table(name = "m_kinds")]
struct Kinds {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(default = 7)]
    small: i16,
    #[column(default = -3)]
    int: i32,
    big: i64,
    #[column(default = 1.5)]
    real: f32,
    double: f64,
    #[column(default = true)]
    flag: bool,
    #[column(default = "it's a \\ path")]
    text: String,
    bytes: Vec<u8>,
    date: NaiveDate,
    datetime: NaiveDateTime,
    instant: DateTime<Utc>,
    uuid: Uuid,
    #[column(default = r#"{"a": [1]}"#)]
    json: serde_json::Value,
    decimal: Decimal,
    #[column(unique)]
    code: Option<String>,
    #[column(index)]
    rank: Option<i32>,
}

#[derive(Table, Debug)]
#[table(name = "m_teams")]
struct Team {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(unique)]
    name: String,
    captain_id: Option<i64>,
    #[relation(one, from = captain_id, to = Player::id, alias = "captain", on_delete = set_null)]
    captain: One<Option<Player>>,
    #[relation(many, alias = "members")]
    players: Many<Player>,
}

#[derive(Table, Debug)]
#[table(name = "m_players")]
struct Player {
    #[column(primary_key)]
    id: i64,
    team_id: i64,
    mentor_id: Option<i64>,
    #[relation(one, from = team_id, to = Team::id, alias = "members", on_delete = cascade, on_update = restrict)]
    team: One<Team>,
    #[relation(one, from = mentor_id, to = Player::id, alias = "mentor", on_delete = set_null)]
    mentor: One<Option<Player>>,
    #[relation(many, alias = "mentor")]
    mentees: Many<Player>,
    #[relation(many, alias = "captain")]
    captain_of: Many<Team>,
    #[relation(many, through = Membership(player_id, club_id))]
    clubs: Many<Club>,
}

#[derive(Table, Debug)]
#[table(name = "m_clubs")]
struct Club {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug)]
#[table(name = "m_memberships", primary_key(player_id, club_id))]
struct Membership {
    player_id: i64,
    club_id: i64,
    #[column(default = 0)]
    since: i32,
    #[relation(one, from = player_id, to = Player::id, on_delete = cascade)]
    player: One<Player>,
    #[relation(one, from = club_id, to = Club::id, on_delete = no_action)]
    club: One<Club>,
}

#[derive(Table, Debug)]
#[table(name = "m_scores", primary_key(player_id, round))]
struct Score {
    player_id: i64,
    round: i16,
    #[column(default = "n/a")]
    note: String,
    #[relation(one, from = player_id, to = Player::id)]
    player: One<Player>,
    #[column(references = Player::id, on_delete = set_null)]
    referee_id: Option<i64>,
    team_name: String,
    #[relation(one, from = team_name, to = Team::name, constraint = none)]
    team: One<Option<Team>>,
}

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode)
        .table::<Kinds>()
        .table::<Team>()
        .table::<Membership>()
        .table::<Score>()
}

/// The steps, one per line, for a failure message.
fn report(steps: &[Step]) -> String {
    steps.iter().map(|s| format!("\n  {s}")).collect()
}

/// Runs one statement of the test's own, outside Rel.
async fn execute(db: &Db, sql: String) {
    let sql = sqlx::AssertSqlSafe(sql);
    if let Some(pool) = db.sqlite_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    } else if let Some(pool) = db.mysql_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    }
}

#[tokio::test]
async fn create_all_leaves_no_drift_on_any_backend_in_either_mode() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = schema(mode);
        let name = format!("m_no_drift_{mode:?}").to_lowercase();
        for db in common::fresh(&name, &schema).await {
            let steps = schema.diff(&db).await.unwrap();
            assert!(
                steps.is_empty(),
                "{:?} {mode:?}: drift after create_all:{}",
                db.dialect(),
                report(&steps)
            );
        }
    }
}

#[tokio::test]
async fn each_change_by_hand_is_found() {
    let schema = schema(RelationMode::ForeignKeys);
    for db in common::fresh("m_changes", &schema).await {
        let d = db.dialect();
        let q = |name: &str| d.quote(name);
        // A column the structs do not have.
        execute(
            &db,
            format!(
                "ALTER TABLE {} ADD COLUMN {} INTEGER",
                q("m_clubs"),
                q("extra")
            ),
        )
        .await;
        // An index dropped.
        let index = "m_kinds_rank_idx";
        match d {
            Dialect::MySql | Dialect::MySql8 => {
                execute(&db, format!("DROP INDEX {} ON {}", q(index), q("m_kinds"))).await
            }
            _ => execute(&db, format!("DROP INDEX {}", q(index))).await,
        }
        // A default changed (SQLite's ALTER TABLE cannot).
        let servers = d != Dialect::Sqlite;
        if servers {
            execute(
                &db,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT 8",
                    q("m_kinds"),
                    q("small")
                ),
            )
            .await;
        }
        let steps = schema.diff(&db).await.unwrap();
        let lines: Vec<String> = steps.iter().map(ToString::to_string).collect();
        if servers {
            assert!(
                lines.contains(&"alter column m_kinds.small: default 8 → 7".to_string()),
                "{d:?}:{}",
                report(&steps)
            );
        }
        assert!(
            lines.contains(&"drop column m_clubs.extra".to_string()),
            "{d:?}:{}",
            report(&steps)
        );
        assert!(
            lines.contains(&format!("add index {index} on m_kinds (rank)")),
            "{d:?}:{}",
            report(&steps)
        );
        assert_eq!(
            steps.len(),
            2 + usize::from(servers),
            "{d:?}:{}",
            report(&steps)
        );
        assert!(steps.iter().any(Step::is_destructive), "{d:?}");
    }
}

#[tokio::test]
async fn a_foreign_keys_database_read_as_emulated_has_keys_to_drop() {
    let foreign_keys = schema(RelationMode::ForeignKeys);
    let emulated = schema(RelationMode::Emulated);
    for db in common::fresh("m_modes", &foreign_keys).await {
        let d = db.dialect();
        let steps = emulated.diff(&db).await.unwrap();
        assert!(!steps.is_empty(), "{d:?}");
        assert!(
            steps
                .iter()
                .all(|s| matches!(s, Step::DropForeignKey { .. })),
            "{d:?}:{}",
            report(&steps)
        );
        // m_teams.captain, m_players.team and .mentor, m_memberships.player and
        // .club, m_scores.player and the referee column's key.
        assert_eq!(steps.len(), 7, "{d:?}:{}", report(&steps));
    }
}

#[tokio::test]
async fn missing_tables_and_tables_of_others_are_drift() {
    let small = Schema::new(RelationMode::ForeignKeys).table::<Club>();
    let schema = schema(RelationMode::ForeignKeys);
    for db in common::backends("m_tables").await {
        schema.drop_all(&db).await.unwrap();
        small.create_all(&db).await.unwrap();
        let steps = schema.diff(&db).await.unwrap();
        let created: Vec<&Step> = steps
            .iter()
            .filter(|s| matches!(s, Step::CreateTable { .. }))
            .collect();
        assert_eq!(created.len(), 5, "{:?}:{}", db.dialect(), report(&steps));
        assert_eq!(steps.len(), 5, "{:?}:{}", db.dialect(), report(&steps));
        let only_kinds = Schema::new(RelationMode::ForeignKeys).table::<Kinds>();
        let steps = only_kinds.diff(&db).await.unwrap();
        assert_eq!(
            steps,
            [
                Step::CreateTable {
                    table: "m_kinds".into()
                },
                Step::DropTable {
                    table: "m_clubs".into()
                }
            ],
            "{:?}",
            db.dialect()
        );
        small.drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn a_schema_that_cannot_be_created_cannot_be_diffed() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<Club>()
        .table::<dup::Club>();
    assert!(matches!(
        schema.diff(&db).await,
        Err(Error::DuplicateTable { .. })
    ));
}

mod dup {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "m_clubs")]
    pub struct Club {
        #[column(primary_key)]
        pub id: i64,
        pub name: String,
    }
}

//! DDL per dialect and relation mode: snapshots, and create/drop on every backend.
//!
//! The snapshots live in `tests/snapshots/`. After an intended change, regenerate them
//! with `REL_BLESS=1 cargo test --test ddl` and read the diff.

mod common;
common::report_backends!();

use rel::prelude::*;

/// Teams and players point at each other (a cycle), and players at players (a self
/// relation). Every action and a composite key appear somewhere, and a column's foreign
/// key without a relation and a query-only relation without a foreign key.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "teams")]
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

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "players")]
struct Player {
    #[column(primary_key, auto_increment)]
    id: i64,
    team_id: i64,
    #[column(index)]
    name: String,
    mentor_id: Option<i64>,
    #[column(default = 0)]
    rank: i32,
    #[relation(one, from = team_id, to = Team::id, alias = "members", on_delete = cascade, on_update = restrict)]
    team: One<Team>,
    #[relation(one, from = mentor_id, to = Player::id, alias = "mentor", on_delete = set_null)]
    mentor: One<Option<Player>>,
    #[relation(many, alias = "mentor")]
    mentees: Many<Player>,
    #[relation(many, alias = "captain")]
    captain_of: Many<Team>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "scores", primary_key(player_id, round))]
struct Score {
    player_id: i64,
    round: i16,
    #[column(default = 1.5)]
    points: f64,
    #[column(default = "n/a")]
    note: String,
    #[relation(one, from = player_id, to = Player::id, on_delete = no_action)]
    player: One<Player>,
    /// A foreign key with no relation field.
    #[column(references = Player::id, on_delete = set_null)]
    referee_id: Option<i64>,
    /// A relation with no foreign key (query-only), to a unique column.
    team_name: String,
    #[relation(one, from = team_name, to = Team::name, constraint = none)]
    team: One<Option<Team>>,
}

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode).table::<Team>().table::<Score>()
}

fn render(mode: RelationMode, dialect: Dialect) -> String {
    let mut out = String::new();
    for s in schema(mode).ddl(dialect).expect("renders") {
        assert!(s.binds.is_empty(), "DDL binds nothing");
        out.push_str(&s.sql);
        out.push_str(";\n");
    }
    out
}

#[test]
fn ddl_snapshots() {
    let bless = std::env::var("REL_BLESS").is_ok_and(|v| v == "1");
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for dialect in Dialect::ALL {
            // Only the file name is lowercased: the checkout path may have capitals.
            let file = format!("ddl_{dialect:?}_{mode:?}.sql").to_lowercase();
            let path = format!("{}/tests/snapshots/{file}", env!("CARGO_MANIFEST_DIR"));
            let got = render(mode, dialect);
            if bless {
                std::fs::write(&path, &got).unwrap();
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("missing snapshot {path}"));
            assert_eq!(
                got, want,
                "{dialect:?} {mode:?}: DDL changed (REL_BLESS=1 regenerates {path})"
            );
        }
    }
}

#[test]
fn emulated_mode_declares_no_foreign_keys_but_keeps_the_indexes() {
    for dialect in Dialect::ALL {
        let emulated = render(RelationMode::Emulated, dialect);
        let enforced = render(RelationMode::ForeignKeys, dialect);
        assert!(
            !emulated.contains("FOREIGN KEY") && !emulated.contains("REFERENCES"),
            "{dialect:?}"
        );
        assert_eq!(
            enforced.matches("FOREIGN KEY").count(),
            5,
            "{dialect:?}: four relations and one column hold keys; the query-only relation none"
        );
        let indexes = |ddl: &str| {
            ddl.lines()
                .filter(|l| l.starts_with("CREATE INDEX"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(indexes(&emulated), indexes(&enforced), "{dialect:?}");
        // Every key column set gets an index, except `scores.player_id`, which leads the
        // primary key already.
        for col in ["captain_id", "team_id", "mentor_id"] {
            assert!(
                emulated.contains(&format!("_{col}_idx")),
                "{dialect:?}: index on {col}"
            );
        }
        assert!(!emulated.contains("scores_player_id_idx"), "{dialect:?}");
    }
}

#[test]
fn set_default_is_refused_on_mysql_foreign_keys_only() {
    #[allow(dead_code)]
    #[derive(Table)]
    struct Parent {
        #[column(primary_key)]
        id: i32,
    }
    #[allow(dead_code)]
    #[derive(Table)]
    struct Child {
        #[column(primary_key)]
        id: i32,
        #[column(default = 1)]
        parent_id: i32,
        #[relation(one, from = parent_id, to = Parent::id, on_delete = set_default)]
        parent: One<Parent>,
    }
    let fk = Schema::new(RelationMode::ForeignKeys).table::<Child>();
    let err = fk.ddl(Dialect::MySql).unwrap_err();
    assert!(
        matches!(
            &err,
            rel::Error::Unsupported {
                table: "child",
                relation: "parent",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        fk.ddl(Dialect::Postgres)
            .unwrap()
            .iter()
            .any(|s| s.sql.contains("ON DELETE SET DEFAULT"))
    );
    assert!(fk.ddl(Dialect::Sqlite).is_ok());
    assert!(
        Schema::new(RelationMode::Emulated)
            .table::<Child>()
            .ddl(Dialect::MySql)
            .is_ok()
    );
}

fn team(name: &str) -> Team {
    Team {
        id: 0,
        name: name.into(),
        captain_id: None,
        captain: One::default(),
        players: Many::default(),
    }
}

fn player(team_id: i64, name: &str, mentor_id: Option<i64>) -> Player {
    Player {
        id: 0,
        team_id,
        name: name.into(),
        mentor_id,
        rank: 3,
        team: One::default(),
        mentor: One::default(),
        mentees: Many::default(),
        captain_of: Many::default(),
    }
}

#[tokio::test]
async fn create_and_drop_cyclic_schemas_on_every_backend() {
    for db in common::backends("create_drop").await {
        let dialect = db.dialect();
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let schema = schema(mode);
            schema
                .create_all(&db)
                .await
                .unwrap_or_else(|e| panic!("{dialect:?} {mode:?}: {e}"));
            // Use the cycle: a team, its player, the player as captain, a mentee.
            let team_id = db.insert(&team("red")).await.unwrap();
            let captain = db.insert(&player(team_id, "ana", None)).await.unwrap();
            db.insert(&player(team_id, "bo", Some(captain)))
                .await
                .unwrap();
            let blue = db
                .insert(&Team {
                    captain_id: Some(captain),
                    ..team("blue")
                })
                .await
                .unwrap_or_else(|e| panic!("{dialect:?} {mode:?}: {e}"));
            let got = db.get::<Team>(&blue).await.unwrap().unwrap();
            assert_eq!(got.captain_id, Some(captain), "{dialect:?} {mode:?}");
            // Dropping works whatever points where, and leaves nothing behind.
            schema
                .drop_all(&db)
                .await
                .unwrap_or_else(|e| panic!("{dialect:?} {mode:?}: {e}"));
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            assert!(
                db.all::<Player>().await.unwrap().is_empty(),
                "{dialect:?} {mode:?}: fresh tables"
            );
            schema.drop_all(&db).await.unwrap();
        }
    }
}

//! `One` and `Many` with serde (the `serde` feature): a loaded relation serializes as
//! its value (an object, `null`, an array), a counted one as its count, one not loaded
//! is an error unless skipped (`#[rel::skip_unloaded]`, or `One::is_not_loaded` / `Many::is_not_loaded` per field); and
//! the JSON reads back into loaded relations. Loaded from a real SQLite database.

use rel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_teams")]
struct Team {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    #[serde(skip_serializing_if = "Many::is_not_loaded", default)]
    members: Many<Member>,
}

#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_members")]
struct Member {
    #[column(primary_key)]
    id: i64,
    team_id: Option<i64>,
    #[relation(one, from = team_id, to = Team::id)]
    #[serde(skip_serializing_if = "One::is_not_loaded", default)]
    team: One<Option<Team>>,
    #[relation(many)]
    #[serde(skip_serializing_if = "Many::is_not_loaded", default)]
    tasks: Many<Task>,
}

#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_tasks")]
struct Task {
    #[column(primary_key)]
    id: i64,
    member_id: i64,
    title: String,
    #[relation(one, from = member_id, to = Member::id)]
    #[serde(skip_serializing_if = "One::is_not_loaded", default)]
    member: One<Member>,
}

/// The same `Member` without the skip: a relation not loaded cannot be serialized.
#[derive(Serialize)]
struct Unskipped<'a> {
    id: i64,
    tasks: &'a Many<Task>,
}

async fn seeded() -> Db {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Task>()
        .create_all(&db)
        .await
        .unwrap();
    db.insert(&Team {
        id: 1,
        name: "core".into(),
        members: Many::default(),
    })
    .await
    .unwrap();
    let member = |id, team_id| Member {
        id,
        team_id,
        team: One::default(),
        tasks: Many::default(),
    };
    db.insert_many(&[member(10, Some(1)), member(11, None)])
        .await
        .unwrap();
    let task = |id, title: &str| Task {
        id,
        member_id: 10,
        title: title.into(),
        member: One::default(),
    };
    db.insert_many(&[task(100, "parse"), task(101, "check")])
        .await
        .unwrap();
    db
}

#[tokio::test]
async fn loaded_relations_serialize_as_their_values_and_counts_as_numbers() {
    let db = seeded().await;
    let members = Member::query()
        .order_by(Member::id.asc())
        .with(Member::team())
        .with(Member::tasks().count())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&members).unwrap(),
        json!([
            {"id": 10, "team_id": 1, "team": {"id": 1, "name": "core"}, "tasks": 2},
            {"id": 11, "team_id": null, "team": null, "tasks": 0},
        ])
    );

    // Three levels, rows in arrays; relations not loaded are left out.
    let teams = Team::query()
        .with(
            Team::members()
                .order_by(Member::id.asc())
                .with(Member::tasks().order_by(Task::id.asc())),
        )
        .all(&db)
        .await
        .unwrap();
    let value = serde_json::to_value(&teams).unwrap();
    assert_eq!(
        value,
        json!([{"id": 1, "name": "core", "members": [
            {"id": 10, "team_id": 1, "tasks": [
                {"id": 100, "member_id": 10, "title": "parse"},
                {"id": 101, "member_id": 10, "title": "check"},
            ]},
        ]}])
    );

    // And back: the relations that were in the JSON are loaded, the others are not.
    let back: Vec<Team> = serde_json::from_value(value).unwrap();
    assert_eq!(back, teams);
    let member = &back[0].members.get().unwrap()[0];
    assert_eq!(member.tasks.get().unwrap()[1].title, "check");
    assert!(member.team.is_not_loaded());
    assert!(member.tasks.get().unwrap()[0].member.is_not_loaded());

    // A count reads back as a count, `null` as a loaded absent row.
    let counted: Vec<Member> =
        serde_json::from_value(serde_json::to_value(&members).unwrap()).unwrap();
    assert_eq!(counted[0].tasks.count().unwrap(), 2);
    assert!(counted[0].tasks.get().is_err(), "a count has no rows");
    assert_eq!(counted[1].team.get().unwrap(), &None);
    assert_eq!(counted, members);
}

#[tokio::test]
async fn a_relation_not_loaded_is_an_error_unless_skipped() {
    let db = seeded().await;
    let member = db.get::<Member>(&10).await.unwrap().unwrap();
    // Skipped: only the columns.
    assert_eq!(
        serde_json::to_value(&member).unwrap(),
        json!({"id": 10, "team_id": 1})
    );
    // Not skipped: an error that says what to do, not a silent `null` or `[]`.
    let err = serde_json::to_string(&Unskipped {
        id: member.id,
        tasks: &member.tasks,
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("was not loaded"), "{err}");
    assert!(err.contains("#[rel::skip_unloaded]"), "{err}");
    assert!(err.contains("Task"), "{err}");
}

/// One switch instead of an attribute on every field: `#[rel::skip_unloaded]`.
#[rel::skip_unloaded]
#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_boards")]
struct Board {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    cards: Many<Card>,
}

#[rel::skip_unloaded]
#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_cards")]
struct Card {
    #[column(primary_key)]
    id: i64,
    board_id: Option<i64>,
    // The kind need not come first.
    #[relation(from = board_id, to = Board::id, one)]
    board: One<Option<Board>>,
    // A field of the user's own say stays as it is: serialized even when not loaded
    // would fail, so this one is skipped by its own attribute.
    #[relation(many)]
    #[serde(skip)]
    notes: Many<Note>,
}

#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "sd_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    card_id: i64,
    #[relation(one, from = card_id, to = Card::id)]
    #[serde(skip)]
    card: One<Card>,
}

/// With `#[rel::skip_unloaded]`, a relation not loaded is left out, a loaded empty one
/// is `[]` (or `null` for an optional `one`), a loaded one is its value; and the JSON
/// reads back, an absent relation as not loaded. From a real SQLite database.
#[tokio::test]
async fn one_switch_skips_every_relation_not_loaded() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Note>()
        .create_all(&db)
        .await
        .unwrap();
    db.insert(&Board {
        id: 1,
        name: "todo".into(),
        cards: Many::default(),
    })
    .await
    .unwrap();
    db.insert(&Board {
        id: 2,
        name: "empty".into(),
        cards: Many::default(),
    })
    .await
    .unwrap();
    for (id, board_id) in [(10, Some(1)), (11, None)] {
        db.insert(&Card {
            id,
            board_id,
            board: One::default(),
            notes: Many::default(),
        })
        .await
        .unwrap();
    }

    // Nothing loaded: only the columns.
    let plain = db.all::<Board>().await.unwrap();
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        json!([{"id": 1, "name": "todo"}, {"id": 2, "name": "empty"}])
    );
    let plain_cards = db.all::<Card>().await.unwrap();
    assert_eq!(
        serde_json::to_value(&plain_cards).unwrap(),
        json!([{"id": 10, "board_id": 1}, {"id": 11, "board_id": null}])
    );
    // Loaded, nested: values, `[]` for none, `null` for an optional one with no row;
    // the one not loaded below is left out.
    let loaded = Board::query()
        .with(Board::cards().with(Card::board()))
        .order_by(Board::id.asc())
        .all(&db)
        .await
        .unwrap();
    let value = serde_json::to_value(&loaded).unwrap();
    assert_eq!(
        value,
        json!([
            {"id": 1, "name": "todo", "cards": [
                {"id": 10, "board_id": 1, "board": {"id": 1, "name": "todo"}}
            ]},
            {"id": 2, "name": "empty", "cards": []}
        ])
    );
    let cards = Card::query()
        .with(Card::board())
        .order_by(Card::id.asc())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&cards).unwrap(),
        json!([
            {"id": 10, "board_id": 1, "board": {"id": 1, "name": "todo"}},
            {"id": 11, "board_id": null, "board": null}
        ])
    );

    // Back: present relations are loaded, absent ones not loaded.
    let back: Vec<Board> = serde_json::from_value(value).unwrap();
    assert_eq!(back[1].cards.get().unwrap().len(), 0);
    let card = &back[0].cards.get().unwrap()[0];
    assert!(card.board.get().unwrap().is_some());
    let plain_back: Vec<Board> =
        serde_json::from_value(json!([{"id": 2, "name": "empty"}])).unwrap();
    assert!(plain_back[0].cards.is_not_loaded());
}

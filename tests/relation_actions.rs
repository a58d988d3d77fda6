//! The relation-action scenario suite: for each schema, a fixed dataset, one write (a
//! parent deleted, a parent's key changed, a child pointed nowhere), and then the exact
//! contents of every table, or the exact typed error with nothing changed.
//!
//! Outcomes are recorded in `tests/snapshots/relation_actions.txt`, once for every
//! backend: in ForeignKeys mode the database is the oracle, and Emulated mode (Rel's own
//! enforcement) must reproduce the same file. `run_suite` takes the mode, so that the
//! emulated run is this suite unchanged. Where the databases themselves disagree, the
//! difference is listed in `documented_difference`, not skipped silently (and the
//! backend differences table in `docs/guide/backends.md` says why).

mod common;
common::report_backends!();

use rel::prelude::*;
use std::fmt::Write as _;

// -- Schemas --------------------------------------------------------------------------

#[derive(Table, Debug, Clone)]
#[table(name = "x_authors")]
struct Author {
    #[column(primary_key)]
    id: i64,
    name: String,
}

/// A post of one of the tables below: `id`, and the author it names.
trait Child: Table {
    fn child(id: i64, author_id: Option<i64>) -> Self;
}

/// One child table per action, with that action on delete and on update.
macro_rules! child {
    ($name:ident, $table:literal, $action:ident, $key:ty $(, $default:literal)?) => {
        #[derive(Table, Debug, Clone)]
        #[table(name = $table)]
        struct $name {
            #[column(primary_key)]
            id: i64,
            $(#[column(default = $default)])?
            author_id: $key,
            #[relation(one, from = author_id, to = Author::id, on_delete = $action, on_update = $action)]
            author: One<Option<Author>>,
        }

        impl Child for $name {
            fn child(id: i64, author_id: Option<i64>) -> Self {
                Self { id, author_id, author: One::default() }
            }
        }
    };
}

child!(PostCascade, "x_posts_cascade", cascade, Option<i64>);
child!(PostRestrict, "x_posts_restrict", restrict, Option<i64>);
child!(PostNoAction, "x_posts_no_action", no_action, Option<i64>);
child!(PostSetNull, "x_posts_set_null", set_null, Option<i64>);
child!(
    PostSetDefault,
    "x_posts_set_default",
    set_default,
    Option<i64>,
    0
);

/// The same as a column's foreign key, with no relation field: enforced alike.
macro_rules! column_child {
    ($name:ident, $table:literal, $action:ident) => {
        #[derive(Table, Debug, Clone)]
        #[table(name = $table)]
        struct $name {
            #[column(primary_key)]
            id: i64,
            #[column(references = Author::id, on_delete = $action, on_update = $action)]
            author_id: Option<i64>,
        }

        impl Child for $name {
            fn child(id: i64, author_id: Option<i64>) -> Self {
                Self { id, author_id }
            }
        }
    };
}

column_child!(ColumnCascade, "x_column_cascade", cascade);
column_child!(ColumnRestrict, "x_column_restrict", restrict);
column_child!(ColumnSetNull, "x_column_set_null", set_null);

/// A query-only relation: nothing enforces it, in either mode.
#[derive(Table, Debug, Clone)]
#[table(name = "x_posts_query_only")]
struct PostQueryOnly {
    #[column(primary_key)]
    id: i64,
    author_id: Option<i64>,
    #[relation(one, from = author_id, to = Author::id, constraint = none)]
    author: One<Option<Author>>,
}

impl Child for PostQueryOnly {
    fn child(id: i64, author_id: Option<i64>) -> Self {
        Self {
            id,
            author_id,
            author: One::default(),
        }
    }
}

/// Three deep: user → post (cascade) → comment (set_null).
#[derive(Table, Debug, Clone)]
#[table(name = "x_users")]
struct ChainUser {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_chain_posts")]
struct ChainPost {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = ChainUser::id, on_delete = cascade, on_update = cascade)]
    user: One<ChainUser>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_chain_comments")]
struct ChainComment {
    #[column(primary_key)]
    id: i64,
    post_id: Option<i64>,
    #[relation(one, from = post_id, to = ChainPost::id, on_delete = set_null, on_update = cascade)]
    post: One<Option<ChainPost>>,
}

/// A composite key.
#[derive(Table, Debug, Clone)]
#[table(name = "x_shelves", primary_key(room, code))]
struct Shelf {
    room: i64,
    code: String,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_books")]
struct Book {
    #[column(primary_key)]
    id: i64,
    room: i64,
    shelf_code: String,
    #[relation(one, from = (room, shelf_code), to = (Shelf::room, Shelf::code), on_delete = cascade, on_update = cascade)]
    shelf: One<Shelf>,
}

/// A self relation: a comment thread.
#[derive(Table, Debug, Clone)]
#[table(name = "x_thread")]
struct Reply {
    #[column(primary_key)]
    id: i64,
    parent_id: Option<i64>,
    #[relation(one, from = parent_id, to = Reply::id, on_delete = cascade, on_update = cascade)]
    parent: One<Option<Reply>>,
}

/// Two tables that refer to each other.
#[derive(Table, Debug, Clone)]
#[table(name = "x_left")]
struct Left {
    #[column(primary_key)]
    id: i64,
    right_id: Option<i64>,
    #[relation(one, from = right_id, to = Right::id, on_delete = set_null, on_update = cascade)]
    right: One<Option<Right>>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_right")]
struct Right {
    #[column(primary_key)]
    id: i64,
    left_id: Option<i64>,
    #[relation(one, from = left_id, to = Left::id, on_delete = set_null, on_update = cascade)]
    left: One<Option<Left>>,
}

/// Two tables whose deletes cascade to each other: a ring of rows goes whole.
#[derive(Table, Debug, Clone)]
#[table(name = "x_ring_a")]
struct RingA {
    #[column(primary_key)]
    id: i64,
    b_id: Option<i64>,
    #[relation(one, from = b_id, to = RingB::id, on_delete = cascade)]
    b: One<Option<RingB>>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_ring_b")]
struct RingB {
    #[column(primary_key)]
    id: i64,
    a_id: Option<i64>,
    #[relation(one, from = a_id, to = RingA::id, on_delete = cascade)]
    a: One<Option<RingA>>,
}

/// Many-to-many through a junction whose rows go with either end.
#[derive(Table, Debug, Clone)]
#[table(name = "x_members")]
struct Member {
    #[column(primary_key)]
    id: i64,
    #[relation(many, through = Membership(member_id, team_id))]
    teams: Many<Team>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_teams")]
struct Team {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone)]
#[table(name = "x_memberships", primary_key(member_id, team_id))]
struct Membership {
    member_id: i64,
    team_id: i64,
    #[relation(one, from = member_id, to = Member::id, on_delete = cascade, on_update = cascade)]
    member: One<Member>,
    #[relation(one, from = team_id, to = Team::id, on_delete = cascade, on_update = cascade)]
    team: One<Team>,
}

// -- Running a scenario ---------------------------------------------------------------

/// One line per row: the row's columns, in order.
fn dump<T: Table>(rows: &[T]) -> String {
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .values()
                .iter()
                .map(|v| match v {
                    rel::Value::Null(_) => "NULL".to_owned(),
                    rel::Value::I64(x) => x.to_string(),
                    rel::Value::Text(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            format!("  ({})\n", cells.join(", "))
        })
        .collect()
}

async fn contents(db: &Db, tables: &[&dyn Fn(&Db) -> Dump]) -> String {
    let mut out = String::new();
    for table in tables {
        out.push_str(&table(db).await);
    }
    out
}

type Dump = std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send>>;

/// `name:` and the table's rows, fetched by a fresh query.
fn table<T: Table + std::fmt::Debug>(db: &Db) -> Dump {
    let db = db.clone();
    Box::pin(async move {
        let rows = db.all::<T>().await.unwrap();
        format!("{}:\n{}", T::NAME, dump(&rows))
    })
}

/// Runs one scenario on one backend: creates `schema`, writes the dataset, performs the
/// write, and records its outcome and every table's contents. A schema the backend
/// cannot express in this mode is recorded as such.
macro_rules! scenario {
    ($out:expr, $db:expr, $mode:expr, $name:expr, $root:ty, [$($t:ty),*], |$d:ident| $data:block, |$w:ident| $write:expr) => {{
        let schema = Schema::new($mode).table::<$root>();
        schema.drop_all($db).await.unwrap();
        let _ = writeln!($out, "== {}", $name);
        match schema.create_all($db).await {
            Err(e) => {
                let _ = writeln!($out, "schema refused: {e}");
            }
            Ok(()) => {
                {
                    let $d = $db;
                    $data
                }
                let $w = $db;
                let result = common::outcome($write.await);
                let _ = writeln!($out, "{result}");
                let tables: &[&dyn Fn(&Db) -> Dump] = &[$(&table::<$t>),*];
                $out.push_str(&contents($db, tables).await);
            }
        }
        schema.drop_all($db).await.unwrap();
    }};
}

async fn authors_and_posts<P: Child>(db: &Db) {
    for (id, name) in [(0, "nobody"), (1, "ada"), (2, "alan")] {
        db.insert(&Author {
            id,
            name: name.into(),
        })
        .await
        .unwrap();
    }
    db.insert_many(&[
        P::child(10, Some(1)),
        P::child(11, Some(1)),
        P::child(12, Some(2)),
    ])
    .await
    .unwrap();
}

/// Every scenario on one backend, in `mode`: the recorded outcomes.
async fn run_suite(db: &Db, mode: RelationMode) -> String {
    let mut out = String::new();
    macro_rules! each_action {
        ($($ty:ident),*) => {$(
            scenario!(out, db, mode, concat!("delete a parent: ", stringify!($ty)), $ty, [Author, $ty],
                |d| { authors_and_posts::<$ty>(d).await; },
                |w| w.delete::<Author>(&1));
            scenario!(out, db, mode, concat!("change a parent's key: ", stringify!($ty)), $ty, [Author, $ty],
                |d| { authors_and_posts::<$ty>(d).await; },
                |w| Author::update().set(Author::id, 100).filter(Author::id.eq(1)).run(w));
            scenario!(out, db, mode, concat!("point a child nowhere: ", stringify!($ty)), $ty, [Author, $ty],
                |d| { authors_and_posts::<$ty>(d).await; },
                |w| $ty::update().set($ty::author_id, Some(99)).filter($ty::id.eq(12)).run(w));
            scenario!(out, db, mode, concat!("insert a child pointing nowhere: ", stringify!($ty)), $ty, [Author, $ty],
                |d| { authors_and_posts::<$ty>(d).await; },
                |w| w.insert(&$ty::child(13, Some(98))));
        )*};
    }
    each_action!(
        PostCascade,
        PostRestrict,
        PostNoAction,
        PostSetNull,
        PostSetDefault,
        ColumnCascade,
        ColumnRestrict,
        ColumnSetNull,
        PostQueryOnly
    );

    let chain = |d: &Db| {
        let d = d.clone();
        async move {
            d.insert_many(&[ChainUser { id: 1 }, ChainUser { id: 2 }])
                .await
                .unwrap();
            let post = |id, user_id| ChainPost {
                id,
                user_id,
                user: One::default(),
            };
            d.insert_many(&[post(10, 1), post(11, 1), post(20, 2)])
                .await
                .unwrap();
            let comment = |id, post_id| ChainComment {
                id,
                post_id,
                post: One::default(),
            };
            d.insert_many(&[
                comment(100, Some(10)),
                comment(101, Some(11)),
                comment(200, Some(20)),
            ])
            .await
            .unwrap();
        }
    };
    scenario!(
        out,
        db,
        mode,
        "three deep: delete a user (cascade, then set_null)",
        ChainComment,
        [ChainUser, ChainPost, ChainComment],
        |d| {
            chain(d).await;
        },
        |w| w.delete::<ChainUser>(&1)
    );
    scenario!(
        out,
        db,
        mode,
        "three deep: change a user's key (cascade, cascade)",
        ChainComment,
        [ChainUser, ChainPost, ChainComment],
        |d| {
            chain(d).await;
        },
        |w| ChainUser::update()
            .set(ChainUser::id, 7)
            .filter(ChainUser::id.eq(1))
            .run(w)
    );

    let shelves = |d: &Db| {
        let d = d.clone();
        async move {
            let shelf = |room, code: &str| Shelf {
                room,
                code: code.into(),
            };
            d.insert_many(&[shelf(1, "A"), shelf(1, "B"), shelf(2, "A")])
                .await
                .unwrap();
            let book = |id, room, code: &str| Book {
                id,
                room,
                shelf_code: code.into(),
                shelf: One::default(),
            };
            d.insert_many(&[book(1, 1, "A"), book(2, 1, "B"), book(3, 2, "A")])
                .await
                .unwrap();
        }
    };
    scenario!(
        out,
        db,
        mode,
        "composite key: delete a shelf",
        Book,
        [Shelf, Book],
        |d| {
            shelves(d).await;
        },
        |w| w.delete::<Shelf>(&(1, "A".to_string()))
    );
    scenario!(
        out,
        db,
        mode,
        "composite key: change a shelf's key",
        Book,
        [Shelf, Book],
        |d| {
            shelves(d).await;
        },
        |w| Shelf::update()
            .set(Shelf::code, "Z")
            .filter(Shelf::room.eq(1).and(Shelf::code.eq("B")))
            .run(w)
    );
    scenario!(
        out,
        db,
        mode,
        "composite key: insert books, one on a shelf that does not exist",
        Book,
        [Shelf, Book],
        |d| {
            shelves(d).await;
        },
        |w| w.insert_many(&[
            Book {
                id: 4,
                room: 2,
                shelf_code: "A".into(),
                shelf: One::default(),
            },
            Book {
                id: 5,
                room: 2,
                shelf_code: "B".into(),
                shelf: One::default(),
            },
        ])
    );
    scenario!(
        out,
        db,
        mode,
        "composite key: move a book to a shelf that does not exist (one part)",
        Book,
        [Shelf, Book],
        |d| {
            shelves(d).await;
        },
        |w| Book::update()
            .set(Book::room, 2)
            .filter(Book::id.eq(2))
            .run(w)
    );

    let thread = |d: &Db| {
        let d = d.clone();
        async move {
            // Two threads: 1 ← 2 ← 3 ← 4 ← 5 ← 6, and 10 ← 11.
            let mut replies = vec![Reply {
                id: 1,
                parent_id: None,
                parent: One::default(),
            }];
            for id in 2..=6 {
                replies.push(Reply {
                    id,
                    parent_id: Some(id - 1),
                    parent: One::default(),
                });
            }
            replies.push(Reply {
                id: 10,
                parent_id: None,
                parent: One::default(),
            });
            replies.push(Reply {
                id: 11,
                parent_id: Some(10),
                parent: One::default(),
            });
            for reply in &replies {
                d.insert(reply).await.unwrap();
            }
        }
    };
    scenario!(
        out,
        db,
        mode,
        "self relation: delete the root of a thread six deep",
        Reply,
        [Reply],
        |d| {
            thread(d).await;
        },
        |w| w.delete::<Reply>(&1)
    );
    scenario!(
        out,
        db,
        mode,
        "self relation: delete in the middle of the thread",
        Reply,
        [Reply],
        |d| {
            thread(d).await;
        },
        |w| Reply::delete().filter(Reply::id.eq(4)).run(w)
    );

    let cycle = |d: &Db| {
        let d = d.clone();
        async move {
            d.insert(&Left {
                id: 1,
                right_id: None,
                right: One::default(),
            })
            .await
            .unwrap();
            d.insert(&Right {
                id: 1,
                left_id: Some(1),
                left: One::default(),
            })
            .await
            .unwrap();
            d.update(&Left {
                id: 1,
                right_id: Some(1),
                right: One::default(),
            })
            .await
            .unwrap();
            d.insert(&Left {
                id: 2,
                right_id: Some(1),
                right: One::default(),
            })
            .await
            .unwrap();
        }
    };
    scenario!(
        out,
        db,
        mode,
        "cycle: delete one end (set_null both ways)",
        Left,
        [Left, Right],
        |d| {
            cycle(d).await;
        },
        |w| w.delete::<Left>(&1)
    );

    // a1 -> b1 -> a2 -> b2 -> a1, and a3 -> b1, b3 -> a3, and a4 on its own.
    let ring = |d: &Db| {
        let d = d.clone();
        async move {
            let a = |id, b_id| RingA {
                id,
                b_id,
                b: One::default(),
            };
            let b = |id, a_id| RingB {
                id,
                a_id,
                a: One::default(),
            };
            d.insert_many(&[a(1, None), a(2, None), a(3, None), a(4, None)])
                .await
                .unwrap();
            d.insert_many(&[b(1, Some(2)), b(2, Some(1)), b(3, Some(3))])
                .await
                .unwrap();
            for (id, b_id) in [(1, 1), (2, 2), (3, 1)] {
                d.update(&a(id, Some(b_id))).await.unwrap();
            }
        }
    };
    scenario!(
        out,
        db,
        mode,
        "cycle: delete one row of a ring (cascade both ways)",
        RingA,
        [RingA, RingB],
        |d| {
            ring(d).await;
        },
        |w| w.delete::<RingA>(&1)
    );
    scenario!(
        out,
        db,
        mode,
        "cycle: delete by filter where the ring's cascade stops at once",
        RingA,
        [RingA, RingB],
        |d| {
            ring(d).await;
        },
        |w| RingB::delete().filter(RingB::id.eq(3)).run(w)
    );

    let members = |d: &Db| {
        let d = d.clone();
        async move {
            d.insert_many(&[
                Member {
                    id: 1,
                    teams: Many::default(),
                },
                Member {
                    id: 2,
                    teams: Many::default(),
                },
            ])
            .await
            .unwrap();
            d.insert_many(&[Team { id: 1 }, Team { id: 2 }])
                .await
                .unwrap();
            let m = |member_id, team_id| Membership {
                member_id,
                team_id,
                member: One::default(),
                team: One::default(),
            };
            d.insert_many(&[m(1, 1), m(1, 2), m(2, 1)]).await.unwrap();
        }
    };
    scenario!(
        out,
        db,
        mode,
        "many-to-many: delete a member",
        Member,
        [Member, Team, Membership],
        |d| {
            members(d).await;
        },
        |w| w.delete::<Member>(&1)
    );
    scenario!(
        out,
        db,
        mode,
        "many-to-many: delete a team by filter",
        Member,
        [Member, Team, Membership],
        |d| {
            members(d).await;
        },
        |w| Team::delete().filter(Team::id.eq(1)).run(w)
    );
    scenario!(
        out,
        db,
        mode,
        "many-to-many: change a team's key",
        Member,
        [Member, Team, Membership],
        |d| {
            members(d).await;
        },
        |w| Team::update()
            .set(Team::id, 5)
            .filter(Team::id.eq(2))
            .run(w)
    );
    out
}

/// What a backend's own foreign keys do differently, in ForeignKeys mode: each entry
/// replaces a scenario's recorded outcome, with the reason.
fn documented_difference(
    dialect: Dialect,
    mode: RelationMode,
    scenario: &str,
) -> Option<&'static str> {
    let set_default = scenario.ends_with("PostSetDefault");
    match (dialect, mode) {
        // InnoDB has no SET DEFAULT: the DDL is refused with a typed error.
        (Dialect::MySql | Dialect::MySql8, RelationMode::ForeignKeys) if set_default => Some(
            "schema refused: table `x_posts_set_default`, relation `author`: MySQL and MariaDB (InnoDB) do not support the SET DEFAULT action in foreign keys; use RelationMode::Emulated\n",
        ),
        _ => None,
    }
}

/// Splits a recording into its scenarios: (heading, body).
fn scenarios(recording: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in recording.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            out.push((name.to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn relation_actions_in_foreign_keys_mode() {
    check_mode(RelationMode::ForeignKeys, "actions_fk").await;
}

/// The same suite, unchanged, with Rel enforcing the relations: the same recording,
/// on every backend (MySQL's `set_default` included: Rel is not limited by InnoDB).
#[tokio::test]
async fn relation_actions_in_emulated_mode() {
    check_mode(RelationMode::Emulated, "actions_emulated").await;
}

/// Runs the suite in `mode` on every backend and compares each with the recording
/// (written from SQLite's run with `REL_BLESS=1`).
async fn check_mode(mode: RelationMode, name: &str) {
    let path = "relation_actions.txt";
    for db in common::backends(name).await {
        let d = db.dialect();
        let got = run_suite(&db, mode).await;
        if d == Dialect::Sqlite && std::env::var("REL_BLESS").is_ok_and(|v| v == "1") {
            common::assert_snapshot(path, &got);
        }
        let want = std::fs::read_to_string(format!(
            "{}/tests/snapshots/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the recording (REL_BLESS=1 writes it from SQLite)");
        let (got, want) = (scenarios(&got), scenarios(&want));
        assert_eq!(got.len(), want.len(), "{d:?}: scenarios");
        for ((name, body), (want_name, want_body)) in got.iter().zip(&want) {
            assert_eq!(name, want_name);
            let want_body = documented_difference(d, mode, name).unwrap_or(want_body);
            assert_eq!(body, want_body, "{d:?} {mode:?}: {name}");
        }
    }
}

//! The relation mode belongs to the database, not to the process: on every backend and
//! on the cluster, a second `Db` that was never told the schema (as an application
//! process connects, after another one created the database) enforces Emulated mode
//! from its first write; so do writes on the user's own sqlx transaction, through the
//! `Db` (`db.on(&mut tx)`); a connection of the user's without its `Db`, a database
//! whose mode nothing says, a mode that contradicts the database's record, and a table
//! of the database's schema this program lacks are refused with a typed error.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Conn, Error};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "en_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "en_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = User::id, on_delete = cascade, on_update = cascade)]
    author: One<User>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "en_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    #[relation(one, from = post_id, to = Post::id, on_delete = restrict)]
    post: One<Post>,
}

/// A table that takes part in no relation.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "en_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    body: String,
}

fn schema() -> Schema {
    Schema::new(RelationMode::Emulated)
        .table::<Comment>()
        .table::<Note>()
}

fn user(id: i64) -> User {
    User {
        id,
        name: format!("user {id}"),
    }
}

fn post(id: i64, author_id: i64) -> Post {
    Post {
        id,
        author_id,
        author: One::default(),
    }
}

fn note(id: i64) -> Note {
    Note {
        id,
        body: format!("note {id}"),
    }
}

/// A write refused because its post's author does not exist.
fn no_author<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(
        result,
        Err(Error::ForeignKey {
            table: "en_posts",
            relation: Some("author"),
            ..
        })
    )
}

/// A write refused because something still refers to the row.
fn still_referenced<T: std::fmt::Debug>(result: Result<T, Error>) -> bool {
    matches!(result, Err(Error::StillReferenced { .. }))
}

/// Process A creates the Emulated schema and a user with a post with a comment; a
/// second `Db` (process B) connects as an application does, is never told the schema,
/// and tries every kind of write with a bad key. Returns B.
async fn a_second_process_enforces(url: &str, label: &str) -> Db {
    let a = Db::connect(url).await.unwrap();
    let schema = schema();
    schema.drop_all(&a).await.unwrap();
    schema.create_all(&a).await.unwrap();
    a.insert(&user(1)).await.unwrap();
    a.insert(&post(10, 1)).await.unwrap();
    a.insert(&Comment {
        id: 100,
        post_id: 10,
        post: One::default(),
    })
    .await
    .unwrap();

    // Process B: `Db::connect(url)`, nothing else.
    let b = Db::connect(url).await.unwrap();
    assert!(b.schema().is_none(), "{label}: B was told nothing");
    assert!(no_author(b.insert(&post(11, 99)).await), "{label}: insert");
    assert!(
        no_author(b.insert_many(&[post(12, 1), post(13, 99)]).await),
        "{label}: insert_many"
    );
    assert!(no_author(b.update(&post(10, 99)).await), "{label}: update");
    let moved = Post::update()
        .set(Post::author_id, 99)
        .filter(Post::id.eq(10))
        .run(&b)
        .await;
    assert!(no_author(moved), "{label}: update by filter");
    assert!(no_author(b.upsert(&post(10, 99)).await), "{label}: upsert");
    assert!(
        no_author(b.upsert(&post(14, 99)).await),
        "{label}: upsert, new"
    );
    assert!(
        still_referenced(b.delete::<Post>(&10).await),
        "{label}: delete (restrict)"
    );
    let deleted = Post::delete().filter(Post::id.eq(10)).run(&b).await;
    assert!(still_referenced(deleted), "{label}: delete by filter");
    assert!(
        still_referenced(b.delete::<User>(&1).await),
        "{label}: a cascade that meets a restrict"
    );
    // The actions run too: a key change is carried to the posts.
    let changed = User::update()
        .set(User::id, 2)
        .filter(User::id.eq(1))
        .run(&b)
        .await
        .unwrap();
    assert_eq!(changed, 1, "{label}");
    assert_eq!(
        b.get::<Post>(&10).await.unwrap().unwrap().author_id,
        2,
        "{label}"
    );
    // Nested inserts: a connect by key, and a loaded parent inserted first.
    assert!(
        no_author(b.insert_graph(&mut post(15, 99)).await),
        "{label}: insert_graph, connect by key"
    );
    let mut comment = Comment {
        id: 101,
        post_id: 0,
        post: One::loaded(post(16, 99)),
    };
    assert!(
        no_author(b.insert_graph(&mut comment).await),
        "{label}: insert_graph, loaded parent"
    );
    b.insert(&note(1)).await.unwrap();

    // Nothing of the refused writes is stored, and nothing points nowhere.
    let posts: Vec<i64> = b
        .all::<Post>()
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(posts, [10], "{label}");
    assert!(
        schema.check_integrity(&a).await.unwrap().is_empty(),
        "{label}"
    );
    b
}

/// The same, through the user's own sqlx transaction, committed, and through a
/// connection of the user's pool and the bare connection under it: through its `Db`
/// (`db.on(&mut tx)`) Emulated mode holds; without it, a write to a table with
/// relations is refused.
macro_rules! in_your_transaction {
    ($b:expr, $pool:expr, $label:expr) => {{
        let (b, label) = ($b, $label);
        let pool = $pool.expect("the backend's own pool");
        let notes_before = b.all::<Note>().await.unwrap().len();
        let mut tx = pool.begin().await.unwrap();
        b.on(&mut tx).insert(&user(5)).await.unwrap();
        b.on(&mut tx).insert(&post(50, 5)).await.unwrap();
        assert!(no_author(b.on(&mut tx).insert(&post(51, 99)).await), "{label}");
        let bare = Conn::from(&mut tx).insert(&post(52, 5)).await;
        assert!(
            matches!(&bare, Err(Error::Enforcement { table: "en_posts", message }) if message.contains("db.on(&mut tx)")),
            "{label}: {bare:?}"
        );
        assert!(no_author(b.on(&mut tx).insert_graph(&mut post(56, 99)).await), "{label}: graph");
        let bare = Conn::from(&mut tx).insert_graph(&mut post(57, 5)).await;
        assert!(
            matches!(&bare, Err(Error::Enforcement { table: "en_posts", message }) if message.contains("db.on(&mut tx)")),
            "{label}: bare graph {bare:?}"
        );
        // A table without relations needs no Db.
        Conn::from(&mut tx).insert(&note(2)).await.unwrap();
        User::update()
            .set(User::id, 6)
            .filter(User::id.eq(5))
            .run(b.on(&mut tx))
            .await
            .unwrap();
        let carried = Post::query()
            .filter(Post::id.eq(50))
            .first(&mut tx)
            .await
            .unwrap();
        assert_eq!(carried.unwrap().author_id, 6, "{label}: carried in the transaction");
        assert!(b.on(&mut tx).delete::<User>(&6).await.unwrap(), "{label}");
        tx.commit().await.unwrap();
        let posts: Vec<i64> = b.all::<Post>().await.unwrap().iter().map(|p| p.id).collect();
        assert_eq!(posts, [10], "{label}: the cascade ran, the orphan was not stored");
        let notes = b.all::<Note>().await.unwrap().len();
        assert_eq!(notes, notes_before + 1, "{label}");
        // A connection of the pool's, and the bare connection under it, alike.
        let mut conn = pool.acquire().await.unwrap();
        assert!(no_author(b.on(&mut conn).insert(&post(53, 99)).await), "{label}: pool connection");
        let moved = Post::update().set(Post::author_id, 99).filter(Post::id.eq(10)).run(b.on(&mut conn)).await;
        assert!(no_author(moved), "{label}: pool connection, by filter");
        assert!(no_author(b.on(&mut *conn).insert(&post(54, 99)).await), "{label}: bare connection");
        let bare = Conn::from(&mut *conn).insert(&post(55, 2)).await;
        assert!(matches!(bare, Err(Error::Enforcement { .. })), "{label}: {bare:?}");
        drop(conn);
        let posts: Vec<i64> = b.all::<Post>().await.unwrap().iter().map(|p| p.id).collect();
        assert_eq!(posts, [10], "{label}: nothing stored through the connection");
        assert!(schema().check_integrity(b).await.unwrap().is_empty(), "{label}");
    }};
}

#[tokio::test]
async fn a_second_process_and_your_transaction_enforce_emulated_mode() {
    for (d, url) in common::backend_urls("en_second").await {
        let label = format!("{d:?}");
        let b = a_second_process_enforces(&url, &label).await;
        if let Some(pool) = b.sqlite_pool() {
            in_your_transaction!(&b, Some(pool), &label);
        } else if let Some(pool) = b.postgres_pool() {
            in_your_transaction!(&b, Some(pool), &label);
        } else {
            in_your_transaction!(&b, b.mysql_pool(), &label);
        }
        b.close().await;
    }
}

/// A schema told for a part of the database (`use_schema` of one table) keeps the
/// relations the database's other tables hold to it, and a `create_all` in the other
/// mode over recorded tables is refused and records nothing.
#[tokio::test]
async fn a_partial_schema_keeps_the_other_tables_relations_and_the_mode() {
    for (d, url) in common::backend_urls("en_partial").await {
        let label = format!("{d:?}");
        let a = Db::connect(&url).await.unwrap();
        let schema = schema();
        schema.drop_all(&a).await.unwrap();
        schema.create_all(&a).await.unwrap();
        a.insert(&user(1)).await.unwrap();
        a.insert(&post(10, 1)).await.unwrap();

        // Process B is told only the users' table.
        let b = Db::connect(&url).await.unwrap();
        b.use_schema(&Schema::new(RelationMode::Emulated).table::<User>());
        assert!(b.delete::<User>(&1).await.unwrap(), "{label}");
        assert!(
            b.all::<Post>().await.unwrap().is_empty(),
            "{label}: the posts' cascade ran"
        );
        assert!(no_author(b.insert(&post(11, 99)).await), "{label}");

        // Another mode over the recorded tables is refused, and records nothing.
        let notes = Schema::new(RelationMode::ForeignKeys).table::<Note>();
        let refused = notes.create_all(&b).await;
        assert!(
            matches!(&refused, Err(Error::Enforcement { message, .. }) if message.contains("emulated") && message.contains("en_posts")),
            "{label}: {refused:?}"
        );
        // A push makes the database the schema: it would drop the Emulated tables, which
        // it refuses without `Destructive::Allow`.
        let pushed = notes.push(&b, rel::Destructive::Refuse).await;
        assert!(
            matches!(&pushed, Err(Error::Destructive { .. })),
            "{label}: {pushed:?}"
        );
        let c = Db::connect(&url).await.unwrap();
        assert!(
            no_author(c.insert(&post(12, 99)).await),
            "{label}: still Emulated for a new process"
        );
        assert!(
            schema.check_integrity(&c).await.unwrap().is_empty(),
            "{label}"
        );
        for db in [a, b, c] {
            db.close().await;
        }
    }
}

/// The cluster: process A creates the schema through node 1, process B connects to
/// node 2.
#[tokio::test]
async fn a_second_process_on_another_node_enforces_emulated_mode() {
    let Some(urls) = std::env::var("REL_GALERA_URLS")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "REL_GALERA_URLS is not set: CI requires the cluster (see .ci/galera)"
        );
        eprintln!("note: REL_GALERA_URLS is not set; the cluster case skips");
        return;
    };
    let urls: Vec<&str> = urls.split(',').collect();
    let admin = sqlx::MySqlPool::connect(urls[0]).await.unwrap();
    for sql in [
        "DROP DATABASE IF EXISTS `rel_t_en_cluster`",
        "CREATE DATABASE `rel_t_en_cluster` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ] {
        sqlx::Executor::execute(&admin, sql).await.unwrap();
    }
    admin.close().await;
    let node = |i: usize| {
        format!(
            "{}/rel_t_en_cluster",
            &urls[i][..urls[i].rfind('/').unwrap()]
        )
    };
    // A creates through node 1 (inside the shape), then B writes through node 2.
    let a = Db::connect(&node(0)).await.unwrap();
    let schema = schema();
    schema.drop_all(&a).await.unwrap();
    schema.create_all(&a).await.unwrap();
    a.insert(&user(1)).await.unwrap();
    let b = Db::connect(&node(1)).await.unwrap();
    assert!(b.is_multi_primary());
    assert!(no_author(b.insert(&post(11, 99)).await), "node 2: insert");
    assert!(
        no_author(b.insert_many(&[post(12, 1), post(13, 99)]).await),
        "node 2: insert_many"
    );
    b.insert(&post(10, 1)).await.unwrap();
    assert!(no_author(b.update(&post(10, 99)).await), "node 2: update");
    in_your_transaction!(&b, b.mysql_pool(), "the cluster's node 2");
    assert!(b.delete::<User>(&1).await.unwrap(), "node 2: cascade");
    assert!(
        b.all::<Post>().await.unwrap().is_empty(),
        "node 2: the cascade ran"
    );
    assert!(schema.check_integrity(&a).await.unwrap().is_empty());
}

/// A database Rel did not create records no mode: a `Db` that declares none refuses
/// writes to tables with relations, and says what to do; declared, the mode holds. A
/// mode that contradicts the record is refused, however it was said.
#[tokio::test]
async fn the_mode_must_be_said_and_must_agree_with_the_database() {
    for (d, url) in common::backend_urls("en_unknown").await {
        let label = format!("{d:?}");
        // Tables made by hand: no record, no foreign keys.
        common::raw(
            d,
            &url,
            &[
                "DROP TABLE IF EXISTS en_comments",
                "DROP TABLE IF EXISTS en_posts",
                "DROP TABLE IF EXISTS en_users",
                "DROP TABLE IF EXISTS en_notes",
                "DROP TABLE IF EXISTS rel_schema",
                "CREATE TABLE en_users (id BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL)",
                "CREATE TABLE en_posts (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL)",
                "CREATE TABLE en_notes (id BIGINT PRIMARY KEY, body VARCHAR(255) NOT NULL)",
            ],
        )
        .await;
        let db = Db::connect(&url).await.unwrap();
        let refused = db.insert(&post(1, 99)).await;
        assert!(
            matches!(&refused, Err(Error::Enforcement { table: "en_posts", message }) if message.contains("relation_mode")),
            "{label}: {refused:?}"
        );
        let refused = db.insert(&user(1)).await;
        assert!(
            matches!(refused, Err(Error::Enforcement { .. })),
            "{label}: a parent too"
        );
        db.insert(&note(1)).await.unwrap();
        assert!(
            db.all::<Post>().await.unwrap().is_empty(),
            "{label}: reads as ever"
        );

        let declared = Db::builder(&url)
            .relation_mode(RelationMode::Emulated)
            .connect()
            .await
            .unwrap();
        declared.insert(&user(1)).await.unwrap();
        assert!(
            no_author(declared.insert(&post(1, 99)).await),
            "{label}: declared"
        );
        declared.insert(&post(1, 1)).await.unwrap();

        // Created by Rel in Emulated mode: the record says so.
        let schema = schema();
        common::raw(
            d,
            &url,
            &[
                "DROP TABLE en_posts",
                "DROP TABLE en_users",
                "DROP TABLE en_notes",
            ],
        )
        .await;
        schema.create_all(&declared).await.unwrap();
        let said_otherwise = Db::builder(&url)
            .relation_mode(RelationMode::ForeignKeys)
            .connect()
            .await
            .unwrap();
        let refused = said_otherwise.insert(&user(2)).await;
        assert!(
            matches!(&refused, Err(Error::Enforcement { message, .. }) if message.contains("records emulated mode")),
            "{label}: {refused:?}"
        );
        let told = Db::connect(&url).await.unwrap();
        told.use_schema(&Schema::new(RelationMode::ForeignKeys).table::<Post>());
        assert!(
            matches!(
                told.insert(&post(2, 99)).await,
                Err(Error::Enforcement { .. })
            ),
            "{label}: told another mode"
        );
        // Nothing got through.
        assert!(told.all::<User>().await.unwrap().is_empty(), "{label}");
        assert!(
            schema.check_integrity(&told).await.unwrap().is_empty(),
            "{label}"
        );
        for db in [db, declared, said_otherwise, told] {
            db.close().await;
        }
    }
}

/// The database's schema has a table this program has no struct for (here, one the
/// record names that no struct declares): Rel cannot see its relations, so in Emulated
/// mode it refuses every write rather than skip them.
#[tokio::test]
async fn a_table_of_the_database_this_program_lacks_refuses_writes() {
    for (d, url) in common::backend_urls("en_missing").await {
        let label = format!("{d:?}");
        let a = Db::connect(&url).await.unwrap();
        let schema = schema();
        schema.drop_all(&a).await.unwrap();
        schema.create_all(&a).await.unwrap();
        common::raw(
            d,
            &url,
            &["INSERT INTO rel_schema (name, value) VALUES ('table:en_ghosts', '')"],
        )
        .await;
        let b = Db::connect(&url).await.unwrap();
        let refused = b.insert(&note(1)).await;
        assert!(
            matches!(&refused, Err(Error::Enforcement { message, .. }) if message.contains("en_ghosts")),
            "{label}: {refused:?}"
        );
        // Told the schema, it knows what it writes.
        b.use_schema(&schema);
        b.insert(&note(1)).await.unwrap();
        a.close().await;
        b.close().await;
    }
}

/// What knowing the mode costs: one statement when a `Db` connects (reading the
/// record), none when it is cloned, and none per write: a `Db` that learned the
/// schema sends exactly the statements of the `Db` that was told it, write for write.
#[tokio::test]
async fn the_record_costs_one_statement_per_pool_and_none_per_write() {
    for (d, url) in common::backend_urls("en_cost").await {
        let label = format!("{d:?}");
        let told = Db::connect(&url).await.unwrap();
        assert_eq!(
            told.statement_count(),
            1,
            "{label}: connecting reads the record"
        );
        let schema = schema();
        schema.drop_all(&told).await.unwrap();
        schema.create_all(&told).await.unwrap();
        let learned = Db::connect(&url).await.unwrap();
        assert_eq!(learned.statement_count(), 1, "{label}: one statement");
        assert!(learned.schema().is_none(), "{label}");
        let clone = learned.clone();
        assert_eq!(clone.statement_count(), 1, "{label}: a clone reads nothing");

        // The same writes through each: the same statements, one by one.
        macro_rules! sends {
            ($db:expr, $write:expr) => {{
                let before = $db.statement_count();
                assert!($write, "{label}: {}", stringify!($write));
                $db.statement_count() - before
            }};
        }
        let mut sent = Vec::new();
        for (db, id) in [(&told, 10), (&learned, 20)] {
            let update = Post::update()
                .set(Post::author_id, id)
                .filter(Post::id.eq(id));
            sent.push(vec![
                sends!(db, db.insert(&user(id)).await.is_ok()),
                sends!(db, db.insert(&post(id, id)).await.is_ok()),
                sends!(db, no_author(db.insert(&post(id + 1, 99)).await)),
                sends!(db, update.run(db).await.is_ok()),
                sends!(db, db.delete::<User>(&id).await.is_ok()),
                sends!(db, db.insert(&note(id)).await.is_ok()),
            ]);
        }
        assert_eq!(
            sent[0], sent[1],
            "{label}: statements per write, told and learned"
        );
        assert!(sent[0].iter().all(|&n| n > 0), "{label}: {sent:?}");
        schema.drop_all(&told).await.unwrap();
        told.close().await;
        learned.close().await;
    }
}

/// A parent of five children, one per action on delete.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "en_parents")]
struct Parent {
    #[column(primary_key)]
    id: i64,
}

macro_rules! action_child {
    ($name:ident, $table:literal, $action:ident $(, $default:literal)?) => {
        #[derive(Table, Debug, Clone, PartialEq)]
        #[table(name = $table)]
        struct $name {
            #[column(primary_key)]
            id: i64,
            $(#[column(default = $default)])?
            parent_id: Option<i64>,
            #[relation(one, from = parent_id, to = Parent::id, on_delete = $action)]
            parent: One<Option<Parent>>,
        }

        impl $name {
            fn of(parent: i64) -> Self {
                Self { id: 1, parent_id: Some(parent), parent: One::default() }
            }
        }
    };
}

action_child!(ByCascade, "en_by_cascade", cascade);
action_child!(BySetNull, "en_by_set_null", set_null);
action_child!(BySetDefault, "en_by_set_default", set_default, 0);
action_child!(ByRestrict, "en_by_restrict", restrict);
action_child!(ByNoAction, "en_by_no_action", no_action);

/// All five actions run in the user's own transaction, through a second process's
/// `Db` (`db.on(&mut tx)`): a delete that `restrict` or `no_action` refuses is undone
/// at its savepoint and the transaction goes on; then the delete cascades, sets NULL
/// and sets the default; committed, nothing points nowhere.
macro_rules! five_actions_in_your_transaction {
    ($b:expr, $pool:expr, $label:expr) => {{
        let (b, label) = ($b, $label);
        let mut tx = $pool.begin().await.unwrap();
        for id in 0..=1 {
            b.on(&mut tx).insert(&Parent { id }).await.unwrap();
        }
        b.on(&mut tx).insert(&ByCascade::of(1)).await.unwrap();
        b.on(&mut tx).insert(&BySetNull::of(1)).await.unwrap();
        b.on(&mut tx).insert(&BySetDefault::of(1)).await.unwrap();
        b.on(&mut tx).insert(&ByRestrict::of(1)).await.unwrap();
        b.on(&mut tx).insert(&ByNoAction::of(1)).await.unwrap();
        assert!(
            still_referenced(b.on(&mut tx).delete::<Parent>(&1).await),
            "{label}: restrict"
        );
        b.on(&mut tx).delete::<ByRestrict>(&1).await.unwrap();
        assert!(
            still_referenced(b.on(&mut tx).delete::<Parent>(&1).await),
            "{label}: no_action"
        );
        b.on(&mut tx).delete::<ByNoAction>(&1).await.unwrap();
        assert!(b.on(&mut tx).delete::<Parent>(&1).await.unwrap(), "{label}");
        tx.commit().await.unwrap();
        assert!(
            b.all::<ByCascade>().await.unwrap().is_empty(),
            "{label}: cascade"
        );
        let nulled = b.get::<BySetNull>(&1).await.unwrap().unwrap();
        assert_eq!(nulled.parent_id, None, "{label}: set_null");
        let defaulted = b.get::<BySetDefault>(&1).await.unwrap().unwrap();
        assert_eq!(defaulted.parent_id, Some(0), "{label}: set_default");
    }};
}

#[tokio::test]
async fn all_five_actions_run_in_your_transaction_through_a_second_process() {
    let schema = || {
        Schema::new(RelationMode::Emulated)
            .table::<ByCascade>()
            .table::<BySetNull>()
            .table::<BySetDefault>()
            .table::<ByRestrict>()
            .table::<ByNoAction>()
    };
    for (d, url) in common::backend_urls("en_actions").await {
        let label = format!("{d:?}");
        let a = Db::connect(&url).await.unwrap();
        schema().drop_all(&a).await.unwrap();
        schema().create_all(&a).await.unwrap();
        let b = Db::connect(&url).await.unwrap();
        if let Some(pool) = b.sqlite_pool() {
            five_actions_in_your_transaction!(&b, pool, &label);
        } else if let Some(pool) = b.postgres_pool() {
            five_actions_in_your_transaction!(&b, pool, &label);
        } else {
            five_actions_in_your_transaction!(&b, b.mysql_pool().unwrap(), &label);
        }
        assert!(
            schema().check_integrity(&a).await.unwrap().is_empty(),
            "{label}"
        );
        schema().drop_all(&a).await.unwrap();
        a.close().await;
        b.close().await;
    }
}

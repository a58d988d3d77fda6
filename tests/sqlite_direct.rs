//! SQLite's direct reads (`relruntime/src/driver/sqlite/direct.rs`): Rel steps the
//! connection's handle itself, borrowed from sqlx's worker thread for each statement.
//! These tests interleave sqlx's calls and Rel's on one connection, inside and outside
//! transactions, with reads that fail halfway; the connection must stay usable and
//! close cleanly (sqlx's close fails while a statement Rel prepared is left). They also
//! check that direct and sqlx-read loads are equal.

mod common;

use rel::prelude::*;
use sqlx::{Connection, Executor};
use std::str::FromStr;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "sd_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "sd_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    score: Option<f64>,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

/// The same table as `User`, read as if `name` held integers: a decode error on the
/// first row whose name is not one, after earlier rows were read.
#[derive(Table, Debug, Clone)]
#[table(name = "sd_users")]
struct UserAsNumber {
    #[column(primary_key)]
    id: i64,
    name: i64,
}

#[tokio::test]
async fn sqlx_and_rel_interleave_on_one_connection() {
    let path = common::temp_sqlite("sd_interleave").0;
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    conn.execute("CREATE TABLE sd_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .await
        .unwrap();
    conn.execute(
        "CREATE TABLE sd_posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL \
         REFERENCES sd_users (id), score REAL)",
    )
    .await
    .unwrap();
    // The Db that brings the mode to Rel's writes on this connection.
    let url = format!("sqlite://{}", path.display());
    let db = Db::builder(&url)
        .relation_mode(RelationMode::ForeignKeys)
        .connect()
        .await
        .unwrap();
    for i in 0..200i64 {
        // sqlx writes a user and two posts; Rel reads them back, both ways.
        sqlx::query("INSERT INTO sd_users (id, name) VALUES (?, ?)")
            .bind(i)
            .bind(format!("user {i}"))
            .execute(&mut conn)
            .await
            .unwrap();
        for p in 0..2 {
            sqlx::query("INSERT INTO sd_posts (id, user_id, score) VALUES (?, ?, ?)")
                .bind(i * 2 + p)
                .bind(i)
                .bind((p == 0).then_some(i as f64 / 4.0))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let users = User::query()
            .with(User::posts())
            .order_by(User::id.asc())
            .all(&mut conn)
            .await
            .unwrap();
        assert_eq!(users.len() as i64, i + 1);
        let last = users.last().unwrap();
        assert_eq!(last.name, format!("user {i}"));
        let scores: Vec<Option<f64>> = last.posts.get().unwrap().iter().map(|p| p.score).collect();
        assert_eq!(scores, [Some(i as f64 / 4.0), None]);
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sd_posts")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(count, (i + 1) * 2);

        // A read that fails halfway leaves the connection as it was.
        if i % 20 == 19 {
            sqlx::query("UPDATE sd_users SET name = '7' WHERE id < ?")
                .bind(i / 2)
                .execute(&mut conn)
                .await
                .unwrap();
            let err = UserAsNumber::query()
                .order_by(UserAsNumber::id.asc())
                .all(&mut conn)
                .await
                .unwrap_err();
            assert!(matches!(err, rel::Error::Decode { .. }), "{err}");
            sqlx::query("UPDATE sd_users SET name = 'user ' || id")
                .execute(&mut conn)
                .await
                .unwrap();
        }

        // In a sqlx transaction: Rel's write and reads see sqlx's, and roll back with it.
        if i % 10 == 0 {
            let mut tx = conn.begin().await.unwrap();
            sqlx::query("INSERT INTO sd_users (id, name) VALUES (-1, 'in tx')")
                .execute(&mut *tx)
                .await
                .unwrap();
            db.on(&mut tx)
                .insert(&User {
                    id: -2,
                    name: "rel in tx".into(),
                    posts: Many::default(),
                })
                .await
                .unwrap();
            let inside = User::query()
                .filter(User::id.lt(0))
                .order_by(User::id.asc())
                .all(&mut tx)
                .await
                .unwrap();
            let names: Vec<&str> = inside.iter().map(|u| u.name.as_str()).collect();
            assert_eq!(names, ["rel in tx", "in tx"]);
            tx.rollback().await.unwrap();
            assert_eq!(
                User::query()
                    .filter(User::id.lt(0))
                    .count(&mut conn)
                    .await
                    .unwrap(),
                0
            );
        }
    }
    // Every statement Rel prepared was finalized: SQLite closes the connection.
    conn.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

/// Direct reads and sqlx's return the same rows: a load with every kind of cell, on
/// pools that differ only in `sqlite_direct_reads`, with several tasks at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_and_sqlx_reads_agree_under_concurrency() {
    let path = common::temp_sqlite("sd_agree").0;
    let url = format!("sqlite://{}", path.display());
    let direct = Db::builder(&url)
        .max_connections(3)
        .connect()
        .await
        .unwrap();
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Post>();
    schema.create_all(&direct).await.unwrap();
    let users: Vec<User> = (0..300)
        .map(|id| User {
            id,
            name: format!("ü{id}\u{1F600}"),
            posts: Many::default(),
        })
        .collect();
    direct.insert_many(&users).await.unwrap();
    let posts: Vec<Post> = (0..3000)
        .map(|id| Post {
            id,
            user_id: id % 300,
            score: (id % 3 != 0).then_some(id as f64 * 1.5e-7),
            user: One::default(),
        })
        .collect();
    direct.insert_many(&posts).await.unwrap();
    let through_sqlx = Db::builder(&url)
        .sqlite_direct_reads(false)
        .connect()
        .await
        .unwrap();
    let load = |db: Db| async move {
        User::query()
            .with(User::posts())
            .order_by(User::id.asc())
            .all(&db)
            .await
            .unwrap()
    };
    let want = load(through_sqlx.clone()).await;
    assert_eq!(want.len(), 300);
    let tasks: Vec<_> = (0..6)
        .map(|k| {
            let db = direct.clone();
            tokio::spawn(async move {
                for round in 0..10i64 {
                    // Writes between the reads, on the same pool.
                    let id = 10_000 + k * 100 + round;
                    db.insert(&User {
                        id,
                        name: "w".into(),
                        posts: Many::default(),
                    })
                    .await
                    .unwrap();
                    let users = User::query()
                        .with(User::posts())
                        .filter(User::id.lt(300))
                        .order_by(User::id.asc())
                        .all(&db)
                        .await
                        .unwrap();
                    assert_eq!(users.len(), 300);
                    assert!(db.delete::<User>(&id).await.unwrap());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(load(direct.clone()).await, want);
    drop((direct, through_sqlx));
    let _ = std::fs::remove_file(&path);
}

/// Panics anywhere in the process, sqlx's worker threads included (where a close that
/// finds a statement left panics), counted by [`count_panics`].
static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            default(info);
        }));
    });
}

/// Rel's own pools keep the statements of direct reads prepared for the next read of
/// the same SQL. They are reused across operations and connections, survive a read
/// that fails halfway and a table dropped and made again, and are finalized before
/// sqlx closes each connection: its close would panic on a statement left.
#[tokio::test]
async fn kept_statements_are_reused_and_finalized_before_close() {
    count_panics();
    let before = PANICS.load(std::sync::atomic::Ordering::SeqCst);
    let (path, url) = common::temp_sqlite("sd_kept");
    let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    for round in 0..3 {
        let db = Db::builder(&url)
            .max_connections(2)
            .connect()
            .await
            .unwrap();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let users: Vec<User> = (1..=20)
            .map(|id| User {
                id,
                name: format!("u{id}"),
                posts: Many::default(),
            })
            .collect();
        db.insert_many(&users).await.unwrap();
        let load = || {
            User::query()
                .with(User::posts())
                .filter(User::id.gt(5))
                .order_by(User::id.asc())
                .all(&db)
        };
        for _ in 0..20 {
            assert_eq!(load().await.unwrap().len(), 15, "round {round}");
        }
        // A read that fails halfway, then the same statement's text again.
        let broken = UserAsNumber::query()
            .order_by(UserAsNumber::id.asc())
            .all(&db)
            .await;
        assert!(
            matches!(broken, Err(rel::Error::Decode { .. })),
            "{broken:?}"
        );
        assert_eq!(load().await.unwrap().len(), 15);
        // The table dropped and made again under a kept statement: SQLite prepares
        // it again.
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        assert!(load().await.unwrap().is_empty());
        db.insert_many(&users[..8]).await.unwrap();
        assert_eq!(load().await.unwrap().len(), 3);
        // A pool that keeps no statements reads the same.
        let none = Db::builder(&url)
            .statement_cache(0)
            .connect()
            .await
            .unwrap();
        for _ in 0..3 {
            assert_eq!(
                User::query()
                    .filter(User::id.gt(5))
                    .count(&none)
                    .await
                    .unwrap(),
                3
            );
        }
        none.close().await;
        // Closed with statements kept on both connections, or dropped.
        if round % 2 == 0 {
            db.close().await;
        }
        drop(db);
    }
    // sqlx closes dropped pools' connections on their worker threads: give them time.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        PANICS.load(std::sync::atomic::Ordering::SeqCst),
        before,
        "a connection closed with a statement left"
    );
    let _ = std::fs::remove_file(&path);
}

/// Rel's own pool on a file database holds one connection aside for reads, its handle
/// locked between reads (`relruntime/src/driver/sqlite/held.rs`). A read there sees
/// every write committed before it (none left a read transaction open: not a read that
/// failed halfway, nor one SQLite would not prepare, which goes through sqlx); it
/// reads while a transaction holds the pool's only other connection, without seeing
/// that transaction's writes; and its connection closes cleanly, also when the `Db`
/// is dropped outside any runtime.
#[test]
fn the_held_read_connection_sees_every_write_and_closes_cleanly() {
    count_panics();
    let before = PANICS.load(std::sync::atomic::Ordering::SeqCst);
    let (path, url) = common::temp_sqlite("sd_held");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(async {
        // Two connections: one held aside for reads, one in the pool.
        let db = Db::builder(&url)
            .max_connections(2)
            .connect()
            .await
            .unwrap();
        // The sqlx pool has the other one (so a read that runs while a transaction
        // holds it, below, ran on the held one).
        let pool = db.sqlite_pool().unwrap();
        assert_eq!(pool.options().get_max_connections(), 1);
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Post>();
        schema.create_all(&db).await.unwrap();
        let user = |id: i64, name: &str| User {
            id,
            name: name.into(),
            posts: Many::default(),
        };
        for id in 1..=200 {
            db.insert(&user(id, "new")).await.unwrap();
            let got = db.get::<User>(&id).await.unwrap().unwrap();
            assert_eq!(got.name, "new");
            assert!(db.update(&user(id, "renamed")).await.unwrap());
            assert_eq!(db.get::<User>(&id).await.unwrap().unwrap().name, "renamed");
            assert_eq!(User::query().count(&db).await.unwrap(), id as u64);
            if id % 10 == 0 {
                // A read that fails halfway on the held connection, then the next
                // write is seen.
                let broken = UserAsNumber::query().all(&db).await;
                assert!(broken.is_err(), "{broken:?}");
                assert!(db.delete::<User>(&id).await.unwrap());
                assert_eq!(db.get::<User>(&id).await.unwrap(), None);
                db.insert(&user(id, "again")).await.unwrap();
                assert_eq!(db.get::<User>(&id).await.unwrap().unwrap().name, "again");
            }
        }
        // A statement SQLite will not prepare goes through sqlx, typed as before.
        #[derive(Table, Debug)]
        #[table(name = "sd_missing")]
        struct Missing {
            #[column(primary_key)]
            id: i64,
        }
        let missing = db.all::<Missing>().await.unwrap_err();
        assert!(
            matches!(missing, rel::Error::MissingTable { .. }),
            "{missing:?}"
        );
        db.insert(&user(1_000, "after")).await.unwrap();
        assert_eq!(db.get::<User>(&1_000).await.unwrap().unwrap().name, "after");
        // A transaction holds the pool's connection: a read runs on the held one,
        // and does not see the transaction's uncommitted write.
        let mut tx = db.begin().await.unwrap();
        tx.insert(&user(2_000, "uncommitted")).await.unwrap();
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), db.get::<User>(&2_000))
            .await
            .expect("the read waited for the transaction's connection");
        assert_eq!(read.unwrap(), None);
        tx.commit().await.unwrap();
        assert!(db.get::<User>(&2_000).await.unwrap().is_some());
        db
    });
    // `close` waits for the held connection too: with every connection closed,
    // SQLite checkpoints the write-ahead log and removes it.
    let (closed_path, closed_url) = common::temp_sqlite("sd_held_close");
    runtime.block_on(async {
        let closed = Db::connect(&closed_url).await.unwrap();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
        schema.create_all(&closed).await.unwrap();
        closed
            .insert(&User {
                id: 1,
                name: "a".into(),
                posts: Many::default(),
            })
            .await
            .unwrap();
        assert_eq!(closed.get::<User>(&1).await.unwrap().unwrap().name, "a");
        closed.close().await;
    });
    let wal = format!("{}-wal", closed_path.display());
    assert!(
        !std::path::Path::new(&wal).exists(),
        "{wal} is left: a connection was still open after close"
    );
    let _ = std::fs::remove_file(&closed_path);
    // The runtime ends first: the held connection closes without one.
    drop(runtime);
    drop(db);
    // sqlx's worker closes the connection on its own thread, after the drop.
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(PANICS.load(std::sync::atomic::Ordering::SeqCst), before);
    let _ = std::fs::remove_file(&path);
}

//! Writes dropped before they end (a timeout, a cancelled request) on every backend:
//! the connection never goes back to the pool inside a transaction no one ends, and a
//! transaction whose operation was dropped cannot commit half of it.

mod common;
common::report_backends!();

use rel::prelude::*;
use std::time::Duration;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "cx_users")]
struct User {
    #[column(primary_key, auto_increment)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "cx_posts")]
struct Post {
    #[column(primary_key, auto_increment)]
    id: i64,
    user_id: i64,
    title: String,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys).table::<User>()
}

fn user(name: String, posts: usize) -> User {
    let posts = (0..posts)
        .map(|p| Post {
            id: 0,
            user_id: 0,
            title: format!("{name} {p}"),
            user: One::default(),
        })
        .collect();
    User {
        id: 0,
        name,
        posts: Many::loaded(posts),
    }
}

/// sqlx counts a transaction only once BEGIN's answer has come, and rolls back on drop
/// only what it counted: a write dropped while its BEGIN was in flight used to hand
/// its connection back to the pool inside a transaction. Every later statement on
/// that connection then ran in it, never committed. With one connection in the pool,
/// each round's next insert goes to the same connection, and another pool must see
/// it at once.
#[tokio::test]
async fn a_cancelled_write_never_leaves_its_connection_in_a_transaction() {
    for (d, url) in common::backend_urls("cx_begin").await {
        let db = Db::builder(&url)
            .max_connections(1)
            .connect()
            .await
            .unwrap();
        schema().drop_all(&db).await.unwrap();
        schema().create_all(&db).await.unwrap();
        let other = Db::connect(&url).await.unwrap();
        let mut cancelled = 0;
        for round in 0..240u64 {
            // 1 µs to about 1.2 ms: some land before BEGIN, some during, some after.
            let micros = (round % 80) * 15 + 1;
            let mut graph = user(format!("g{round}"), 3);
            match tokio::time::timeout(Duration::from_micros(micros), db.insert_graph(&mut graph))
                .await
            {
                Err(_) => cancelled += 1,
                Ok(result) => {
                    result.unwrap();
                }
            }
            let marker = User {
                id: 0,
                name: format!("marker {round}"),
                posts: Many::default(),
            };
            let id = db.insert(&marker).await.unwrap();
            let seen = other.get::<User>(&id).await.unwrap();
            assert!(
                seen.is_some(),
                "{d:?}, round {round} ({micros} µs): the insert after a cancelled write is not committed; its connection was left in a transaction"
            );
        }
        assert!(cancelled > 0, "{d:?}: no timeout landed inside a write");
        schema().drop_all(&db).await.unwrap();
    }
}

/// Inside a transaction, each operation runs at a savepoint. One dropped before its
/// savepoint was released may have run part of its statements: the transaction can
/// no longer commit, and says so, rather than store half of the operation.
#[tokio::test]
async fn a_write_cancelled_in_a_transaction_leaves_it_unable_to_commit() {
    for (d, url) in common::backend_urls("cx_savepoint").await {
        let db = Db::connect(&url).await.unwrap();
        schema().drop_all(&db).await.unwrap();
        schema().create_all(&db).await.unwrap();
        let mut landed = false;
        for micros in [20_000u64, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50] {
            let mut tx = db.begin().await.unwrap();
            tx.insert(&User {
                id: 0,
                name: "before".into(),
                posts: Many::default(),
            })
            .await
            .unwrap();
            let mut graph = user(format!("big {micros}"), 2_000);
            let run =
                tokio::time::timeout(Duration::from_micros(micros), tx.insert_graph(&mut graph))
                    .await;
            if run.is_ok() {
                tx.rollback().await.unwrap();
                continue;
            }
            landed = true;
            let later = tx
                .insert(&User {
                    id: 0,
                    name: "after".into(),
                    posts: Many::default(),
                })
                .await;
            assert!(
                matches!(later, Err(rel::Error::TransactionAborted)),
                "{d:?} {micros} µs: {later:?}"
            );
            let commit = tx.commit().await;
            assert!(
                matches!(commit, Err(rel::Error::TransactionAborted)),
                "{d:?} {micros} µs: {commit:?}"
            );
            assert_eq!(
                User::query().count(&db).await.unwrap(),
                0,
                "{d:?} {micros} µs"
            );
            assert_eq!(
                Post::query().count(&db).await.unwrap(),
                0,
                "{d:?} {micros} µs"
            );
        }
        assert!(landed, "{d:?}: no timeout landed inside the insert");
        schema().drop_all(&db).await.unwrap();
    }
}

//! Emulated mode beyond the scenario suite: deep self relations, a restrict deep in a
//! chain, statement counts that do not grow with the rows, a write whose connection is
//! killed half-way, writes inside the caller's transaction, and a cascade around a ring
//! of tables (also SQLite's direct reads under load).

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Error, Strategy};
use sqlx::{AssertSqlSafe, Executor, Row};

#[derive(Table, Debug, Clone)]
#[table(name = "em_users")]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone)]
#[table(name = "em_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    user: One<User>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "em_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
    post: One<Post>,
}

/// A comment that stops its post from being deleted.
#[derive(Table, Debug, Clone)]
#[table(name = "em_pins")]
struct Pin {
    #[column(primary_key)]
    id: i64,
    comment_id: i64,
    #[relation(one, from = comment_id, to = Comment::id, on_delete = restrict)]
    comment: One<Comment>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "em_thread")]
struct Reply {
    #[column(primary_key)]
    id: i64,
    parent_id: Option<i64>,
    #[relation(one, from = parent_id, to = Reply::id, on_delete = cascade)]
    parent: One<Option<Reply>>,
}

fn schema() -> Schema {
    Schema::new(RelationMode::Emulated)
        .table::<Pin>()
        .table::<Reply>()
}

/// Users 1..=users, `posts` posts each, `comments` comments per post.
async fn tree(db: &Db, users: i64, posts: i64, comments: i64) {
    let us: Vec<User> = (1..=users).map(|id| User { id }).collect();
    db.insert_many(&us).await.unwrap();
    let ps: Vec<Post> = (0..users * posts)
        .map(|i| Post {
            id: i + 1,
            user_id: i / posts + 1,
            user: One::default(),
        })
        .collect();
    db.insert_many(&ps).await.unwrap();
    let cs: Vec<Comment> = (0..users * posts * comments)
        .map(|i| Comment {
            id: i + 1,
            post_id: i / comments + 1,
            post: One::default(),
        })
        .collect();
    db.insert_many(&cs).await.unwrap();
}

#[tokio::test]
async fn a_fifty_deep_thread_goes_in_a_bounded_number_of_statements() {
    for db in common::fresh("em_thread", &schema()).await {
        let d = db.dialect();
        let mut replies = vec![Reply {
            id: 1,
            parent_id: None,
            parent: One::default(),
        }];
        for id in 2..=50 {
            replies.push(Reply {
                id,
                parent_id: Some(id - 1),
                parent: One::default(),
            });
        }
        // One batch: rows refer to rows earlier in the same batch.
        db.insert_many(&replies).await.unwrap();
        db.insert(&Reply {
            id: 100,
            parent_id: None,
            parent: One::default(),
        })
        .await
        .unwrap();
        let before = db.statement_count();
        assert!(db.delete::<Reply>(&1).await.unwrap(), "{d:?}");
        let statements = db.statement_count() - before;
        assert!(
            statements <= 8,
            "{d:?}: {statements} statements for 50 rows"
        );
        let left: Vec<i64> = db
            .all::<Reply>()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, [100], "{d:?}");
    }
}

#[tokio::test]
async fn a_restrict_deep_in_a_chain_rolls_everything_back() {
    for db in common::fresh("em_restrict", &schema()).await {
        let d = db.dialect();
        tree(&db, 2, 3, 2).await;
        db.insert(&Pin {
            id: 1,
            comment_id: 5,
            comment: One::default(),
        })
        .await
        .unwrap();
        let err = db.delete::<User>(&1).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::StillReferenced {
                    table: "em_comments",
                    referencing_table: Some("em_pins"),
                    relation: Some("comment"),
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        assert_eq!(db.all::<Post>().await.unwrap().len(), 6, "{d:?}");
        assert_eq!(db.all::<Comment>().await.unwrap().len(), 12, "{d:?}");
        // The other user has no pinned comment.
        assert!(db.delete::<User>(&2).await.unwrap(), "{d:?}");
        assert_eq!(db.all::<Comment>().await.unwrap().len(), 6, "{d:?}");
    }
}

/// A cascade over 100,000 rows and an insert of 10,000 checked children take a number
/// of statements that depends on the relations, not on the rows.
#[tokio::test]
async fn statements_grow_with_the_relations_not_the_rows() {
    for db in common::fresh("em_counts", &schema()).await {
        let d = db.dialect();
        tree(&db, 100, 100, 10).await;
        let before = db.statement_count();
        let comments: Vec<Comment> = (0..10_000)
            .map(|i| Comment {
                id: 1_000_000 + i,
                post_id: i % 500 + 1,
                post: One::default(),
            })
            .collect();
        db.insert_many(&comments).await.unwrap();
        let inserted = db.statement_count() - before;
        assert!(
            inserted <= 12,
            "{d:?}: {inserted} statements to insert 10,000"
        );
        let before = db.statement_count();
        let n = User::delete().all_rows().run(&db).await.unwrap();
        let deleted = db.statement_count() - before;
        assert_eq!(n, 100, "{d:?}");
        assert!(
            deleted <= 12,
            "{d:?}: {deleted} statements to delete 110,100 rows"
        );
        assert!(db.all::<Comment>().await.unwrap().is_empty(), "{d:?}");
        assert!(schema().check_integrity(&db).await.unwrap().is_empty());
    }
}

/// Comments on a run of posts with no gap between their keys (more than an inline
/// list's worth) are checked by the range of keys: a post missing inside the run, or
/// past its end, still refuses the whole insert naming the relation; with every post
/// there, all are stored.
#[tokio::test]
async fn children_of_a_run_of_parents_are_checked_whole() {
    for db in common::fresh("em_runs", &schema()).await {
        let d = db.dialect();
        tree(&db, 1, 3_000, 0).await;
        assert!(db.delete::<Post>(&1_500).await.unwrap(), "{d:?}");
        let on = |posts: std::ops::RangeInclusive<i64>| -> Vec<Comment> {
            posts
                .map(|post_id| Comment {
                    id: post_id,
                    post_id,
                    post: One::default(),
                })
                .collect()
        };
        // Not a run: a range would count posts the comments do not name.
        let mut scattered = on(1..=1_100);
        scattered.extend(on(3_005..=3_005));
        let runs = [
            (on(1..=2_000), "inside"),
            (on(1_501..=3_001), "past the end"),
        ];
        for (comments, missing) in runs.into_iter().chain([(scattered, "after a gap")]) {
            let refused = db.insert_many(&comments).await.unwrap_err();
            assert!(
                matches!(
                    refused,
                    Error::ForeignKey {
                        table: "em_comments",
                        relation: Some("post"),
                        ..
                    }
                ),
                "{d:?}, a post missing {missing}: {refused:?}"
            );
            assert_eq!(Comment::query().count(&db).await.unwrap(), 0, "{d:?}");
        }
        let keys = db.insert_many(&on(1_501..=3_000)).await.unwrap();
        assert_eq!(keys.len(), 1_500, "{d:?}");
        assert_eq!(Comment::query().count(&db).await.unwrap(), 1_500, "{d:?}");
    }
}

/// Inside the caller's transaction, an emulated write joins it: rolled back with it,
/// and a refused write leaves the transaction usable.
#[tokio::test]
async fn emulated_writes_join_the_callers_transaction() {
    for db in common::fresh("em_tx", &schema()).await {
        let d = db.dialect();
        tree(&db, 1, 2, 2).await;
        let mut tx = db.begin().await.unwrap();
        assert!(tx.delete::<User>(&1).await.unwrap());
        let orphan = tx
            .insert(&Post {
                id: 99,
                user_id: 1,
                user: One::default(),
            })
            .await;
        assert!(
            matches!(orphan, Err(Error::ForeignKey { .. })),
            "{d:?}: {orphan:?}"
        );
        assert!(tx.all::<Comment>().await.unwrap().is_empty(), "{d:?}");
        tx.rollback().await.unwrap();
        assert_eq!(db.all::<Comment>().await.unwrap().len(), 4, "{d:?}");
        assert_eq!(
            Post::query()
                .strategy(Strategy::Batch)
                .count(&db)
                .await
                .unwrap(),
            2,
            "{d:?}"
        );
    }
}

/// A cascade whose connection is killed half-way leaves nothing half-done.
#[tokio::test]
async fn a_killed_cascade_leaves_nothing_half_done() {
    for (d, url) in common::backend_urls("em_killed").await {
        if d == Dialect::Sqlite {
            continue; // an embedded database has no connection to kill
        }
        // The victim's connections are named, so that the killer finds only them (other
        // tests of this file send DELETEs to the same server at the same time).
        let url = match d {
            Dialect::Postgres => format!("{url}&application_name=rel_em_killed"),
            _ => url,
        };
        let db = Db::connect(&url).await.unwrap();
        schema().drop_all(&db).await.unwrap();
        schema().create_all(&db).await.unwrap();
        tree(&db, 20, 500, 10).await;
        let killer = {
            let url = url.clone();
            tokio::spawn(async move { kill_a_delete(d, &url).await })
        };
        let result = User::delete().all_rows().run(&db).await;
        let killed = killer.await.unwrap();
        assert!(killed, "{d:?}: found no DELETE to kill");
        assert!(result.is_err(), "{d:?}: the killed write reported success");
        // All or nothing: every row is still there.
        assert_eq!(db.all::<User>().await.unwrap().len(), 20, "{d:?}");
        assert_eq!(Post::query().count(&db).await.unwrap(), 10_000, "{d:?}");
        assert_eq!(Comment::query().count(&db).await.unwrap(), 100_000, "{d:?}");
    }
}

/// Kills the connection that runs a DELETE on the test's database; whether it found one.
async fn kill_a_delete(d: Dialect, url: &str) -> bool {
    for _ in 0..2_000 {
        let found = match d {
            Dialect::Postgres => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let rows = sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE query LIKE 'DELETE%' AND state = 'active' AND pid <> pg_backend_pid() \
                     AND application_name = 'rel_em_killed'",
                )
                .fetch_all(&pool)
                .await
                .unwrap();
                pool.close().await;
                !rows.is_empty()
            }
            _ => {
                let pool = sqlx::MySqlPool::connect(url).await.unwrap();
                let ids = sqlx::query(
                    "SELECT id FROM information_schema.processlist \
                     WHERE info LIKE 'DELETE%' AND id <> CONNECTION_ID() AND db = DATABASE()",
                )
                .fetch_all(&pool)
                .await
                .unwrap();
                for row in &ids {
                    let id: i64 = row.try_get(0).unwrap_or_default();
                    let _ = pool.execute(AssertSqlSafe(format!("KILL {id}"))).await;
                }
                pool.close().await;
                !ids.is_empty()
            }
        };
        if found {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    false
}

#[derive(Table, Debug, Clone)]
#[table(name = "em_ring_a")]
struct RingA {
    #[column(primary_key)]
    id: i64,
    b_id: Option<i64>,
    #[relation(one, from = b_id, to = RingB::id, on_delete = cascade)]
    b: One<Option<RingB>>,
}

#[derive(Table, Debug, Clone)]
#[table(name = "em_ring_b")]
struct RingB {
    #[column(primary_key)]
    id: i64,
    a_id: Option<i64>,
    #[relation(one, from = a_id, to = RingA::id, on_delete = cascade)]
    a: One<Option<RingA>>,
}

/// Fills a ring of `2 * n` rows: a_i -> b_i -> a_{i+1}, and a_n -> b_n -> a_1; a_0
/// alone.
async fn ring(db: &Db, n: i64) {
    let a: Vec<RingA> = (0..=n)
        .map(|id| RingA {
            id,
            b_id: None,
            b: One::default(),
        })
        .collect();
    db.insert_many(&a).await.unwrap();
    let b: Vec<RingB> = (1..=n)
        .map(|id| RingB {
            id,
            a_id: Some(id % n + 1),
            a: One::default(),
        })
        .collect();
    db.insert_many(&b).await.unwrap();
    RingA::update()
        .set(RingA::b_id, None::<i64>)
        .filter(RingA::id.eq(0))
        .run(db)
        .await
        .unwrap();
    for id in 1..=n {
        db.update(&RingA {
            id,
            b_id: Some(id),
            b: One::default(),
        })
        .await
        .unwrap();
    }
}

/// A ring of 1,000 rows whose deletes cascade from one table to the other and back:
/// far deeper than any database's own cascade limit (InnoDB stops at 15). Deleting one
/// row takes the whole ring and terminates; a row outside it stays.
#[tokio::test]
async fn a_cascade_around_a_cycle_of_tables_takes_the_whole_ring() {
    let schema = Schema::new(RelationMode::Emulated).table::<RingA>();
    for db in common::backends("emulated_ring").await {
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        ring(&db, 500).await;
        assert!(db.delete::<RingA>(&1).await.unwrap(), "{:?}", db.dialect());
        let left: Vec<i64> = db
            .all::<RingA>()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(left, vec![0], "{:?}", db.dialect());
        assert!(
            db.all::<RingB>().await.unwrap().is_empty(),
            "{:?}",
            db.dialect()
        );
        assert!(schema.check_integrity(&db).await.unwrap().is_empty());
    }
}

/// On SQLite, where Rel reads directly (`relruntime/src/driver/sqlite/direct.rs`), runs of
/// short reads back to back finish while other threads keep the CPU busy.
///
/// Each direct read borrows the handle through sqlx's `lock_handle`, which queues an
/// "unlock" command for the worker and waits for the lock. When a read ends before the
/// worker has gone back to waiting for the lock (a busy machine), the next read takes
/// the free lock at once and its command is left over in the queue. Left-over commands
/// pile up in sqlx's 50-slot command channel; once it is full, a read holds the lock
/// while it waits for room to send, and the worker waits for the lock: a deadlock.
/// Rel pings the worker every 16 direct reads in a row, which drains them (with no
/// ping this test timed out two runs in three). An Emulated cascade around
/// a ring of 1,000 rows is a run of about a thousand such reads.
#[tokio::test]
async fn runs_of_short_reads_under_load_finish() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    let schema = Schema::new(RelationMode::Emulated).table::<RingA>();
    schema.create_all(&db).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let burners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    let rounds = async {
        for _ in 0..4 {
            ring(&db, 500).await;
            assert!(db.delete::<RingA>(&1).await.unwrap());
            assert!(db.delete::<RingA>(&0).await.unwrap());
            assert!(db.all::<RingA>().await.unwrap().is_empty());
            assert!(db.all::<RingB>().await.unwrap().is_empty());
        }
    };
    let finished = tokio::time::timeout(std::time::Duration::from_secs(60), rounds).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for burner in burners {
        burner.join().unwrap();
    }
    assert!(finished.is_ok(), "the cascades did not finish in 60 s");
}

//! Concurrent writers on a SQLite file database: 32 tasks doing read-then-write
//! transactions finish with no `database is locked`, because Rel opens file databases in
//! WAL mode with a busy timeout and starts transactions with `BEGIN IMMEDIATE`.

mod common;

use rel::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "events")]
struct Event {
    #[column(primary_key)]
    id: i64,
    seen: i64,
}

const WRITERS: usize = 32;
const EACH: usize = 10;

/// Each transaction reads how many events there are, waits a little (so that the
/// writers interleave), and inserts the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_read_then_write_writers_never_see_database_is_locked() {
    let (path, url) = common::temp_sqlite("writers");
    let db = Db::connect(&url).await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Event>()
        .create_all(&db)
        .await
        .unwrap();
    let failures = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (db, failures) = (db.clone(), failures.clone());
            tokio::spawn(async move {
                for i in 0..EACH {
                    let result = async {
                        let mut tx = db.begin().await?;
                        let seen = tx.all::<Event>().await?.len() as i64;
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        let id = (w * EACH + i) as i64;
                        tx.insert(&Event { id, seen }).await?;
                        tx.commit().await
                    }
                    .await;
                    if let Err(e) = result {
                        eprintln!("writer {w}: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(failures.load(Ordering::Relaxed), 0);
    let events = db.all::<Event>().await.unwrap();
    assert_eq!(events.len(), WRITERS * EACH);
    // The transactions ran one after another: each saw all the events before it.
    let mut seen: Vec<i64> = events.iter().map(|e| e.seen).collect();
    seen.sort();
    assert_eq!(seen, (0..(WRITERS * EACH) as i64).collect::<Vec<_>>());
    drop(db);
    let _ = std::fs::remove_file(path);
}

/// The same workload with the protection off (sqlx's deferred `BEGIN` on the same WAL
/// file): the read takes a snapshot, another writer commits, and the write cannot
/// upgrade the lock. This is what the test above guards against.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deferred_transactions_would_fail_the_same_workload() {
    use sqlx::{AssertSqlSafe, Executor};
    let (path, url) = common::temp_sqlite("deferred");
    let db = Db::connect(&url).await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Event>()
        .create_all(&db)
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let failures = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (pool, failures) = (pool.clone(), failures.clone());
            tokio::spawn(async move {
                for i in 0..EACH {
                    let result: Result<(), sqlx::Error> = async {
                        let mut tx = pool.begin().await?;
                        let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
                            .fetch_one(&mut *tx)
                            .await?;
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        let sql = format!(
                            "INSERT INTO events (id, seen) VALUES ({}, {})",
                            w * EACH + i,
                            count.0
                        );
                        tx.execute(AssertSqlSafe(sql)).await?;
                        tx.commit().await
                    }
                    .await;
                    if result.is_err() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let failed = failures.load(Ordering::Relaxed);
    eprintln!(
        "deferred transactions: {failed} of {} failed",
        WRITERS * EACH
    );
    assert!(
        failed > 0,
        "the unprotected workload should fail on the lock upgrade"
    );
    pool.close().await;
    drop(db);
    let _ = std::fs::remove_file(path);
}

/// On a file database, the `Db` reads while one of its transactions writes.
#[tokio::test]
async fn the_db_reads_while_a_transaction_writes() {
    let (path, url) = common::temp_sqlite("read_during_tx");
    let db = Db::connect(&url).await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Event>()
        .create_all(&db)
        .await
        .unwrap();
    db.insert(&Event { id: 1, seen: 0 }).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.insert(&Event { id: 2, seen: 1 }).await.unwrap();
    assert_eq!(db.all::<Event>().await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    assert_eq!(db.all::<Event>().await.unwrap().len(), 2);
    drop(db);
    let _ = std::fs::remove_file(path);
}

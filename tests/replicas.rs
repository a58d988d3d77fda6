//! Read replicas on real replication: a PostgreSQL primary with two streaming replicas
//! and a MariaDB primary with two GTID replicas (`.ci/replicas`, which exports
//! `REL_REPLICAS_POSTGRES` and `REL_REPLICAS_MYSQL`: the primary's URL, then its
//! replicas', comma-separated). Without them each test is ignored with the variable to
//! set; under `CI=true` they fail.
//!
//! Lag is made real, never slept for: PostgreSQL's replay is paused
//! (`pg_wal_replay_pause()`), MariaDB's SQL thread stopped (`STOP SLAVE SQL_THREAD`).
//! A replica that is down is one behind a TCP proxy of the test's that stops
//! forwarding, and starts again on the same port.
//!
//! The scenarios share the servers and pause their replicas, so they run one at a time
//! (`SERIAL`).

#[path = "replicas/support.rs"]
mod support;

use rel::prelude::*;
use rel::{DbBuilder, Error, Position};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{Proxy, address, traced, traced_nodes, traced_statements};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rp_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    body: String,
    version: i64,
}

#[derive(Table, Debug, Clone)]
#[table(name = "rp_authors")]
struct Author {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone)]
#[table(name = "rp_books")]
struct Book {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = Author::id)]
    author: One<Author>,
}

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The primary's URL, then its replicas', from `var`; `None` (said) when it is not set.
fn urls(var: &str) -> Option<Vec<String>> {
    let value = std::env::var(var).unwrap_or_default();
    if value.is_empty() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{var} is not set: CI requires the replicas (see .ci/replicas)"
        );
        eprintln!("note: {var} is not set; skipped (see .ci/replicas)");
        return None;
    }
    let urls: Vec<String> = value.split(',').map(str::to_owned).collect();
    assert!(urls.len() >= 3, "{var}: a primary and two replicas");
    Some(urls)
}

fn dialect(urls: &[String]) -> Dialect {
    Dialect::from_url(&urls[0]).unwrap()
}

/// Runs statements on the server at `url` through sqlx.
async fn raw(url: &str, sql: &str) {
    use sqlx::{AssertSqlSafe, Executor};
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        pool.execute(AssertSqlSafe(sql.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    } else {
        let pool = sqlx::MySqlPool::connect(url).await.unwrap();
        pool.execute(AssertSqlSafe(sql.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    }
}

/// Stops a replica from replaying what it receives.
async fn pause(url: &str) {
    if url.starts_with("postgres") {
        raw(url, "SELECT pg_wal_replay_pause()").await;
    } else {
        raw(url, "STOP SLAVE SQL_THREAD").await;
    }
}

/// Lets it replay again.
async fn resume(url: &str) {
    if url.starts_with("postgres") {
        raw(url, "SELECT pg_wal_replay_resume()").await;
    } else {
        raw(url, "START SLAVE SQL_THREAD").await;
    }
}

/// Waits until every replica has replayed what the primary has written.
async fn settle(urls: &[String]) {
    for replica in &urls[1..] {
        let fresh = Db::builder(&urls[0])
            .replica(replica)
            .replica_wait(Duration::from_secs(20))
            .connect()
            .await
            .unwrap();
        // A write through `fresh` (an empty update), then a read, which waits for it.
        Note::update()
            .set(Note::version, 0)
            .filter(Note::id.eq(-1))
            .run(&fresh)
            .await
            .unwrap();
        let seen = traced_nodes(Note::query().count(&fresh)).await;
        assert_eq!(seen.1, ["replica 1"], "{replica} did not replay in 20 s");
    }
}

/// A `Db` on the primary with both replicas, as `more` sets it up.
async fn connect(urls: &[String], more: impl FnOnce(DbBuilder) -> DbBuilder) -> Db {
    let mut builder = Db::builder(&urls[0]);
    for replica in &urls[1..] {
        builder = builder.replica(replica);
    }
    more(builder).connect().await.unwrap()
}

/// Fresh tables on the primary, replayed by every replica, nothing paused.
async fn setup(urls: &[String]) -> Db {
    for replica in &urls[1..] {
        resume(replica).await;
    }
    let db = Db::connect(&urls[0]).await.unwrap();
    let schema = Schema::new(RelationMode::Emulated)
        .table::<Note>()
        .table::<Book>();
    schema.drop_all(&db).await.unwrap();
    schema.create_all(&db).await.unwrap();
    settle(urls).await;
    db
}

fn note(id: i64, body: &str, version: i64) -> Note {
    Note {
        id,
        body: body.into(),
        version,
    }
}

// ---------------------------------------------------------------- scenarios --

/// Reads on the replicas in turn, everything else on the primary, each operation's
/// node in its span.
async fn routing(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    setup(&urls).await;
    let db = connect(&urls, |b| b).await;
    assert!(db.has_replicas());
    let (_, traced_ops) = traced_statements(async {
        db.insert(&note(1, "one", 1)).await.unwrap();
        assert_eq!(db.get::<Note>(&1).await.unwrap().unwrap().body, "one");
        for _ in 0..4 {
            assert_eq!(db.all::<Note>().await.unwrap().len(), 1);
        }
        assert_eq!(Note::query().count(&db).await.unwrap(), 1);
        assert_eq!(db.primary().all::<Note>().await.unwrap().len(), 1);
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.all::<Note>().await.unwrap().len(), 1);
        tx.insert(&note(2, "two", 1)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(db.all::<Note>().await.unwrap().len(), 2);
        Note::delete()
            .filter(Note::id.eq(2))
            .run(&db)
            .await
            .unwrap();
    })
    .await;
    // Every statement names its node; an operation's own statements ran on the node
    // its span names (a read's lag check also asks the primary).
    for (op, node, statements) in &traced_ops {
        assert!(!statements.is_empty(), "{op} sent statements");
        assert!(
            statements.iter().all(|n| !n.is_empty()),
            "{op}: {statements:?}"
        );
        assert!(statements.contains(node), "{op} on {node}: {statements:?}");
        if node.starts_with("replica") {
            let elsewhere = statements.iter().filter(|n| *n != node);
            assert!(
                elsewhere.into_iter().all(|n| n == "primary"),
                "{statements:?}"
            );
        } else {
            assert!(
                statements.iter().all(|n| n == "primary"),
                "{op}: {statements:?}"
            );
        }
    }
    let ops: Vec<(&str, &str)> = traced_ops
        .iter()
        .map(|(o, n, _)| (o.as_str(), n.as_str()))
        .collect();
    assert_eq!(ops[0], ("insert", "primary"));
    assert!(ops[1].1.starts_with("replica"), "{ops:?}");
    let alls: Vec<&str> = ops[2..6].iter().map(|(_, n)| *n).collect();
    assert!(
        alls.contains(&"replica 1") && alls.contains(&"replica 2"),
        "round robin over both replicas: {alls:?}"
    );
    assert!(
        ops[6].0 == "count" && ops[6].1.starts_with("replica"),
        "{ops:?}"
    );
    assert_eq!(ops[7], ("all", "primary"), "db.primary()");
    assert_eq!(ops[8], ("all", "primary"), "a transaction's read");
    assert_eq!(ops[9], ("insert", "primary"));
    assert!(ops[10].1.starts_with("replica"), "{ops:?}");
    assert_eq!(ops[11], ("delete", "primary"));
}

/// With replay paused, a read after a write runs on the primary and sees it; a `Db`
/// that wrote nothing reads the stale replica (the lag is real); a position carried
/// to it makes it see the write; a replica that catches up within the wait serves it.
async fn read_your_writes(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    let plain = setup(&urls).await;
    plain.insert(&note(1, "old", 1)).await.unwrap();
    settle(&urls).await;
    for replica in &urls[1..] {
        pause(replica).await;
    }
    let db = connect(&urls, |b| b.replica_wait(Duration::from_millis(200))).await;
    let ((), ops) = traced(async {
        db.update(&note(1, "new", 2)).await.unwrap();
        assert_eq!(db.get::<Note>(&1).await.unwrap().unwrap().body, "new");
    })
    .await;
    assert_eq!(ops[1], ("all".to_owned(), "primary".to_owned()), "{ops:?}");
    let position = db.position().await.unwrap().expect("a write's position");

    // Another `Db`, which wrote nothing: a replica, which has not replayed the update.
    let other = connect(&urls, |b| b.replica_wait(Duration::from_millis(200))).await;
    let (row, nodes) = traced_nodes(other.get::<Note>(&1)).await;
    assert_eq!(
        row.unwrap().unwrap().body,
        "old",
        "the replicas lag: {nodes:?}"
    );
    assert!(nodes[0].starts_with("replica"));

    // The position, carried as text (a cookie), makes it see the write.
    let token: Position = position.to_string().parse().unwrap();
    let (row, nodes) = traced_nodes(other.after(&token).get::<Note>(&1)).await;
    assert_eq!(row.unwrap().unwrap().body, "new");
    assert_eq!(nodes, ["primary"]);

    // A read that may wait long enough is served by a replica once it replays.
    let patient = connect(&urls, |b| b.replica_wait(Duration::from_secs(20))).await;
    let replicas = urls[1..].to_vec();
    let resumer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for replica in &replicas {
            resume(replica).await;
        }
    });
    let started = Instant::now();
    let (row, nodes) = traced_nodes(patient.after(&token).get::<Note>(&1)).await;
    resumer.await.unwrap();
    assert_eq!(row.unwrap().unwrap().body, "new");
    assert!(nodes[0].starts_with("replica"), "{nodes:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "it waited for the replay"
    );

    // Replicas that keep up serve the reads after writes.
    let ((), ops) = traced(async {
        patient.update(&note(1, "newer", 3)).await.unwrap();
        assert_eq!(
            patient.get::<Note>(&1).await.unwrap().unwrap().body,
            "newer"
        );
    })
    .await;
    assert!(ops[1].1.starts_with("replica"), "{ops:?}");

    // A token of another engine, or no token at all, is never taken for one.
    let foreign: Position = if token.to_string().contains('/') {
        "0-1-1".parse().unwrap()
    } else {
        "0/1".parse().unwrap()
    };
    let (row, nodes) = traced_nodes(other.after(&foreign).get::<Note>(&1)).await;
    assert_eq!(row.unwrap().unwrap().body, "newer");
    assert_eq!(
        nodes,
        ["primary"],
        "another engine's position: the primary, at once"
    );
    assert!("".parse::<Position>().is_err());
}

/// The same over sqlx pools of the user's (`Db::from_pools`): reads on the replicas,
/// a read after a write sees it.
async fn pools_of_yours(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    setup(&urls).await;
    let ((), ops) = if urls[0].starts_with("postgres") {
        let primary = sqlx::PgPool::connect(&urls[0]).await.unwrap();
        let replicas = [
            sqlx::PgPool::connect_lazy(&urls[1]).unwrap(),
            sqlx::PgPool::connect_lazy(&urls[2]).unwrap(),
        ];
        let db = Db::from_pools(primary, replicas).await.unwrap();
        traced(read_after_write(db)).await
    } else {
        // With settings of its own.
        let settings = rel::ReplicaSettings::default().wait(Duration::from_secs(5));
        let primary = sqlx::MySqlPool::connect(&urls[0]).await.unwrap();
        let replicas = [
            sqlx::MySqlPool::connect_lazy(&urls[1]).unwrap(),
            sqlx::MySqlPool::connect_lazy(&urls[2]).unwrap(),
        ];
        let db = Db::from_pools_with(primary, replicas, settings)
            .await
            .unwrap();
        traced(read_after_write(db)).await
    };
    let nodes: Vec<&str> = ops.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(nodes[0], "primary");
    assert!(
        nodes[1..].iter().all(|n| n.starts_with("replica")),
        "{nodes:?}"
    );
    assert!(
        nodes.contains(&"replica 1") && nodes.contains(&"replica 2"),
        "{nodes:?}"
    );
}

/// A write, then four reads that must see it.
async fn read_after_write(db: Db) {
    db.insert(&note(7, "seven", 1)).await.unwrap();
    for _ in 0..4 {
        assert_eq!(db.get::<Note>(&7).await.unwrap().unwrap().body, "seven");
    }
}

/// A replica that goes down is skipped, no read fails, both down reads the primary,
/// and a replica back up rejoins.
async fn a_stopped_replica(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    let plain = setup(&urls).await;
    plain.insert(&note(1, "one", 1)).await.unwrap();
    settle(&urls).await;
    let mut proxies = Vec::new();
    for replica in &urls[1..] {
        proxies.push(Proxy::new(&address(replica)).await);
    }
    let retry = Duration::from_millis(300);
    let mut builder = Db::builder(&urls[0])
        .replica_retry(retry)
        .replica_timeout(Duration::from_millis(300));
    for (proxy, replica) in proxies.iter().zip(&urls[1..]) {
        builder = builder.replica(&proxy.url(replica));
    }
    let db = builder.connect().await.unwrap();
    let reads = |n: usize| {
        let db = db.clone();
        async move {
            let mut nodes = Vec::new();
            for _ in 0..n {
                let (rows, seen) = traced_nodes(db.all::<Note>()).await;
                assert_eq!(rows.expect("no read fails").len(), 1);
                nodes.extend(seen);
            }
            nodes
        }
    };
    let nodes = reads(4).await;
    assert!(nodes.contains(&"replica 1".into()) && nodes.contains(&"replica 2".into()));

    proxies[0].stop();
    let nodes = reads(10).await;
    assert!(
        nodes.iter().all(|n| n == "replica 2"),
        "replica 1 is down: {nodes:?}"
    );
    proxies[1].stop();
    let nodes = reads(6).await;
    assert!(nodes.iter().all(|n| n == "primary"), "both down: {nodes:?}");

    proxies[0].start().await;
    proxies[1].start().await;
    tokio::time::sleep(retry + Duration::from_millis(100)).await;
    let nodes = reads(6).await;
    assert!(
        nodes.contains(&"replica 1".into()) && nodes.contains(&"replica 2".into()),
        "both rejoin: {nodes:?}"
    );
    for proxy in &mut proxies {
        proxy.stop();
    }

    // The primary down: writes fail as a lost connection; reads with no write before
    // them go on on the replicas.
    let mut primary = Proxy::new(&address(&urls[0])).await;
    let mut builder = Db::builder(&primary.url(&urls[0]))
        .acquire_timeout(Duration::from_millis(500))
        .replica_timeout(Duration::from_millis(300));
    for replica in &urls[1..] {
        builder = builder.replica(replica);
    }
    let db = builder.connect().await.unwrap();
    db.insert(&note(2, "two", 1)).await.unwrap();
    assert_eq!(db.all::<Note>().await.unwrap().len(), 2);
    primary.stop();
    let lost = db.insert(&note(3, "three", 1)).await.unwrap_err();
    assert!(lost.is_connection(), "{lost:?}");
    let reader = db.session();
    let (rows, nodes) = traced_nodes(reader.all::<Note>()).await;
    assert_eq!(rows.unwrap().len(), 2);
    assert!(nodes[0].starts_with("replica"), "{nodes:?}");
}

/// A replica that lags more than the bound is skipped until it catches up.
async fn a_lagging_replica(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    let plain = setup(&urls).await;
    plain.insert(&note(1, "one", 1)).await.unwrap();
    settle(&urls).await;
    let db = connect(&urls, |b| b.replica_max_lag(Duration::from_millis(300))).await;
    pause(&urls[1]).await;
    // Another process writes on: the primary moves on, replica 1 does not.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let writing = writing.clone();
        tokio::spawn(async move {
            let mut version = 1;
            while writing.load(Ordering::Relaxed) {
                version += 1;
                plain.update(&note(1, "one", version)).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut late = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let (rows, nodes) = traced_nodes(db.all::<Note>()).await;
        rows.unwrap();
        if started.elapsed() > Duration::from_millis(900) {
            late.extend(nodes);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!late.is_empty());
    assert!(
        late.iter().all(|n| n == "replica 2"),
        "replica 1 lags over 300 ms: skipped: {late:?}"
    );
    resume(&urls[1]).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut nodes = Vec::new();
    for _ in 0..6 {
        nodes.extend(traced_nodes(db.all::<Note>()).await.1);
    }
    writing.store(false, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(
        nodes.contains(&"replica 1".into()),
        "caught up, it rejoins: {nodes:?}"
    );
}

/// Emulated mode's existence check reads the primary: a paused replica that still has
/// a deleted author never lets a book of it in.
async fn emulated_checks_read_the_primary(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    let plain = setup(&urls).await;
    plain.insert(&Author { id: 1 }).await.unwrap();
    settle(&urls).await;
    for replica in &urls[1..] {
        pause(replica).await;
    }
    let db = connect(&urls, |b| b.replica_wait(Duration::ZERO)).await;
    assert!(db.delete::<Author>(&1).await.unwrap());
    // The replicas still have the author.
    let stale = connect(&urls, |b| b).await;
    let (author, nodes) = traced_nodes(stale.get::<Author>(&1)).await;
    assert!(author.unwrap().is_some() && nodes[0].starts_with("replica"));

    let orphan = Book {
        id: 1,
        author_id: 1,
        author: One::default(),
    };
    for writer in [&db, &stale] {
        let refused = writer.insert(&orphan).await;
        assert!(
            matches!(
                refused,
                Err(Error::ForeignKey {
                    relation: Some("author"),
                    ..
                })
            ),
            "{refused:?}"
        );
        let mut tx = writer.begin().await.unwrap();
        assert!(tx.insert(&orphan).await.is_err());
        tx.rollback().await.unwrap();
    }
    assert!(plain.all::<Book>().await.unwrap().is_empty());
    for replica in &urls[1..] {
        resume(replica).await;
    }
}

/// Writers and readers at once: every read sees each write that ended before it
/// began. The same run without the waiting (a test switch) reads back in time, which
/// shows the check catches it.
async fn no_read_goes_back_in_time(urls: Vec<String>) {
    let _serial = SERIAL.lock().await;
    let plain = setup(&urls).await;
    const KEYS: i64 = 4;
    for id in 0..KEYS {
        plain.insert(&note(id, "n", 0)).await.unwrap();
    }
    settle(&urls).await;
    let safe = run_stress(connect(&urls, |b| b).await, KEYS).await;
    // Replicas on loopback replay within milliseconds: a run may, rarely, see no
    // stale read. Up to three runs.
    let mut unsafe_run = (0, 0, 0);
    for _ in 0..3 {
        let db = connect(&urls, |b| b.unsafe_without_read_your_writes()).await;
        let run = run_stress(db, KEYS).await;
        unsafe_run = (
            unsafe_run.0 + run.0,
            unsafe_run.1 + run.1,
            unsafe_run.2 + run.2,
        );
        if unsafe_run.0 > 0 {
            break;
        }
    }
    eprintln!(
        "{:?}: with waiting {} violations in {} reads ({} on replicas); without, {} in {} ({} on replicas)",
        dialect(&urls),
        safe.0,
        safe.1,
        safe.2,
        unsafe_run.0,
        unsafe_run.1,
        unsafe_run.2
    );
    assert_eq!(safe.0, 0, "a read went back in time");
    assert!(safe.2 > 0, "some reads ran on replicas");
    assert!(
        unsafe_run.0 > 0,
        "without the waiting, some read must miss a write (the test would catch it)"
    );
}

/// Writers bump their key's version and publish it once the write returned; readers
/// read a key and compare with the version published before the read began. Its
/// violations, reads, and reads on replicas.
async fn run_stress(db: Db, keys: i64) -> (u64, u64, u64) {
    const WRITES: i64 = 150;
    let published: Arc<Vec<AtomicI64>> = Arc::new((0..keys).map(|_| AtomicI64::new(0)).collect());
    let violations = Arc::new(AtomicU64::new(0));
    let reads = Arc::new(AtomicU64::new(0));
    let on_replicas = Arc::new(AtomicU64::new(0));
    let writing = Arc::new(AtomicBool::new(true));
    let mut tasks = tokio::task::JoinSet::new();
    for key in 0..keys {
        let (db, published) = (db.clone(), published.clone());
        let (violations, reads) = (violations.clone(), reads.clone());
        tasks.spawn(async move {
            for version in 1..=WRITES {
                db.update(&note(key, "n", version)).await.unwrap();
                published[key as usize].store(version, Ordering::SeqCst);
                // Its own write, read back at once.
                let row = db.get::<Note>(&key).await.unwrap().unwrap();
                reads.fetch_add(1, Ordering::Relaxed);
                if row.version < version {
                    violations.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    for reader in 0..keys {
        let (db, published) = (db.clone(), published.clone());
        let (violations, reads, on_replicas, writing) = (
            violations.clone(),
            reads.clone(),
            on_replicas.clone(),
            writing.clone(),
        );
        tasks.spawn(async move {
            let mut i = reader;
            while writing.load(Ordering::Relaxed) {
                i += 1;
                let key = i % keys;
                let before = published[key as usize].load(Ordering::SeqCst);
                let (row, nodes) = traced_nodes(db.get::<Note>(&key)).await;
                reads.fetch_add(1, Ordering::Relaxed);
                if nodes.iter().any(|n| n.starts_with("replica")) {
                    on_replicas.fetch_add(1, Ordering::Relaxed);
                }
                if row.unwrap().unwrap().version < before {
                    violations.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    // The writers end first; then the readers are told to stop.
    let mut writers_left = keys;
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
        writers_left -= 1;
        if writers_left == 0 {
            writing.store(false, Ordering::Relaxed);
        }
    }
    (
        violations.load(Ordering::Relaxed),
        reads.load(Ordering::Relaxed),
        on_replicas.load(Ordering::Relaxed),
    )
}

macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(rel_skip_replicas_postgres, ignore = "REL_REPLICAS_POSTGRES is not set: see .ci/replicas")]
                async fn $scenario() {
                    if let Some(urls) = super::urls("REL_REPLICAS_POSTGRES") {
                        super::$scenario(urls).await;
                    }
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(rel_skip_replicas_mysql, ignore = "REL_REPLICAS_MYSQL is not set: see .ci/replicas")]
                async fn $scenario() {
                    if let Some(urls) = super::urls("REL_REPLICAS_MYSQL") {
                        super::$scenario(urls).await;
                    }
                }
            )*
        }
    };
}

on_both!(
    routing,
    read_your_writes,
    pools_of_yours,
    a_stopped_replica,
    a_lagging_replica,
    emulated_checks_read_the_primary,
    no_read_goes_back_in_time,
);

/// Replicas are refused where Rel cannot route to them, with a clear error.
#[tokio::test]
async fn sqlite_has_no_replicas() {
    let err = Db::builder("sqlite::memory:")
        .replica("sqlite::memory:")
        .connect()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not supported on SQLite"), "{err}");
}

//! Emulated mode on a multi-primary cluster: a 3-node MariaDB Galera cluster on
//! loopback (`.ci/galera`), writers spread over its nodes, each through a `Db` of its
//! own node. Row locks stay on their node there; Rel's conflict guards make a child
//! write and its parent's delete or key change on two nodes write a common row, so
//! that the cluster lets only one of them commit.
//!
//! - The stress workload of `tests/emulated_stress.rs` ends with 0 orphans, and every
//!   success the writers reported is in the data. The same run without the guards (a
//!   test-only switch) leaves orphans.
//! - A node stopped and started again during a run: its writers get connection errors,
//!   the others go on, and the data is whole once it has rejoined.
//!
//! Runs when `REL_GALERA_URLS` (three URLs, comma-separated) and `REL_GALERA_DIR` are
//! set, as `source .ci/galera` sets them; under `CI=true` their absence fails it.

#[path = "common/stress.rs"]
mod stress;

use rel::Db;
use sqlx::{AssertSqlSafe, Executor};
use std::time::{Duration, Instant};
use stress::{Mix, WRITERS, schema, workload};

const OPERATIONS: usize = 120;

/// The cluster's node URLs and its folder, or `None` (with a note) when not set.
fn cluster() -> Option<(Vec<String>, String)> {
    let urls = std::env::var("REL_GALERA_URLS")
        .ok()
        .filter(|u| !u.is_empty());
    let dir = std::env::var("REL_GALERA_DIR")
        .ok()
        .filter(|d| !d.is_empty());
    match (urls, dir) {
        (Some(urls), Some(dir)) => Some((urls.split(',').map(str::to_owned).collect(), dir)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "REL_GALERA_URLS / REL_GALERA_DIR are not set: CI requires the cluster (see .ci/galera)"
            )
        }
        _ => {
            eprintln!("note: REL_GALERA_URLS is not set; the Galera tests skip (see .ci/galera)");
            None
        }
    }
}

/// The URLs of a fresh database `name` on every node (made through the first).
async fn database(urls: &[String], name: &str) -> Vec<String> {
    let admin = sqlx::MySqlPool::connect(&urls[0]).await.expect("node 1");
    for sql in [
        format!("DROP DATABASE IF EXISTS `{name}`"),
        format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
    ] {
        admin.execute(AssertSqlSafe(sql)).await.unwrap();
    }
    admin.close().await;
    urls.iter()
        .map(|u| format!("{}/{name}", &u[..u.rfind('/').unwrap()]))
        .collect()
}

/// One `Db` per node; with `guards` false, without Rel's conflict guards.
async fn nodes(urls: &[String], guards: bool) -> Vec<Db> {
    let mut dbs = Vec::new();
    for url in urls {
        let mut builder = Db::builder(url)
            .max_connections(WRITERS as u32)
            .connect_timeout(Duration::from_secs(3))
            .acquire_timeout(Duration::from_secs(3));
        if !guards {
            builder = builder.unsafe_without_conflict_guards();
        }
        let db = builder.connect().await.unwrap();
        assert_eq!(db.is_multi_primary(), guards, "{url}");
        dbs.push(db);
    }
    dbs
}

/// Inserts a child of parent 1 in a transaction on node 1 and deletes parent 1 in a
/// transaction on node 2, both open at once, then commits both; the orphans left.
/// With the guards the second commit fails, with a retryable error.
async fn interleave(dbs: &[Db], schema: &rel::Schema) -> u64 {
    use stress::{Child, Parent};
    schema.drop_all(&dbs[0]).await.unwrap();
    schema.create_all(&dbs[0]).await.unwrap();
    for db in &dbs[1..] {
        db.use_schema(schema);
    }
    dbs[0]
        .insert(&Parent {
            id: 1,
            name: "p1".into(),
        })
        .await
        .unwrap();
    // Every node has the parent before the race begins.
    wait_for(&dbs[1], 1).await;
    let mut child = dbs[0].begin().await.unwrap();
    child
        .insert(&Child {
            id: 10,
            parent_id: 1,
            parent: rel::One::default(),
        })
        .await
        .unwrap();
    let mut parent = dbs[1].begin().await.unwrap();
    assert!(
        parent.delete::<Parent>(&1).await.unwrap(),
        "node 2 sees parent 1"
    );
    // Both commit at the same moment: each is certified before the other's write set
    // reaches its node (which would abort it: the cluster aborts a local transaction
    // that holds a lock a replicated write needs).
    let (child_commit, parent_commit) = tokio::join!(child.commit(), parent.commit());
    eprintln!("interleaving: child commit {child_commit:?}, parent commit {parent_commit:?}");
    child_commit.unwrap();
    if let Err(e) = &parent_commit {
        assert!(
            e.is_retryable(),
            "the losing commit's error is retryable: {e}"
        );
    }
    // Both nodes have applied both before the check.
    tokio::time::sleep(Duration::from_millis(500)).await;
    schema
        .check_integrity(&dbs[0])
        .await
        .unwrap()
        .iter()
        .map(|o| o.count)
        .sum()
}

/// Waits until `db` (another node) has `n` parents.
async fn wait_for(db: &Db, n: usize) {
    for _ in 0..100 {
        if db.all::<stress::Parent>().await.unwrap().len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the other node never saw the parent");
}

/// Runs `.ci/galera` with `args`.
fn galera(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/galera");
    let status = std::process::Command::new("bash")
        .arg(script)
        .args(args)
        .status()
        .expect("run .ci/galera");
    assert!(status.success(), ".ci/galera {args:?} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn emulated_mode_holds_across_the_nodes_of_a_cluster() {
    let Some((urls, dir)) = cluster() else { return };
    let schema = schema();

    // Writers on all three nodes at once.
    let urls = database(&urls, "rel_t_galera").await;
    let dbs = nodes(&urls, true).await;
    for mix in [Mix::Standard, Mix::Moves] {
        let start = Instant::now();
        let run = workload(&dbs, &schema, OPERATIONS, mix, true).await;
        eprintln!(
            "Galera, {mix:?}: {} orphans with Rel's guards ({} writes retried, {} gave up \
             after the retries, {:?})",
            run.orphans,
            run.retries,
            run.exhausted,
            start.elapsed()
        );
        assert_eq!(run.orphans, 0, "{mix:?}: orphans with Rel's guards");
        assert!(run.unexpected.is_empty(), "{:?}", run.unexpected);
        assert!(
            run.connection_errors.iter().all(|&n| n == 0),
            "{:?}",
            run.connection_errors
        );
    }

    // The race itself, step by step: a child inserted on node 1 and its parent deleted
    // on node 2, both transactions open at once, then committed. Row locks stay on their
    // node, so node 2 sees no child; without the guards both commit.
    // Galera may abort the parent's commit by chance (a certification conflict,
    // reported as a deadlock), which leaves no orphan to show: the unguarded run gets
    // three tries.
    for guards in [false, true] {
        let dbs = nodes(&urls, guards).await;
        let mut orphans = interleave(&dbs, &schema).await;
        for _ in 0..2 {
            if guards || orphans == 1 {
                break;
            }
            orphans = interleave(&dbs, &schema).await;
        }
        eprintln!("Galera, guards {guards}: {orphans} orphans after the interleaving");
        if guards {
            assert_eq!(orphans, 0, "the guards let both commit");
        } else {
            assert_eq!(orphans, 1, "without the guards both should commit");
        }
    }

    // The stress run without the guards. Galera aborts most such conflicts anyway (a
    // replicated write aborts a local transaction that holds a lock it needs), so only
    // two commits at nearly the same moment leave an orphan: reported, not asserted
    // (the interleaving above is the assertion).
    let bare = nodes(&urls, false).await;
    let mut found = Vec::new();
    for _ in 0..3 {
        found.push(
            workload(&bare, &schema, OPERATIONS, Mix::Moves, false)
                .await
                .orphans,
        );
    }
    eprintln!("Galera, Moves: orphans without the guards in three runs: {found:?}");

    // Node 3 stops during a run, and comes back.
    let restarter = {
        let dir = dir.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            tokio::task::spawn_blocking(move || {
                galera(&["--stop-node", &dir, "3"]);
                std::thread::sleep(Duration::from_secs(3));
                galera(&["--start-node", &dir, "3"]);
            })
            .await
            .unwrap();
        })
    };
    let run = workload(&dbs, &schema, OPERATIONS * 3, Mix::Standard, true).await;
    restarter.await.unwrap();
    // Writer w writes through node w % 3 + 1.
    let on_node_3: u64 = (0..WRITERS)
        .filter(|w| w % 3 == 2)
        .map(|w| run.connection_errors[w])
        .sum();
    let elsewhere: u64 = (0..WRITERS)
        .filter(|w| w % 3 != 2)
        .map(|w| run.connection_errors[w])
        .sum();
    eprintln!(
        "Galera, node 3 restarted: {} orphans, {} writes retried ({} gave up), connection \
         errors {:?}",
        run.orphans, run.retries, run.exhausted, run.connection_errors
    );
    assert!(run.unexpected.is_empty(), "{:?}", run.unexpected);
    assert!(
        on_node_3 > 0,
        "writers on the stopped node saw no connection error"
    );
    assert_eq!(elsewhere, 0, "writers on the other nodes went on");
    // Once node 3 is back, the data is whole, read on every node.
    for db in &dbs {
        let orphans: u64 = schema
            .check_integrity(db)
            .await
            .unwrap()
            .iter()
            .map(|o| o.count)
            .sum();
        assert_eq!(orphans, 0);
    }
    assert_eq!(run.orphans, 0);
}

//! Emulated mode under concurrency: writers insert children of random parents, delete
//! parents, change parents' keys and delete children by filter, all at once. At the
//! end the integrity check finds no orphan, and every write that reported success is
//! in the data (the workload is `tests/common/stress.rs`).
//!
//! The same run with Rel's row locks switched off (a test-only switch) leaves orphans
//! on PostgreSQL or MariaDB: that is what the locks prevent.

mod common;
common::report_backends!();
#[path = "common/stress.rs"]
mod stress;

use rel::prelude::*;
use stress::{Mix, WRITERS, schema, workload};

const OPERATIONS: usize = 120;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_leave_no_orphans() {
    let schema = schema();
    let mut unprotected = Vec::new();
    for (d, url) in common::backend_urls("emulated_stress").await {
        let db = Db::builder(&url)
            .max_connections(WRITERS as u32)
            .connect()
            .await
            .unwrap();
        let run = workload(
            std::slice::from_ref(&db),
            &schema,
            OPERATIONS,
            Mix::Standard,
            true,
        )
        .await;
        eprintln!(
            "{d:?}: {} orphans with Rel's locks ({} writes retried, {} gave up after the \
             retries)",
            run.orphans, run.retries, run.exhausted
        );
        assert_eq!(run.orphans, 0, "{d:?}: orphans with Rel's locks");
        assert!(run.unexpected.is_empty(), "{d:?}: {:?}", run.unexpected);
        assert!(
            run.connection_errors.iter().all(|&n| n == 0),
            "{d:?}: connection errors {:?}",
            run.connection_errors
        );
        schema.drop_all(&db).await.unwrap();
        if d == Dialect::Sqlite {
            // One writer at a time: there is nothing to lock.
            continue;
        }
        let bare = Db::builder(&url)
            .max_connections(WRITERS as u32)
            .unsafe_without_emulation_locks()
            .connect()
            .await
            .unwrap();
        // The race is a matter of timing: up to three runs, until one leaves orphans.
        let mut orphans = 0;
        for run in 1..=3 {
            orphans = workload(
                std::slice::from_ref(&bare),
                &schema,
                OPERATIONS,
                Mix::Standard,
                false,
            )
            .await
            .orphans;
            eprintln!("{d:?}: {orphans} orphans without them (run {run})");
            if orphans > 0 {
                break;
            }
        }
        unprotected.push(orphans);
        schema.drop_all(&bare).await.unwrap();
    }
    if !unprotected.is_empty() {
        assert!(
            unprotected.iter().any(|&n| n > 0),
            "the same run without locks should leave orphans: {unprotected:?}"
        );
    }
}

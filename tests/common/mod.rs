//! The one harness every behaviour test uses: a fresh database per test on each backend.
//!
//! SQLite (in memory) always runs. PostgreSQL and MariaDB run when `REL_POSTGRES_URL`
//! and `REL_MYSQL_URL` are set (`.ci/run` sets both). Each test gets its own PostgreSQL
//! schema or MySQL database, named after the test, so tests run in parallel safely.
//! Under `CI=true` a backend whose URL is missing fails the test instead of skipping it.

#![allow(dead_code)]

use rel::{Db, Dialect};
use sqlx::{AssertSqlSafe, Executor};

/// One database per available backend, fresh for the test `test`.
pub async fn backends(test: &str) -> Vec<Db> {
    let mut dbs = vec![
        Db::connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite"),
    ];
    for (var, dialect) in [
        ("REL_POSTGRES_URL", Dialect::Postgres),
        ("REL_MYSQL_URL", Dialect::MySql),
    ] {
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => dbs.push(isolated(dialect, &url, test).await),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{var} is not set: CI requires every backend (see .ci/run)")
            }
            _ => eprintln!(
                "note: {var} is not set; {test} skips {dialect:?} (see README: running the backend tests)"
            ),
        }
    }
    dbs
}

/// A namespace only this test uses: a schema on PostgreSQL, a database on MySQL.
async fn isolated(dialect: Dialect, url: &str, test: &str) -> Db {
    let name = format!("rel_t_{test}");
    let unreachable = |e: &dyn std::fmt::Display| -> ! {
        panic!("{dialect:?} at {url} is unreachable for test {test}: {e}")
    };
    match dialect {
        Dialect::Postgres => {
            let admin = sqlx::PgPool::connect(url)
                .await
                .unwrap_or_else(|e| unreachable(&e));
            let quoted = Dialect::Postgres.quote(&name);
            admin
                .execute(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted}"
                )))
                .await
                .expect("create test schema");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            Db::connect(&format!("{url}{sep}options[search_path]={name}"))
                .await
                .unwrap_or_else(|e| unreachable(&e))
        }
        Dialect::MySql => {
            let admin = sqlx::MySqlPool::connect(url)
                .await
                .unwrap_or_else(|e| unreachable(&e));
            let quoted = Dialect::MySql.quote(&name);
            admin
                .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {quoted}")))
                .await
                .expect("drop test database");
            admin
                .execute(AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
                .await
                .expect("create test database");
            admin.close().await;
            // Same server and credentials, the test's database.
            let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
            let server = &base[..base.rfind('/').expect("mysql URL has a database path")];
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            Db::connect(&format!("{server}/{name}{query}"))
                .await
                .unwrap_or_else(|e| unreachable(&e))
        }
        Dialect::Sqlite => unreachable!("SQLite needs no isolation"),
    }
}

/// Compares `got` with `tests/snapshots/<name>`; `REL_BLESS=1` rewrites the file instead.
pub fn assert_snapshot(name: &str, got: &str) {
    let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("REL_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {path} (REL_BLESS=1 writes it)"));
    assert_eq!(
        got, want,
        "{name} changed (REL_BLESS=1 regenerates {path}; read the diff)"
    );
}

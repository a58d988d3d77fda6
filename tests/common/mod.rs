//! The one harness every behaviour test uses: a fresh database per test on each backend.
//!
//! SQLite always runs. PostgreSQL and MariaDB run when `REL_POSTGRES_URL` and
//! `REL_MYSQL_URL` are set (`.ci/run` sets both). Each test gets its own PostgreSQL
//! schema or MySQL database, named after the test, so tests run in parallel safely.
//! Under `CI=true` a backend whose URL is missing fails the test instead of skipping it.

#![allow(dead_code)]

use rel::{Db, Dialect, Error, Schema};

/// Two tests that make the server backends this file's tests skipped visible in the
/// runner's summary: each is ignored, with the variable to set, where its backend's
/// URL was not set when the tests were built (see `build.rs`), and otherwise checks
/// that the URL is set. Under `CI=true` they run, and a missing URL fails. (Files that
/// run on SQLite alone do not call it.)
#[allow(unused_macros)]
macro_rules! report_backends {
    () => {
        #[test]
        #[cfg_attr(
            rel_skip_postgres,
            ignore = "REL_POSTGRES_URL is not set: this file's tests skipped PostgreSQL"
        )]
        fn postgres_backend() {
            common::configured("REL_POSTGRES_URL");
        }

        #[test]
        #[cfg_attr(
            rel_skip_mysql,
            ignore = "REL_MYSQL_URL is not set: this file's tests skipped MySQL/MariaDB"
        )]
        fn mysql_backend() {
            common::configured("REL_MYSQL_URL");
        }
    };
}
#[allow(unused_imports)]
pub(crate) use report_backends;

/// Fails unless the backend URL in `var` is set.
pub fn configured(var: &str) {
    let url = std::env::var(var).unwrap_or_default();
    assert!(
        !url.is_empty(),
        "{var} is not set: the tests skipped its backend (see README)"
    );
}
use sqlx::{AssertSqlSafe, Executor};

/// One database per available backend, fresh for the test `test` (SQLite in memory).
pub async fn backends(test: &str) -> Vec<Db> {
    let mut dbs = vec![
        Db::connect("sqlite::memory:")
            .await
            .expect("in-memory SQLite"),
    ];
    for (dialect, url) in server_urls(test).await {
        let db = Db::connect(&url).await;
        dbs.push(db.unwrap_or_else(|e| panic!("{dialect:?} at {url}: {e}")));
    }
    dbs
}

/// One database per available backend, fresh for the test `test`, with `schema`
/// created in it (and dropped first, where a test left it behind).
pub async fn fresh(test: &str, schema: &Schema) -> Vec<Db> {
    let dbs = backends(test).await;
    for db in &dbs {
        schema.drop_all(db).await.unwrap();
        schema.create_all(db).await.unwrap();
    }
    dbs
}

/// A URL per available backend, for tests that also reach the database without Rel:
/// SQLite in a fresh temporary file, the servers in the test's own namespace.
pub async fn backend_urls(test: &str) -> Vec<(Dialect, String)> {
    let (_, sqlite) = temp_sqlite(&format!("t_{test}"));
    let mut urls = vec![(Dialect::Sqlite, sqlite)];
    urls.extend(server_urls(test).await);
    urls
}

/// A fresh SQLite file of the test's, in the temporary folder: its path and its URL.
/// Any file of that name (and its `-wal`, `-shm` and `-journal` files) is removed first.
pub fn temp_sqlite(name: &str) -> (std::path::PathBuf, String) {
    let path = std::env::temp_dir().join(format!("rel_{name}_{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let url = format!("sqlite://{}", path.display());
    (path, url)
}

/// Runs statements of the test's own (what Rel would not write) on the backend at
/// `url`, through sqlx, in order.
pub async fn raw(d: Dialect, url: &str, statements: &[impl AsRef<str>]) {
    macro_rules! run {
        ($pool:ty) => {{
            let pool = <$pool>::connect(url).await.unwrap();
            run!(on pool)
        }};
        (on $pool:ident) => {{
            for sql in statements {
                let sql = sql.as_ref().to_owned();
                $pool
                    .execute(AssertSqlSafe(sql.clone()))
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            $pool.close().await;
        }};
    }
    match d {
        Dialect::Sqlite => {
            // The file may not exist yet.
            let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
                .unwrap()
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            run!(on pool)
        }
        Dialect::Postgres => run!(sqlx::PgPool),
        _ => run!(sqlx::MySqlPool),
    }
}

/// `url` with the connections it opens named `name`, where the server keeps a name
/// (PostgreSQL's `application_name`), for [`end_connections`] to find them.
pub fn named(d: Dialect, url: &str, name: &str) -> String {
    match d {
        Dialect::Postgres => format!("{url}&application_name={name}"),
        _ => url.to_owned(),
    }
}

/// Ends, from another connection, every connection to the server at `url` (made
/// by [`named`] with `name`) as the server's administrator would (PostgreSQL's
/// `pg_terminate_backend`, MySQL's `KILL`), and waits until each one has ended. On
/// MySQL they are those in the test's own database. SQLite has none to end.
pub async fn end_connections(d: Dialect, url: &str, name: &str) {
    use sqlx::Connection;
    match d {
        Dialect::Sqlite => {}
        Dialect::Postgres => {
            let admin_url = url.replace(&format!("&application_name={name}"), "");
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            // With a timeout, it waits until each one has ended (PostgreSQL 14+).
            admin
                .execute(AssertSqlSafe(format!(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity \
                     WHERE application_name = '{name}'"
                )))
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
        _ => {
            // The test's own database names its connections; the admin's is spared.
            let mut admin = sqlx::MySqlConnection::connect(url).await.unwrap();
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM information_schema.processlist \
                 WHERE db = DATABASE() AND id <> CONNECTION_ID()",
            )
            .fetch_all(&mut admin)
            .await
            .unwrap();
            assert!(!ids.is_empty(), "no connection to end");
            for id in &ids {
                let _ = admin.execute(AssertSqlSafe(format!("KILL {id}"))).await;
            }
            // KILL returns before the connection is marked killed: wait until each
            // one is (it stays listed until its client goes).
            for attempt in 0.. {
                let left: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.processlist \
                     WHERE db = DATABASE() AND id <> CONNECTION_ID() \
                     AND command <> 'Killed'",
                )
                .fetch_one(&mut admin)
                .await
                .unwrap();
                if left == 0 {
                    break;
                }
                assert!(attempt < 200, "{left} connections not killed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            admin.close().await.unwrap();
        }
    }
}

/// The outcome of a write in a stable form: what it returned, or the typed error with
/// the tables and relation it names.
pub fn outcome<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => format!("ok {value:?}"),
        Err(Error::StillReferenced {
            table,
            referencing_table,
            relation,
            ..
        }) => format!("StillReferenced {table} by {referencing_table:?}.{relation:?}"),
        Err(Error::ForeignKey {
            table, relation, ..
        }) => format!("ForeignKey {table}.{relation:?}"),
        Err(other) => format!("error {other}"),
    }
}

/// The outcome of a write as its kind alone: the count it returned, or the kind of
/// typed error.
pub fn outcome_kind(result: Result<u64, Error>) -> String {
    match result {
        Ok(n) => format!("ok {n}"),
        Err(Error::StillReferenced { .. }) => "still referenced".into(),
        Err(Error::ForeignKey { .. }) => "foreign key".into(),
        Err(Error::Unique { .. }) => "unique".into(),
        Err(Error::NotNull { .. }) => "not null".into(),
        Err(other) => format!("error: {other}"),
    }
}

async fn server_urls(test: &str) -> Vec<(Dialect, String)> {
    let mut urls = Vec::new();
    let servers = [
        ("REL_POSTGRES_URL", Dialect::Postgres),
        ("REL_MYSQL_URL", Dialect::MySql),
    ];
    for (var, dialect) in servers {
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => urls.push((dialect, isolated(dialect, &url, test).await)),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{var} is not set: CI requires every backend (see .ci/run)")
            }
            _ => eprintln!("note: {var} is not set; {test} skips {dialect:?} (see README)"),
        }
    }
    urls
}

/// A namespace only this test uses: a schema on PostgreSQL, a database on MySQL.
/// Returns the URL that reaches it.
async fn isolated(dialect: Dialect, url: &str, test: &str) -> String {
    let name = format!("rel_t_{test}");
    let unreachable = |e: &dyn std::fmt::Display| -> ! {
        panic!("{dialect:?} at {url} is unreachable for test {test}: {e}")
    };
    let quoted = dialect.quote(&name);
    match dialect {
        Dialect::Postgres => {
            let admin = sqlx::PgPool::connect(url)
                .await
                .unwrap_or_else(|e| unreachable(&e));
            let sql = format!("DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted}");
            admin
                .execute(AssertSqlSafe(sql))
                .await
                .expect("create test schema");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options[search_path]={name}")
        }
        Dialect::MySql => {
            let admin = sqlx::MySqlPool::connect(url)
                .await
                .unwrap_or_else(|e| unreachable(&e));
            for sql in [
                format!("DROP DATABASE IF EXISTS {quoted}"),
                format!("CREATE DATABASE {quoted}"),
            ] {
                admin
                    .execute(AssertSqlSafe(sql))
                    .await
                    .expect("create test database");
            }
            admin.close().await;
            // Same server and credentials, the test's database.
            let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
            let server = &base[..base.rfind('/').expect("mysql URL has a database path")];
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            format!("{server}/{name}{query}")
        }
        _ => unreachable!("SQLite needs no isolation"),
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

/// Runs SQL of the test's own on `db`'s pool, outside Rel (several statements may go in
/// one script, which runs on one connection).
pub async fn execute(db: &Db, sql: String) {
    let sql = sqlx::AssertSqlSafe(sql);
    if let Some(pool) = db.sqlite_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    } else if let Some(pool) = db.mysql_pool() {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    }
}

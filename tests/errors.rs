//! The conditions a user matches on are variants of their own, produced by real
//! servers: a statement cancelled at the server's time limit is `Error::Timeout`, a
//! deadlock is `Error::Retryable`, a transaction that can no longer commit is
//! `Error::TransactionAborted`, and a server that never answers or a SQLite file that
//! cannot be opened is `Error::Connect`. (Unique, foreign-key and not-null violations
//! are in `tests/writes.rs` and `tests/foreign_keys.rs`; decode errors, missing tables
//! and columns, the pool's acquire timeout and SQLite's busy lock in
//! `tests/hardening.rs`.)

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Conn, Dialect, Error};
use sqlx::{AssertSqlSafe, Executor};
use std::time::{Duration, Instant};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "er_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    body: String,
}

fn note(id: i64, body: &str) -> Note {
    Note {
        id,
        body: body.into(),
    }
}

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys).table::<Note>()
}

async fn seeded(db: &Db) {
    schema().drop_all(db).await.unwrap();
    schema().create_all(db).await.unwrap();
    db.insert_many(&[note(1, "one"), note(2, "two")])
        .await
        .unwrap();
}

/// A Rel write on the row another transaction holds, on a pool whose connections run
/// `setting` first; its error and how long it waited. The table is seeded without the
/// setting, so that only the blocked write runs under the time limit.
macro_rules! blocked_write {
    ($pool:ty, $url:expr, $setting:expr) => {{
        seeded(&Db::connect($url).await.unwrap()).await;
        let setting: &'static str = $setting;
        let pool = sqlx::pool::PoolOptions::<<$pool as Pooled>::Db>::new()
            .after_connect(move |c, _| Box::pin(async move { c.execute(setting).await.map(drop) }))
            .connect($url)
            .await
            .unwrap();
        let db = Db::from_pool(pool).await.unwrap();
        let holder = <$pool>::connect($url).await.unwrap();
        let mut tx = holder.begin().await.unwrap();
        tx.execute("UPDATE er_notes SET body = 'held' WHERE id = 1")
            .await
            .unwrap();
        let start = Instant::now();
        let err = db.update(&note(1, "waits")).await.unwrap_err();
        let waited = start.elapsed();
        tx.rollback().await.unwrap();
        // The row is free again, and the pool still works.
        assert!(db.update(&note(1, "written")).await.unwrap());
        holder.close().await;
        (err, waited)
    }};
}

/// The database type of a sqlx pool.
trait Pooled {
    type Db: sqlx::Database;
}
impl<DB: sqlx::Database> Pooled for sqlx::Pool<DB> {
    type Db = DB;
}

/// The server cancels a Rel write that waits for a row another transaction holds
/// longer than the session's statement time limit (PostgreSQL's `statement_timeout`,
/// MariaDB's `max_statement_time`): `Error::Timeout`, with the server's error as its
/// source, and no connection error. A limit on the lock wait itself (PostgreSQL's
/// `lock_timeout`, like MySQL's `innodb_lock_wait_timeout`) is `Error::Retryable`.
#[tokio::test]
async fn statements_cancelled_at_the_servers_time_limit_are_timeouts() {
    for (d, url) in common::backend_urls("errors_timeout").await {
        let cases = match d {
            // SQLite has no statement time limit (its busy timeout is `Retryable`).
            Dialect::Sqlite => continue,
            Dialect::Postgres => vec![
                (
                    true,
                    blocked_write!(sqlx::PgPool, &url, "SET statement_timeout = 300"),
                ),
                (
                    false,
                    blocked_write!(sqlx::PgPool, &url, "SET lock_timeout = 300"),
                ),
            ],
            _ => vec![
                (
                    true,
                    blocked_write!(
                        sqlx::MySqlPool,
                        &url,
                        "SET SESSION max_statement_time = 0.3"
                    ),
                ),
                (
                    false,
                    blocked_write!(
                        sqlx::MySqlPool,
                        &url,
                        "SET SESSION innodb_lock_wait_timeout = 1"
                    ),
                ),
            ],
        };
        for (timeout, (err, waited)) in cases {
            if timeout {
                assert!(matches!(err, Error::Timeout { .. }), "{d:?}: {err:?}");
                assert!(!err.is_retryable() && !err.is_connection(), "{d:?}");
                assert!(std::error::Error::source(&err).is_some(), "{d:?}");
            } else {
                assert!(matches!(err, Error::Retryable { .. }), "{d:?}: {err:?}");
            }
            assert!(
                waited >= Duration::from_millis(250) && waited < Duration::from_secs(10),
                "{d:?}: cancelled at the limit, after {waited:?}"
            );
        }
    }
}

/// Two transactions that each update a row and then the other's deadlock: the server
/// aborts one, and Rel says `Error::Retryable`. The other then commits.
#[tokio::test]
async fn deadlocks_are_retryable() {
    for db in common::backends("errors_deadlock").await {
        let d = db.dialect();
        // SQLite has one writer at a time: no deadlock, its busy lock is the test in
        // `tests/hardening.rs`.
        if d == Dialect::Sqlite {
            continue;
        }
        seeded(&db).await;
        let mut first = db.begin().await.unwrap();
        let mut second = db.begin().await.unwrap();
        first.update(&note(1, "first")).await.unwrap();
        second.update(&note(2, "second")).await.unwrap();
        // Each then waits for the other's row. The victim rolls back at once, since
        // the other waits for its locks.
        let (a, b) = tokio::join!(
            async {
                match first.update(&note(2, "first")).await {
                    Ok(_) => Ok(first),
                    Err(e) => {
                        first.rollback().await.unwrap();
                        Err(e)
                    }
                }
            },
            async {
                match second.update(&note(1, "second")).await {
                    Ok(_) => Ok(second),
                    Err(e) => {
                        second.rollback().await.unwrap();
                        Err(e)
                    }
                }
            },
        );
        let (winner, failed) = match (a, b) {
            (Err(e), Ok(winner)) | (Ok(winner), Err(e)) => (winner, e),
            (a, b) => panic!(
                "{d:?}: one of the two must be the deadlock's victim: {:?} {:?}",
                a.err(),
                b.err()
            ),
        };
        assert!(
            matches!(failed, Error::Retryable { .. }),
            "{d:?}: {failed:?}"
        );
        assert!(failed.is_retryable());
        winner.commit().await.unwrap();
        let bodies: Vec<String> = db
            .all::<Note>()
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        assert!(
            bodies == ["first", "first"] || bodies == ["second", "second"],
            "{d:?}: only the winner's writes: {bodies:?}"
        );
    }
}

/// The server ends the connection of an open Rel transaction (an administrator's
/// kill, a failover): the operation that meets it fails (its savepoint cannot be
/// taken), and from then on the transaction says `Error::TransactionAborted`,
/// its commit too. Nothing of it is stored.
#[tokio::test]
async fn a_lost_connection_aborts_the_transaction() {
    for (d, url) in common::backend_urls("errors_lost").await {
        // A SQLite connection is a file handle: nothing can end it from outside.
        if d == Dialect::Sqlite {
            continue;
        }
        // The connections to end are found by a name only this test gives them.
        let url = common::named(d, &url, "rel_errors_lost");
        let db = Db::connect(&url).await.unwrap();
        seeded(&db).await;
        let mut tx = db.begin().await.unwrap();
        tx.insert(&note(3, "before")).await.unwrap();
        common::end_connections(d, &url, "rel_errors_lost").await;
        let lost = tx.insert(&note(4, "lost")).await.unwrap_err();
        assert!(lost.is_connection(), "{d:?}: {lost:?}");
        let after = tx.insert(&note(5, "after")).await.unwrap_err();
        assert!(
            matches!(after, Error::TransactionAborted),
            "{d:?}: {after:?}"
        );
        let commit = tx.commit().await.unwrap_err();
        assert!(
            matches!(commit, Error::TransactionAborted),
            "{d:?}: {commit:?}"
        );
        // The pool replaces the dead connection; only the seed is stored.
        let ids: Vec<i64> = db
            .all::<Note>()
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(ids, [1, 2], "{d:?}");
    }
}

/// A statement of yours fails in your sqlx transaction. PostgreSQL then refuses every
/// statement until the transaction ends, and Rel says so with
/// `Error::TransactionAborted`; SQLite and MariaDB go on, and so does Rel.
#[tokio::test]
async fn a_failed_statement_of_yours_aborts_a_postgres_transaction() {
    macro_rules! case {
        ($d:expr, $pool:expr) => {{
            let pool = $pool;
            let db = Db::from_pool(pool.clone()).await.unwrap();
            seeded(&db).await;
            let mut tx = pool.begin().await.unwrap();
            let failed = tx
                .execute("INSERT INTO er_notes (id, body) VALUES (1, 'dup')")
                .await;
            assert!(failed.is_err(), "{:?}", $d);
            let read = Note::query().count(&mut tx).await;
            let write = Conn::from(&mut tx).insert(&note(3, "three")).await;
            tx.rollback().await.unwrap();
            (read, write)
        }};
    }
    for (d, url) in common::backend_urls("errors_yours").await {
        let (read, write) = match d {
            Dialect::Sqlite => case!(
                d,
                sqlx::SqlitePool::connect_with(
                    url.parse::<sqlx::sqlite::SqliteConnectOptions>()
                        .unwrap()
                        .create_if_missing(true)
                )
                .await
                .unwrap()
            ),
            Dialect::Postgres => case!(d, sqlx::PgPool::connect(&url).await.unwrap()),
            _ => case!(d, sqlx::MySqlPool::connect(&url).await.unwrap()),
        };
        if d == Dialect::Postgres {
            assert!(matches!(read, Err(Error::TransactionAborted)), "{read:?}");
            assert!(matches!(write, Err(Error::TransactionAborted)), "{write:?}");
        } else {
            assert_eq!(read.unwrap(), 2, "{d:?}");
            assert_eq!(write.unwrap(), 3, "{d:?}");
        }
    }
}

/// A server that accepts the connection and never answers is `Error::Connect` once
/// the connect timeout has passed; a SQLite file in a directory that does not exist
/// is `Error::Connect` at once.
#[tokio::test]
async fn silent_servers_and_unopenable_files_are_connect_errors() {
    // Nothing ever accepts from the backlog: the client's handshake waits forever.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    for scheme in ["postgres", "mysql"] {
        let start = Instant::now();
        let err = Db::builder(&format!("{scheme}://rel:pw@127.0.0.1:{port}/db"))
            .connect_timeout(Duration::from_millis(500))
            .connect()
            .await
            .unwrap_err();
        let waited = start.elapsed();
        match &err {
            Error::Connect { message, .. } => {
                assert!(message.contains("connect timeout"), "{scheme}: {message}")
            }
            other => panic!("{scheme}: {other:?}"),
        }
        assert!(err.is_connection());
        assert!(
            waited >= Duration::from_millis(450) && waited < Duration::from_secs(5),
            "{scheme}: {waited:?}"
        );
    }
    drop(silent);
    let missing = std::env::temp_dir().join("rel_no_such_directory/sub/db.sqlite");
    let err = Db::connect(&format!("sqlite://{}", missing.display()))
        .await
        .unwrap_err();
    match &err {
        Error::Connect { url, message } => {
            assert!(url.contains("rel_no_such_directory"), "{url}");
            assert!(message.contains("unable to open"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "er_drift")]
struct Drift {
    #[column(primary_key)]
    id: i64,
    body: String,
}

/// A table created from another version of the struct: a required column the struct
/// lacks is `Error::NotNull` naming that column on every backend (MariaDB says "Field
/// 'extra' doesn't have a default value", 1364); a value too long for its column is
/// not a not-null violation.
#[tokio::test]
async fn a_required_column_the_struct_lacks_is_not_null() {
    for (d, url) in common::backend_urls("errors_drift").await {
        let db = Db::connect(&url).await.unwrap();
        for sql in [
            "DROP TABLE IF EXISTS er_drift",
            "CREATE TABLE er_drift (id BIGINT PRIMARY KEY, body VARCHAR(3) NOT NULL, \
             extra VARCHAR(10) NOT NULL)",
        ] {
            common::raw(d, &url, &[sql]).await;
        }
        let err = db
            .insert(&Drift {
                id: 1,
                body: "abc".into(),
            })
            .await
            .unwrap_err();
        match &err {
            Error::NotNull { table, column, .. } => {
                assert_eq!((*table, column.as_str()), ("er_drift", "extra"), "{d:?}")
            }
            other => panic!("{d:?}: {other:?}"),
        }
        common::raw(d, &url, &["ALTER TABLE er_drift DROP COLUMN extra"]).await;
        let long = db
            .insert(&Drift {
                id: 2,
                body: "too long".into(),
            })
            .await;
        // SQLite does not hold a VARCHAR to its length.
        if d == Dialect::Sqlite {
            long.unwrap();
        } else {
            let err = long.unwrap_err();
            assert!(matches!(err, Error::Database(_)), "{d:?}: {err:?}");
        }
    }
}

/// The server ends a connection while a write on it waits (an administrator's kill,
/// a failover), outside any transaction of yours: the write fails, and its error says
/// it is the connection's (`Error::is_connection`), whatever form the driver gives it
/// (PostgreSQL's "terminating connection" is a database error, not an I/O one).
#[tokio::test]
async fn a_connection_killed_mid_write_is_a_connection_error() {
    for (d, url) in common::backend_urls("errors_mid_write").await {
        if d == Dialect::Sqlite {
            continue; // a file handle: nothing can end it from outside
        }
        let app = format!("{url}&application_name=rel_mid_write");
        let rel_url = if d == Dialect::Postgres { &app } else { &url };
        let db = Db::connect(rel_url).await.unwrap();
        seeded(&db).await;
        // Another transaction holds row 1, so Rel's write waits on it.
        use sqlx::Connection;
        macro_rules! kill_mid_write {
            ($conn:ty, $waiting:expr, $kill:expr) => {{
                let mut holder = <$conn>::connect(&url).await.unwrap();
                holder.execute("BEGIN").await.unwrap();
                holder
                    .execute("UPDATE er_notes SET body = 'held' WHERE id = 1")
                    .await
                    .unwrap();
                let write = tokio::spawn({
                    let db = db.clone();
                    async move {
                        Note::update()
                            .set(Note::body, "mine")
                            .filter(Note::id.eq(1))
                            .run(&db)
                            .await
                    }
                });
                let mut admin = <$conn>::connect(&url).await.unwrap();
                let mut waiting: Vec<i64> = Vec::new();
                for attempt in 0.. {
                    waiting = sqlx::query_scalar(AssertSqlSafe($waiting))
                        .fetch_all(&mut admin)
                        .await
                        .unwrap();
                    if !waiting.is_empty() {
                        break;
                    }
                    assert!(attempt < 200, "{d:?}: the write never waited");
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                for id in waiting {
                    admin
                        .execute(AssertSqlSafe(format!($kill, id)))
                        .await
                        .unwrap();
                }
                let err = write.await.unwrap().unwrap_err();
                assert!(err.is_connection(), "{d:?}: {err:?}");
                holder.execute("ROLLBACK").await.unwrap();
            }};
        }
        match d {
            Dialect::Postgres => kill_mid_write!(
                sqlx::PgConnection,
                "SELECT pid::BIGINT FROM pg_stat_activity \
                 WHERE application_name = 'rel_mid_write' AND wait_event_type = 'Lock'",
                "SELECT pg_terminate_backend({})"
            ),
            _ => kill_mid_write!(
                sqlx::MySqlConnection,
                "SELECT id FROM information_schema.processlist \
                 WHERE db = DATABASE() AND info LIKE 'UPDATE%' AND id <> CONNECTION_ID()",
                "KILL {}"
            ),
        }
        db.close().await;
    }
}

#[derive(Table, Debug)]
#[table(name = "er_authors")]
struct Author {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    email: String,
}

#[derive(Table, Debug)]
#[table(name = "er_books")]
struct Book {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    #[relation(one, from = author_id, to = Author::id)]
    author: One<Author>,
}

/// The whole chain of `err` as anyhow's `{:#}` prints it: each error's message, then
/// its source's, joined by ": ". (anyhow is not a dependency: the printer is three
/// lines.)
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        parts.push(e.to_string());
        next = e.source();
    }
    parts.join(": ")
}

/// Asserts that no part of the chain repeats another's message: the database's
/// message appears once.
fn once(what: &str, err: &Error) {
    let printed = chain(err);
    if let Some(d) = err.database_error() {
        let message = d.message();
        assert_eq!(printed.matches(message).count(), 1, "{what}: {printed}");
    }
    let mut parts = vec![err.to_string()];
    let mut next = std::error::Error::source(err);
    while let Some(e) = next {
        let part = e.to_string();
        assert!(
            !parts.iter().any(|p| p.contains(&part)),
            "{what}: `{part}` twice in `{printed}`"
        );
        parts.push(part);
        next = e.source();
    }
}

/// The typed errors of a write the database refused keep the driver's error as their
/// source, with its code and constraint name reachable, and an anyhow-style chain
/// prints the database's message once; a refusal of Rel's own has no source and says
/// why in its own message. On every backend.
#[tokio::test]
async fn typed_errors_keep_their_cause_and_print_it_once() {
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<Author>()
        .table::<Book>();
    for db in common::fresh("errors_cause", &schema).await {
        let d = db.dialect();
        db.insert(&Author {
            id: 1,
            email: "a@x".into(),
        })
        .await
        .unwrap();
        let book = |id, author_id| Book {
            id,
            author_id,
            author: One::default(),
        };
        db.insert(&book(1, 1)).await.unwrap();

        let unique = db
            .insert(&Author {
                id: 2,
                email: "a@x".into(),
            })
            .await
            .unwrap_err();
        assert!(matches!(unique, Error::Unique { .. }), "{d:?}: {unique:?}");
        let orphan = db.insert(&book(2, 99)).await.unwrap_err();
        assert!(
            matches!(orphan, Error::ForeignKey { .. }),
            "{d:?}: {orphan:?}"
        );
        let referenced = db.delete::<Author>(&1).await.unwrap_err();
        assert!(
            matches!(referenced, Error::StillReferenced { .. }),
            "{d:?}: {referenced:?}"
        );
        for (what, err) in [
            ("unique", &unique),
            ("foreign key", &orphan),
            ("still referenced", &referenced),
        ] {
            let cause = err
                .database_error()
                .unwrap_or_else(|| panic!("{d:?} {what}: no database error in {err:?}"));
            assert!(cause.code().is_some(), "{d:?} {what}: no code");
            // The source is the database's own error, with the same message.
            let source = std::error::Error::source(err).expect("a source");
            assert!(source.to_string().contains(cause.message()), "{d:?} {what}");
            // The Display names the table and leaves the message to the source.
            assert!(!err.to_string().contains(cause.message()), "{d:?} {what}");
            once(&format!("{d:?} {what}"), err);
        }
        // PostgreSQL's driver names the constraint (sqlx reads no constraint name from
        // MySQL's or SQLite's errors; their messages hold it).
        if d == Dialect::Postgres {
            let constraint = unique.database_error().and_then(|c| c.constraint());
            assert!(constraint.is_some_and(|c| c.contains("email")), "{d:?}");
        }
    }
    // Rel's own refusal (Emulated mode) has no driver error behind it: its message
    // says why.
    let emulated = Schema::new(RelationMode::Emulated)
        .table::<Author>()
        .table::<Book>();
    for db in common::fresh("errors_cause_emulated", &emulated).await {
        let d = db.dialect();
        let err = db
            .insert(&Book {
                id: 1,
                author_id: 99,
                author: One::default(),
            })
            .await
            .unwrap_err();
        let Error::ForeignKey { ref message, .. } = err else {
            panic!("{d:?}: {err:?}")
        };
        assert!(err.database_error().is_none(), "{d:?}");
        assert!(std::error::Error::source(&err).is_none(), "{d:?}");
        assert!(err.to_string().ends_with(message.as_str()), "{d:?}: {err}");
    }
}

/// An error from sqlx that has no variant of its own prints as sqlx's message, and
/// the database's message once: a statement of yours on the pool that the database
/// refuses, and a table that does not exist, on every backend. A decode error prints
/// its reason once.
#[tokio::test]
async fn driver_errors_print_each_message_once() {
    for (d, url) in common::backend_urls("errors_once").await {
        let db = Db::connect(&url).await.unwrap();
        let sql = "SELECT id FROM er_no_such_table";
        let yours = match d {
            Dialect::Sqlite => sqlx::query(sql).execute(db.sqlite_pool().unwrap()).await,
            Dialect::Postgres => sqlx::query(sql)
                .execute(db.postgres_pool().unwrap())
                .await
                .map(drop)
                .map(|_| Default::default()),
            _ => sqlx::query(sql)
                .execute(db.mysql_pool().unwrap())
                .await
                .map(drop)
                .map(|_| Default::default()),
        };
        let err = Error::from(yours.unwrap_err());
        assert!(matches!(err, Error::Database(_)), "{d:?}: {err:?}");
        assert!(err.to_string().contains("er_no_such_table"), "{d:?}: {err}");
        once(&format!("{d:?} yours"), &err);

        let missing = db.all::<Author>().await.unwrap_err();
        assert!(
            matches!(missing, Error::MissingTable { .. }),
            "{d:?}: {missing:?}"
        );
        assert!(missing.database_error().is_some(), "{d:?}");
        once(&format!("{d:?} missing table"), &missing);
    }
    // A key stored as text where the struct reads an integer (SQLite keeps what it is
    // given).
    let (_, url) = common::temp_sqlite("errors_decode");
    common::raw(
        Dialect::Sqlite,
        &url,
        &[
            "CREATE TABLE er_notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)",
            "INSERT INTO er_notes VALUES ('abc', 'one')",
        ],
    )
    .await;
    let db = Db::connect(&url).await.unwrap();
    let err = db.all::<Note>().await.unwrap_err();
    let Error::Decode { ref source, .. } = err else {
        panic!("{err:?}")
    };
    let printed = chain(&err);
    assert_eq!(printed.matches(&source.to_string()).count(), 1, "{printed}");
    once("decode", &err);
}

/// `rel::Error` stays under 128 bytes, clippy's `result_large_err` threshold, so that
/// a user's function returning `Result<_, rel::Error>` passes `clippy -D warnings`.
#[test]
fn the_error_is_small() {
    assert!(
        std::mem::size_of::<Error>() < 128,
        "{} bytes",
        std::mem::size_of::<Error>()
    );
}

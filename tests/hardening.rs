//! Hostile input, bad states and one behaviour on every backend: failed statements in
//! a transaction, long values and lists, `like` patterns, decode errors, missing
//! tables, and unreachable servers. Floats are in `type_matrix.rs`.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Error, Expr, Strategy, escape_like};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    slug: String,
    body: String,
    data: Vec<u8>,
}

fn note(id: i64, slug: &str) -> Note {
    Note {
        id,
        slug: slug.into(),
        body: String::new(),
        data: Vec::new(),
    }
}

async fn notes_db(name: &str) -> Vec<Db> {
    let dbs = common::backends(name).await;
    for db in &dbs {
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Note>();
        schema.drop_all(db).await.unwrap();
        schema.create_all(db).await.unwrap();
    }
    dbs
}

/// PostgreSQL aborts a transaction at its first failed statement and turns COMMIT into
/// ROLLBACK. Rel runs each operation at a savepoint instead, so on every backend a
/// failed operation is undone alone and the rest commits.
#[tokio::test]
async fn a_failed_operation_in_a_transaction_does_not_lose_the_others() {
    for db in notes_db("failed_in_tx").await {
        let d = db.dialect();
        let mut tx = db.begin().await.unwrap();
        tx.insert(&note(1, "a")).await.unwrap();
        let dup = tx.insert(&note(2, "a")).await;
        assert!(matches!(dup, Err(Error::Unique { .. })), "{d:?}: {dup:?}");
        // A multi-row write that fails half-way leaves none of its rows.
        let many = tx
            .insert_many(&[note(3, "c"), note(4, "d"), note(5, "a")])
            .await;
        assert!(matches!(many, Err(Error::Unique { .. })), "{d:?}: {many:?}");
        tx.insert(&note(6, "f")).await.unwrap();
        tx.commit().await.unwrap();
        let ids: Vec<i64> = db
            .all::<Note>()
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(ids, [1, 6], "{d:?}");
    }
}

/// Trailing spaces are significant in comparisons and unique columns on every backend
/// (MariaDB's `utf8mb4_bin` ignores them; Rel's tables use `utf8mb4_nopad_bin`).
#[tokio::test]
async fn trailing_spaces_are_significant_everywhere() {
    for db in notes_db("trailing_spaces").await {
        let d = db.dialect();
        db.insert(&note(1, "a")).await.unwrap();
        db.insert(&note(2, "a ")).await.unwrap();
        let got = Note::query()
            .filter(Note::slug.eq("a"))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(got.iter().map(|n| n.id).collect::<Vec<_>>(), [1], "{d:?}");
        let long: Vec<String> = (0..2_000)
            .map(|i| format!("x{i}"))
            .chain(["a ".into()])
            .collect();
        let got = Note::query()
            .filter(Note::slug.in_list(long))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(got.iter().map(|n| n.id).collect::<Vec<_>>(), [2], "{d:?}");
    }
}

/// Text and bytes of 1 MiB round-trip on every backend (MariaDB's TEXT and BLOB stop
/// at 64 KiB; unbounded columns are LONGTEXT and LONGBLOB there).
#[tokio::test]
async fn a_mebibyte_of_text_and_bytes_round_trips() {
    for db in notes_db("mebibyte").await {
        let body: String = "ab€d".repeat(1 << 18);
        assert_eq!(body.len(), 6 << 18); // 1.5 MiB
        let data: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        let row = Note {
            body,
            data,
            ..note(1, "big")
        };
        db.insert(&row).await.unwrap();
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = Note::query().strategy(strategy).all(&db).await.unwrap();
            assert_eq!(
                got,
                std::slice::from_ref(&row),
                "{:?} {strategy:?}",
                db.dialect()
            );
        }
    }
}

/// A long list travels as one JSON text on SQLite and MySQL/MariaDB (Rel writes that
/// JSON itself): text that JSON must escape (quotes, backslashes, control characters)
/// and text it need not (non-ASCII, U+2028) matches exactly its own rows.
#[tokio::test]
async fn long_lists_of_awkward_text_match_exactly() {
    let awkward = [
        "quote\"d",
        "back\\slash",
        "\\\"",
        "new\nline",
        "tab\t",
        "cr\r",
        "bell\u{7}",
        "unit\u{1f}",
        "start\u{1}",
        "del\u{7f}",
        "é€😀",
        "line\u{2028}sep",
        "it's",
        "50%_",
        "/slash",
        "{\"a\": [1]}",
    ];
    for db in notes_db("awkward_lists").await {
        let d = db.dialect();
        let rows: Vec<Note> = awkward
            .iter()
            .enumerate()
            .map(|(i, s)| note(i as i64 + 1, s))
            .chain([
                note(100, "plain"),
                note(101, "quote"),
                note(102, "backslash"),
            ])
            .collect();
        db.insert_many(&rows).await.unwrap();
        let list: Vec<String> = (0..1_500)
            .map(|i| format!("filler {i}"))
            .chain(awkward.iter().map(|s| s.to_string()))
            .collect();
        let ids = async |filter: Expr<Note>| -> Vec<i64> {
            let rows = Note::query().filter(filter).order_by(Note::id.asc());
            rows.all(&db).await.unwrap().iter().map(|n| n.id).collect()
        };
        let want: Vec<i64> = (1..=awkward.len() as i64).collect();
        assert_eq!(ids(Note::slug.in_list(list.clone())).await, want, "{d:?}");
        assert_eq!(ids(Note::slug.not_in(list)).await, [100, 101, 102], "{d:?}");
    }
}

/// `in_list` and `not_in` of 100,000 values, past every backend's bind limit.
#[tokio::test]
async fn long_lists_work_on_every_backend() {
    for db in notes_db("long_lists").await {
        let d = db.dialect();
        let rows: Vec<Note> = (1..=300).map(|i| note(i, &format!("s{i}"))).collect();
        db.insert_many(&rows).await.unwrap();
        let ids: Vec<i64> = (-100_000..0).chain([7, 300]).collect();
        let found = Note::query()
            .filter(Note::id.in_list(ids.clone()))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            found.iter().map(|n| n.id).collect::<Vec<_>>(),
            [7, 300],
            "{d:?}"
        );
        let rest = Note::query()
            .filter(Note::id.not_in(ids))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(rest, 298, "{d:?}");
        let slugs: Vec<String> = (0..100_000).map(|i| format!("s{}", i * 7)).collect();
        let found = Note::query()
            .filter(Note::slug.in_list(slugs.clone()))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(found, 300 / 7 + 1 - 1, "{d:?}"); // s7, s14, ..., s294
        // Two long lists and a short one in one statement.
        let both = Note::query()
            .filter(Note::slug.in_list(slugs).and(Note::id.in_list(0..100_000)))
            .filter(Note::id.not_in([14]))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(both, 41, "{d:?}");
    }
}

/// A list that cannot go as one parameter, past the bind limit: a typed error that
/// says what to do, not the driver's.
#[tokio::test]
async fn too_many_binds_is_a_typed_error() {
    for db in notes_db("too_many_binds").await {
        let values: Vec<Vec<u8>> = (0..70_000u32).map(|i| i.to_le_bytes().to_vec()).collect();
        let err = Note::query()
            .filter(Note::data.in_list(values))
            .all(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooManyBinds {
                    table: "notes",
                    binds: 70_000,
                    ..
                }
            ),
            "{:?}: {err}",
            db.dialect()
        );
    }
}

/// A LIKE pattern longer than SQLite takes (50,000 bytes) is `Error::UnsupportedValue`
/// with the limit, before anything is sent, for a query, a count and a delete (it was
/// SQLite's "pattern too complex"); PostgreSQL and MariaDB take it.
#[tokio::test]
async fn a_like_pattern_past_sqlites_limit_is_a_typed_error() {
    for db in notes_db("long_like").await {
        let d = db.dialect();
        let long = "x".repeat(70_000);
        db.insert(&Note {
            body: long.clone(),
            ..note(1, "one")
        })
        .await
        .unwrap();
        let pattern = format!("{long}%");
        let sent = db.statement_count();
        let found = Note::query()
            .filter(Note::body.like(&*pattern))
            .all(&db)
            .await;
        let counted = Note::query()
            .filter(Note::body.ilike(&*pattern))
            .count(&db)
            .await;
        let deleted = Note::delete()
            .filter(Note::body.like(&*pattern))
            .run(&db)
            .await;
        if d != Dialect::Sqlite {
            assert_eq!(found.unwrap().len(), 1, "{d:?}");
            assert_eq!(counted.unwrap(), 1, "{d:?}");
            assert_eq!(deleted.unwrap(), 1, "{d:?}");
            continue;
        }
        for (what, err) in [
            ("all", found.map(|_| ()).unwrap_err()),
            ("count", counted.map(|_| ()).unwrap_err()),
            ("delete", deleted.map(|_| ()).unwrap_err()),
        ] {
            assert!(
                matches!(&err, Error::UnsupportedValue { table: "notes", column: "body", message } if message.contains("50000") && message.contains("70001")),
                "{what}: {err:?}"
            );
        }
        assert_eq!(db.statement_count(), sent, "nothing was sent");
        assert_eq!(db.all::<Note>().await.unwrap().len(), 1);
        // At the limit, it runs.
        let at_limit = format!("{}%", &long[..49_999]);
        let found = Note::query()
            .filter(Note::body.like(at_limit))
            .count(&db)
            .await;
        assert_eq!(found.unwrap(), 1);
    }
}

/// `like` and `ilike` give the same rows on every backend, escapes and Unicode included.
#[tokio::test]
async fn like_is_the_same_everywhere() {
    let texts = [
        "Äpfel", "äpfel", "APFEL", "a%b", "a_b", r"a\b", "ab", "aXb", "50%", r"x\", "ßtraße",
    ];
    let cases: &[(&str, bool, &[&str])] = &[
        ("äpfel", false, &["äpfel"]),
        ("äpfel", true, &["Äpfel", "äpfel"]),
        ("apfel", true, &["APFEL"]),
        ("a%b", false, &["a%b", r"a\b", "ab", "aXb", "a_b"]),
        (r"a\%b", false, &["a%b"]),
        (r"a\_b", false, &["a_b"]),
        ("a_b", false, &["a%b", r"a\b", "aXb", "a_b"]),
        (r"a\\b", false, &[r"a\b"]),
        // An escape before an ordinary character matches that character.
        (r"a\Xb", false, &["aXb"]),
        // A trailing escape matches a backslash.
        (r"x\", false, &[r"x\"]),
        ("50%", false, &["50%"]),
        ("ẞTRASSE", true, &[]),
        ("SSTRASSE", true, &[]),
        ("ßTRAßE", true, &["ßtraße"]),
    ];
    for db in notes_db("like").await {
        let d = db.dialect();
        let rows: Vec<Note> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| note(i as i64, t))
            .collect();
        db.insert_many(&rows).await.unwrap();
        for &(pattern, insensitive, want) in cases {
            let filter = if insensitive {
                Note::slug.ilike(pattern)
            } else {
                Note::slug.like(pattern)
            };
            let mut got: Vec<String> = Note::query()
                .filter(filter)
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.slug)
                .collect();
            got.sort();
            let mut want: Vec<&str> = want.to_vec();
            want.sort();
            assert_eq!(got, want, "{d:?}: {pattern:?} (ilike: {insensitive})");
        }
        // User input as a literal prefix.
        let prefix = format!("{}%", escape_like("a%"));
        let got = Note::query()
            .filter(Note::slug.like(prefix))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(got.len(), 1, "{d:?}");
        assert_eq!(got[0].slug, "a%b");
    }
}

#[derive(Table, Debug, PartialEq)]
#[table(name = "narrow")]
struct Narrow {
    #[column(primary_key)]
    id: i64,
    small: i32,
    #[relation(many)]
    wides: Many<Wide>,
}

#[derive(Table, Debug, PartialEq)]
#[table(name = "wide")]
struct Wide {
    #[column(primary_key)]
    id: i64,
    narrow_id: i64,
    total: i32,
    #[relation(one, from = narrow_id, to = Narrow::id)]
    narrow: One<Narrow>,
}

/// A value the Rust type cannot hold is `Error::Decode` naming the table, column and
/// path, under both strategies and on every backend.
#[tokio::test]
async fn decode_failures_are_typed_everywhere() {
    for (d, url) in common::backend_urls("decode_typed").await {
        let db = Db::connect(&url).await.unwrap();
        let big = if d == Dialect::Sqlite {
            "INTEGER"
        } else {
            "BIGINT"
        };
        common::raw(d, &url, &[
            "DROP TABLE IF EXISTS wide".to_string(),
            "DROP TABLE IF EXISTS narrow".to_string(),
            format!("CREATE TABLE narrow (id {big} PRIMARY KEY, small INTEGER NOT NULL)"),
            format!(
                "CREATE TABLE wide (id {big} PRIMARY KEY, narrow_id {big} NOT NULL, total {big} NOT NULL)"
            ),
            "INSERT INTO narrow (id, small) VALUES (1, 7)".to_string(),
            "INSERT INTO wide (id, narrow_id, total) VALUES (1, 1, 1099511627776)".to_string(),
        ])
        .await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let err = Narrow::query()
                .strategy(strategy)
                .with(Narrow::wides())
                .all(&db)
                .await
                .unwrap_err();
            match &err {
                Error::Decode {
                    table: "wide",
                    column: "total",
                    path,
                    ..
                } => assert_eq!(path, "wides", "{d:?} {strategy:?}"),
                other => panic!("{d:?} {strategy:?}: {other:?}"),
            }
        }
        if d == Dialect::Sqlite {
            // SQLite stores text in an INTEGER column as it is.
            common::raw(d, &url, &["UPDATE narrow SET small = 'seven'".to_string()]).await;
            for strategy in [Strategy::Join, Strategy::Batch] {
                let err = Narrow::query()
                    .strategy(strategy)
                    .all(&db)
                    .await
                    .unwrap_err();
                assert!(
                    matches!(
                        err,
                        Error::Decode {
                            table: "narrow",
                            column: "small",
                            ..
                        }
                    ),
                    "{strategy:?}: {err:?}"
                );
            }
        }
        // A table and a column the database does not have.
        common::raw(d, &url, &["DROP TABLE wide".to_string()]).await;
        let err = Wide::query().all(&db).await.unwrap_err();
        assert!(
            matches!(&err, Error::MissingTable { table, .. } if table == "wide"),
            "{d:?}: {err:?}"
        );
        let create = format!("CREATE TABLE wide (id {big} PRIMARY KEY, narrow_id {big} NOT NULL)");
        common::raw(d, &url, &[create]).await;
        let err = Wide::query().all(&db).await.unwrap_err();
        assert!(
            matches!(&err, Error::MissingColumn { column, .. } if column == "total"),
            "{d:?}: {err:?}"
        );
    }
}

/// An unreachable server is `Error::Connect` with the cause, within the connect
/// timeout, and its password shows nowhere.
#[tokio::test]
async fn unreachable_servers_are_connect_errors_with_their_cause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: nothing listens there now
    for scheme in ["postgres", "mysql"] {
        let url = format!("{scheme}://someone:s3cr3t-pw@127.0.0.1:{port}/db");
        let start = std::time::Instant::now();
        let err = Db::builder(&url)
            .connect_timeout(std::time::Duration::from_secs(3))
            .connect()
            .await
            .unwrap_err();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{scheme}"
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t-pw"), "{text}");
        match &err {
            Error::Connect { url, message } => {
                assert!(url.contains("***@127.0.0.1"), "{url}");
                assert!(
                    message.to_lowercase().contains("refused"),
                    "{scheme}: {message}"
                );
            }
            other => panic!("{scheme}: {other:?}"),
        }
    }
    let err = Db::connect("oracle://x").await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    // A connected `Db` shows no URL either.
    for db in common::backends("connect_debug").await {
        let shown = format!("{db:?}");
        assert!(!shown.contains("://") && !shown.contains('@'), "{shown}");
    }
}

/// The conditions users match on have variants of their own: a pool with no free
/// connection is `Error::Timeout`, and a write the database aborted for another
/// writer (here SQLite's busy lock) is `Error::Retryable`.
#[tokio::test]
async fn timeouts_and_retryable_aborts_are_typed() {
    let (_, url) = common::temp_sqlite("t_typed");
    let db = Db::builder(&url)
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_millis(200))
        .sqlite_busy_timeout(std::time::Duration::from_millis(50))
        .connect()
        .await
        .unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Note>()
        .create_all(&db)
        .await
        .unwrap();
    // The only connection is held by a transaction.
    let tx = db.begin().await.unwrap();
    let waited = db.all::<Note>().await;
    assert!(matches!(waited, Err(Error::Timeout { .. })), "{waited:?}");
    assert!(waited.unwrap_err().is_connection());
    drop(tx);
    // Another Db on the same file, while this one holds the write lock.
    let other = Db::builder(&url)
        .sqlite_busy_timeout(std::time::Duration::from_millis(50))
        .connect()
        .await
        .unwrap();
    let mut writer = db.begin().await.unwrap();
    writer.all::<Note>().await.unwrap();
    let busy = other.begin().await;
    let err = busy.expect_err("the second writer waits, then gives up");
    assert!(matches!(err, Error::Retryable { .. }), "{err:?}");
    assert!(err.is_retryable());
    writer.commit().await.unwrap();
}

/// `DbBuilder::sqlite_journal_mode` sets the file's journal mode (WAL by default), as
/// the files SQLite leaves beside the database after a write show: a `-wal` file in
/// WAL mode, no journal in `Delete` mode, an emptied `-journal` in `Truncate` mode.
#[tokio::test]
async fn the_sqlite_journal_mode_is_the_builders() {
    for (mode, name) in [
        (None, "default"),
        (Some(rel::JournalMode::Delete), "delete"),
        (Some(rel::JournalMode::Truncate), "truncate"),
        (Some(rel::JournalMode::Wal), "wal"),
    ] {
        let path =
            std::env::temp_dir().join(format!("rel_t_journal_{name}_{}.db", std::process::id()));
        let beside = |suffix: &str| std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let remove_all = || {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(beside(suffix));
            }
        };
        remove_all();
        let mut builder = Db::builder(&format!("sqlite://{}", path.display()));
        if let Some(mode) = mode {
            builder = builder.sqlite_journal_mode(mode);
        }
        let db = builder.connect().await.unwrap();
        Schema::new(RelationMode::ForeignKeys)
            .table::<Note>()
            .create_all(&db)
            .await
            .unwrap();
        db.insert(&note(1, "a")).await.unwrap();
        let wal = beside("-wal").exists();
        let journal = std::fs::metadata(beside("-journal")).map(|m| m.len()).ok();
        match name {
            "default" | "wal" => assert!(wal && journal.is_none(), "{name}: {journal:?}"),
            "delete" => assert!(!wal && journal.is_none(), "{name}: {journal:?}"),
            _ => assert!(!wal && journal == Some(0), "{name}: {journal:?}"),
        }
        db.close().await;
        remove_all();
    }
}

/// Every form of credential sqlx accepts in a URL stays out of `Error::Connect`, in its
/// Display and its Debug, as written and percent-decoded, on every backend, for an
/// error the server gives (PostgreSQL: a database that does not exist, over trust
/// authentication; MariaDB: a wrong password) and for one Rel gives before connecting.
#[tokio::test]
async fn credentials_never_show_in_connect_errors() {
    // (the URL, the secrets it holds as written and decoded)
    let mut cases: Vec<(String, Vec<&str>)> = vec![
        (
            "sqlite:///no/such/dir/rel.db?password=Sq1Secret".into(),
            vec!["Sq1Secret"],
        ),
        (
            "oracle://ora:Or4Secret@127.0.0.1/x".into(),
            vec!["Or4Secret"],
        ),
    ];
    let server = |var: &str| -> Option<String> {
        let url = std::env::var(var).ok().filter(|u| !u.is_empty());
        if url.is_none() {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "{var} is not set: CI requires every backend"
            );
        }
        // host:port
        url.map(|u| {
            let rest = &u[u.find("://").unwrap() + 3..];
            let rest = &rest[rest.rfind('@').map_or(0, |at| at + 1)..];
            rest[..rest.find('/').unwrap_or(rest.len())].to_owned()
        })
    };
    if let Some(at) = server("REL_POSTGRES_URL") {
        let db = "rel_no_such_database";
        cases.extend([
            (
                format!("postgres://postgres:Pg1Secret@{at}/{db}"),
                vec!["Pg1Secret"],
            ),
            (
                format!("postgres://postgres@{at}/{db}?password=Pg2Secret"),
                vec!["Pg2Secret"],
            ),
            (
                format!("postgres://{at}/{db}?user=postgres&password=Pg3%40Secret%2F"),
                vec!["Pg3%40Secret%2F", "Pg3@Secret/"],
            ),
            (
                format!("postgres://postgres:Pg4%40Secret%3A@{at}/{db}?sslmode=disable"),
                vec!["Pg4%40Secret%3A", "Pg4@Secret:"],
            ),
        ]);
    }
    if let Some(at) = server("REL_MYSQL_URL") {
        cases.extend([
            (
                format!("mysql://rel:My1Secret@{at}/rel_test"),
                vec!["My1Secret"],
            ),
            (
                format!("mysql://rel:My2%40Secret%2F@{at}/rel_test"),
                vec!["My2%40Secret%2F", "My2@Secret/"],
            ),
            (
                format!("mysql://rel@{at}/rel_test?password=My3Secret"),
                vec!["My3Secret"],
            ),
        ]);
    }
    for (url, secrets) in &cases {
        let err = Db::builder(url)
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect()
            .await
            .unwrap_err();
        let Error::Connect {
            url: shown,
            message,
        } = &err
        else {
            panic!("{url}: {err:?}");
        };
        // The servers' own refusals, not a failure to reach them.
        let said = message.to_lowercase();
        if url.starts_with("postgres") {
            assert!(said.contains("does not exist"), "{url}: {message}");
        } else if url.starts_with("mysql") {
            assert!(said.contains("denied"), "{url}: {message}");
        }
        let text = format!("{err} {err:?}");
        for secret in secrets {
            assert!(!text.contains(secret), "{url} shows {secret}: {text}");
        }
        // The rest of the URL is still there to read.
        assert!(
            shown.contains("127.0.0.1") || shown.starts_with("sqlite"),
            "{shown}"
        );
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_memos")]
struct Memo {
    #[column(primary_key)]
    id: i64,
}

/// The quickstart's in-memory SQLite database has one connection: a read on the `Db`
/// while the same task's transaction is open would wait for itself until the acquire
/// timeout. It fails at once with `Error::ConnectionHeld`, which says what to do;
/// through the transaction it works, and another task still waits its turn and
/// succeeds once the transaction ends.
#[tokio::test]
async fn an_in_memory_database_held_by_your_transaction_says_so_at_once() {
    let db = Db::builder("sqlite::memory:")
        .acquire_timeout(std::time::Duration::from_secs(120))
        .connect()
        .await
        .unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Memo>()
        .create_all(&db)
        .await
        .unwrap();
    // A hang would be the bug: the acquire timeout is two minutes.
    let bound = std::time::Duration::from_secs(20);
    let mut tx = db.begin().await.unwrap();
    tx.insert(&Memo { id: 1 }).await.unwrap();
    let read = tokio::time::timeout(bound, db.all::<Memo>()).await;
    let err = read
        .expect("it fails at once, not at the acquire timeout")
        .unwrap_err();
    match &err {
        Error::ConnectionHeld { message } => {
            assert!(message.contains("&mut tx"), "{message}");
            assert!(message.contains("in-memory"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let write = tokio::time::timeout(bound, db.insert(&Memo { id: 2 })).await;
    assert!(
        matches!(write, Ok(Err(Error::ConnectionHeld { .. }))),
        "{write:?}"
    );
    // Through the transaction, it reads its own write.
    assert_eq!(tx.all::<Memo>().await.unwrap(), [Memo { id: 1 }]);
    // Another task waits for the transaction, as on any pool.
    let other = tokio::spawn({
        let db = db.clone();
        async move { db.all::<Memo>().await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tx.commit().await.unwrap();
    let seen = tokio::time::timeout(bound, other).await.unwrap().unwrap();
    assert_eq!(seen.unwrap(), [Memo { id: 1 }]);
    // Ended, the connection is the Db's again.
    assert_eq!(db.all::<Memo>().await.unwrap().len(), 1);
    let tx = db.begin().await.unwrap();
    drop(tx);
    db.insert(&Memo { id: 3 }).await.unwrap();
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_notes_nul")]
struct NulNote {
    #[column(primary_key)]
    id: i64,
    body: String,
    data: serde_json::Value,
}

/// A NUL character in text or in JSON: PostgreSQL cannot store it, and says so with
/// `Error::UnsupportedValue` naming the column, before anything is written (it was an
/// untyped database error); SQLite and MariaDB store it and read it back whole, with
/// either strategy.
#[tokio::test]
async fn a_nul_character_is_stored_or_refused_by_name() {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<NulNote>();
    for db in common::fresh("nul_text", &schema).await {
        let d = db.dialect();
        let plain = NulNote {
            id: 1,
            body: "plain".into(),
            data: serde_json::json!({"k": "v"}),
        };
        db.insert(&plain).await.unwrap();
        let text = NulNote {
            id: 2,
            body: "a\0b".into(),
            ..plain.clone()
        };
        let json = NulNote {
            id: 3,
            data: serde_json::json!({"k": ["x\u{0}y"]}),
            ..plain.clone()
        };
        let set = NulNote::update()
            .set(NulNote::body, "c\0d")
            .filter(NulNote::id.eq(1));
        if d == Dialect::Postgres {
            for (what, result) in [
                ("text", db.insert(&text).await.map(|_| ())),
                ("json", db.insert(&json).await.map(|_| ())),
                ("update", set.run(&db).await.map(|_| ())),
            ] {
                let column = if what == "json" { "data" } else { "body" };
                assert!(
                    matches!(&result, Err(Error::UnsupportedValue { table: "h_notes_nul", column: c, message }) if *c == column && message.contains("NUL")),
                    "{what}: {result:?}"
                );
            }
            assert_eq!(
                db.all::<NulNote>().await.unwrap(),
                std::slice::from_ref(&plain)
            );
            continue;
        }
        db.insert(&text).await.unwrap();
        db.insert(&json).await.unwrap();
        set.run(&db).await.unwrap();
        let want = [
            NulNote {
                body: "c\0d".into(),
                ..plain.clone()
            },
            text.clone(),
            json.clone(),
        ];
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = NulNote::query()
                .strategy(strategy)
                .order_by(NulNote::id.asc())
                .all(&db)
                .await
                .unwrap();
            assert_eq!(got, want, "{d:?} {strategy:?}");
        }
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_titles")]
struct Titled {
    #[column(primary_key)]
    id: i64,
    title: String,
    #[relation(many)]
    chapters: Many<Chapter>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_chapters")]
struct Chapter {
    #[column(primary_key)]
    id: i64,
    titled_id: i64,
    heading: String,
    #[relation(one, from = titled_id, to = Titled::id)]
    titled: One<Titled>,
}

/// A BLOB in a TEXT column (written by another program: SQLite's columns take any
/// type) is the same typed decode error with either strategy, naming the table and
/// the column; Join failed with SQLite's "JSON cannot hold BLOB values".
#[tokio::test]
async fn a_blob_in_a_text_column_is_a_decode_error_naming_it_with_either_strategy() {
    let (_path, url) = common::temp_sqlite("blob_in_text");
    let db = Db::connect(&url).await.unwrap();
    Schema::new(RelationMode::ForeignKeys)
        .table::<Titled>()
        .create_all(&db)
        .await
        .unwrap();
    common::raw(
        Dialect::Sqlite,
        &url,
        &[
            "INSERT INTO h_titles (id, title) VALUES (1, 'fine')",
            "INSERT INTO h_chapters (id, titled_id, heading) VALUES (10, 1, X'00FF01')",
        ],
    )
    .await;
    let names_heading = |err: &Error| {
        matches!(
            err,
            Error::Decode {
                table: "h_chapters",
                column: "heading",
                ..
            }
        )
    };
    for strategy in [Strategy::Batch, Strategy::Join] {
        let nested = Titled::query()
            .with(Titled::chapters())
            .strategy(strategy)
            .all(&db)
            .await
            .unwrap_err();
        assert!(names_heading(&nested), "{strategy:?}: {nested:?}");
        let root = Chapter::query()
            .strategy(strategy)
            .all(&db)
            .await
            .unwrap_err();
        assert!(names_heading(&root), "{strategy:?} root: {root:?}");
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_albums")]
struct Album {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    photos: Many<Photo>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_photos")]
struct Photo {
    #[column(primary_key)]
    id: i64,
    album_id: i64,
    caption: String,
    image: Vec<u8>,
    #[relation(one, from = album_id, to = Album::id)]
    album: One<Album>,
}

/// Large values through Join, on one connection (`max_connections(1)`): text of 1.2 MB
/// and bytes of 1.1 MB load as Batch loads them (MariaDB's aggregate stopped at its
/// `group_concat_max_len`, 1 MiB, and the JSON arrived cut); a relation whose rows do
/// not fit in the server's `max_allowed_packet` as one JSON value is a typed error
/// naming the limit and saying to use Batch (never a JSON decode error); and the
/// connection is not poisoned: a 70 KB load of the same shape after it works.
#[tokio::test]
async fn large_values_load_with_join_up_to_the_servers_packet() {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Photo>();
    for (d, url) in common::backend_urls("large_join").await {
        let db = Db::builder(&url)
            .max_connections(1)
            .connect()
            .await
            .unwrap();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let photo = |id, caption: String, image: Vec<u8>| Photo {
            id,
            album_id: 1,
            caption,
            image,
            album: One::default(),
        };
        db.insert(&Album {
            id: 1,
            photos: Many::default(),
        })
        .await
        .unwrap();
        let load = |strategy| {
            Album::query()
                .with(Album::photos())
                .strategy(strategy)
                .all(&db)
        };
        // Text past 1.1 MB, bytes past 1 MB.
        db.insert(&photo(1, "é".repeat(600_000), vec![7; 1_100_000]))
            .await
            .unwrap();
        let batch = load(Strategy::Batch).await.unwrap();
        let join = load(Strategy::Join).await.unwrap();
        assert_eq!(join, batch, "{d:?}");
        assert_eq!(join[0].photos.get().unwrap()[0].image.len(), 1_100_000);
        // One row of 8 MiB of bytes: MariaDB's JSON of them (hex) is past its 16 MiB
        // packet. (Its prepared statement then returned `[null]` for every later load
        // of the same shape on the connection, until Rel prepared it again.)
        Photo::delete().all_rows().run(&db).await.unwrap();
        db.insert(&photo(2, "big".into(), vec![1; 8 * 1024 * 1024]))
            .await
            .unwrap();
        let batch = load(Strategy::Batch).await.unwrap();
        match (d, load(Strategy::Join).await) {
            (
                Dialect::MySql,
                Err(Error::Unsupported {
                    table,
                    relation,
                    message,
                }),
            ) => {
                assert_eq!((table, relation), ("h_albums", "photos"));
                assert!(message.contains("max_allowed_packet"), "{message}");
                assert!(message.contains("16777216"), "{message}");
                assert!(message.contains("Batch"), "{message}");
            }
            (Dialect::MySql, other) => panic!("{other:?}"),
            (_, join) => assert_eq!(join.unwrap(), batch, "{d:?}"),
        }
        // The same shape again, small, on the same connection.
        Photo::delete().all_rows().run(&db).await.unwrap();
        db.insert(&photo(3, "small".into(), vec![2; 70_000]))
            .await
            .unwrap();
        let join = load(Strategy::Join).await.unwrap();
        assert_eq!(join, load(Strategy::Batch).await.unwrap(), "{d:?}");
        assert_eq!(join[0].photos.get().unwrap().len(), 1, "{d:?}");
        schema.drop_all(&db).await.unwrap();
        db.close().await;
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_ratings")]
struct Rating {
    #[column(primary_key)]
    id: i64,
    stars: Option<i64>,
}

/// A `None` in a comparison means the NULL rows, as Prisma's `equals: null` does:
/// `eq(None)` is `IS NULL`, `ne(None)` is `IS NOT NULL`, a `None` in `in_list` adds the
/// NULL rows and one in `not_in` leaves them out (SQL's `= NULL` and `IN (NULL)` match
/// nothing, and `NOT IN (.., NULL)` nothing at all). The same on every backend, in
/// queries, counts, relation filters and deletes.
#[tokio::test]
async fn none_in_a_comparison_means_the_null_rows() {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Rating>();
    for db in common::fresh("null_compare", &schema).await {
        let d = db.dialect();
        let rating = |id, stars| Rating { id, stars };
        db.insert_many(&[rating(1, None), rating(2, Some(5)), rating(3, Some(7))])
            .await
            .unwrap();
        let ids = |filter: Expr<Rating>| {
            let db = db.clone();
            async move {
                let rows = Rating::query()
                    .filter(filter)
                    .order_by(Rating::id.asc())
                    .all(&db)
                    .await
                    .unwrap();
                rows.iter().map(|r| r.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(ids(Rating::stars.eq(None)).await, [1], "{d:?}");
        assert_eq!(ids(Rating::stars.ne(None)).await, [2, 3], "{d:?}");
        assert_eq!(ids(Rating::stars.eq(Some(5))).await, [2], "{d:?}");
        assert_eq!(ids(Rating::stars.ne(Some(5))).await, [3], "{d:?}");
        assert_eq!(
            ids(Rating::stars.in_list([None, Some(5)])).await,
            [1, 2],
            "{d:?}"
        );
        assert_eq!(ids(Rating::stars.in_list([None])).await, [1], "{d:?}");
        assert_eq!(ids(Rating::stars.not_in([None])).await, [2, 3], "{d:?}");
        assert_eq!(
            ids(Rating::stars.not_in([None, Some(5)])).await,
            [3],
            "{d:?}"
        );
        assert_eq!(ids(Rating::stars.not_in([Some(5)])).await, [3], "{d:?}");
        // A long list, which goes as one parameter where the backend takes one.
        let long: Vec<Option<i64>> = (100..2_000).map(Some).chain([None, Some(7)]).collect();
        assert_eq!(
            ids(Rating::stars.in_list(long.clone())).await,
            [1, 3],
            "{d:?}"
        );
        assert_eq!(ids(Rating::stars.not_in(long)).await, [2], "{d:?}");
        let counted = Rating::query()
            .filter(Rating::stars.eq(None))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(counted, 1, "{d:?}");
        let deleted = Rating::delete()
            .filter(Rating::stars.eq(None))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(deleted, 1, "{d:?}");
    }
}

/// A relation loaded twice by one query is `Error::DuplicateLoad`, before anything is
/// sent (the second `.with` replaced the first, silently), under both strategies,
/// nested, and through `Db::load`; on every backend. A count beside a load of another
/// relation is fine.
#[tokio::test]
async fn a_relation_loaded_twice_is_an_error() {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Photo>();
    for db in common::fresh("loaded_twice", &schema).await {
        let d = db.dialect();
        db.insert(&Album {
            id: 1,
            photos: Many::default(),
        })
        .await
        .unwrap();
        let photo = |id, caption: &str| Photo {
            id,
            album_id: 1,
            caption: caption.into(),
            image: vec![1],
            album: One::default(),
        };
        db.insert_many(&[photo(1, "a"), photo(2, "b")])
            .await
            .unwrap();
        let twice = |e: Error| {
            matches!(
                e,
                Error::DuplicateLoad {
                    table: "h_albums",
                    relation: "photos"
                }
            )
        };
        for strategy in [Strategy::Join, Strategy::Batch] {
            let err = Album::query()
                .strategy(strategy)
                .with(Album::photos().filter(Photo::caption.eq("a")))
                .with(Album::photos().count())
                .all(&db)
                .await
                .unwrap_err();
            assert!(twice(err), "{d:?} {strategy:?}");
            let err = Photo::query()
                .strategy(strategy)
                .with(
                    Photo::album()
                        .with(Album::photos())
                        .with(Album::photos().limit(1)),
                )
                .all(&db)
                .await
                .unwrap_err();
            assert!(twice(err), "{d:?} {strategy:?} nested");
            // Once, it loads.
            let albums = Album::query()
                .strategy(strategy)
                .with(Album::photos().filter(Photo::caption.eq("a")))
                .all(&db)
                .await
                .unwrap();
            assert_eq!(
                albums[0].photos.get().unwrap().len(),
                1,
                "{d:?} {strategy:?}"
            );
        }
        let mut albums = Album::query().all(&db).await.unwrap();
        let err = db
            .load(
                &mut albums,
                Album::photos().with(Photo::album()).with(Photo::album()),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::DuplicateLoad {
                    table: "h_photos",
                    relation: "album"
                }
            ),
            "{d:?} {err:?}"
        );
        assert!(err.to_string().contains("loaded twice"), "{err}");
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_keepers")]
struct Keeper {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_pets")]
struct Pet {
    #[column(primary_key)]
    id: i64,
    keeper_id: i64,
    #[relation(one, from = keeper_id, to = Keeper::id, on_delete = cascade)]
    keeper: One<Keeper>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "h_visits")]
struct Visit {
    #[column(primary_key)]
    id: i64,
    keeper_id: i64,
    #[relation(one, from = keeper_id, to = Keeper::id, on_delete = restrict)]
    keeper: One<Keeper>,
}

/// A refused delete names the key that refuses it, not another key with rows whose
/// action would have cascaded. SQLite names no constraint, and Rel, asking which key
/// still has rows, named the cascading one first (`pets.keeper`, where `visits.keeper`
/// refused). On every backend, in ForeignKeys mode.
#[tokio::test]
async fn a_refused_delete_names_the_key_that_refuses() {
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<Pet>()
        .table::<Visit>();
    for db in common::fresh("refusing_key", &schema).await {
        let d = db.dialect();
        db.insert(&Keeper { id: 1 }).await.unwrap();
        db.insert(&Pet {
            id: 1,
            keeper_id: 1,
            keeper: One::default(),
        })
        .await
        .unwrap();
        db.insert(&Visit {
            id: 1,
            keeper_id: 1,
            keeper: One::default(),
        })
        .await
        .unwrap();
        let err = db.delete::<Keeper>(&1).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::StillReferenced {
                    table: "h_keepers",
                    referencing_table: Some("h_visits"),
                    relation: Some("keeper"),
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        assert_eq!(
            db.all::<Pet>().await.unwrap().len(),
            1,
            "{d:?}: nothing was deleted"
        );
    }
}

//! Rel inside an existing sqlx codebase: a `Db` over your own pool, and Rel's queries
//! and writes in your own sqlx transaction, next to your hand-written statements,
//! rolled back together and committed together, on every backend.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Conn, Dialect, Error};
use std::str::FromStr;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ix_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    name: String,
}

#[derive(Table, Debug, Clone)]
#[table(name = "ix_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    user: One<User>,
}

fn user(id: i64, name: &str) -> User {
    User {
        id,
        name: name.into(),
    }
}

/// The users' names, in key order.
async fn names(db: &Db) -> Vec<String> {
    let users = db.all::<User>().await.unwrap();
    users.into_iter().map(|u| u.name).collect()
}

/// Runs the same checks on one backend, given its sqlx pool type's steps.
macro_rules! interop {
    ($d:expr, $pool:expr, $db:ty) => {{
        let pool = $pool;
        let d = $d;
        let db = Db::from_pool(pool.clone()).await.unwrap();
        assert_eq!(db.dialect(), d);
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Post>();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let hand = |id: i64| format!("INSERT INTO ix_users (id, name) VALUES ({id}, 'hand {id}')");

        // Rolled back together.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(hand(1)))
            .execute(&mut *tx)
            .await
            .unwrap();
        db.on(&mut tx).insert(&user(2, "rel 2")).await.unwrap();
        assert_eq!(User::query().count(&mut tx).await.unwrap(), 2, "{d:?}");
        tx.rollback().await.unwrap();
        assert_eq!(
            User::query().count(&db).await.unwrap(),
            0,
            "{d:?}: rolled back"
        );

        // Committed together, with a failed Rel write in between that is undone alone.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(hand(1)))
            .execute(&mut *tx)
            .await
            .unwrap();
        db.on(&mut tx)
            .insert_many(&[user(2, "rel 2"), user(3, "rel 3")])
            .await
            .unwrap();
        let duplicate = db.on(&mut tx).insert(&user(4, "rel 2")).await;
        assert!(
            matches!(duplicate, Err(Error::Unique { .. })),
            "{d:?}: {duplicate:?}"
        );
        // The transaction goes on (PostgreSQL would have aborted it without Rel's
        // savepoint), for Rel and for hand-written SQL alike.
        User::update()
            .set(User::name, "renamed")
            .filter(User::id.eq(3))
            .run(db.on(&mut tx))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(hand(5)))
            .execute(&mut *tx)
            .await
            .unwrap();
        db.on(&mut tx)
            .insert(&Post {
                id: 10,
                user_id: 5,
                user: One::default(),
            })
            .await
            .unwrap();
        let loaded = Post::query().with(Post::user()).all(&mut tx).await.unwrap();
        assert_eq!(loaded[0].user.get().unwrap().name, "hand 5", "{d:?}");
        // The transaction's bare connection (`&mut *tx`) works as well, and a relation
        // loads onto rows fetched before.
        let mut posts = Post::query().all(&mut *tx).await.unwrap();
        assert!(posts[0].user.is_not_loaded());
        Conn::from(&mut *tx)
            .load(&mut posts, Post::user())
            .await
            .unwrap();
        assert_eq!(posts[0].user.get().unwrap().name, "hand 5", "{d:?}");
        tx.commit().await.unwrap();
        assert_eq!(
            names(&db).await,
            ["hand 1", "rel 2", "renamed", "hand 5"],
            "{d:?}"
        );

        // A pooled connection outside a transaction: each Rel write is its own.
        let mut conn = pool.acquire().await.unwrap();
        assert!(db.on(&mut conn).delete::<User>(&5).await.unwrap());
        assert_eq!(
            Conn::from(&mut conn).get::<User>(&2).await.unwrap(),
            Some(user(2, "rel 2"))
        );
        drop(conn);
        assert_eq!(
            Post::query().count(&db).await.unwrap(),
            0,
            "{d:?}: the cascade ran"
        );
        schema.drop_all(&db).await.unwrap();
    }};
}

#[tokio::test]
async fn rel_writes_and_hand_written_sql_share_one_transaction() {
    for (d, url) in common::backend_urls("sqlx_interop").await {
        match d {
            Dialect::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true);
                interop!(
                    d,
                    sqlx::SqlitePool::connect_with(options).await.unwrap(),
                    sqlx::Sqlite
                )
            }
            Dialect::Postgres => {
                interop!(
                    d,
                    sqlx::PgPool::connect(&url).await.unwrap(),
                    sqlx::Postgres
                )
            }
            _ => interop!(
                d,
                sqlx::MySqlPool::connect(&url).await.unwrap(),
                sqlx::MySql
            ),
        }
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ix_readings")]
struct Reading {
    #[column(primary_key)]
    id: i64,
    owner_id: i64,
    value: f64,
    #[relation(one, from = owner_id, to = Owner::id)]
    owner: One<Owner>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "ix_owners")]
struct Owner {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    readings: Many<Reading>,
}

/// A transaction begun on a `Db` over your pool runs on a connection readied for Rel,
/// even one Rel never used before: a Join load of a `f64` column needs Rel's SQLite
/// function `rel_f64_bits`. (`Db::begin` used to take the connection straight from the
/// pool.)
#[tokio::test]
async fn a_transaction_on_your_pool_is_readied_for_rel() {
    let (path, url) = common::temp_sqlite("ix_ready");
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE ix_owners (id INTEGER PRIMARY KEY)",
        "CREATE TABLE ix_readings (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, value REAL NOT NULL)",
        "INSERT INTO ix_owners (id) VALUES (1)",
        "INSERT INTO ix_readings (id, owner_id, value) VALUES (1, 1, 0.1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let db = Db::from_pool(pool).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let owners = Owner::query()
        .with(Owner::readings())
        .strategy(rel::Strategy::Join)
        .all(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let values: Vec<f64> = owners[0]
        .readings
        .get()
        .unwrap()
        .iter()
        .map(|r| r.value)
        .collect();
    assert_eq!(values, [0.1]);
    let _ = std::fs::remove_file(&path);
}

/// A `Db` Rel made gives its sqlx pool back, for statements of your own: the pool of
/// its backend, and no other; a sqlx transaction on it holds Rel's writes too.
#[tokio::test]
async fn a_db_gives_its_sqlx_pool_back() {
    macro_rules! check {
        ($db:expr, $pool:expr) => {{
            let db = $db;
            let pool = $pool.expect("the backend's own pool");
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("INSERT INTO ix_users (id, name) VALUES (1, 'hand')")
                .execute(&mut *tx)
                .await
                .unwrap();
            db.on(&mut tx).insert(&user(2, "rel")).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(names(db).await, ["hand", "rel"], "{:?}", db.dialect());
        }};
    }
    for db in common::backends("ix_pool_back").await {
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Post>();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let owned = [
            db.sqlite_pool().is_some(),
            db.postgres_pool().is_some(),
            db.mysql_pool().is_some(),
        ];
        assert_eq!(
            owned.iter().filter(|o| **o).count(),
            1,
            "{:?}",
            db.dialect()
        );
        match db.dialect() {
            Dialect::Sqlite => check!(&db, db.sqlite_pool()),
            Dialect::Postgres => check!(&db, db.postgres_pool()),
            _ => check!(&db, db.mysql_pool()),
        }
    }
}

/// Rel changes no setting of connections it does not own: the user's own `LIKE` on
/// their pool matches the same rows before and after Rel's operations (a `like` and an
/// `ilike` among them), on every backend. SQLite's `PRAGMA case_sensitive_like`, which
/// Rel once set on every connection, made `'ABC' LIKE 'abc'` false for the user.
#[tokio::test]
async fn your_pool_keeps_its_like() {
    macro_rules! check {
        ($pool:expr, $d:expr, $sql:expr) => {{
            let pool = $pool;
            let like = |pool| async move {
                let v: i64 = sqlx::query_scalar($sql).fetch_one(pool).await.unwrap();
                v
            };
            let before = like(&pool).await;
            let db = Db::from_pool(pool.clone()).await.unwrap();
            let schema = Schema::new(RelationMode::ForeignKeys).table::<Post>();
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            db.insert(&user(1, "Ada_Lovelace*[x]")).await.unwrap();
            db.insert(&user(2, "ada lovelace")).await.unwrap();
            let found = |q: Query<User>| {
                let db = db.clone();
                async move {
                    q.all(&db)
                        .await
                        .unwrap()
                        .iter()
                        .map(|u| u.id)
                        .collect::<Vec<_>>()
                }
            };
            // Rel's own `like` stays case-sensitive, its `ilike` not, with GLOB's
            // special characters matched as themselves.
            assert_eq!(
                found(User::query().filter(User::name.like("Ada%"))).await,
                [1],
                "{:?}",
                $d
            );
            assert_eq!(
                found(User::query().filter(User::name.like("Ada\\_Lovelace*[x]"))).await,
                [1],
                "{:?}",
                $d
            );
            assert_eq!(
                found(User::query().filter(User::name.like("Ada_Lovelace?[x]"))).await,
                Vec::<i64>::new(),
                "{:?}",
                $d
            );
            assert_eq!(
                found(User::query().filter(User::name.ilike("ada%"))).await,
                [1, 2],
                "{:?}",
                $d
            );
            for _ in 0..3 {
                // Every connection of the pool, after Rel used them.
                assert_eq!(
                    like(&pool).await,
                    before,
                    "{:?}: the user's LIKE changed",
                    $d
                );
            }
            schema.drop_all(&db).await.unwrap();
        }};
    }
    const LIKE: &str = "SELECT CASE WHEN 'ABC' LIKE 'abc' THEN 1 ELSE 0 END";
    for (d, url) in common::backend_urls("ix_like").await {
        match d {
            Dialect::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
                check!(pool, d, LIKE)
            }
            Dialect::Postgres => check!(
                sqlx::PgPool::connect(&url).await.unwrap(),
                d,
                "SELECT (CASE WHEN 'ABC' LIKE 'abc' THEN 1 ELSE 0 END)::int8"
            ),
            _ => check!(sqlx::MySqlPool::connect(&url).await.unwrap(), d, LIKE),
        }
    }
}

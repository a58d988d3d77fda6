//! What one small write costs above the same statements sent by hand through sqlx, on
//! in-memory SQLite in Emulated mode: a row of a table with no relations (insert, then
//! delete), and a post whose author Rel checks (insert, then delete). The overhead of
//! deciding who enforces a write (the one decision every write makes) shows here, if
//! anywhere: the statements are few and the database is in memory.
//!
//! `cargo bench --bench small_writes`. Compare the printed ratios (Rel / sqlx) between
//! builds, each in its own run.

use criterion::Criterion;
use rel::{Db, One, RelationMode, Schema, Table};
use std::time::{Duration, Instant};

#[derive(Table, Debug)]
#[table(name = "s_users")]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug)]
#[table(name = "s_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    user: One<User>,
}

#[derive(Table, Debug)]
#[table(name = "s_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    body: String,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = runtime.block_on(async {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        Schema::new(RelationMode::Emulated)
            .table::<Post>()
            .table::<Note>()
            .create_all(&db)
            .await
            .unwrap();
        db.insert(&User { id: 1 }).await.unwrap();
        db
    });
    let pool = db.sqlite_pool().unwrap().clone();
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(60)
        .measurement_time(Duration::from_secs(4));
    let mut medians = Vec::new();
    let mut group = criterion.benchmark_group("small_writes");
    let mut bench = |name: &str, f: &mut dyn FnMut()| {
        let mut times = Vec::new();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    f();
                }
                let took = start.elapsed();
                times.push(took.as_secs_f64() / iters as f64);
                took
            })
        });
        times.sort_by(f64::total_cmp);
        medians.push((name.to_owned(), times[times.len() / 2]));
    };
    bench("note/rel", &mut || {
        runtime.block_on(async {
            let note = Note {
                id: 7,
                body: "n".into(),
            };
            db.insert(&note).await.unwrap();
            assert!(db.delete::<Note>(&7).await.unwrap());
        })
    });
    bench("note/sqlx", &mut || {
        runtime.block_on(async {
            sqlx::query(r#"INSERT INTO "s_notes" ("id", "body") VALUES (?, ?)"#)
                .bind(7i64)
                .bind("n")
                .execute(&pool)
                .await
                .unwrap();
            let gone = sqlx::query(r#"DELETE FROM "s_notes" WHERE "id" = ?"#)
                .bind(7i64)
                .execute(&pool)
                .await
                .unwrap();
            assert_eq!(gone.rows_affected(), 1);
        })
    });
    bench("post/rel", &mut || {
        runtime.block_on(async {
            let post = Post {
                id: 7,
                user_id: 1,
                user: One::default(),
            };
            db.insert(&post).await.unwrap();
            assert!(db.delete::<Post>(&7).await.unwrap());
        })
    });
    bench("post/sqlx", &mut || {
        runtime.block_on(async {
            // What Emulated mode checks, by hand: the author exists, then the insert.
            let mut tx = pool.begin().await.unwrap();
            let found: Option<(i64,)> =
                sqlx::query_as(r#"SELECT "id" FROM "s_users" WHERE "id" = ?"#)
                    .bind(1i64)
                    .fetch_optional(&mut *tx)
                    .await
                    .unwrap();
            assert!(found.is_some());
            sqlx::query(r#"INSERT INTO "s_posts" ("id", "user_id") VALUES (?, ?)"#)
                .bind(7i64)
                .bind(1i64)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let gone = sqlx::query(r#"DELETE FROM "s_posts" WHERE "id" = ?"#)
                .bind(7i64)
                .execute(&pool)
                .await
                .unwrap();
            assert_eq!(gone.rows_affected(), 1);
        })
    });
    group.finish();
    let median = |name: &str| medians.iter().find(|(n, _)| n == name).unwrap().1;
    for what in ["note", "post"] {
        let (rel, sqlx) = (
            median(&format!("{what}/rel")),
            median(&format!("{what}/sqlx")),
        );
        println!(
            "{what}: rel {:.1} µs, sqlx {:.1} µs, ratio {:.2}x",
            rel * 1e6,
            sqlx * 1e6,
            rel / sqlx
        );
    }
}

//! Emulated mode against the database's own foreign keys, on the same data in the same
//! run: a cascade delete of a 110,100-row tree (100 users → 100 posts each → 10
//! comments each), of one user's subtree in it (1,101 rows), and `insert_many` of
//! 10,000 comments, whose keys Rel checks in Emulated mode and the database in
//! ForeignKeys mode.
//!
//! `cargo bench --bench emulated` runs SQLite; set `REL_POSTGRES_URL` / `REL_MYSQL_URL`
//! for the servers. It prints each operation's median time in both modes, their ratio,
//! and the statements each sent; then the three operations timed in pairs (the two
//! modes in turn, each round starting with the other), with the median of the rounds'
//! ratios, which a busy machine moves less than two medians taken minutes apart.
//! `cargo bench --bench emulated -- paired` runs the pairs alone.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::Criterion;
use rel::{Db, One, RelationMode, Schema, Table, TableExt};
use std::time::{Duration, Instant};

#[derive(Table, Debug)]
#[table(name = "b_users")]
struct User {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug)]
#[table(name = "b_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    user: One<User>,
}

#[derive(Table, Debug)]
#[table(name = "b_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
    post: One<Post>,
}

const USERS: i64 = 100;
const POSTS: i64 = 100;
const COMMENTS: i64 = 10;

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode).table::<Comment>()
}

async fn users_and_posts(db: &Db, mode: RelationMode) {
    schema(mode).drop_all(db).await.unwrap();
    schema(mode).create_all(db).await.unwrap();
    let users: Vec<User> = (1..=USERS).map(|id| User { id }).collect();
    db.insert_many(&users).await.unwrap();
    let posts: Vec<Post> = (0..USERS * POSTS)
        .map(|i| Post {
            id: i + 1,
            user_id: i / POSTS + 1,
            user: One::default(),
        })
        .collect();
    db.insert_many(&posts).await.unwrap();
}

fn comments(n: i64) -> Vec<Comment> {
    (0..n)
        .map(|i| Comment {
            id: i + 1,
            post_id: i % (USERS * POSTS) + 1,
            post: One::default(),
        })
        .collect()
}

/// Times `iters` cascade deletes of the whole tree, each on a tree seeded untimed.
async fn cascade(db: &Db, mode: RelationMode, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        users_and_posts(db, mode).await;
        db.insert_many(&comments(USERS * POSTS * COMMENTS))
            .await
            .unwrap();
        let start = Instant::now();
        let n = User::delete().all_rows().run(db).await.unwrap();
        total += start.elapsed();
        assert_eq!(n, USERS as u64);
    }
    total
}

/// Times the cascade delete of one user's subtree (100 posts, 1,000 comments) out of
/// the whole tree, seeded untimed: the rows a cascade reaches are found through the
/// keys' indexes, not by reading the tables whole.
async fn one_user(db: &Db, mode: RelationMode, user: i64) -> Duration {
    users_and_posts(db, mode).await;
    db.insert_many(&comments(USERS * POSTS * COMMENTS))
        .await
        .unwrap();
    let start = Instant::now();
    assert!(db.delete::<User>(&user).await.unwrap());
    let took = start.elapsed();
    assert_eq!(
        Comment::query().count(db).await.unwrap(),
        ((USERS - 1) * POSTS * COMMENTS) as u64
    );
    took
}

/// Times `iters` inserts of 10,000 comments, the comments deleted untimed in between.
async fn insert(db: &Db, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let batch = comments(10_000);
    for _ in 0..iters {
        Comment::delete().all_rows().run(db).await.unwrap();
        let start = Instant::now();
        db.insert_many(&batch).await.unwrap();
        total += start.elapsed();
    }
    total
}

/// Rounds of the paired timing.
const ROUNDS: usize = 11;

/// Emulated time / ForeignKeys time of a cascade of the whole tree, of one user's
/// subtree and of an insert, per round (each round times both modes, starting with
/// the other one each time); the three medians.
async fn paired(db: &Db) -> [f64; 3] {
    let mut ratios = [(); 3].map(|()| Vec::new());
    for round in 0..ROUNDS {
        let mut times = [[Duration::ZERO; 2]; 3];
        for k in 0..2 {
            let side = (round + k) % 2;
            let mode = [RelationMode::ForeignKeys, RelationMode::Emulated][side];
            times[0][side] = cascade(db, mode, 1).await;
            times[1][side] = one_user(db, mode, round as i64 % USERS + 1).await;
            users_and_posts(db, mode).await;
            times[2][side] = insert(db, 1).await;
        }
        for (ratios, [fk, em]) in ratios.iter_mut().zip(times) {
            ratios.push(em.as_secs_f64() / fk.as_secs_f64());
        }
    }
    ratios.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

/// Criterion's median of one benchmark, in ms, if it ran in this process (written
/// after `since`): a filtered run leaves another run's files in place.
fn median_ms(group: &str, name: &str, since: std::time::SystemTime) -> Option<f64> {
    let path = format!(
        "{}/criterion/{group}/{name}/new/estimates.json",
        std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")))
    );
    let written = std::fs::metadata(&path).ok()?.modified().ok()?;
    if written < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64().map(|ns| ns / 1e6)
}

fn main() {
    let started = std::time::SystemTime::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_emulated"));
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut report = Vec::new();
    for (dialect, url) in backends {
        let db = runtime.block_on(Db::connect(&url)).unwrap();
        let group_name = format!("emulated_{dialect:?}").to_lowercase();
        let mut group = criterion.benchmark_group(&group_name);
        group.sampling_mode(criterion::SamplingMode::Flat);
        let mut statements = Vec::new();
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let tag = format!("{mode:?}").to_lowercase();
            group.bench_function(format!("cascade_{tag}"), |b| {
                b.to_async(&runtime)
                    .iter_custom(|iters| cascade(&db, mode, iters))
            });
            // Statements one cascade sends.
            let sent = runtime.block_on(async {
                users_and_posts(&db, mode).await;
                db.insert_many(&comments(USERS * POSTS * COMMENTS))
                    .await
                    .unwrap();
                let before = db.statement_count();
                User::delete().all_rows().run(&db).await.unwrap();
                db.statement_count() - before
            });
            runtime.block_on(users_and_posts(&db, mode));
            group.bench_function(format!("insert_{tag}"), |b| {
                b.to_async(&runtime).iter_custom(|iters| insert(&db, iters))
            });
            let inserted = runtime.block_on(async {
                Comment::delete().all_rows().run(&db).await.unwrap();
                let before = db.statement_count();
                db.insert_many(&comments(10_000)).await.unwrap();
                db.statement_count() - before
            });
            statements.push((mode, sent, inserted));
        }
        group.finish();
        let pairs = runtime.block_on(paired(&db));
        report.push((group_name, dialect, statements, pairs));
    }
    criterion.final_summary();
    println!("\nEmulated mode relative to the database's own foreign keys (same run):");
    let mut pairs = Vec::new();
    for (group, dialect, statements, paired) in report {
        pairs.push((dialect, paired));
        for op in ["cascade", "insert"] {
            let (Some(fk), Some(em)) = (
                median_ms(&group, &format!("{op}_foreignkeys"), started),
                median_ms(&group, &format!("{op}_emulated"), started),
            ) else {
                continue;
            };
            let counts: Vec<String> = statements
                .iter()
                .map(|(mode, cascade, insert)| {
                    let n = if op == "cascade" { cascade } else { insert };
                    format!("{mode:?} {n}")
                })
                .collect();
            println!(
                "  {:10} {op:8} {:5.2}x  ({em:.1} ms vs {fk:.1} ms; statements: {})",
                format!("{dialect:?}"),
                em / fk,
                counts.join(", ")
            );
        }
    }
    println!("\nPaired ({ROUNDS} rounds), median of Emulated time / ForeignKeys time:");
    for (dialect, [cascade, one, insert]) in pairs {
        let dialect = format!("{dialect:?}");
        println!(
            "  {dialect:10} cascade {cascade:5.2}x   one user's {one:5.2}x   insert {insert:5.2}x"
        );
    }
}

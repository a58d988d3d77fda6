//! Nested inserts at scale, on SQLite and (with `REL_POSTGRES_URL` / `REL_MYSQL_URL`)
//! the servers, in both relation modes: 61,000 rows (1,000 users, 10 posts each, 5
//! comments per post) written
//!
//! - by `insert_graph_many` (one call);
//! - by hand, level by level: `insert_many` of the users, their keys set on the posts,
//!   `insert_many` of the posts, and the same for the comments, in one transaction;
//! - row by row: one `insert` per row, in one transaction.
//!
//! `cargo bench --bench nested_writes`. Criterion times the first two; then the
//! median of paired ratios over a few rounds (each round times the graph, the levels
//! and, in the first rounds, the rows, so that the machine's drift lands on all of
//! them), and each variant's statement count, read from Rel's trace.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::Criterion;
use rel::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Table, Debug)]
#[table(name = "bn_users")]
struct User {
    #[column(primary_key, auto_increment)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug)]
#[table(name = "bn_posts")]
struct Post {
    #[column(primary_key, auto_increment)]
    id: i64,
    user_id: i64,
    title: String,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table, Debug)]
#[table(name = "bn_comments")]
struct Comment {
    #[column(primary_key, auto_increment)]
    id: i64,
    post_id: i64,
    body: String,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
}

const USERS: usize = 1_000;
const POSTS: usize = 10;
const COMMENTS: usize = 5;

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode).table::<User>()
}

fn comment(i: usize) -> Comment {
    Comment {
        id: 0,
        post_id: 0,
        body: format!("comment {i}"),
        post: One::default(),
    }
}

fn post(i: usize, comments: Vec<Comment>) -> Post {
    Post {
        id: 0,
        user_id: 0,
        title: format!("post {i}"),
        user: One::default(),
        comments: Many::loaded(comments),
    }
}

/// The users, each with their posts and comments loaded.
fn graph() -> Vec<User> {
    (0..USERS)
        .map(|u| User {
            id: 0,
            name: format!("user {u}"),
            posts: Many::loaded(
                (0..POSTS)
                    .map(|p| post(p, (0..COMMENTS).map(comment).collect()))
                    .collect(),
            ),
        })
        .collect()
}

async fn by_graph(db: &Db, mut users: Vec<User>) -> u64 {
    db.insert_graph_many(&mut users).await.unwrap()
}

/// Level by level, as a user writes it today.
async fn by_levels(db: &Db, users: Vec<User>) -> u64 {
    let mut tx = db.begin().await.unwrap();
    let mut posts = Vec::with_capacity(USERS * POSTS);
    let mut comments = Vec::with_capacity(USERS * POSTS * COMMENTS);
    let mut users = users;
    let user_keys = tx.insert_many(&users).await.unwrap();
    for (user, key) in users.iter_mut().zip(&user_keys) {
        for mut p in user.posts.get_mut().unwrap().drain(..) {
            p.user_id = *key;
            posts.push(p);
        }
    }
    let post_keys = tx.insert_many(&posts).await.unwrap();
    for (p, key) in posts.iter_mut().zip(&post_keys) {
        for mut c in p.comments.get_mut().unwrap().drain(..) {
            c.post_id = *key;
            comments.push(c);
        }
    }
    tx.insert_many(&comments).await.unwrap();
    tx.commit().await.unwrap();
    (users.len() + posts.len() + comments.len()) as u64
}

/// One `insert` per row, in one transaction.
async fn by_rows(db: &Db, users: Vec<User>) -> u64 {
    let mut tx = db.begin().await.unwrap();
    let mut n = 0;
    for mut user in users {
        let user_id = tx.insert(&user).await.unwrap();
        n += 1;
        for mut p in user.posts.get_mut().unwrap().drain(..) {
            p.user_id = user_id;
            let post_id = tx.insert(&p).await.unwrap();
            n += 1;
            for mut c in p.comments.get_mut().unwrap().drain(..) {
                c.post_id = post_id;
                tx.insert(&c).await.unwrap();
                n += 1;
            }
        }
    }
    tx.commit().await.unwrap();
    n
}

/// Empties the tables between runs (untimed).
async fn clear(db: &Db) {
    Comment::delete().all_rows().run(db).await.unwrap();
    Post::delete().all_rows().run(db).await.unwrap();
    User::delete().all_rows().run(db).await.unwrap();
}

/// Sums the `statements` of every operation span: what a variant sent.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<u64>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Visit<'a>(&'a Mutex<u64>);
        impl tracing::field::Visit for Visit<'_> {
            fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
                if field.name() == "statements" {
                    *self.0.lock().unwrap() += value;
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        values.record(&mut Visit(&self.0));
    }
}

/// How many statements `run` sends, on a runtime of its own whose thread sees the
/// counting subscriber.
fn statements<F: std::future::Future>(run: impl FnOnce() -> F) -> u64 {
    use tracing_subscriber::layer::SubscriberExt;
    let counter = Statements::default();
    let subscriber = tracing_subscriber::registry().with(counter.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || runtime.block_on(run()));
    *counter.0.lock().unwrap()
}

/// The seconds `run` takes; the tables are emptied after it (untimed).
async fn timed(db: &Db, run: impl std::future::Future<Output = u64>) -> f64 {
    let start = Instant::now();
    run.await;
    let t = start.elapsed().as_secs_f64();
    clear(db).await;
    t
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_nested_writes"));
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut report = Vec::new();
    for (d, url) in backends {
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let db = runtime.block_on(async {
                let db = Db::connect(&url).await.unwrap();
                schema(mode).drop_all(&db).await.unwrap();
                schema(mode).create_all(&db).await.unwrap();
                db
            });
            // Each writes the same 61,000 rows.
            runtime.block_on(async {
                assert_eq!(by_graph(&db, graph()).await, 61_000);
                clear(&db).await;
                assert_eq!(by_levels(&db, graph()).await, 61_000);
                clear(&db).await;
            });
            let name = format!("nested_writes_{d:?}_{mode:?}").to_lowercase();
            let mut group = criterion.benchmark_group(&name);
            for (variant, levels) in [("insert_graph", false), ("insert_many_per_level", true)] {
                group.bench_function(variant, |b| {
                    b.to_async(&runtime).iter_custom(|iters| {
                        let db = &db;
                        async move {
                            let mut total = Duration::ZERO;
                            for _ in 0..iters {
                                let users = graph();
                                let start = Instant::now();
                                if levels {
                                    by_levels(db, users).await;
                                } else {
                                    by_graph(db, users).await;
                                }
                                total += start.elapsed();
                                clear(db).await;
                            }
                            total
                        }
                    })
                });
            }
            group.finish();
            // Paired rounds: the graph against the levels every round, against the
            // rows in the first two.
            let (mut levels_ratio, mut rows_ratio, mut graph_ms) =
                (Vec::new(), Vec::new(), Vec::new());
            runtime.block_on(async {
                for round in 0..5 {
                    let g = timed(&db, by_graph(&db, graph())).await;
                    let l = timed(&db, by_levels(&db, graph())).await;
                    graph_ms.push(g * 1e3);
                    levels_ratio.push(g / l);
                    if round < 2 {
                        let r = timed(&db, by_rows(&db, graph())).await;
                        rows_ratio.push(r / g);
                    }
                }
            });
            // What each sends, counted once.
            let counts = [
                statements(|| async {
                    let db = Db::connect(&url).await.unwrap();
                    by_graph(&db, graph()).await;
                    clear(&db).await;
                }),
                statements(|| async {
                    let db = Db::connect(&url).await.unwrap();
                    by_levels(&db, graph()).await;
                    clear(&db).await;
                }),
            ];
            let clears = statements(|| async {
                let db = Db::connect(&url).await.unwrap();
                clear(&db).await;
            });
            report.push((
                d,
                mode,
                median(graph_ms),
                median(levels_ratio),
                median(rows_ratio),
                counts.map(|c| c - clears),
            ));
            runtime.block_on(schema(mode).drop_all(&db)).unwrap();
        }
    }
    println!("\nmedian of paired ratios (same run), 61,000 rows:");
    for (d, mode, graph_ms, levels, rows, [graph_n, levels_n]) in report {
        println!(
            "  {d:?} {mode:?}: insert_graph {graph_ms:.0} ms; insert_graph / insert_many per level {levels:.2}x; \
             row by row / insert_graph {rows:.1}x; statements: insert_graph {graph_n}, per level {levels_n}, row by row 61,000"
        );
    }
}

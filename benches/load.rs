//! Loading users → posts → comments (1,000 users, 10 posts each, 5 comments per post:
//! 61,000 rows), with Rel's Join and Batch strategies and with hand-written sqlx (three
//! IN-list queries and HashMap grouping), in the same run, on every available backend.
//!
//! `cargo bench --bench load` runs SQLite; set `REL_POSTGRES_URL` / `REL_MYSQL_URL` for
//! the servers. At the end it prints each variant's median as a ratio to hand-written
//! sqlx on the same backend. Every variant is timed in alternation with another, so
//! that drift between criterion's blocks of samples cancels out of the ratios.

mod blog;
#[path = "../tests/common/mod.rs"]
mod common;
mod timing;

use blog::{Post, User};
use criterion::Criterion;
use rel::{Db, Dialect, Strategy};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;
use std::time::Instant;
use timing::alternate;

/// What the hand-written version builds: the same nesting, plain structs.
#[allow(dead_code)]
struct PlainUser {
    id: i64,
    name: String,
    posts: Vec<PlainPost>,
}
#[allow(dead_code)]
struct PlainPost {
    id: i64,
    author_id: i64,
    title: String,
    comments: Vec<(i64, i64, String)>,
}

const USERS: i64 = 1_000;

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// `?, ?, ...` or, on PostgreSQL, one array parameter.
fn in_list(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Postgres => "= ANY($1)".into(),
        _ => format!("IN ({})", vec!["?"; n].join(", ")),
    }
}

/// Rows of `(i64, i64, String)` whose second column is in `keys`, chunked under the bind limit.
async fn fetch_children(
    pool: &Pool,
    dialect: Dialect,
    sql_head: &str,
    keys: &[i64],
) -> Vec<(i64, i64, String)> {
    let mut out = Vec::new();
    let chunk = if dialect == Dialect::Postgres {
        keys.len().max(1)
    } else {
        30_000
    };
    for keys in keys.chunks(chunk) {
        let sql = format!("{sql_head} {}", in_list(dialect, keys.len()));
        match pool {
            Pool::Sqlite(p) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for k in keys {
                    q = q.bind(*k);
                }
                for r in q.fetch_all(p).await.unwrap() {
                    out.push((r.get(0), r.get(1), r.get(2)));
                }
            }
            Pool::Postgres(p) => {
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(keys.to_vec())
                    .fetch_all(p)
                    .await
                    .unwrap();
                for r in rows {
                    out.push((r.get(0), r.get(1), r.get(2)));
                }
            }
            Pool::MySql(p) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for k in keys {
                    q = q.bind(*k);
                }
                for r in q.fetch_all(p).await.unwrap() {
                    out.push((r.get(0), r.get(1), r.get(2)));
                }
            }
        }
    }
    out
}

/// The baseline: three queries and HashMap grouping, written by hand.
async fn hand_written(pool: &Pool, dialect: Dialect) -> Vec<PlainUser> {
    let users: Vec<(i64, String)> = match pool {
        Pool::Sqlite(p) => sqlx::query("SELECT id, name FROM users ORDER BY id")
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect(),
        Pool::Postgres(p) => sqlx::query("SELECT id, name FROM users ORDER BY id")
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect(),
        Pool::MySql(p) => sqlx::query("SELECT id, name FROM users ORDER BY id")
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect(),
    };
    let user_ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let posts = fetch_children(
        pool,
        dialect,
        "SELECT id, author_id, title FROM posts WHERE author_id",
        &user_ids,
    )
    .await;
    let post_ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
    let comments = fetch_children(
        pool,
        dialect,
        "SELECT id, post_id, body FROM comments WHERE post_id",
        &post_ids,
    )
    .await;
    let mut comments_by_post: HashMap<i64, Vec<(i64, i64, String)>> = HashMap::new();
    for c in comments {
        comments_by_post.entry(c.1).or_default().push(c);
    }
    let mut posts_by_user: HashMap<i64, Vec<PlainPost>> = HashMap::new();
    for (id, author_id, title) in posts {
        let comments = comments_by_post.remove(&id).unwrap_or_default();
        posts_by_user.entry(author_id).or_default().push(PlainPost {
            id,
            author_id,
            title,
            comments,
        });
    }
    users
        .into_iter()
        .map(|(id, name)| PlainUser {
            id,
            name,
            posts: posts_by_user.remove(&id).unwrap_or_default(),
        })
        .collect()
}

async fn with_rel(db: &Db, strategy: Strategy) -> Vec<User> {
    User::query()
        .strategy(strategy)
        .with(User::posts().with(Post::comments()))
        .all(db)
        .await
        .unwrap()
}

/// 61 iterations of hand-written sqlx and Rel with `strategy`, back to back in each:
/// the median of the per-iteration ratios, which is less exposed to the machine's drift
/// than comparing criterion's medians (taken in separate blocks), and the two medians.
async fn paired(db: &Db, pool: &Pool, dialect: Dialect, strategy: Strategy) -> Paired {
    let (mut ratios, mut base, mut rel) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..61 {
        let start = Instant::now();
        std::hint::black_box(hand_written(pool, dialect).await);
        let base_time = start.elapsed().as_secs_f64();
        let start = Instant::now();
        std::hint::black_box(with_rel(db, strategy).await);
        let rel_time = start.elapsed().as_secs_f64();
        ratios.push(rel_time / base_time);
        base.push(base_time);
        rel.push(rel_time);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Paired {
        ratio: median(ratios),
        base_ms: median(base) * 1e3,
        rel_ms: median(rel) * 1e3,
    }
}

struct Paired {
    ratio: f64,
    base_ms: f64,
    rel_ms: f64,
}

fn median_ns(group: &str, name: &str) -> Option<f64> {
    let path = format!(
        "{}/criterion/{group}/{name}/new/estimates.json",
        target_dir()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn target_dir() -> String {
    std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_load"));
    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(std::time::Duration::from_secs(8))
        .configure_from_args();
    let mut groups = Vec::new();
    let mut pairs = Vec::new();
    for (dialect, url) in backends {
        let (db, pool) = runtime.block_on(async {
            let db = Db::connect(&url).await.unwrap();
            blog::seed(&db, USERS).await;
            let pool = match dialect {
                Dialect::Sqlite => Pool::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap()),
                Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(&url).await.unwrap()),
                _ => Pool::MySql(sqlx::MySqlPool::connect(&url).await.unwrap()),
            };
            (db, pool)
        });
        // The three must agree before they are timed.
        runtime.block_on(async {
            let plain = hand_written(&pool, dialect).await;
            for strategy in [Strategy::Join, Strategy::Batch] {
                let users = with_rel(&db, strategy).await;
                assert_eq!(users.len(), plain.len());
                let rows = |u: &User| {
                    u.posts
                        .get()
                        .unwrap()
                        .iter()
                        .map(|p| p.comments.get().unwrap().len() + 1)
                        .sum::<usize>()
                };
                let total: usize = users.iter().map(rows).sum();
                let plain_total: usize = plain
                    .iter()
                    .map(|u| u.posts.iter().map(|p| p.comments.len() + 1).sum::<usize>())
                    .sum();
                assert_eq!(total, plain_total, "{dialect:?} {strategy:?}");
            }
        });
        let group_name = format!("load_{dialect:?}").to_lowercase();
        let mut group = criterion.benchmark_group(&group_name);
        // Batch is timed right after the baseline, and Join last: the server's heavy
        // JSON work must not sit between the two closest variants.
        // Each variant is timed in alternation with another, untimed, so that every
        // variant runs under the same conditions (heap state, server caches) and drift
        // between criterion's blocks does not land on one side of the ratio.
        group.bench_function("sqlx", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(
                    iters,
                    || hand_written(&pool, dialect),
                    || with_rel(&db, Strategy::Batch),
                )
            })
        });
        group.bench_function("rel_batch", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(
                    iters,
                    || with_rel(&db, Strategy::Batch),
                    || hand_written(&pool, dialect),
                )
            })
        });
        group.bench_function("rel_join", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(
                    iters,
                    || with_rel(&db, Strategy::Join),
                    || hand_written(&pool, dialect),
                )
            })
        });
        group.finish();
        for (name, strategy) in [("rel_join", Strategy::Join), ("rel_batch", Strategy::Batch)] {
            let result = runtime.block_on(paired(&db, &pool, dialect, strategy));
            pairs.push((group_name.clone(), name, result));
        }
        groups.push(group_name);
    }
    criterion.final_summary();
    println!("\nmedian time relative to hand-written sqlx (same run):");
    for group in groups {
        let Some(base) = median_ns(&group, "sqlx") else {
            continue;
        };
        for name in ["rel_join", "rel_batch"] {
            if let Some(t) = median_ns(&group, name) {
                println!(
                    "  {group:14} {name:10} {:6.2}x  ({:.1} ms vs {:.1} ms)",
                    t / base,
                    t / 1e6,
                    base / 1e6
                );
            }
        }
    }
    println!("\nmedian of 61 paired ratios, Rel / hand-written sqlx (and the medians):");
    for (group, name, p) in pairs {
        println!(
            "  {group:14} {name:10} {:6.2}x  ({:.1} ms vs {:.1} ms)",
            p.ratio, p.rel_ms, p.base_ms
        );
    }
}

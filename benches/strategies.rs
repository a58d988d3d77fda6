//! `Strategy::Auto` against the best fixed strategy at every size: the first N users
//! (N = 1 by key; 10, 100, 1,000 and 10,000 by a range) of 10,000, each with 10 posts
//! and 5 comments per post, loaded with Join, Batch and Auto on every available backend
//! (Rel's own pools: SQLite reads directly). Up to 100 users each variant is timed by
//! criterion; at every size, in a paired loop that runs the three in turn, so that
//! drift on a shared machine lands on all of them alike (101 rounds up to 100 users,
//! 21 at 1,000, 7 at 10,000). At the end it prints each size's paired medians and
//! Auto's ratio to the best.
//!
//! `cargo bench --bench strategies` runs SQLite; set `REL_POSTGRES_URL` /
//! `REL_MYSQL_URL` for the servers. `STRATEGIES_N=1,10` picks sizes, and
//! `STRATEGIES_USERS` how many users are seeded (the largest size by default).

mod blog;
#[path = "../tests/common/mod.rs"]
mod common;

use blog::{Post, User, median};
use criterion::Criterion;
use rel::{Db, Strategy};
use std::time::{Duration, Instant};

const SIZES: [i64; 5] = [1, 10, 100, 1_000, 10_000];
const STRATEGIES: [Strategy; 3] = [Strategy::Join, Strategy::Batch, Strategy::Auto];

/// Rounds of the paired loop at `n` users: fewer for the large loads, whose medians
/// vary less.
fn rounds(n: i64) -> usize {
    if n <= 100 {
        101
    } else if n <= 1_000 {
        21
    } else {
        7
    }
}

/// The sizes to run: `STRATEGIES_N` (comma-separated), or all.
fn sizes() -> Vec<i64> {
    match std::env::var("STRATEGIES_N") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|n| {
                n.trim()
                    .replace('_', "")
                    .parse()
                    .expect("STRATEGIES_N: numbers")
            })
            .collect(),
        _ => SIZES.to_vec(),
    }
}

async fn load(db: &Db, n: i64, strategy: Strategy) -> usize {
    // One user by its key, as `db.get` or a detail page reads it; more by a range.
    let filter = if n == 1 {
        User::id.eq(1)
    } else {
        User::id.lte(n)
    };
    let users = User::query()
        .filter(filter)
        .with(User::posts().with(Post::comments()))
        .strategy(strategy)
        .all(db)
        .await
        .unwrap();
    // Posts and comments, so that the strategies' agreement covers every level.
    users
        .iter()
        .flat_map(|u| u.posts.get().unwrap())
        .map(|p| 1 + p.comments.get().unwrap().len())
        .sum::<usize>()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_strategies"));
    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut summary = Vec::new();
    let sizes = sizes();
    // `STRATEGIES_USERS` seeds more users than the largest size (a small load from a
    // large table).
    let users = match std::env::var("STRATEGIES_USERS") {
        Ok(n) => n
            .replace('_', "")
            .parse()
            .expect("STRATEGIES_USERS: a number"),
        Err(_) => sizes.iter().copied().max().unwrap_or(1),
    };
    for (dialect, url) in backends {
        let db = runtime.block_on(async {
            let db = Db::connect(&url).await.unwrap();
            blog::seed(&db, users).await;
            db
        });
        let mut group = criterion.benchmark_group(format!("strategies_{dialect:?}").to_lowercase());
        for &n in &sizes {
            // The three agree before they are timed.
            let counts: Vec<usize> = STRATEGIES
                .iter()
                .map(|&s| runtime.block_on(load(&db, n, s)))
                .collect();
            assert!(counts.iter().all(|&c| c == counts[0]), "{dialect:?} {n}");
            for strategy in STRATEGIES.into_iter().filter(|_| n <= 100) {
                group.bench_function(format!("n{n}/{strategy:?}"), |b| {
                    b.iter(|| runtime.block_on(load(&db, n, strategy)))
                });
            }
            let mut times = vec![Vec::new(); STRATEGIES.len()];
            runtime.block_on(async {
                for round in 0..rounds(n) {
                    // Each round starts with another variant.
                    for k in 0..STRATEGIES.len() {
                        let at = (round + k) % STRATEGIES.len();
                        let start = Instant::now();
                        std::hint::black_box(load(&db, n, STRATEGIES[at]).await);
                        times[at].push(start.elapsed());
                    }
                }
            });
            let medians: Vec<Duration> = times.into_iter().map(median).collect();
            summary.push((dialect, n, rounds(n), medians));
        }
        group.finish();
    }
    criterion.final_summary();
    println!("\npaired medians (Join, Batch, Auto) and Auto / best:");
    for (dialect, n, rounds, m) in summary {
        let best = m[0].min(m[1]);
        println!(
            "  {dialect:?} N={n:<5} ({rounds:>3} rounds) Join {:>9.3?}  Batch {:>9.3?}  Auto {:>9.3?}  Auto/best {:.2}x",
            m[0],
            m[1],
            m[2],
            m[2].as_secs_f64() / best.as_secs_f64()
        );
    }
}

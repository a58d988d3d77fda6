//! Read throughput with read replicas: the peer bench's three-level load (users → 10
//! posts each → 5 comments each, all loaded), 32 loads of 10 users at once, on the
//! primary alone and on a `Db` with two replicas, which spreads them over the two.
//! Criterion times each; then a paired loop runs the two in turn (21 rounds), and the
//! summary prints both medians and their ratio.
//!
//! Needs `.ci/replicas` (`REL_REPLICAS_POSTGRES`, `REL_REPLICAS_MYSQL`: the primary's
//! URL, then its replicas', comma-separated); a backend whose variable is not set is
//! skipped. `cargo bench --bench replicas`.
//!
//! On one machine the replicas share its cores with the primary (two cores here): the
//! ratio shows what routing costs and what a second and third server add when the
//! load is bound by round trips and one server's locks, not what replicas on their own
//! machines would add.

mod blog;

use blog::{Post, User, median};
use criterion::Criterion;
use rel::Db;
use std::time::{Duration, Instant};

/// Users seeded: 61,000 rows in all.
const USERS: i64 = 1_000;
/// Loads at once, each of 10 users.
const TASKS: i64 = 32;

/// `TASKS` loads at once, each of 10 users (a different range each): how many rows.
async fn burst(db: &Db) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let db = db.clone();
        tasks.spawn(async move {
            let first = (t * 10) % USERS;
            let users = User::query()
                .filter(User::id.gt(first).and(User::id.lte(first + 10)))
                .with(User::posts().with(Post::comments()))
                .all(&db)
                .await
                .unwrap();
            users
                .iter()
                .flat_map(|u| u.posts.get().unwrap())
                .map(|p| 1 + p.comments.get().unwrap().len())
                .sum::<usize>()
        });
    }
    let mut rows = 0;
    while let Some(done) = tasks.join_next().await {
        rows += done.unwrap();
    }
    rows
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut summary = Vec::new();
    for var in ["REL_REPLICAS_POSTGRES", "REL_REPLICAS_MYSQL"] {
        let Ok(urls) = std::env::var(var) else {
            eprintln!("{var} is not set: skipped (see .ci/replicas)");
            continue;
        };
        let urls: Vec<&str> = urls.split(',').collect();
        let (alone, spread) = runtime.block_on(async {
            let alone = Db::builder(urls[0])
                .max_connections(32)
                .connect()
                .await
                .unwrap();
            let mut builder = Db::builder(urls[0]).max_connections(32);
            for replica in &urls[1..] {
                builder = builder.replica(replica);
            }
            let spread = builder.connect().await.unwrap();
            blog::seed(&spread, USERS).await;
            // Each replica has replayed the seed before anything is timed.
            let position = spread
                .position()
                .await
                .unwrap()
                .expect("the seed's position");
            let patient = {
                let mut builder = Db::builder(urls[0]).replica_wait(Duration::from_secs(120));
                for replica in &urls[1..] {
                    builder = builder.replica(replica);
                }
                builder.connect().await.unwrap().after(&position)
            };
            for _ in &urls[1..] {
                User::query().count(&patient).await.unwrap();
            }
            // Reads with no write before them: no waiting for a position.
            (alone, spread.session())
        });
        let dialect = alone.dialect();
        let rows = runtime.block_on(burst(&alone));
        assert_eq!(
            rows,
            runtime.block_on(burst(&spread)),
            "{dialect:?}: the same rows"
        );
        let mut group = criterion.benchmark_group(format!("replicas_{dialect:?}").to_lowercase());
        for (name, db) in [("primary alone", &alone), ("primary + 2 replicas", &spread)] {
            group.bench_function(name, |b| b.iter(|| runtime.block_on(burst(db))));
        }
        group.finish();
        let mut times = [Vec::new(), Vec::new()];
        runtime.block_on(async {
            for round in 0..21 {
                for k in 0..2 {
                    let at = (round + k) % 2;
                    let db = if at == 0 { &alone } else { &spread };
                    let start = Instant::now();
                    std::hint::black_box(burst(db).await);
                    times[at].push(start.elapsed());
                }
            }
        });
        let [a, s] = times.map(median);
        summary.push((dialect, rows, a, s));
    }
    criterion.final_summary();
    println!("\npaired medians of {TASKS} loads at once (21 rounds), and replicas / alone:");
    for (dialect, rows, alone, spread) in summary {
        println!(
            "  {dialect:?} ({rows} rows a burst): primary alone {alone:>9.3?}  primary + 2 replicas {spread:>9.3?}  ratio {:.2}x",
            spread.as_secs_f64() / alone.as_secs_f64()
        );
    }
}

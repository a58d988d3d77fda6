//! Rel against hand-written sqlx, Diesel 2.3 and SeaORM 2.0: every user with their posts
//! and each post's comments (10 posts per user, 5 comments per post), on SQLite and on
//! the servers of `REL_POSTGRES_URL` / `REL_MYSQL_URL`, for each size of `PEERS_N`
//! (user counts, comma-separated; 1000,10000 by default).
//!
//! Each variant's result must match the expected checksum before anything is timed; a
//! variant whose load fails (Diesel on SQLite past its bind limit, for one) is reported
//! and skipped for that backend and size. Each variant is timed in alternation with an
//! untimed run of another (hand-written sqlx, or Rel Batch for sqlx itself), as in
//! `benches/load.rs`, so that drift between criterion's blocks of samples cancels out of
//! the ratios. At the end it prints, per backend and size, each variant's median and its
//! ratio to Diesel and to hand-written sqlx.

use criterion::{Criterion, SamplingMode};
use peers::{Backend, Checksum, Loader, Target, Variant, seed, sizes_from_env, temp_sqlite_file};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// The order variants are timed in: the two closest (sqlx and Rel Batch) back to back,
/// Rel Join (the server's heavy JSON work) last.
const ORDER: [Variant; 7] = [
    Variant::Sqlx,
    Variant::RelBatch,
    Variant::RelAuto,
    Variant::Diesel,
    Variant::Floor,
    Variant::SeaOrm,
    Variant::RelJoin,
];

/// Runs `timed` `iters` times, each followed by one untimed run of `other`, and
/// returns the time `timed` took.
async fn alternate<A, B, FA, FB>(iters: u64, mut timed: FA, mut other: FB) -> Duration
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        std::hint::black_box(timed().await);
        total += start.elapsed();
        std::hint::black_box(other().await);
    }
    total
}

/// Where criterion writes its reports, found as criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("criterion")
}

/// Criterion's median for `group/name`, in ns, if this run wrote it.
fn median_ns(dir: &std::path::Path, group: &str, name: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(name).join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

/// One backend and size: the group's name and how each variant fared.
struct Report {
    backend: Backend,
    n: i64,
    rows: u64,
    group: String,
    ran: Vec<Variant>,
    failed: Vec<(Variant, String)>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sizes = sizes_from_env();
    let sqlite_file = temp_sqlite_file("peers_bench");
    let targets = Target::available("rel_peers_bench", &sqlite_file);
    let dir = criterion_dir();
    let since = SystemTime::now() - Duration::from_secs(1);
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut reports = Vec::new();
    for target in &targets {
        let backend = target.backend;
        for &n in &sizes {
            let started = Instant::now();
            runtime
                .block_on(seed(target, n))
                .unwrap_or_else(|e| panic!("{e}"));
            let expected = Checksum::expected(n);
            println!(
                "\n{} N={n}: seeded {} rows in {:.1} s",
                backend.name(),
                expected.rows(),
                started.elapsed().as_secs_f64()
            );
            // Every variant loads once and must agree before any is timed.
            let mut loaders = Vec::new();
            let mut failed = Vec::new();
            for variant in ORDER.into_iter().filter(|v| v.runs_on(backend)) {
                let checked = runtime.block_on(async {
                    let loader = Loader::connect(target, variant).await?;
                    let sum = loader.load().await?.checksum();
                    Ok::<_, String>((loader, sum))
                });
                match checked {
                    Ok((loader, sum)) => {
                        assert_eq!(
                            sum,
                            expected,
                            "{} N={n}: {variant} loaded other data than expected",
                            backend.name()
                        );
                        loaders.push((variant, loader));
                    }
                    Err(e) => {
                        println!("{variant}: failed: {e}");
                        failed.push((variant, e));
                    }
                }
            }
            let find = |v: Variant| loaders.iter().find(|(w, _)| *w == v).map(|(_, l)| l);
            let base = find(Variant::Sqlx).expect("hand-written sqlx must run");
            let batch = find(Variant::RelBatch).expect("Rel Batch must run");
            let group_name = format!("peers_{}_n{n}", backend.name());
            let mut group = criterion.benchmark_group(&group_name);
            group.sampling_mode(SamplingMode::Flat);
            for (variant, loader) in &loaders {
                let other = if *variant == Variant::Sqlx {
                    batch
                } else {
                    base
                };
                group.bench_function(variant.name(), |b| {
                    b.to_async(&runtime)
                        .iter_custom(|iters| alternate(iters, || loader.load(), || other.load()))
                });
            }
            group.finish();
            reports.push(Report {
                backend,
                n,
                rows: expected.rows(),
                group: group_name,
                ran: loaders.iter().map(|(v, _)| *v).collect(),
                failed,
            });
        }
    }
    criterion.final_summary();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite_file.display()));
    }
    println!(
        "\nmedian of one load (ms), and its ratio to Diesel, to hand-written sqlx and to the \
         floor (SQLite stepped directly):"
    );
    for r in reports {
        println!(
            "\n{} N={} ({} rows)\n  {:10} {:>10} {:>10} {:>10} {:>10}",
            r.backend.name(),
            r.n,
            r.rows,
            "variant",
            "median ms",
            "/ diesel",
            "/ sqlx",
            "/ floor"
        );
        let median = |v: Variant| median_ns(&dir, &r.group, v.name(), since);
        let ratio = |t: f64, base: Option<f64>| match base {
            Some(b) => format!("{:.2}x", t / b),
            None => "-".to_string(),
        };
        let (diesel, sqlx) = (median(Variant::Diesel), median(Variant::Sqlx));
        let floor = median(Variant::Floor);
        for v in Variant::ALL.into_iter().filter(|v| v.runs_on(r.backend)) {
            if let Some((_, e)) = r.failed.iter().find(|(w, _)| *w == v) {
                println!("  {:10} failed: {e}", v.name());
            } else if let (true, Some(t)) = (r.ran.contains(&v), median(v)) {
                println!(
                    "  {:10} {:>10.1} {:>10} {:>10} {:>10}",
                    v.name(),
                    t / 1e6,
                    ratio(t, diesel),
                    ratio(t, sqlx),
                    ratio(t, floor)
                );
            } else {
                println!("  {:10} not timed in this run", v.name());
            }
        }
    }
}

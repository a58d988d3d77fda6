//! Small SQLite reads, where direct reads (`DbBuilder::sqlite_direct_reads`) pay their
//! fixed cost (a ping and a lock round trip to sqlx's worker, and a fresh prepare) with
//! few rows to win it back: a point lookup by key, and one user's posts and comments
//! (1 + 10 + 50 rows) with each strategy. Each is timed with direct reads on and off,
//! in the same run, on the same database file.
//!
//! `cargo bench --bench sqlite_small`

mod blog;

use blog::{Post, User};
use criterion::Criterion;
use rel::{Db, Strategy};

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = std::env::temp_dir().join(format!("rel_bench_small_{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let (direct, via_sqlx) = runtime.block_on(async {
        let direct = Db::builder(&url).connect().await.unwrap();
        blog::seed(&direct, 100).await;
        let via_sqlx = Db::builder(&url)
            .sqlite_direct_reads(false)
            .connect()
            .await
            .unwrap();
        (direct, via_sqlx)
    });
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("sqlite_small");
    for (name, db) in [("direct", &direct), ("sqlx", &via_sqlx)] {
        group.bench_function(format!("point_lookup/{name}"), |b| {
            let mut k = 0;
            b.iter(|| {
                k = k % 100 + 1;
                runtime.block_on(async {
                    let found = User::query().filter(User::id.eq(k)).all(db).await.unwrap();
                    assert_eq!(found.len(), 1);
                })
            })
        });
        for strategy in [Strategy::Join, Strategy::Batch] {
            group.bench_function(format!("one_user_nested_{strategy:?}/{name}"), |b| {
                let mut k = 0;
                b.iter(|| {
                    k = k % 100 + 1;
                    runtime.block_on(async {
                        let found = User::query()
                            .filter(User::id.eq(k))
                            .with(User::posts().with(Post::comments()))
                            .strategy(strategy)
                            .all(db)
                            .await
                            .unwrap();
                        assert_eq!(found[0].posts.get().unwrap().len(), 10);
                    })
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();
    drop((direct, via_sqlx));
    let _ = std::fs::remove_file(&path);
}

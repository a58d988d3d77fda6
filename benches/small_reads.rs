//! Small reads against the same reads written by hand through sqlx, on every backend
//! (issue 27, item 3): a point lookup by key (`db.get`), and one user with their posts
//! and comments (1 + 10 + 50 rows; Rel's default strategy against three hand-written
//! queries). The hand-written reads run twice: on the `Db`'s own pool (so with the same
//! pool settings and prepared-statement cache), and on a pool of sqlx's defaults
//! (`SqlitePool::connect(url)`, as a user of sqlx alone would write). Each is timed by
//! criterion, then in a paired loop (1,001 rounds, the three in turn), whose medians
//! and ratios the summary prints.
//!
//! `cargo bench --bench small_reads` runs SQLite; set `REL_POSTGRES_URL` /
//! `REL_MYSQL_URL` for the servers.

mod blog;
#[path = "../tests/common/mod.rs"]
mod common;

use blog::{Post, User, median};
use criterion::Criterion;
use rel::{Db, Dialect};
use sqlx::{AssertSqlSafe, Row};
use std::time::{Duration, Instant};

const USERS: i64 = 100;
const ROUNDS: usize = 1_001;

/// A user, their posts and each post's comments, as the hand-written side builds them.
type Plain = (i64, String, Vec<(i64, String, Vec<(i64, String)>)>);

/// One pool of the `Db`'s, for the hand-written side.
enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// Runs `sql` with `keys` bound (one array on PostgreSQL, one value each elsewhere):
/// each row's first columns as `(i64, i64, String)`, or `(i64, String)` read twice.
macro_rules! rows {
    // One value bound per key (SQLite, MySQL).
    (each $sql:expr, $keys:expr, $p:ident, |$r:ident| $map:expr) => {{
        let mut q = sqlx::query(AssertSqlSafe($sql));
        for k in $keys {
            q = q.bind(*k);
        }
        q.fetch_all($p)
            .await
            .unwrap()
            .iter()
            .map(|$r| $map)
            .collect::<Vec<_>>()
    }};
    ($pool:expr, $sql:expr, $keys:expr, |$r:ident| $map:expr) => {
        match $pool {
            Pool::Sqlite(p) => rows!(each $sql, $keys, p, |$r| $map),
            Pool::MySql(p) => rows!(each $sql, $keys, p, |$r| $map),
            Pool::Postgres(p) => sqlx::query(AssertSqlSafe($sql))
                .bind($keys.to_vec())
                .fetch_all(p)
                .await
                .unwrap()
                .iter()
                .map(|$r| $map)
                .collect::<Vec<_>>(),
        }
    };
}

/// `= ?` for one key, `IN (?, ..)` for several, or `= ANY($1)` on PostgreSQL.
fn matching(dialect: Dialect, n: usize) -> String {
    match (dialect, n) {
        (Dialect::Postgres, _) => "= ANY($1)".into(),
        (_, 1) => "= ?".into(),
        _ => format!("IN ({})", vec!["?"; n].join(", ")),
    }
}

async fn point_by_hand(pool: &Pool, dialect: Dialect, id: i64) -> (i64, String) {
    let sql = format!(
        "SELECT id, name FROM users WHERE id {}",
        matching(dialect, 1)
    );
    rows!(pool, sql, &[id], |r| (
        r.get::<i64, _>(0),
        r.get::<String, _>(1)
    ))
    .pop()
    .unwrap()
}

async fn nested_by_hand(pool: &Pool, dialect: Dialect, id: i64) -> Plain {
    let (id, name) = point_by_hand(pool, dialect, id).await;
    let sql = format!(
        "SELECT id, title FROM posts WHERE author_id {} ORDER BY id",
        matching(dialect, 1)
    );
    let posts = rows!(pool, sql, &[id], |r| (
        r.get::<i64, _>(0),
        r.get::<String, _>(1)
    ));
    let post_ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
    let sql = format!(
        "SELECT id, post_id, body FROM comments WHERE post_id {} ORDER BY id",
        matching(dialect, post_ids.len())
    );
    let comments = rows!(pool, sql, &post_ids, |r| (
        r.get::<i64, _>(0),
        r.get::<i64, _>(1),
        r.get::<String, _>(2)
    ));
    let mut by_post: std::collections::HashMap<i64, Vec<(i64, String)>> = Default::default();
    for (cid, post_id, body) in comments {
        by_post.entry(post_id).or_default().push((cid, body));
    }
    let posts = posts
        .into_iter()
        .map(|(pid, title)| (pid, title, by_post.remove(&pid).unwrap_or_default()))
        .collect();
    (id, name, posts)
}

async fn point_by_rel(db: &Db, id: i64) -> User {
    db.get::<User>(&id).await.unwrap().unwrap()
}

async fn nested_by_rel(db: &Db, id: i64) -> User {
    let mut users = User::query()
        .filter(User::id.eq(id))
        .with(User::posts().with(Post::comments()))
        .all(db)
        .await
        .unwrap();
    users.pop().unwrap()
}

/// Times one read by one side: Rel (0), or by hand on `pools[side - 1]` (the `Db`'s
/// pool, or one of sqlx's defaults); the point lookup, or the `nested` read.
async fn timed(
    db: &Db,
    pools: [&Pool; 2],
    dialect: Dialect,
    id: i64,
    side: usize,
    nested: bool,
) -> Duration {
    let start = Instant::now();
    match (side, nested) {
        (0, false) => drop(std::hint::black_box(point_by_rel(db, id).await)),
        (0, true) => drop(std::hint::black_box(nested_by_rel(db, id).await)),
        (s, false) => drop(std::hint::black_box(
            point_by_hand(pools[s - 1], dialect, id).await,
        )),
        (s, true) => drop(std::hint::black_box(
            nested_by_hand(pools[s - 1], dialect, id).await,
        )),
    }
    start.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_small_reads"));
    let mut criterion = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut summary = Vec::new();
    for (dialect, url) in backends {
        let db = runtime.block_on(async {
            let db = Db::connect(&url).await.unwrap();
            blog::seed(&db, USERS).await;
            db
        });
        let pool = if let Some(p) = db.sqlite_pool() {
            Pool::Sqlite(p.clone())
        } else if let Some(p) = db.postgres_pool() {
            Pool::Postgres(p.clone())
        } else {
            Pool::MySql(db.mysql_pool().unwrap().clone())
        };
        let defaults = runtime.block_on(async {
            match dialect {
                Dialect::Sqlite => Pool::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap()),
                Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(&url).await.unwrap()),
                _ => Pool::MySql(sqlx::MySqlPool::connect(&url).await.unwrap()),
            }
        });
        // The two sides agree before they are timed.
        runtime.block_on(async {
            let rel = nested_by_rel(&db, 7).await;
            let hand = nested_by_hand(&pool, dialect, 7).await;
            assert_eq!(rel.name, hand.1);
            let rel_posts = rel.posts.get().unwrap();
            assert_eq!(rel_posts.len(), hand.2.len());
            for (p, h) in rel_posts.iter().zip(&hand.2) {
                assert_eq!((p.id, &p.title), (h.0, &h.1));
                let ids: Vec<i64> = p.comments.get().unwrap().iter().map(|c| c.id).collect();
                assert_eq!(ids, h.2.iter().map(|c| c.0).collect::<Vec<_>>());
            }
            assert_eq!(
                point_by_rel(&db, 9).await.name,
                point_by_hand(&pool, dialect, 9).await.1
            );
        });
        let name = format!("small_reads_{dialect:?}").to_lowercase();
        let mut group = criterion.benchmark_group(name);
        let mut k = 0;
        let mut next = move || {
            k = k % USERS + 1;
            k
        };
        group.bench_function("point/rel", |b| {
            b.iter(|| runtime.block_on(point_by_rel(&db, next())))
        });
        group.bench_function("point/sqlx", |b| {
            b.iter(|| runtime.block_on(point_by_hand(&pool, dialect, next())))
        });
        group.bench_function("point/sqlx_defaults", |b| {
            b.iter(|| runtime.block_on(point_by_hand(&defaults, dialect, next())))
        });
        group.bench_function("one_user_nested/rel", |b| {
            b.iter(|| runtime.block_on(nested_by_rel(&db, next())))
        });
        group.bench_function("one_user_nested/sqlx", |b| {
            b.iter(|| runtime.block_on(nested_by_hand(&pool, dialect, next())))
        });
        group.bench_function("one_user_nested/sqlx_defaults", |b| {
            b.iter(|| runtime.block_on(nested_by_hand(&defaults, dialect, next())))
        });
        group.finish();
        // [rel, sqlx on the Db's pool, sqlx's defaults] for each read.
        let mut points: [Vec<Duration>; 3] = Default::default();
        let mut nested: [Vec<Duration>; 3] = Default::default();
        runtime.block_on(async {
            for round in 0..ROUNDS {
                let id = (round as i64) % USERS + 1;
                for (times, nested) in [(&mut points, false), (&mut nested, true)] {
                    // Each round starts with another side.
                    for k in 0..3 {
                        let side = (round + k) % 3;
                        let pools = [&pool, &defaults];
                        times[side].push(timed(&db, pools, dialect, id, side, nested).await);
                    }
                }
            }
        });
        summary.push((dialect, points.map(median), nested.map(median)));
    }
    criterion.final_summary();
    println!(
        "\npaired medians ({ROUNDS} rounds): Rel, hand-written sqlx on the Db's pool, on a pool of sqlx's defaults; Rel's ratio to each:"
    );
    for (dialect, [rel, same, defaults], [rel_n, same_n, defaults_n]) in summary {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "  {dialect:?}: point lookup {rel:>9.1?} / {same:>9.1?} / {defaults:>9.1?} = {:.2}x, {:.2}x   one user nested {rel_n:>9.1?} / {same_n:>9.1?} / {defaults_n:>9.1?} = {:.2}x, {:.2}x",
            ratio(rel, same),
            ratio(rel, defaults),
            ratio(rel_n, same_n),
            ratio(rel_n, defaults_n),
        );
    }
}

//! Queries, part 2, at scale, on SQLite and (with `REL_POSTGRES_URL` / `REL_MYSQL_URL`)
//! the servers:
//!
//! - page 5,000 (20 rows a page, so 100,000 rows in) of a 1,000,000-row table ordered
//!   by an indexed column: by keyset cursor against by `OFFSET`;
//! - the top 10 of 10,000 users by their published posts' count, over 1,000,000 posts:
//!   Rel's order by a per-parent aggregate against hand-written SQL (a `GROUP BY`).
//!
//! `cargo bench --bench query_shape`. It prints each backend's query plans, then the
//! median of paired ratios: each variant is timed in alternation with its baseline, so
//! that the machine's drift lands on both sides.

#[path = "../tests/common/mod.rs"]
mod common;
mod timing;

use criterion::Criterion;
use rel::Dialect;
use rel::prelude::*;
use sqlx::{AssertSqlSafe, Row};
use std::time::{Duration, Instant};
use timing::alternate;

#[derive(Table, Debug)]
#[table(name = "bq_items")]
struct Item {
    #[column(primary_key)]
    id: i64,
    #[column(index)]
    score: i64,
    name: String,
}

#[derive(Table, Debug)]
#[table(name = "bq_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug)]
#[table(name = "bq_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    published: bool,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

const ROWS: i64 = 1_000_000;
const USERS: i64 = 10_000;
const PAGE: u64 = 20;
const SKIP: u64 = 100_000;

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys)
        .table::<Item>()
        .table::<User>()
}

/// 1,000,000 items with scores in a scattered order, 10,000 users and 1,000,000
/// posts, two of three published; written by the database itself.
async fn seed(d: Dialect, url: &str) {
    let db = Db::connect(url).await.unwrap();
    schema().drop_all(&db).await.unwrap();
    schema().create_all(&db).await.unwrap();
    let numbers = |n: i64| match d {
        Dialect::Postgres => format!("SELECT x::bigint AS x FROM generate_series(1, {n}) AS g(x)"),
        _ => format!(
            "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}) SELECT x FROM g"
        ),
    };
    let truth = "(x % 3 <> 0)";
    let statements = [
        format!(
            "INSERT INTO bq_items (id, score, name) SELECT x, (x * 7919) % 1000003, 'item' || x FROM ({}) AS n",
            numbers(ROWS)
        ),
        format!(
            "INSERT INTO bq_users (id, name) SELECT x, 'user' || x FROM ({}) AS n",
            numbers(USERS)
        ),
        format!(
            "INSERT INTO bq_posts (id, user_id, published) SELECT x, (x * 31) % {USERS} + 1, {truth} FROM ({}) AS n",
            numbers(ROWS)
        ),
    ];
    let statements: Vec<String> = match d {
        // MariaDB's `||` is OR, and its recursive CTEs stop at 1,000 levels unless the
        // statement raises the limit for itself.
        Dialect::MySql | Dialect::MySql8 => statements
            .iter()
            .map(|s| {
                let s = s
                    .replace("'item' || x", "CONCAT('item', x)")
                    .replace("'user' || x", "CONCAT('user', x)");
                format!("SET STATEMENT max_recursive_iterations = 2000000 FOR {s}")
            })
            .collect(),
        _ => statements.to_vec(),
    };
    common::raw(d, url, &statements).await;
    let analyze = match d {
        Dialect::Postgres => "ANALYZE",
        Dialect::Sqlite => "ANALYZE",
        _ => "ANALYZE TABLE bq_items, bq_users, bq_posts",
    };
    common::raw(d, url, &[analyze]).await;
}

fn by_score() -> Query<Item> {
    Item::query().order_by(Item::score.asc())
}

fn top_users() -> Query<User> {
    User::query()
        .order_by(
            User::posts()
                .filter(Post::published.eq(true))
                .count()
                .desc(),
        )
        .limit(10)
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

/// The rows of `sql` on whichever pool it is, each mapped by `$map`.
macro_rules! rows {
    ($pool:expr, $sql:expr, $map:expr) => {
        match $pool {
            Pool::Sqlite(p) => rows!(@on p, $sql, $map),
            Pool::Postgres(p) => rows!(@on p, $sql, $map),
            Pool::MySql(p) => rows!(@on p, $sql, $map),
        }
    };
    (@on $p:ident, $sql:expr, $map:expr) => {
        sqlx::query(AssertSqlSafe($sql))
            .fetch_all($p)
            .await
            .unwrap()
            .iter()
            .map($map)
            .collect()
    };
}

/// The same top 10, as someone would write it by hand.
const TOP_SQL: &str = "SELECT u.id, u.name FROM bq_users u JOIN bq_posts p ON p.user_id = u.id \
                       WHERE p.published GROUP BY u.id, u.name ORDER BY COUNT(*) DESC, u.id LIMIT 10";

async fn top_by_hand(d: Dialect, pool: &Pool) -> Vec<i64> {
    let sql = match d {
        Dialect::Postgres => TOP_SQL.to_owned(),
        _ => TOP_SQL.replace("WHERE p.published", "WHERE p.published = 1"),
    };
    rows!(pool, sql, |r| r.get::<i64, _>(0))
}

/// The plan the backend reads `sql` with (its values inlined: EXPLAIN only).
async fn plan(pool: &Pool, d: Dialect, sql: &str) -> String {
    let explain = match d {
        Dialect::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        _ => format!("EXPLAIN {sql}"),
    };
    let lines: Vec<String> = match pool {
        Pool::Sqlite(p) => rows!(@on p, explain, |r| r.get::<String, _>(3)),
        Pool::Postgres(p) => rows!(@on p, explain, |r| r.get::<String, _>(0)),
        Pool::MySql(p) => rows!(@on p, explain, |r| {
            let text = |c: &str| r.try_get::<Option<String>, _>(c).ok().flatten().unwrap_or_default();
            format!("type={} key={} extra={}", text("type"), text("key"), text("Extra"))
        }),
    };
    lines.join("\n    ")
}

/// The median over `rounds` of the ratio of `a`'s mean time to `b`'s, each timed over
/// `per_block` runs in a row, and the two medians in ms. With `per_block` 1 each run of
/// one follows a run of the other (paired); with more, each runs in a steady state, the
/// caches holding what it reads (a page by `OFFSET`, which walks 100,000 index entries,
/// evicts SQLite's 2 MiB page cache before each page by cursor when paired).
async fn blocks<A, B, FA, FB>(
    rounds: usize,
    per_block: u32,
    mut a: FA,
    mut b: FB,
) -> (f64, f64, f64)
where
    FA: FnMut() -> A,
    FB: FnMut() -> B,
    A: std::future::Future,
    B: std::future::Future,
{
    let (mut ratios, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_block {
            a().await;
        }
        let x = start.elapsed().as_secs_f64() / f64::from(per_block);
        let start = Instant::now();
        for _ in 0..per_block {
            b().await;
        }
        let y = start.elapsed().as_secs_f64() / f64::from(per_block);
        ratios.push(x / y);
        ta.push(x);
        tb.push(y);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(ratios), median(ta) * 1e3, median(tb) * 1e3)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let backends = runtime.block_on(common::backend_urls("bench_query_shape"));
    let mut criterion = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut report = Vec::new();
    for (d, url) in backends {
        let (db, pool, cursor) = runtime.block_on(async {
            seed(d, &url).await;
            let db = Db::connect(&url).await.unwrap();
            let pool = match d {
                Dialect::Sqlite => Pool::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap()),
                Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(&url).await.unwrap()),
                _ => Pool::MySql(sqlx::MySqlPool::connect(&url).await.unwrap()),
            };
            // Where page 5,001 starts: after the first 100,000 rows.
            let skipped = by_score().page(SKIP).all(&db).await.unwrap();
            (db, pool, skipped.next.unwrap())
        });
        // Both read the same rows, and so do Rel's top 10 and the hand-written one.
        runtime.block_on(async {
            let by_offset = by_score().offset(SKIP).limit(PAGE).all(&db).await.unwrap();
            let by_cursor = by_score().page(PAGE).after(&cursor).all(&db).await.unwrap();
            let ids = |rows: &[Item]| rows.iter().map(|i| i.id).collect::<Vec<_>>();
            assert_eq!(ids(&by_offset), ids(&by_cursor.rows), "{d:?}");
            let rel: Vec<i64> = top_users().all(&db).await.unwrap().iter().map(|u| u.id).collect();
            assert_eq!(rel, top_by_hand(d, &pool).await, "{d:?}");
            let first = &by_offset[0];
            let offset_sql = format!(
                "SELECT * FROM bq_items ORDER BY score ASC, id ASC LIMIT {PAGE} OFFSET {SKIP}"
            );
            // Rel's statement (printed above it), with the cursor's values inlined.
            let cursor_sql = format!(
                "SELECT * FROM bq_items WHERE score >= {s} AND (score > {s} OR (score = {s} AND id > {i})) ORDER BY score ASC, id ASC LIMIT {}",
                PAGE + 1,
                s = first.score,
                i = first.id
            );
            println!("\n{d:?}: Rel's page by cursor:\n    {}", by_score().page(PAGE).after(&cursor).to_sql(d).unwrap().sql);
            println!("{d:?}: plan by offset:\n    {}", plan(&pool, d, &offset_sql).await);
            println!("{d:?}: plan by cursor:\n    {}", plan(&pool, d, &cursor_sql).await);
            println!("{d:?}: Rel's top 10:\n    {}", top_users().to_sql(d).sql);
        });
        let name = format!("query_shape_{d:?}").to_lowercase();
        let mut group = criterion.benchmark_group(&name);
        group.bench_function("page_by_offset", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(
                    iters,
                    || by_score().offset(SKIP).limit(PAGE).all(&db),
                    || by_score().page(PAGE).after(&cursor).all(&db),
                )
            })
        });
        group.bench_function("page_by_cursor", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(
                    iters,
                    || by_score().page(PAGE).after(&cursor).all(&db),
                    || by_score().offset(SKIP).limit(PAGE).all(&db),
                )
            })
        });
        group.bench_function("top10_by_hand", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(iters, || top_by_hand(d, &pool), || top_users().all(&db))
            })
        });
        group.bench_function("top10_rel", |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                alternate(iters, || top_users().all(&db), || top_by_hand(d, &pool))
            })
        });
        group.finish();
        let pages = runtime.block_on(blocks(
            21,
            1,
            || by_score().offset(SKIP).limit(PAGE).all(&db),
            || by_score().page(PAGE).after(&cursor).all(&db),
        ));
        let top = runtime.block_on(blocks(
            11,
            1,
            || top_users().all(&db),
            || top_by_hand(d, &pool),
        ));
        let steady = runtime.block_on(blocks(
            11,
            20,
            || by_score().offset(SKIP).limit(PAGE).all(&db),
            || by_score().page(PAGE).after(&cursor).all(&db),
        ));
        report.push((d, pages, steady, top));
    }
    println!("\nmedian of paired ratios (same run):");
    for (d, (pages, offset_ms, cursor_ms), steady, (top, rel_ms, hand_ms)) in report {
        let (steady, steady_offset, steady_cursor) = steady;
        println!(
            "  {d:?}: page 5,000 by offset / by cursor: {pages:.1}x alternated ({offset_ms:.2} ms / {cursor_ms:.2} ms), \
             {steady:.1}x in blocks ({steady_offset:.2} ms / {steady_cursor:.3} ms); \
             top 10 by filtered count, Rel / hand-written: {top:.2}x ({rel_ms:.1} ms / {hand_ms:.1} ms)"
        );
    }
}

//! The SQL each dialect produces for representative queries, as snapshots in
//! `tests/snapshots/query_*.sql`. `REL_BLESS=1 cargo test --test sql` regenerates them.

mod common;

use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    nickname: Option<String>,
    #[relation(many)]
    posts: Many<Post>,
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
}

#[derive(Table, Debug)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    score: Option<i32>,
    body: Vec<u8>,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
}

#[derive(Table, Debug)]
#[table(name = "groups")]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table, Debug)]
#[table(name = "memberships", primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(one, from = group_id, to = Group::id)]
    group: One<Group>,
}

fn render(queries: &[(&str, Query<User>)]) -> String {
    let mut out = String::new();
    for dialect in Dialect::ALL {
        for (name, q) in queries {
            let stmt = q.to_sql(dialect);
            out.push_str(&format!(
                "-- {name} ({dialect:?})\n{};\n-- binds: {:?}\n\n",
                stmt.sql, stmt.binds
            ));
        }
    }
    out
}

#[test]
fn query_sql_per_dialect() {
    let filtered = User::query()
        .filter(
            User::name
                .ilike("a%")
                .and(User::posts().filter(Post::score.gt(3)).exists())
                .or(User::nickname.is_null().and(User::id.in_list([1, 2]))),
        )
        .order_by(User::nickname.desc())
        .limit(10)
        .offset(5);
    let nested = User::query()
        .filter(User::groups().not_exists().not())
        .with(
            User::posts()
                .filter(Post::score.is_not_null())
                .order_by(Post::score.desc())
                .limit(3),
        )
        .with(User::groups().order_by(Group::name.asc()))
        .with(User::posts().count());
    common::assert_snapshot(
        "query_join.sql",
        &render(&[
            ("filtered", filtered.clone().strategy(Strategy::Join)),
            ("nested", nested.clone().strategy(Strategy::Join)),
        ]),
    );
    common::assert_snapshot(
        "query_batch_root.sql",
        &render(&[
            ("filtered", filtered.strategy(Strategy::Batch)),
            ("nested", nested.strategy(Strategy::Batch)),
        ]),
    );
}

/// `Statement::pretty` (the `pretty` feature) lays a nested Join statement out with
/// each subquery indented deeper than the statement around it, and changes nothing
/// but whitespace.
#[test]
fn pretty_indents_nested_join_sql() {
    let query = User::query()
        .strategy(Strategy::Join)
        .with(User::posts().with(Post::author()))
        .with(User::groups());
    for dialect in Dialect::ALL {
        let stmt = query.to_sql(dialect);
        let pretty = stmt.pretty();
        let squeeze = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
        assert_eq!(squeeze(&pretty), squeeze(&stmt.sql), "{dialect:?}");
        assert!(!stmt.sql.contains('\n'));
        let lines: Vec<&str> = pretty.lines().collect();
        assert!(lines.len() > 10, "{dialect:?}:\n{pretty}");
        // Each `FROM` of the three nested levels is further in than the one before.
        let depths: Vec<usize> = lines
            .iter()
            .filter(|l| l.trim_start().starts_with("FROM"))
            .map(|l| l.len() - l.trim_start().len())
            .collect();
        let mut levels = depths.clone();
        levels.sort();
        levels.dedup();
        assert!(
            levels.len() >= 3,
            "{dialect:?}: FROM at {depths:?}\n{pretty}"
        );
    }
}

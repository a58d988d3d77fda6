//! What `Schema::check_integrity` reports for each kind of orphan, on every backend:
//! the relation (or the key's columns, where no relation holds it), the table it should
//! refer to, how many rows point nowhere, and the primary keys of the first few.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Orphans, Value};

#[derive(Table, Debug)]
#[table(name = "ig_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    invited_by_id: Option<i64>,
    /// A self relation.
    #[relation(one, from = invited_by_id, to = User::id, alias = "inviter")]
    invited_by: One<Option<User>>,
    #[relation(many, alias = "inviter")]
    invitees: Many<User>,
    /// A junction whose keys no relation of its own holds.
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
}

#[derive(Table, Debug)]
#[table(name = "ig_groups")]
struct Group {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug)]
#[table(name = "ig_memberships", primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

#[derive(Table, Debug)]
#[table(name = "ig_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    reviewer_id: Option<i64>,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
    #[relation(one, from = reviewer_id, to = User::id)]
    reviewer: One<Option<User>>,
}

#[derive(Table, Debug)]
#[table(name = "ig_lines", primary_key(order_id, line_no))]
struct Line {
    order_id: i64,
    line_no: i32,
}

/// A composite key, each part nullable.
#[derive(Table, Debug)]
#[table(name = "ig_notes")]
struct Note {
    #[column(primary_key)]
    id: i64,
    order_id: Option<i64>,
    line_no: Option<i32>,
    #[relation(one, from = (order_id, line_no), to = (Line::order_id, Line::line_no))]
    line: One<Option<Line>>,
}

fn schema() -> Schema {
    // Emulated mode: no foreign keys in the DDL, so the statements below can write
    // what a database's own keys would refuse.
    Schema::new(RelationMode::Emulated)
        .table::<Post>()
        .table::<Note>()
        .table::<User>()
}

fn keys(keys: &[&[i64]]) -> Vec<Vec<Value>> {
    keys.iter()
        .map(|key| key.iter().map(|v| Value::I64(*v)).collect())
        .collect()
}

fn orphans(
    table: &'static str,
    relation: &str,
    to: &'static str,
    count: u64,
    samples: &[&[i64]],
) -> Orphans {
    Orphans {
        table,
        relation: relation.into(),
        referenced_table: to,
        count,
        samples: keys(samples),
    }
}

#[tokio::test]
async fn each_kind_of_orphan_is_reported_with_its_relation_count_and_keys() {
    for (d, url) in common::backend_urls("integrity").await {
        let db = Db::connect(&url).await.unwrap();
        let schema = schema();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        common::raw(d, &url, &[
            "INSERT INTO ig_users (id, invited_by_id) VALUES (1, NULL), (2, 1), (3, 99)",
            "INSERT INTO ig_posts (id, author_id, reviewer_id) VALUES (100, 1, NULL), (101, 1, 2)",
            "INSERT INTO ig_groups (id) VALUES (10)",
            "INSERT INTO ig_memberships (user_id, group_id) VALUES (1, 10)",
            "INSERT INTO ig_lines (order_id, line_no) VALUES (1, 1)",
            // A NULL in any part refers to nothing: these are no orphans.
            "INSERT INTO ig_notes (id, order_id, line_no) VALUES (1, 1, 1), (3, NULL, 5), (4, 2, NULL)",
        ])
        .await;
        let found = schema.check_integrity(&db).await.unwrap();
        assert_eq!(
            found,
            [orphans("ig_users", "invited_by", "ig_users", 1, &[&[3]])],
            "{d:?}: only user 3's inviter is missing"
        );

        // Every other kind: a required key (seven rows, five shown, in key order), an
        // optional one, a composite one, and a junction's two keys.
        common::raw(
            d,
            &url,
            &[
                "INSERT INTO ig_posts (id, author_id, reviewer_id) VALUES \
             (107, 8, NULL), (106, 8, NULL), (105, 8, NULL), (104, 8, NULL), \
             (103, 8, NULL), (102, 8, NULL), (108, 9, 1), (109, 1, 77)",
                "INSERT INTO ig_notes (id, order_id, line_no) VALUES (2, 1, 2)",
                "INSERT INTO ig_memberships (user_id, group_id) VALUES (1, 11), (7, 10)",
            ],
        )
        .await;
        let mut found = schema.check_integrity(&db).await.unwrap();
        found.sort_by(|a, b| (a.table, &a.relation).cmp(&(b.table, &b.relation)));
        let want = [
            orphans("ig_memberships", "group_id", "ig_groups", 1, &[&[1, 11]]),
            orphans("ig_memberships", "user_id", "ig_users", 1, &[&[7, 10]]),
            orphans("ig_notes", "line", "ig_lines", 1, &[&[2]]),
            orphans(
                "ig_posts",
                "author",
                "ig_users",
                7,
                &[&[102], &[103], &[104], &[105], &[106]],
            ),
            orphans("ig_posts", "reviewer", "ig_users", 1, &[&[109]]),
            orphans("ig_users", "invited_by", "ig_users", 1, &[&[3]]),
        ];
        assert_eq!(found, want, "{d:?}");

        // Repaired data reports nothing.
        common::raw(
            d,
            &url,
            &[
                "DELETE FROM ig_memberships WHERE user_id = 7 OR group_id = 11",
                "DELETE FROM ig_notes WHERE id = 2",
                "DELETE FROM ig_posts WHERE id > 101",
                "UPDATE ig_users SET invited_by_id = NULL WHERE id = 3",
            ],
        )
        .await;
        assert!(
            schema.check_integrity(&db).await.unwrap().is_empty(),
            "{d:?}"
        );
        db.close().await;
    }
}

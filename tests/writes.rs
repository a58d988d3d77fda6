//! Every write on every backend: update by key and by filter, delete by filter, upsert,
//! bulk inserts, their SQL, and their typed errors, on a `Db` and in transactions.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Error, Strategy};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "w_users")]
struct User {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(unique)]
    email: String,
    name: String,
    score: i32,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "w_posts")]
struct Post {
    #[column(primary_key, auto_increment)]
    id: i64,
    author_id: i64,
    title: String,
    published: bool,
    #[relation(one, from = author_id, to = User::id, on_delete = restrict, on_update = cascade)]
    author: One<User>,
}

fn user(email: &str, score: i32) -> User {
    User {
        id: 0,
        email: email.into(),
        name: email.split('@').next().unwrap_or_default().into(),
        score,
        posts: Many::default(),
    }
}

fn post(author_id: i64, title: &str, published: bool) -> Post {
    Post {
        id: 0,
        author_id,
        title: title.into(),
        published,
        author: One::default(),
    }
}

async fn fresh(name: &str) -> Vec<Db> {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    common::fresh(name, &schema).await
}

/// Three users (scores 1, 2, 3) and a post by the first; their keys.
async fn seed(db: &Db) -> (Vec<i64>, i64) {
    let users = db
        .insert_many(&[user("ada@x", 1), user("alan@x", 2), user("grace@x", 3)])
        .await
        .unwrap();
    let post = db.insert(&post(users[0], "Notes", true)).await.unwrap();
    (users, post)
}

#[tokio::test]
async fn update_by_key_writes_every_column_but_the_key() {
    for db in fresh("update_by_key").await {
        let d = db.dialect();
        let (users, _) = seed(&db).await;
        let mut ada = db.get::<User>(&users[0]).await.unwrap().unwrap();
        ada.name = "Ada Lovelace".into();
        ada.score = 10;
        // Relation fields are not columns: ignored.
        ada.posts = Many::loaded(Vec::new());
        assert!(db.update(&ada).await.unwrap(), "{d:?}");
        let got = db.get::<User>(&users[0]).await.unwrap().unwrap();
        assert_eq!(
            (got.name.as_str(), got.score),
            ("Ada Lovelace", 10),
            "{d:?}"
        );
        // The others are untouched; a key no row has matches nothing.
        assert_eq!(db.get::<User>(&users[1]).await.unwrap().unwrap().score, 2);
        let ghost = User {
            id: 999,
            ..ada.clone()
        };
        assert!(!db.update(&ghost).await.unwrap(), "{d:?}");
        // Writing the same values again still matches the row.
        assert!(db.update(&ada).await.unwrap(), "{d:?}");
        // A unique column taken by another row.
        let clash = User {
            email: "alan@x".into(),
            ..ada
        };
        let err = db.update(&clash).await.unwrap_err();
        assert!(
            matches!(&err, Error::Unique { table: "w_users", columns, .. } if columns == &["email"]),
            "{d:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn update_by_filter_sets_typed_values_and_counts_matched_rows() {
    for db in fresh("update_by_filter").await {
        let d = db.dialect();
        let (users, _) = seed(&db).await;
        let hostile = "x'); DROP TABLE w_users; -- \"a\"\"b` \\";
        let n = User::update()
            .set(User::name, hostile)
            .set(User::score, 7)
            .filter(User::score.gte(2))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(n, 2, "{d:?}");
        let all = db.all::<User>().await.unwrap();
        let got: Vec<(&str, i32)> = all.iter().map(|u| (u.name.as_str(), u.score)).collect();
        assert_eq!(got, [("ada", 1), (hostile, 7), (hostile, 7)], "{d:?}");
        // An update that changes nothing still counts the rows it matched.
        let same = User::update()
            .set(User::score, 7)
            .filter(User::score.eq(7))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(same, 2, "{d:?}");
        // A relation filter, and every row.
        let with_posts = User::update()
            .set(User::score, 100)
            .filter(User::posts().exists())
            .run(&db)
            .await
            .unwrap();
        assert_eq!(with_posts, 1, "{d:?}");
        assert_eq!(db.get::<User>(&users[0]).await.unwrap().unwrap().score, 100);
        let all = User::update()
            .set(User::score, 0)
            .all_rows()
            .run(&db)
            .await
            .unwrap();
        assert_eq!(all, 3, "{d:?}");
    }
}

/// Prisma's example: `Post.author` has `onDelete: Cascade, onUpdate: Cascade`-like
/// actions. Changing a user's key carries its posts along; deleting a user they still
/// refer to (`restrict`) is refused, naming the relation, with nothing changed.
#[tokio::test]
async fn key_changes_fire_on_update_and_referenced_rows_are_kept() {
    for db in fresh("key_change").await {
        let d = db.dialect();
        let (users, post_id) = seed(&db).await;
        let n = User::update()
            .set(User::id, 500)
            .filter(User::id.eq(users[0]))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(n, 1, "{d:?}");
        let post = db.get::<Post>(&post_id).await.unwrap().unwrap();
        assert_eq!(post.author_id, 500, "{d:?}: on_update = cascade");

        let err = User::delete()
            .filter(User::id.eq(500))
            .run(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::StillReferenced {
                    table: "w_users",
                    referencing_table: Some("w_posts"),
                    relation: Some("author"),
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        assert_eq!(db.all::<User>().await.unwrap().len(), 3, "{d:?}");

        // A post pointed at no user is refused, naming the relation.
        let err = Post::update()
            .set(Post::author_id, 999)
            .filter(Post::id.eq(post_id))
            .run(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ForeignKey {
                    table: "w_posts",
                    relation: Some("author"),
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        assert_eq!(
            db.get::<Post>(&post_id).await.unwrap().unwrap().author_id,
            500,
            "{d:?}"
        );
    }
}

#[tokio::test]
async fn delete_by_filter_with_relation_filters() {
    for db in fresh("delete_by_filter").await {
        let d = db.dialect();
        let (users, _) = seed(&db).await;
        db.insert(&post(users[1], "Draft", false)).await.unwrap();
        // Hostile values in a filter are only values.
        let hostile = Post::delete()
            .filter(
                Post::title
                    .eq("x' OR '1'='1")
                    .or(Post::title.like("%'; DROP TABLE w_posts; --")),
            )
            .run(&db)
            .await
            .unwrap();
        assert_eq!(hostile, 0, "{d:?}");
        // An empty list matches nothing.
        let none = Post::delete()
            .filter(Post::id.in_list(Vec::<i64>::new()))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(none, 0, "{d:?}");
        let drafts = Post::delete()
            .filter(Post::published.eq(false))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(drafts, 1, "{d:?}");
        // Users with no post.
        let idle = User::delete()
            .filter(User::posts().not_exists())
            .run(&db)
            .await
            .unwrap();
        assert_eq!(idle, 2, "{d:?}");
        let left: Vec<i64> = db
            .all::<User>()
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(left, [users[0]], "{d:?}");
        assert_eq!(Post::delete().all_rows().run(&db).await.unwrap(), 1);
        assert_eq!(User::delete().all_rows().run(&db).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn upsert_inserts_or_updates_and_returns_the_key() {
    for db in fresh("upsert").await {
        let d = db.dialect();
        let (users, _) = seed(&db).await;
        // On the primary key: every other column is updated.
        let mut alan = db.get::<User>(&users[1]).await.unwrap().unwrap();
        alan.score = 20;
        assert_eq!(db.upsert(&alan).await.unwrap(), users[1], "{d:?}");
        assert_eq!(db.get::<User>(&users[1]).await.unwrap().unwrap().score, 20);
        // On a unique column, updating only the named column.
        let again = User {
            name: "ignored".into(),
            score: 30,
            ..user("grace@x", 0)
        };
        let key = User::upsert(&again)
            .on_conflict(User::email)
            .update(User::score)
            .run(&db)
            .await
            .unwrap();
        assert_eq!(key, users[2], "{d:?}");
        let grace = db.get::<User>(&users[2]).await.unwrap().unwrap();
        assert_eq!((grace.name.as_str(), grace.score), ("grace", 30), "{d:?}");
        // No conflict: inserted, with a new key.
        let new = User::upsert(&user("edsger@x", 4))
            .on_conflict(User::email)
            .run(&db)
            .await
            .unwrap();
        assert!(!users.contains(&new), "{d:?}");
        assert_eq!(
            db.get::<User>(&new).await.unwrap().unwrap().email,
            "edsger@x"
        );
        assert_eq!(db.all::<User>().await.unwrap().len(), 4, "{d:?}");
    }
}

/// A conflict target must be a key (the primary key, or a unique column): on a plain
/// column the upsert is refused before anything is sent, on every backend (MariaDB's
/// `ON DUPLICATE KEY` would ignore the column and store a second row; SQLite and
/// PostgreSQL refused with an untyped error).
#[tokio::test]
async fn an_upsert_conflicts_only_on_a_key() {
    for db in fresh("upsert_key").await {
        let d = db.dialect();
        seed(&db).await;
        let sent = db.statement_count();
        for (what, upsert) in [
            (
                "a plain column",
                User::upsert(&user("ada2@x", 1)).on_conflict(User::score),
            ),
            (
                "a unique column and another",
                User::upsert(&user("ada@x", 1))
                    .on_conflict(User::email)
                    .on_conflict(User::score),
            ),
        ] {
            let err = upsert.run(&db).await.unwrap_err();
            assert!(
                matches!(&err, Error::ConflictTarget { table: "w_users", columns } if columns.contains(&"score")),
                "{d:?} {what}: {err:?}"
            );
            assert!(err.to_string().contains("`score`"), "{err}");
        }
        assert_eq!(db.statement_count(), sent, "{d:?}: nothing was sent");
        assert_eq!(db.all::<User>().await.unwrap().len(), 3, "{d:?}");
        // The primary key named in any order, and a unique column, are keys.
        let ada = db.all::<User>().await.unwrap().remove(0);
        let key = User::upsert(&ada).on_conflict(User::id).run(&db).await;
        assert_eq!(key.unwrap(), ada.id, "{d:?}");
    }
}

/// A generated key of 0 means "generate one", for `upsert` as for `insert`: the row is
/// inserted with a new key, on every backend (SQLite and PostgreSQL stored the 0 and
/// then updated that row; MariaDB generated keys).
#[tokio::test]
async fn an_upsert_with_a_zero_generated_key_inserts_a_new_row() {
    for db in fresh("upsert_zero").await {
        let d = db.dialect();
        let first = db.upsert(&user("zero1@x", 1)).await.unwrap();
        let second = db.upsert(&user("zero2@x", 2)).await.unwrap();
        assert!(
            first != 0 && second != 0 && first != second,
            "{d:?}: {first} {second}"
        );
        let mut keys: Vec<i64> = db
            .all::<User>()
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            {
                let mut k = vec![first, second];
                k.sort_unstable();
                k
            },
            "{d:?}"
        );
        // With its key, the same row is updated.
        let mut again = db.get::<User>(&first).await.unwrap().unwrap();
        again.score = 10;
        assert_eq!(db.upsert(&again).await.unwrap(), first, "{d:?}");
        assert_eq!(db.all::<User>().await.unwrap().len(), 2, "{d:?}");
        // A zero key whose row breaks a unique column is the insert's Unique error.
        let dup = db.upsert(&user("zero1@x", 3)).await;
        assert!(matches!(dup, Err(Error::Unique { .. })), "{d:?}: {dup:?}");
    }
}

#[tokio::test]
async fn unique_and_not_null_errors_name_their_columns() {
    #[derive(Table, Debug)]
    #[table(name = "w_loose")]
    struct Loose {
        #[column(primary_key)]
        id: i64,
        note: Option<String>,
    }
    for (d, url) in common::backend_urls("write_errors").await {
        let db = Db::connect(&url).await.unwrap();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let (users, _) = seed(&db).await;
        let err = db.insert(&user("ada@x", 9)).await.unwrap_err();
        assert!(
            matches!(&err, Error::Unique { table: "w_users", columns, .. } if columns == &["email"]),
            "{d:?}: {err:?}"
        );
        assert!(err.to_string().contains("(email)"), "{err}");
        let mut dup = db.get::<User>(&users[0]).await.unwrap().unwrap();
        dup.email = "new@x".into();
        let err = db.upsert(&dup).await.map(|_| ()).and(
            User::update()
                .set(User::email, "alan@x")
                .filter(User::id.eq(users[0]))
                .run(&db)
                .await,
        );
        assert!(
            matches!(&err, Err(Error::Unique { columns, .. }) if columns == &["email"]),
            "{d:?}: {err:?}"
        );
        // A table whose column is NOT NULL where the struct's field is an `Option`.
        let pool_sql = [
            "DROP TABLE IF EXISTS w_loose".to_string(),
            "CREATE TABLE w_loose (id BIGINT PRIMARY KEY, note VARCHAR(20) NOT NULL)".to_string(),
        ];
        common::raw(d, &url, &pool_sql).await;
        let err = db.insert(&Loose { id: 1, note: None }).await.unwrap_err();
        assert!(
            matches!(&err, Error::NotNull { table: "w_loose", column, .. } if column == "note"),
            "{d:?}: {err:?}"
        );
    }
}

/// 100,000 rows in and out: `insert_many` (one statement per chunk, returning every
/// generated key in order) and a delete by filter.
#[tokio::test]
async fn a_hundred_thousand_rows() {
    for db in fresh("hundred_thousand").await {
        let d = db.dialect();
        let (users, _) = seed(&db).await;
        let posts: Vec<Post> = (0..100_000)
            .map(|i| post(users[i % 3], &format!("p{i}"), i % 2 == 0))
            .collect();
        let before = db.statement_count();
        let keys = db.insert_many(&posts).await.unwrap();
        let statements = db.statement_count() - before;
        assert_eq!(keys.len(), 100_000, "{d:?}");
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 100_000, "{d:?}");
        assert!(statements < 100, "{d:?}: {statements} statements");
        // Each key is its own row's: no assumption of consecutive values.
        for i in [0, 1, 49_999, 99_999] {
            let got = db.get::<Post>(&keys[i]).await.unwrap().unwrap();
            assert_eq!(got.title, format!("p{i}"), "{d:?}");
        }
        let drafts = Post::delete()
            .filter(Post::published.eq(false))
            .run(&db)
            .await
            .unwrap();
        assert_eq!(drafts, 50_000, "{d:?}");
        let left = Post::query()
            .strategy(Strategy::Batch)
            .count(&db)
            .await
            .unwrap();
        assert_eq!(left, 50_001, "{d:?}");
    }
}

/// Every write inside a transaction that is rolled back leaves nothing behind.
#[tokio::test]
async fn writes_in_a_rolled_back_transaction_leave_nothing() {
    for db in fresh("rolled_back").await {
        let d = db.dialect();
        let (users, post_id) = seed(&db).await;
        let before_users = db.all::<User>().await.unwrap();
        let before_posts = db.all::<Post>().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.insert(&user("new@x", 0)).await.unwrap();
        tx.insert_many(&[post(users[1], "a", true), post(users[2], "b", false)])
            .await
            .unwrap();
        let mut ada = tx.get::<User>(&users[0]).await.unwrap().unwrap();
        ada.name = "changed".into();
        assert!(tx.update(&ada).await.unwrap());
        tx.upsert(&User {
            score: 99,
            ..before_users[1].clone()
        })
        .await
        .unwrap();
        User::update()
            .set(User::id, 900)
            .filter(User::id.eq(users[0]))
            .run(&mut tx)
            .await
            .unwrap();
        Post::delete().all_rows().run(&mut tx).await.unwrap();
        User::delete()
            .filter(User::id.eq(users[2]))
            .run(&mut tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(db.all::<User>().await.unwrap(), before_users, "{d:?}");
        assert_eq!(db.all::<Post>().await.unwrap(), before_posts, "{d:?}");
        assert!(db.get::<Post>(&post_id).await.unwrap().is_some());
    }
}

#[test]
fn writes_show_their_sql() {
    let row = User {
        id: 7,
        email: "a@x".into(),
        name: "A".into(),
        score: 1,
        posts: Many::default(),
    };
    let mut all = String::new();
    for dialect in Dialect::ALL {
        let statements = [
            (
                "update",
                User::update()
                    .set(User::name, "Ada")
                    .set(User::score, 3)
                    .filter(User::id.gt(10).and(User::posts().exists()))
                    .to_sql(dialect),
            ),
            (
                "delete",
                Post::delete()
                    .filter(Post::published.eq(false))
                    .to_sql(dialect),
            ),
            ("delete all", Post::delete().all_rows().to_sql(dialect)),
            ("upsert", User::upsert(&row).to_sql(dialect)),
            (
                "upsert on email",
                User::upsert(&row)
                    .on_conflict(User::email)
                    .update(User::score)
                    .to_sql(dialect),
            ),
        ];
        for (name, stmt) in statements {
            all.push_str(&format!(
                "-- {name} ({dialect:?})\n{};\n-- binds: {:?}\n\n",
                stmt.sql, stmt.binds
            ));
        }
    }
    common::assert_snapshot("writes.sql", &all);
}

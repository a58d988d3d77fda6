//! Relations and foreign keys are independent, as Drizzle has them ("you can define
//! relations without using foreign keys, and vice versa"): a query-only relation
//! (`constraint = none`) loads, filters and counts, and nothing enforces it; a column's
//! foreign key (`#[column(references = ..)]`) is enforced in both modes, and nothing
//! loads it. On every backend, in both relation modes.

mod common;
common::report_backends!();

use rel::Error;
use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rk_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    /// Inferred from `Post::author`, a query-only relation.
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rk_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    /// A relation with no foreign key behind it: a post may name a user who is not there.
    #[relation(one, from = author_id, to = User::id, constraint = none)]
    author: One<Option<User>>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rk_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    /// A foreign key with no relation field.
    #[column(references = Post::id, on_delete = cascade)]
    post_id: i64,
    body: String,
}

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode).table::<User>().table::<Comment>()
}

fn user(id: i64) -> User {
    User {
        id,
        name: format!("user {id}"),
        posts: Many::default(),
    }
}

fn post(id: i64, author_id: i64) -> Post {
    Post {
        id,
        author_id,
        author: One::default(),
    }
}

fn comment(id: i64, post_id: i64) -> Comment {
    Comment {
        id,
        post_id,
        body: format!("comment {id}"),
    }
}

#[test]
fn the_ddl_has_the_columns_key_and_not_the_query_only_relations() {
    for dialect in Dialect::ALL {
        let ddl: Vec<String> = schema(RelationMode::ForeignKeys)
            .ddl(dialect)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect();
        let ddl = ddl.join(";\n");
        assert!(
            ddl.contains("rk_comments_post_id_fkey"),
            "{dialect:?}: {ddl}"
        );
        assert!(ddl.contains("ON DELETE CASCADE"), "{dialect:?}: {ddl}");
        assert!(!ddl.contains("rk_posts_author"), "{dialect:?}: {ddl}");
    }
    let described = schema(RelationMode::Emulated).to_string();
    assert!(
        described.contains(
            "query-only relation author: rk_posts(author_id) -> rk_users(id), no constraint"
        ),
        "{described}"
    );
    assert!(
        described.contains(
            "constraint rk_comments_post_id_fkey: rk_comments(post_id) -> rk_posts(id), on delete cascade"
        ),
        "{described}"
    );
}

#[tokio::test]
async fn query_only_relations_load_and_column_keys_are_enforced_in_both_modes() {
    for db in common::backends("rk_both").await {
        let d = db.dialect();
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let label = format!("{d:?} {mode:?}");
            let schema = schema(mode);
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            db.insert(&user(1)).await.unwrap();
            db.insert(&post(10, 1)).await.unwrap();
            // The query-only relation refuses nothing: user 99 is not there.
            db.insert(&post(11, 99)).await.unwrap();
            // It loads, filters and counts like any relation.
            let posts = Post::query()
                .with(Post::author())
                .order_by(Post::id.asc())
                .all(&db)
                .await
                .unwrap();
            let authors: Vec<Option<i64>> = posts
                .iter()
                .map(|p| p.author.get().unwrap().as_ref().map(|u| u.id))
                .collect();
            assert_eq!(authors, [Some(1), None], "{label}");
            let with_posts = User::query()
                .filter(User::posts().exists())
                .with(User::posts().count())
                .all(&db)
                .await
                .unwrap();
            assert_eq!(with_posts.len(), 1, "{label}");
            assert_eq!(with_posts[0].posts.count().unwrap(), 1, "{label}");

            // The column's key is a constraint, in both modes, named by its column.
            db.insert(&comment(100, 10)).await.unwrap();
            let orphan = db.insert(&comment(101, 99)).await;
            assert!(
                matches!(
                    orphan,
                    Err(Error::ForeignKey {
                        table: "rk_comments",
                        relation: Some("post_id"),
                        ..
                    })
                ),
                "{label}: {orphan:?}"
            );
            // Its action runs: the post's comments go with it.
            assert!(db.delete::<Post>(&10).await.unwrap(), "{label}");
            assert!(db.all::<Comment>().await.unwrap().is_empty(), "{label}");
            // A user with posts is deleted: nothing keeps the query-only relation.
            db.insert(&post(12, 1)).await.unwrap();
            assert!(db.delete::<User>(&1).await.unwrap(), "{label}");
            assert_eq!(db.all::<Post>().await.unwrap().len(), 2, "{label}");
            // And posts naming no user are no orphans: there is no constraint to break.
            assert!(
                schema.check_integrity(&db).await.unwrap().is_empty(),
                "{label}"
            );
            schema.drop_all(&db).await.unwrap();
        }
    }
}

/// Drizzle's `schema2`: the key on the column (`references`), and a relation for
/// queries on the other table that describes the same key. The key holds.
mod schema2 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "rk2_users")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
        #[relation(one, from = id, to = ProfileInfo::user_id, constraint = none)]
        pub profile_info: One<Option<ProfileInfo>>,
    }

    #[derive(Table, Debug)]
    #[table(name = "rk2_profile_info")]
    pub struct ProfileInfo {
        #[column(primary_key)]
        pub id: i64,
        #[column(unique, references = User::id, on_delete = cascade)]
        pub user_id: i64,
    }
}

#[tokio::test]
async fn a_columns_key_holds_beside_a_query_only_relation_on_it() {
    use schema2::{ProfileInfo, User};
    for db in common::backends("rk_schema2").await {
        let d = db.dialect();
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let label = format!("{d:?} {mode:?}");
            let schema = Schema::new(mode).table::<User>();
            assert!(
                schema.to_string().contains(
                    "constraint rk2_profile_info_user_id_fkey: rk2_profile_info(user_id) -> rk2_users(id), on delete cascade"
                ),
                "{label}: {schema}"
            );
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            let new_user = |id| User {
                id,
                profile_info: One::default(),
            };
            db.insert_many(&[new_user(1), new_user(2)]).await.unwrap();
            db.insert(&ProfileInfo { id: 10, user_id: 1 })
                .await
                .unwrap();
            let orphan = db
                .insert(&ProfileInfo {
                    id: 11,
                    user_id: 99,
                })
                .await;
            assert!(
                matches!(
                    orphan,
                    Err(Error::ForeignKey {
                        table: "rk2_profile_info",
                        relation: Some("user_id"),
                        ..
                    })
                ),
                "{label}: {orphan:?}"
            );
            let users = User::query()
                .with(User::profile_info())
                .order_by(User::id.asc())
                .all(&db)
                .await
                .unwrap();
            let profiles: Vec<Option<i64>> = users
                .iter()
                .map(|u| u.profile_info.get().unwrap().as_ref().map(|p| p.id))
                .collect();
            assert_eq!(profiles, [Some(10), None], "{label}");
            assert!(db.delete::<User>(&1).await.unwrap(), "{label}");
            assert!(db.all::<ProfileInfo>().await.unwrap().is_empty(), "{label}");
            schema.drop_all(&db).await.unwrap();
        }
    }
}

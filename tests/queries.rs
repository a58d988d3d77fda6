//! Relational queries on every backend: filters, ordering, windows, nested loads of
//! every relation shape, relation filters, counts, loading onto fetched rows, and the
//! number of statements each query sends.

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    nickname: Option<String>,
    invited_by_id: Option<i64>,
    #[relation(one, from = invited_by_id, to = User::id, alias = "inviter", on_delete = set_null)]
    invited_by: One<Option<User>>,
    #[relation(many, alias = "inviter")]
    invitees: Many<User>,
    #[relation(many)]
    posts: Many<Post>,
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    title: String,
    score: Option<i32>,
    #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
    author: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    body: String,
    #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
    post: One<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "groups")]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many, through = Membership(group_id, user_id))]
    members: Many<User>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "memberships", primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    user: One<User>,
    #[relation(one, from = group_id, to = Group::id, on_delete = cascade)]
    group: One<Group>,
}

/// A composite key, related both ways.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "shelves", primary_key(room, number))]
struct Shelf {
    room: String,
    number: i32,
    #[relation(many)]
    boxes: Many<Crate>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "crates")]
struct Crate {
    #[column(primary_key)]
    id: i64,
    room: Option<String>,
    number: Option<i32>,
    #[relation(one, from = (room, number), to = (Shelf::room, Shelf::number))]
    shelf: One<Option<Shelf>>,
}

fn user(id: i64, name: &str, nickname: Option<&str>, invited_by_id: Option<i64>) -> User {
    User {
        id,
        name: name.into(),
        nickname: nickname.map(Into::into),
        invited_by_id,
        invited_by: One::default(),
        invitees: Many::default(),
        posts: Many::default(),
        groups: Many::default(),
    }
}

fn post(id: i64, author_id: i64, title: &str, score: Option<i32>) -> Post {
    Post {
        id,
        author_id,
        title: title.into(),
        score,
        author: One::default(),
        comments: Many::default(),
    }
}

async fn seed(db: &Db) -> Schema {
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .table::<Shelf>();
    schema.create_all(db).await.unwrap();
    db.insert_many(&[
        user(1, "Ada", Some("countess"), None),
        user(2, "alan", None, Some(1)),
        user(3, "Grace", Some("amazing"), Some(1)),
        user(4, "Édith", None, Some(3)),
    ])
    .await
    .unwrap();
    // Ada has five posts, Alan one, Grace two, Édith none. Scores repeat, with NULLs.
    db.insert_many(&[
        post(10, 1, "a1", Some(5)),
        post(11, 1, "a2", None),
        post(12, 1, "a3", Some(7)),
        post(13, 1, "a4", Some(5)),
        post(14, 1, "a5", Some(1)),
        post(20, 2, "b1", Some(3)),
        post(30, 3, "c1", None),
        post(31, 3, "c2", Some(9)),
    ])
    .await
    .unwrap();
    let comment = |id, post_id, body: &str| Comment {
        id,
        post_id,
        body: body.into(),
        post: One::default(),
    };
    db.insert_many(&[
        comment(100, 10, "first"),
        comment(101, 10, "second"),
        comment(102, 12, "third"),
        comment(103, 31, "Fourth"),
        comment(104, 31, "fifth"),
        comment(105, 31, "sixth"),
    ])
    .await
    .unwrap();
    let group = |id, name: &str| Group {
        id,
        name: name.into(),
        members: Many::default(),
    };
    db.insert_many(&[group(1, "admins"), group(2, "writers")])
        .await
        .unwrap();
    let member = |user_id, group_id| Membership {
        user_id,
        group_id,
        user: One::default(),
        group: One::default(),
    };
    db.insert_many(&[member(1, 1), member(1, 2), member(3, 2)])
        .await
        .unwrap();
    db.insert_many(&[
        Shelf {
            room: "A".into(),
            number: 1,
            boxes: Many::default(),
        },
        Shelf {
            room: "A".into(),
            number: 2,
            boxes: Many::default(),
        },
    ])
    .await
    .unwrap();
    let crate_ = |id, room: Option<&str>, number| Crate {
        id,
        room: room.map(Into::into),
        number,
        shelf: One::default(),
    };
    db.insert_many(&[
        crate_(1, Some("A"), Some(2)),
        crate_(2, Some("A"), Some(2)),
        crate_(3, None, None),
    ])
    .await
    .unwrap();
    schema
}

fn ids<T, K: Copy>(rows: &[T], key: impl Fn(&T) -> K) -> Vec<K> {
    rows.iter().map(key).collect()
}

#[tokio::test]
async fn filters_order_limit_offset_first_count() {
    for db in common::backends("query_filters").await {
        let d = db.dialect();
        let schema = seed(&db).await;
        let q = |f: Expr<Post>| Post::query().filter(f);

        let got = q(Post::score.gt(4).and(Post::score.lte(7)))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(&got, |p| p.id), [10, 12, 13], "{d:?}");
        let got = q(Post::score.eq(5).or(Post::score.is_null()))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(&got, |p| p.id), [10, 11, 13, 30], "{d:?}");
        let got = q(Post::score.ne(5).not()).all(&db).await.unwrap();
        assert_eq!(
            ids(&got, |p| p.id),
            [10, 13],
            "{d:?}: NOT (score <> 5) drops NULLs"
        );
        let got = q(Post::id.in_list([31, 10, 99])).all(&db).await.unwrap();
        assert_eq!(ids(&got, |p| p.id), [10, 31], "{d:?}");
        assert!(
            q(Post::id.in_list(Vec::<i64>::new()))
                .all(&db)
                .await
                .unwrap()
                .is_empty(),
            "{d:?}"
        );
        assert_eq!(
            q(Post::id.not_in(Vec::<i64>::new()))
                .count(&db)
                .await
                .unwrap(),
            8,
            "{d:?}"
        );
        assert_eq!(
            q(Post::id.not_in([10, 11])).count(&db).await.unwrap(),
            6,
            "{d:?}"
        );
        assert_eq!(
            q(Post::score.is_not_null()).count(&db).await.unwrap(),
            6,
            "{d:?}"
        );
        assert_eq!(q(Post::score.gte(9)).count(&db).await.unwrap(), 1, "{d:?}");
        assert_eq!(q(Post::score.lt(3)).count(&db).await.unwrap(), 1, "{d:?}");

        // LIKE is case-sensitive everywhere; ilike is not, on every backend.
        let names = |users: Vec<User>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
        let got = User::query()
            .filter(User::name.like("a%"))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["alan"], "{d:?}");
        let got = User::query()
            .filter(User::name.ilike("A%"))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Ada", "alan"], "{d:?}");
        let got = User::query()
            .filter(User::nickname.ilike("%AM%"))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Grace"], "{d:?}");

        // Several keys, NULL placement, limit and offset.
        let got = Post::query()
            .order_by(Post::score.desc())
            .order_by(Post::id.desc())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            ids(&got, |p| p.id),
            [30, 11, 31, 12, 13, 10, 20, 14],
            "{d:?}: NULLs first in DESC"
        );
        let got = Post::query()
            .order_by(Post::score.asc())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            ids(&got, |p| p.id),
            [14, 20, 10, 13, 12, 31, 11, 30],
            "{d:?}: NULLs last in ASC, id breaks ties"
        );
        let got = Post::query()
            .order_by(Post::score.asc().nulls_first())
            .limit(3)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(&got, |p| p.id), [11, 30, 14], "{d:?}");
        let got = Post::query()
            .order_by(Post::score.desc().nulls_last())
            .offset(5)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            ids(&got, |p| p.id),
            [14, 11, 30],
            "{d:?}: offset without limit"
        );
        let got = Post::query()
            .order_by(Post::id.asc())
            .limit(2)
            .offset(3)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(&got, |p| p.id), [13, 14], "{d:?}");
        assert_eq!(
            Post::query().limit(2).offset(7).count(&db).await.unwrap(),
            1,
            "{d:?}"
        );

        let first = Post::query()
            .order_by(Post::title.desc())
            .first(&db)
            .await
            .unwrap();
        assert_eq!(first.map(|p| p.id), Some(31), "{d:?}");
        assert_eq!(q(Post::id.eq(99)).first(&db).await.unwrap(), None, "{d:?}");

        // The same query inside a transaction sees the transaction's writes.
        let mut tx = db.begin().await.unwrap();
        tx.insert(&post(40, 4, "d1", Some(100))).await.unwrap();
        assert_eq!(
            q(Post::score.gt(50)).count(&mut tx).await.unwrap(),
            1,
            "{d:?}"
        );
        tx.rollback().await.unwrap();
        assert_eq!(q(Post::score.gt(50)).count(&db).await.unwrap(), 0, "{d:?}");
        schema.drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn nested_loads_of_every_shape_with_per_parent_windows() {
    for db in common::backends("query_nested").await {
        let schema = seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            nested_loads(&db, strategy).await;
        }
        schema.drop_all(&db).await.unwrap();
    }
}

async fn nested_loads(db: &Db, strategy: Strategy) {
    let d = (db.dialect(), strategy);
    let db = db.clone();
    {
        let before = db.statement_count();
        let users = User::query()
            .strategy(strategy)
            .order_by(User::id.asc())
            .with(
                User::posts()
                    .order_by(Post::score.desc().nulls_last())
                    .limit(3)
                    .with(Post::comments().order_by(Comment::id.desc())),
            )
            .with(User::invited_by())
            .with(
                User::invitees()
                    .order_by(User::id.asc())
                    .with(User::invitees()),
            )
            .with(
                User::groups()
                    .order_by(Group::name.asc())
                    .with(Group::members().count()),
            )
            .all(&db)
            .await
            .unwrap();
        // Join: one statement. Batch: one per relation per level (root, posts, comments,
        // invited_by, invitees, their invitees, groups, member counts).
        let expected = if strategy == Strategy::Join { 1 } else { 8 };
        assert_eq!(db.statement_count() - before, expected, "{d:?}");

        let posts: Vec<Vec<i64>> = users
            .iter()
            .map(|u| ids(u.posts.get().unwrap(), |p| p.id))
            .collect();
        assert_eq!(
            posts,
            [vec![12, 10, 13], vec![20], vec![31, 30], vec![]],
            "{d:?}: 3 best per user, ties by id"
        );
        let ada_posts = users[0].posts.get().unwrap();
        assert_eq!(
            ids(ada_posts[1].comments.get().unwrap(), |c| c.id),
            [101, 100],
            "{d:?}"
        );
        assert_eq!(
            ids(
                users[2].posts.get().unwrap()[0].comments.get().unwrap(),
                |c| c.id
            ),
            [105, 104, 103],
            "{d:?}"
        );
        assert!(
            ada_posts[0].author.get().is_err(),
            "{d:?}: not asked for, not loaded"
        );

        let inviter: Vec<Option<i64>> = users
            .iter()
            .map(|u| u.invited_by.get().unwrap().as_ref().map(|i| i.id))
            .collect();
        assert_eq!(inviter, [None, Some(1), Some(1), Some(3)], "{d:?}");
        let invitees: Vec<Vec<i64>> = users
            .iter()
            .map(|u| ids(u.invitees.get().unwrap(), |i| i.id))
            .collect();
        assert_eq!(invitees, [vec![2, 3], vec![], vec![4], vec![]], "{d:?}");
        let grace = &users[0].invitees.get().unwrap()[1];
        assert_eq!(
            ids(grace.invitees.get().unwrap(), |i| i.id),
            [4],
            "{d:?}: self relation, two levels"
        );

        let groups: Vec<Vec<(String, u64)>> = users
            .iter()
            .map(|u| {
                u.groups
                    .get()
                    .unwrap()
                    .iter()
                    .map(|g| (g.name.clone(), g.members.count().unwrap()))
                    .collect()
            })
            .collect();
        let g = |n: &str, c| (n.to_string(), c);
        assert_eq!(
            groups,
            [
                vec![g("admins", 1), g("writers", 2)],
                vec![],
                vec![g("writers", 2)],
                vec![]
            ],
            "{d:?}"
        );
        assert!(
            users[0].groups.get().unwrap()[0].members.get().is_err(),
            "{d:?}: counted, rows not loaded"
        );

        // Offset and limit apply per parent.
        let users = User::query()
            .strategy(strategy)
            .with(User::posts().order_by(Post::id.asc()).offset(1).limit(2))
            .all(&db)
            .await
            .unwrap();
        let posts: Vec<Vec<i64>> = users
            .iter()
            .map(|u| ids(u.posts.get().unwrap(), |p| p.id))
            .collect();
        assert_eq!(posts, [vec![11, 12], vec![], vec![31], vec![]], "{d:?}");

        // Composite keys, both ways, with a NULL key.
        let shelves = Shelf::query()
            .strategy(strategy)
            .with(Shelf::boxes())
            .all(&db)
            .await
            .unwrap();
        let boxes: Vec<Vec<i64>> = shelves
            .iter()
            .map(|s| ids(s.boxes.get().unwrap(), |c| c.id))
            .collect();
        assert_eq!(boxes, [vec![], vec![1, 2]], "{d:?}");
        let crates = Crate::query()
            .strategy(strategy)
            .with(Crate::shelf())
            .all(&db)
            .await
            .unwrap();
        let shelf: Vec<Option<i32>> = crates
            .iter()
            .map(|c| c.shelf.get().unwrap().as_ref().map(|s| s.number))
            .collect();
        assert_eq!(shelf, [Some(2), Some(2), None], "{d:?}");

        // A nested filter, and a `one` loaded from many children sharing a parent.
        let posts = Post::query()
            .strategy(strategy)
            .filter(Post::title.like("a%"))
            .with(Post::author().with(User::posts().filter(Post::score.gt(6))))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(posts.len(), 5, "{d:?}");
        for p in &posts {
            let author = p.author.get().unwrap();
            assert_eq!(author.name, "Ada", "{d:?}");
            assert_eq!(ids(author.posts.get().unwrap(), |p| p.id), [12], "{d:?}");
        }
    }
}

#[tokio::test]
async fn relation_filters_counts_and_loading_onto_rows() {
    for db in common::backends("query_relations").await {
        let d = db.dialect();
        let schema = seed(&db).await;
        let names = |users: Vec<User>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
        let with_fi_comment =
            User::posts().filter(Post::comments().filter(Comment::body.like("%fi%")).exists());
        let got = User::query()
            .filter(with_fi_comment.exists())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Ada", "Grace"], "{d:?}: nested EXISTS");
        let got = User::query()
            .filter(User::posts().not_exists())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Édith"], "{d:?}");
        let got = User::query()
            .filter(User::invitees().exists())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Ada", "Grace"], "{d:?}: self relation");
        let got = User::query()
            .filter(User::groups().filter(Group::name.eq("admins")).exists())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["Ada"], "{d:?}: through a junction");
        let got = User::query()
            .filter(
                User::invited_by()
                    .filter(User::name.eq("Ada"))
                    .exists()
                    .and(User::posts().exists()),
            )
            .all(&db)
            .await
            .unwrap();
        assert_eq!(names(got), ["alan", "Grace"], "{d:?}");

        for strategy in [Strategy::Join, Strategy::Batch] {
            let users = User::query()
                .strategy(strategy)
                .with(User::posts().filter(Post::score.is_not_null()).count())
                .all(&db)
                .await
                .unwrap();
            let counts: Vec<u64> = users.iter().map(|u| u.posts.count().unwrap()).collect();
            assert_eq!(counts, [4, 1, 1, 0], "{d:?} {strategy:?}");
        }

        let mut users = User::query()
            .order_by(User::id.desc())
            .all(&db)
            .await
            .unwrap();
        assert!(users[0].posts.get().is_err(), "{d:?}");
        let before = db.statement_count();
        db.load(
            &mut users,
            User::posts()
                .order_by(Post::id.asc())
                .with(Post::comments()),
        )
        .await
        .unwrap();
        assert_eq!(db.statement_count() - before, 2, "{d:?}");
        let posts: Vec<Vec<i64>> = users
            .iter()
            .map(|u| ids(u.posts.get().unwrap(), |p| p.id))
            .collect();
        assert_eq!(
            posts,
            [vec![], vec![30, 31], vec![20], vec![10, 11, 12, 13, 14]],
            "{d:?}"
        );
        assert_eq!(
            users[3].posts.get().unwrap()[0]
                .comments
                .get()
                .unwrap()
                .len(),
            2,
            "{d:?}"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

/// The same tables, declared stricter than the data: a NULL arrives in a non-Option field.
#[derive(Table, Debug)]
#[table(name = "users")]
struct StrictUser {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    posts: Many<StrictPost>,
}

#[derive(Table, Debug)]
#[table(name = "posts")]
struct StrictPost {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    score: i32,
    #[relation(one, from = author_id, to = StrictUser::id)]
    author: One<StrictUser>,
}

#[tokio::test]
async fn decode_errors_name_table_column_and_path() {
    for db in common::backends("query_decode_errors").await {
        let d = db.dialect();
        let schema = seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let err = StrictUser::query()
                .strategy(strategy)
                .with(StrictUser::posts())
                .all(&db)
                .await
                .unwrap_err();
            match &err {
                rel::Error::Decode {
                    table,
                    column,
                    path,
                    ..
                } => {
                    assert_eq!(
                        (*table, *column, path.as_str()),
                        ("posts", "score", "posts"),
                        "{d:?} {strategy:?}: {err}"
                    );
                }
                other => panic!("{d:?} {strategy:?}: expected a decode error, got {other}"),
            }
            assert!(
                err.to_string().contains("relation path `posts`"),
                "{d:?} {strategy:?}: {err}"
            );
        }
        let err = StrictPost::query()
            .filter(StrictPost::id.eq(11))
            .all(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::Decode {
                    table: "posts",
                    column: "score",
                    ..
                }
            ),
            "{d:?}: {err}"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn a_required_one_without_its_row_is_an_error_not_a_panic() {
    for db in common::backends("query_missing_one").await {
        let d = db.dialect();
        let schema = Schema::new(RelationMode::Emulated).table::<User>();
        schema.create_all(&db).await.unwrap();
        // An orphan, as data written outside Rel can hold: no foreign keys in the
        // tables, and a `Db` told to enforce nothing.
        let db = db.unenforced();
        db.insert(&post(1, 77, "orphan", None)).await.unwrap();
        for strategy in [Strategy::Join, Strategy::Batch] {
            let err = Post::query()
                .strategy(strategy)
                .with(Post::author())
                .all(&db)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, rel::Error::MissingRelated { table: "posts", path } if path == "author"),
                "{d:?} {strategy:?}: {err}"
            );
        }
        schema.drop_all(&db).await.unwrap();
    }
}

//! Nested inserts (`insert_graph`) on every backend, in both relation modes: every
//! level written with its generated keys and foreign keys, a `One` inserted before the
//! row that holds its key or connected by key, and a failure at any level leaving
//! nothing behind.

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_users")]
struct User {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(unique)]
    name: String,
    #[relation(many)]
    posts: Many<Post>,
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
}

/// A foreign key with no relation field.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_notes")]
struct Note {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(references = User::id)]
    user_id: i64,
    text: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_groups")]
struct Group {
    #[column(primary_key, auto_increment)]
    id: i64,
    #[column(unique)]
    name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_memberships", primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(one, from = group_id, to = Group::id)]
    group: One<Group>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_posts")]
struct Post {
    #[column(primary_key, auto_increment)]
    id: i64,
    author_id: i64,
    #[column(unique)]
    title: String,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

/// Comments with replies: a self relation.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_comments")]
struct Comment {
    #[column(primary_key, auto_increment)]
    id: i64,
    post_id: i64,
    reply_to_id: Option<i64>,
    #[column(unique)]
    body: String,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
    #[relation(one, from = reply_to_id, to = Comment::id, alias = "replies")]
    reply_to: One<Option<Comment>>,
    #[relation(many, alias = "replies")]
    replies: Many<Comment>,
}

fn user(name: &str, posts: Vec<Post>) -> User {
    User {
        id: 0,
        name: name.into(),
        posts: Many::loaded(posts),
        groups: Many::default(),
    }
}

fn post(title: &str, comments: Vec<Comment>) -> Post {
    Post {
        id: 0,
        author_id: 0,
        title: title.into(),
        author: One::default(),
        comments: Many::loaded(comments),
    }
}

fn comment(body: &str, replies: Vec<Comment>) -> Comment {
    Comment {
        id: 0,
        post_id: 0,
        reply_to_id: None,
        body: body.into(),
        post: One::default(),
        reply_to: One::default(),
        replies: Many::loaded(replies),
    }
}

/// Two users, three posts, three comments.
fn graph() -> Vec<User> {
    vec![
        user(
            "ada",
            vec![
                post(
                    "notes",
                    vec![comment("first", vec![]), comment("second", vec![])],
                ),
                post("engines", vec![]),
            ],
        ),
        user("bob", vec![post("loops", vec![comment("third", vec![])])]),
    ]
}

/// Every table's rows, each as text, in key order.
async fn tables(db: &Db) -> (Vec<String>, Vec<String>, Vec<String>) {
    let users = User::query().all(db).await.unwrap();
    let posts = Post::query().all(db).await.unwrap();
    let comments = Comment::query().all(db).await.unwrap();
    (
        users
            .iter()
            .map(|u| format!("{} {}", u.id, u.name))
            .collect(),
        posts
            .iter()
            .map(|p| format!("{} {} {}", p.id, p.author_id, p.title))
            .collect(),
        comments
            .iter()
            .map(|c| format!("{} {} {:?} {}", c.id, c.post_id, c.reply_to_id, c.body))
            .collect(),
    )
}

fn schema(mode: RelationMode) -> Schema {
    Schema::new(mode).table::<User>().table::<Note>()
}

/// The backends, with the schema created fresh in `mode`.
async fn fresh(test: &str, mode: RelationMode) -> Vec<Db> {
    let name = format!("{test}_{}", format!("{mode:?}").to_lowercase());
    common::fresh(&name, &schema(mode)).await
}

#[tokio::test]
async fn insert_graph_writes_every_level_with_its_keys() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_levels", mode).await {
            let d = db.dialect();
            let mut users = graph();
            let inserted = db.insert_graph_many(&mut users).await.unwrap();
            assert_eq!(inserted, 2 + 3 + 3, "{d:?} {mode:?}");
            // Keys and foreign keys, set in place.
            assert_eq!((users[0].id, users[1].id), (1, 2), "{d:?} {mode:?}");
            let ada = users[0].posts.get().unwrap();
            assert_eq!(
                ada.iter().map(|p| (p.id, p.author_id)).collect::<Vec<_>>(),
                [(1, 1), (2, 1)],
                "{d:?} {mode:?}"
            );
            let bob = &users[1].posts.get().unwrap()[0];
            assert_eq!((bob.id, bob.author_id), (3, 2), "{d:?} {mode:?}");
            let comments = ada[0].comments.get().unwrap();
            assert_eq!(
                comments
                    .iter()
                    .map(|c| (c.id, c.post_id))
                    .collect::<Vec<_>>(),
                [(1, 1), (2, 1)],
                "{d:?} {mode:?}"
            );
            // The database holds exactly that graph.
            let (u, p, c) = tables(&db).await;
            assert_eq!(u, ["1 ada", "2 bob"], "{d:?} {mode:?}");
            assert_eq!(
                p,
                ["1 1 notes", "2 1 engines", "3 2 loops"],
                "{d:?} {mode:?}"
            );
            assert_eq!(
                c,
                ["1 1 None first", "2 1 None second", "3 3 None third"],
                "{d:?} {mode:?}"
            );
            let loaded = User::query()
                .with(User::posts().with(Post::comments()))
                .all(&db)
                .await
                .unwrap();
            let titles: Vec<Vec<&str>> = loaded
                .iter()
                .map(|u| {
                    u.posts
                        .get()
                        .unwrap()
                        .iter()
                        .map(|p| p.title.as_str())
                        .collect()
                })
                .collect();
            assert_eq!(
                titles,
                [vec!["notes", "engines"], vec!["loops"]],
                "{d:?} {mode:?}"
            );

            // A reply below a comment: the self relation's rows get the comment's key
            // (their post, not below them in the graph, is set by hand).
            let mut question = comment("a question", vec![comment("a reply", vec![])]);
            question.post_id = 1;
            question
                .replies
                .get_mut()
                .unwrap()
                .iter_mut()
                .for_each(|r| r.post_id = 1);
            assert_eq!(
                db.insert_graph(&mut question).await.unwrap(),
                2,
                "{d:?} {mode:?}"
            );
            let reply = &question.replies.get().unwrap()[0];
            assert_eq!(reply.reply_to_id, Some(question.id), "{d:?} {mode:?}");
            assert_eq!(question.id, 4, "{d:?} {mode:?}");
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_one_is_inserted_first_or_connected_by_key() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_one", mode).await {
            let d = db.dialect();
            // Connected: the author exists, and the post names it by key.
            let existing = db.insert(&user("cy", vec![])).await.unwrap();
            let mut connected = post("by key", vec![]);
            connected.author_id = existing;
            assert_eq!(
                db.insert_graph(&mut connected).await.unwrap(),
                1,
                "{d:?} {mode:?}"
            );
            // Created: the post's author is loaded, so it is inserted first.
            let mut created = post("with its author", vec![comment("hi", vec![])]);
            created.author = One::loaded(user("dee", vec![]));
            assert_eq!(
                db.insert_graph(&mut created).await.unwrap(),
                3,
                "{d:?} {mode:?}"
            );
            let author = created.author.get().unwrap();
            assert_eq!(created.author_id, author.id, "{d:?} {mode:?}");
            assert_eq!(author.id, existing + 1, "{d:?} {mode:?}");
            let (u, p, c) = tables(&db).await;
            assert_eq!(u, ["1 cy", "2 dee"], "{d:?} {mode:?}");
            assert_eq!(p, ["1 1 by key", "2 2 with its author"], "{d:?} {mode:?}");
            assert_eq!(c, ["1 2 None hi"], "{d:?} {mode:?}");
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

/// The relation path a write error names (`<none>` for an error that names none).
/// The keys of a user's groups, as set on the structs.
fn group_ids(user: &User) -> Vec<i64> {
    user.groups.get().unwrap().iter().map(|g| g.id).collect()
}

/// The junction's rows, as (user, group).
async fn memberships(db: &Db) -> Vec<(i64, i64)> {
    let rows = Membership::query().all(db).await.unwrap();
    rows.iter().map(|m| (m.user_id, m.group_id)).collect()
}

/// A write error as `Variant table at path` (the relation path a nested insert's error
/// names).
fn failure(e: &rel::Error) -> String {
    let (variant, table, path) = match e {
        rel::Error::Unique { table, path, .. } => ("Unique", table, path),
        rel::Error::NotNull { table, path, .. } => ("NotNull", table, path),
        rel::Error::ForeignKey { table, path, .. } => ("ForeignKey", table, path),
        rel::Error::Unsupported {
            table, relation, ..
        } => return format!("Unsupported {table}.{relation}"),
        other => return format!("{other:?}"),
    };
    format!("{variant} {table} at {path}")
}

#[tokio::test]
async fn a_failure_at_any_level_leaves_nothing() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_fail", mode).await {
            let d = db.dialect();
            db.insert(&user("taken", vec![])).await.unwrap();
            let before = tables(&db).await;
            // Level 1: a user's unique name.
            let mut users = graph();
            users[1].name = "taken".into();
            let e = db.insert_graph_many(&mut users).await.unwrap_err();
            assert_eq!(failure(&e), "Unique nw_users at ", "{d:?} {mode:?}: {e}");
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: level 1");
            // Level 2: a post's unique title, below users already inserted.
            let mut users = graph();
            users[1].posts.get_mut().unwrap()[0].title = "notes".into();
            let e = db.insert_graph_many(&mut users).await.unwrap_err();
            assert_eq!(
                failure(&e),
                "Unique nw_posts at posts",
                "{d:?} {mode:?}: {e}"
            );
            assert!(e.to_string().contains("`posts`"), "{e}");
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: level 2");
            // Level 3: a comment's unique body, below rows already inserted.
            let mut users = graph();
            let bob = users[1].posts.get_mut().unwrap();
            bob[0].comments.get_mut().unwrap()[0].body = "first".into();
            let e = db.insert_graph_many(&mut users).await.unwrap_err();
            assert_eq!(
                failure(&e),
                "Unique nw_comments at posts.comments",
                "{d:?} {mode:?}: {e}"
            );
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: level 3");
            // The rows are given back as they were, loaded, and can be written again.
            assert_eq!(users[0].posts.get().unwrap().len(), 2, "{d:?} {mode:?}");
            // A post connected to a user that does not exist, in a graph.
            let mut orphan = post("nobody's", vec![comment("lost", vec![])]);
            orphan.author_id = 999;
            let e = db.insert_graph(&mut orphan).await.unwrap_err();
            assert_eq!(
                failure(&e),
                "ForeignKey nw_posts at ",
                "{d:?} {mode:?}: {e}"
            );
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: connect");
            // Level 3: a comment connected by key to a comment that does not exist.
            let mut users = graph();
            let bob = users[1].posts.get_mut().unwrap();
            bob[0].comments.get_mut().unwrap()[0].reply_to_id = Some(999);
            let e = db.insert_graph_many(&mut users).await.unwrap_err();
            assert_eq!(
                failure(&e),
                "ForeignKey nw_comments at posts.comments",
                "{d:?} {mode:?}: {e}"
            );
            assert!(
                matches!(
                    e,
                    rel::Error::ForeignKey {
                        relation: Some("reply_to"),
                        ..
                    }
                ),
                "{d:?} {mode:?}: {e}"
            );
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: level 3 connect");
            // Level 3: a column the database requires, NULL in the rows (a column made
            // NOT NULL behind the struct's back; SQLite cannot alter one).
            let (require, allow) = match d {
                rel::Dialect::Postgres => (
                    "ALTER TABLE nw_comments ALTER COLUMN reply_to_id SET NOT NULL",
                    "ALTER TABLE nw_comments ALTER COLUMN reply_to_id DROP NOT NULL",
                ),
                rel::Dialect::MySql => (
                    "ALTER TABLE nw_comments MODIFY reply_to_id BIGINT NOT NULL",
                    "ALTER TABLE nw_comments MODIFY reply_to_id BIGINT NULL",
                ),
                _ => ("", ""),
            };
            if !require.is_empty() {
                common::execute(&db, require.into()).await;
                let mut users = graph();
                let e = db.insert_graph_many(&mut users).await.unwrap_err();
                assert_eq!(
                    failure(&e),
                    "NotNull nw_comments at posts.comments",
                    "{d:?} {mode:?}: {e}"
                );
                assert_eq!(tables(&db).await, before, "{d:?} {mode:?}: not null");
                common::execute(&db, allow.into()).await;
            }
            // In a transaction, at a savepoint: the caller's own rows stay.
            let mut tx = db.begin().await.unwrap();
            tx.insert(&user("kept", vec![])).await.unwrap();
            let mut users = graph();
            users[0].name = "taken".into();
            assert!(
                tx.insert_graph_many(&mut users).await.is_err(),
                "{d:?} {mode:?}"
            );
            tx.commit().await.unwrap();
            let (u, p, _) = tables(&db).await;
            assert_eq!(u.len(), 2, "{d:?} {mode:?}: {u:?}");
            assert!(p.is_empty(), "{d:?} {mode:?}: {p:?}");
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_junction_relation_inserts_its_targets_and_the_junction_rows() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_junction", mode).await {
            let d = db.dialect();
            let group = |name: &str| Group {
                id: 0,
                name: name.into(),
            };
            let mut users = vec![user("ada", vec![]), user("bob", vec![])];
            users[0].groups = Many::loaded(vec![group("red"), group("blue")]);
            users[1].groups = Many::loaded(vec![group("green")]);
            // 2 users, 3 groups, 3 junction rows.
            assert_eq!(
                db.insert_graph_many(&mut users).await.unwrap(),
                8,
                "{d:?} {mode:?}"
            );
            let ids = group_ids(&users[0]);
            assert_eq!(ids, [1, 2], "{d:?} {mode:?}");
            assert_eq!(
                memberships(&db).await,
                [(1, 1), (1, 2), (2, 3)],
                "{d:?} {mode:?}"
            );
            let loaded = User::query().with(User::groups()).all(&db).await.unwrap();
            let names: Vec<Vec<&str>> = loaded
                .iter()
                .map(|u| {
                    u.groups
                        .get()
                        .unwrap()
                        .iter()
                        .map(|g| g.name.as_str())
                        .collect()
                })
                .collect();
            assert_eq!(
                names,
                [vec!["red", "blue"], vec!["green"]],
                "{d:?} {mode:?}"
            );
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

#[tokio::test]
async fn connect_or_create_connects_stored_rows_and_creates_the_rest() {
    let group = |name: &str| Group {
        id: 0,
        name: name.into(),
    };
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_connect", mode).await {
            let d = db.dialect();
            db.insert(&user("ada", vec![])).await.unwrap();
            db.insert(&group("red")).await.unwrap();
            let mut users = vec![
                user("ada", vec![post("a1", vec![])]),
                user("cy", vec![post("c1", vec![])]),
                user("cy", vec![post("c2", vec![])]),
            ];
            users[0].groups = Many::loaded(vec![group("red"), group("blue")]);
            users[1].groups = Many::loaded(vec![group("blue")]);
            // Created: cy once, three posts, blue once, three junction rows.
            let inserted = db
                .insert_graph_many(&mut users)
                .connect_or_create(User::name)
                .connect_or_create(Group::name)
                .await
                .unwrap();
            assert_eq!(inserted, 8, "{d:?} {mode:?}");
            let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
            assert_eq!(ids, [1, 2, 2], "{d:?} {mode:?}");
            let authors: Vec<i64> = users
                .iter()
                .map(|u| u.posts.get().unwrap()[0].author_id)
                .collect();
            assert_eq!(authors, [1, 2, 2], "{d:?} {mode:?}");
            let groups = group_ids(&users[0]);
            assert_eq!(groups, [1, 2], "{d:?} {mode:?}");
            assert_eq!(users[1].groups.get().unwrap()[0].id, 2, "{d:?} {mode:?}");
            let (u, p, _) = tables(&db).await;
            assert_eq!(u, ["1 ada", "2 cy"], "{d:?} {mode:?}");
            assert_eq!(p, ["1 1 a1", "2 2 c1", "3 2 c2"], "{d:?} {mode:?}");
            assert_eq!(
                memberships(&db).await,
                [(1, 1), (1, 2), (2, 2)],
                "{d:?} {mode:?}"
            );
            let names: Vec<String> = Group::query()
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|g| g.name)
                .collect();
            assert_eq!(names, ["red", "blue"], "{d:?} {mode:?}");
            // The database's own comparison: in a case-insensitive collation (the
            // column made so on MariaDB), `RED` is found for `red`; Rel's tables
            // compare exactly elsewhere.
            if d == rel::Dialect::MySql {
                common::execute(
                    &db,
                    "ALTER TABLE nw_groups CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci".into(),
                )
                .await;
            }
            let mut loud = user("dee", vec![]);
            loud.groups = Many::loaded(vec![group("RED")]);
            db.insert_graph(&mut loud)
                .connect_or_create(Group::name)
                .await
                .unwrap();
            let red = loud.groups.get().unwrap()[0].id;
            let expected = if d == rel::Dialect::MySql { 1 } else { 3 };
            assert_eq!(red, expected, "{d:?} {mode:?}");
            // By a generated key: existing rows connected through the junction, rows
            // with key 0 created.
            let mut fay = user("fay", vec![]);
            let existing = Group {
                id: 2,
                name: "blue".into(),
            };
            fay.groups = Many::loaded(vec![existing, group("new 1"), group("new 2")]);
            let inserted = db
                .insert_graph(&mut fay)
                .connect_or_create(Group::id)
                .await
                .unwrap();
            assert_eq!(inserted, 6, "{d:?} {mode:?}");
            let ids = group_ids(&fay);
            let next = if d == rel::Dialect::MySql { 3 } else { 4 };
            assert_eq!(ids, [2, next, next + 1], "{d:?} {mode:?}");
            let of_fay = User::groups().of(&fay).all(&db).await.unwrap();
            assert_eq!(of_fay.len(), 3, "{d:?} {mode:?}");
            // One parent given a group twice: linked once.
            let mut gus = user("gus", vec![]);
            gus.groups = Many::loaded(vec![group("red"), group("red")]);
            let inserted = db
                .insert_graph(&mut gus)
                .connect_or_create(Group::name)
                .await
                .unwrap();
            assert_eq!(inserted, 2, "{d:?} {mode:?}");
            assert_eq!(group_ids(&gus), [1, 1], "{d:?} {mode:?}");
            assert_eq!(
                User::groups().of(&gus).all(&db).await.unwrap().len(),
                1,
                "{d:?} {mode:?}"
            );
            let before = tables(&db).await;
            let links = memberships(&db).await;
            // A generated key no row has: a connect to nothing, not a create.
            let mut ghost = user("hal", vec![]);
            ghost.groups = Many::loaded(vec![Group {
                id: 999,
                name: "ghost".into(),
            }]);
            let e = db
                .insert_graph(&mut ghost)
                .connect_or_create(Group::id)
                .await
                .unwrap_err();
            assert_eq!(
                failure(&e),
                "ForeignKey nw_groups at groups",
                "{d:?} {mode:?}: {e}"
            );
            // A row below its parent, found stored: Rel would not move it.
            let mut moved = user("ivy", vec![post("a1", vec![])]);
            let e = db
                .insert_graph(&mut moved)
                .connect_or_create(Post::title)
                .await
                .unwrap_err();
            assert_eq!(failure(&e), "Unsupported nw_posts.", "{d:?} {mode:?}: {e}");
            assert_eq!(memberships(&db).await, links, "{d:?} {mode:?}");
            // A column that is not unique: refused before anything is sent.
            let mut again = vec![user("eve", vec![])];
            let e = db
                .insert_graph_many(&mut again)
                .connect_or_create(Post::author_id)
                .await
                .unwrap_err();
            assert_eq!(failure(&e), "Unsupported nw_posts.", "{d:?} {mode:?}: {e}");
            assert_eq!(again[0].id, 0, "{d:?} {mode:?}");
            // A row found that holds a loaded `One`: nothing would point at it.
            let mut found = post("a1", vec![]);
            found.author = One::loaded(user("zed", vec![]));
            let e = db
                .insert_graph(&mut found)
                .connect_or_create(Post::title)
                .await
                .unwrap_err();
            assert_eq!(
                failure(&e),
                "Unsupported nw_posts.author",
                "{d:?} {mode:?}: {e}"
            );
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}");
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

/// A random graph's shape: per user, per post, how many comments; per user, how many
/// groups.
type Shape = Vec<(Vec<usize>, usize)>;

fn shaped(shape: &Shape) -> Vec<User> {
    let mut n = 0;
    let mut next = |what: &str| {
        n += 1;
        format!("{what} {n}")
    };
    shape
        .iter()
        .map(|(posts, groups)| {
            let posts = posts
                .iter()
                .map(|&comments| {
                    let comments = (0..comments).map(|_| comment(&next("c"), vec![])).collect();
                    post(&next("p"), comments)
                })
                .collect();
            let mut u = user(&next("u"), posts);
            u.groups = Many::loaded(
                (0..*groups)
                    .map(|_| Group {
                        id: 0,
                        name: next("g"),
                    })
                    .collect(),
            );
            u
        })
        .collect()
}

/// The same graph written level by level, as a user writes it without `insert_graph`.
async fn by_hand(db: &Db, mut users: Vec<User>) {
    let mut tx = db.begin().await.unwrap();
    let keys = tx.insert_many(&users).await.unwrap();
    let mut posts = Vec::new();
    let mut groups = Vec::new();
    let mut owners = Vec::new();
    for (u, key) in users.iter_mut().zip(keys) {
        for mut p in u.posts.get_mut().unwrap().drain(..) {
            p.author_id = key;
            posts.push(p);
        }
        for g in u.groups.get_mut().unwrap().drain(..) {
            groups.push(g);
            owners.push(key);
        }
    }
    let post_keys = tx.insert_many(&posts).await.unwrap();
    let mut comments = Vec::new();
    for (p, key) in posts.iter_mut().zip(post_keys) {
        for mut c in p.comments.get_mut().unwrap().drain(..) {
            c.post_id = key;
            comments.push(c);
        }
    }
    tx.insert_many(&comments).await.unwrap();
    let group_keys = tx.insert_many(&groups).await.unwrap();
    let memberships: Vec<Membership> = owners
        .into_iter()
        .zip(group_keys)
        .map(|(user_id, group_id)| Membership {
            user_id,
            group_id,
            user: One::default(),
            group: One::default(),
        })
        .collect();
    tx.insert_many(&memberships).await.unwrap();
    tx.commit().await.unwrap();
}

/// Every table, junction included.
async fn all_tables(
    db: &Db,
) -> (
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
) {
    let (u, p, c) = tables(db).await;
    let groups = Group::query().all(db).await.unwrap();
    let memberships = Membership::query().all(db).await.unwrap();
    (
        u,
        p,
        c,
        groups
            .iter()
            .map(|g| format!("{} {}", g.id, g.name))
            .collect(),
        memberships
            .iter()
            .map(|m| format!("{} {}", m.user_id, m.group_id))
            .collect(),
    )
}

/// Random graphs written by `insert_graph` and by hand, level by level, into fresh
/// tables: the tables are the same.
#[test]
fn insert_graph_writes_what_hand_written_levels_write() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mode = RelationMode::Emulated;
    let dbs = runtime.block_on(fresh("nw_differential", mode));
    let shape = prop::collection::vec((prop::collection::vec(0usize..4, 0..4), 0usize..3), 0..5);
    for db in &dbs {
        let d = db.dialect();
        let mut runner = TestRunner::new(Config {
            cases: 12,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&shape, |shape| {
                runtime.block_on(async {
                    let reset = || async {
                        schema(mode).drop_all(db).await.unwrap();
                        schema(mode).create_all(db).await.unwrap();
                    };
                    reset().await;
                    let mut users = shaped(&shape);
                    db.insert_graph_many(&mut users).await.unwrap();
                    let by_graph = all_tables(db).await;
                    reset().await;
                    by_hand(db, shaped(&shape)).await;
                    let by_levels = all_tables(db).await;
                    prop_assert_eq!(&by_graph, &by_levels, "{:?}", d);
                    Ok(())
                })
            })
            .unwrap_or_else(|e| panic!("{d:?}: {e}"));
        runtime.block_on(schema(mode).drop_all(db)).unwrap();
    }
}

/// A composite key, with text in it, related both ways.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_shelves", primary_key(room, number))]
struct Shelf {
    room: String,
    number: i32,
    #[relation(many)]
    boxes: Many<Crate>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nw_crates")]
struct Crate {
    #[column(primary_key, auto_increment)]
    id: i64,
    room: Option<String>,
    number: Option<i32>,
    label: String,
    #[relation(one, from = (room, number), to = (Shelf::room, Shelf::number))]
    shelf: One<Option<Shelf>>,
}

#[tokio::test]
async fn composite_keys_are_carried_down_and_up() {
    let crate_ = |label: &str| Crate {
        id: 0,
        room: None,
        number: None,
        label: label.into(),
        shelf: One::default(),
    };
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = Schema::new(mode).table::<Shelf>();
        let name = format!("nw_composite_{}", format!("{mode:?}").to_lowercase());
        for db in common::fresh(&name, &schema).await {
            let d = db.dialect();
            // Down: a shelf's boxes get both key columns.
            let mut shelf = Shelf {
                room: "attic".into(),
                number: 2,
                boxes: Many::loaded(vec![crate_("a"), crate_("b")]),
            };
            assert_eq!(
                db.insert_graph(&mut shelf).await.unwrap(),
                3,
                "{d:?} {mode:?}"
            );
            let keys: Vec<(Option<&str>, Option<i32>)> = shelf
                .boxes
                .get()
                .unwrap()
                .iter()
                .map(|c| (c.room.as_deref(), c.number))
                .collect();
            assert_eq!(keys, [(Some("attic"), Some(2)); 2], "{d:?} {mode:?}");
            // Up: a box whose shelf is loaded inserts the shelf first.
            let mut boxed = crate_("c");
            boxed.shelf = One::loaded(Some(Shelf {
                room: "cellar".into(),
                number: 1,
                boxes: Many::default(),
            }));
            assert_eq!(
                db.insert_graph(&mut boxed).await.unwrap(),
                2,
                "{d:?} {mode:?}"
            );
            assert_eq!(
                (boxed.room.as_deref(), boxed.number),
                (Some("cellar"), Some(1)),
                "{d:?} {mode:?}"
            );
            let shelves = Shelf::query().with(Shelf::boxes()).all(&db).await.unwrap();
            let counts: Vec<(String, usize)> = shelves
                .iter()
                .map(|s| (s.room.clone(), s.boxes.get().unwrap().len()))
                .collect();
            assert_eq!(
                counts,
                [("attic".to_owned(), 2), ("cellar".to_owned(), 1)],
                "{d:?} {mode:?}"
            );
            schema.drop_all(&db).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_parents_rows_are_appended_or_replaced() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_replace", mode).await {
            let d = db.dialect();
            let mut users = graph();
            db.insert_graph_many(&mut users).await.unwrap();
            let ada = &users[0];
            // Append: a post with a comment, given Ada's key.
            let mut more = vec![post("appended", vec![comment("below it", vec![])])];
            let n = db
                .append_related(ada, User::posts(), &mut more)
                .await
                .unwrap();
            assert_eq!(n, 2, "{d:?} {mode:?}");
            assert_eq!(more[0].author_id, ada.id, "{d:?} {mode:?}");
            let titles = |posts: Vec<Post>| posts.into_iter().map(|p| p.title).collect::<Vec<_>>();
            let of_ada = || User::posts().of(ada).all(&db);
            assert_eq!(
                titles(of_ada().await.unwrap()),
                ["notes", "engines", "appended"],
                "{d:?} {mode:?}"
            );
            // Replace, dropping posts that have comments: the relation's `on_delete`
            // (restrict, the default) refuses, and nothing changes.
            let posts = of_ada().await.unwrap();
            let mut wanted = vec![posts[1].clone(), post("fresh", vec![])];
            let refused = db.replace_related(ada, User::posts(), &mut wanted).await;
            assert!(
                matches!(refused, Err(rel::Error::StillReferenced { .. })),
                "{d:?} {mode:?}: {refused:?}"
            );
            assert_eq!(
                titles(of_ada().await.unwrap()),
                ["notes", "engines", "appended"],
                "{d:?} {mode:?}"
            );
            // Dropping "engines", which has none: kept, dropped and added.
            let mut wanted = vec![posts[0].clone(), posts[2].clone(), post("fresh", vec![])];
            let (deleted, inserted) = db
                .replace_related(ada, User::posts(), &mut wanted)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {mode:?}: {e}"));
            assert_eq!((deleted, inserted), (1, 1), "{d:?} {mode:?}");
            assert_eq!(wanted[2].author_id, ada.id, "{d:?} {mode:?}");
            assert_eq!(
                titles(of_ada().await.unwrap()),
                ["notes", "appended", "fresh"],
                "{d:?} {mode:?}"
            );
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

#[tokio::test]
async fn references_columns_inverse_ones_and_many_stale_rows() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in fresh("nw_edges", mode).await {
            let d = db.dialect();
            let mut users = graph();
            db.insert_graph_many(&mut users).await.unwrap();
            // A table whose foreign key is a column's `references`, no field.
            let mut note = Note {
                id: 0,
                user_id: users[0].id,
                text: "a note".into(),
            };
            assert_eq!(
                db.insert_graph(&mut note).await.unwrap(),
                1,
                "{d:?} {mode:?}"
            );
            // A post loaded with its author, inserted under that author: refused, as
            // the author would be inserted twice; nothing is written.
            let before = tables(&db).await;
            let mut looped = post("looped", vec![]);
            looped.author = One::loaded(user("again", vec![]));
            let mut rows = vec![looped];
            let refused = db.append_related(&users[1], User::posts(), &mut rows).await;
            assert!(
                matches!(
                    refused,
                    Err(rel::Error::Unsupported {
                        relation: "author",
                        ..
                    })
                ),
                "{d:?} {mode:?}: {refused:?}"
            );
            assert_eq!(tables(&db).await, before, "{d:?} {mode:?}");
            // 1,200 stale rows, deleted 500 a statement.
            let mut many: Vec<Post> = (0..1_200)
                .map(|i| post(&format!("bulk {i}"), vec![]))
                .collect();
            db.append_related(&users[1], User::posts(), &mut many)
                .await
                .unwrap();
            let bob_loops = users[1].posts.get().unwrap()[0].clone();
            // Bob's first post has a comment (restrict): refused as a whole.
            let refused = db.replace_related(&users[1], User::posts(), &mut []).await;
            assert!(
                matches!(refused, Err(rel::Error::StillReferenced { .. })),
                "{d:?} {mode:?}: {refused:?}"
            );
            let (deleted, inserted) = db
                .replace_related(&users[1], User::posts(), &mut [bob_loops])
                .await
                .unwrap_or_else(|e| panic!("{d:?} {mode:?}: {e}"));
            assert_eq!((deleted, inserted), (1_200, 0), "{d:?} {mode:?}");
            assert_eq!(
                User::posts().of(&users[1]).count(&db).await.unwrap(),
                1,
                "{d:?} {mode:?}"
            );
            schema(mode).drop_all(&db).await.unwrap();
        }
    }
}

/// A graph insert dropped half-way (a timeout) gives the caller's rows back to their
/// fields, and writes nothing.
#[tokio::test]
async fn a_cancelled_insert_gives_the_rows_back() {
    let mode = RelationMode::ForeignKeys;
    // SQLite in a file: an in-memory database lives and dies with its connection, and
    // a connection dropped mid-transaction is closed.
    for (_, url) in common::backend_urls("nw_cancel").await {
        let db = Db::connect(&url).await.unwrap();
        schema(mode).drop_all(&db).await.unwrap();
        schema(mode).create_all(&db).await.unwrap();
        let d = db.dialect();
        let big = |n: u64| {
            let posts = (0..400)
                .map(|p| {
                    let comments = (0..5)
                        .map(|c| comment(&format!("c{n}.{p}.{c}"), vec![]))
                        .collect();
                    post(&format!("p{n}.{p}"), comments)
                })
                .collect();
            user(&format!("big {n}"), posts)
        };
        // Shorter and shorter timeouts, until one lands inside the insert.
        let mut cancelled = 0;
        for micros in [20_000u64, 10_000, 5_000, 2_000, 1_000, 500, 200, 100] {
            let mut u = big(micros);
            let run = tokio::time::timeout(
                std::time::Duration::from_micros(micros),
                db.insert_graph(&mut u),
            )
            .await;
            let posts = u.posts.get().unwrap();
            assert_eq!(posts.len(), 400, "{d:?} {micros} µs");
            assert!(
                posts
                    .iter()
                    .all(|p| p.comments.get().is_ok_and(|c| c.len() == 5)),
                "{d:?} {micros} µs: a post lost its comments"
            );
            match run {
                // Dropped: all of the graph or none of it (a timeout during the
                // COMMIT leaves the commit to finish without its caller).
                Err(_) => cancelled += 1,
                Ok(result) => {
                    result.unwrap();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let users = User::query().count(&db).await.unwrap();
            let posts = Post::query().count(&db).await.unwrap();
            let comments = Comment::query().count(&db).await.unwrap();
            assert!(users <= 1, "{d:?} {micros} µs");
            assert_eq!(
                (posts, comments),
                (users * 400, users * 2_000),
                "{d:?} {micros} µs: a part of the graph"
            );
            clear(&db).await;
        }
        assert!(cancelled > 0, "{d:?}: no timeout landed inside an insert");
        schema(mode).drop_all(&db).await.unwrap();
    }
}

/// Empties the tables.
async fn clear(db: &Db) {
    Comment::delete().all_rows().run(db).await.unwrap();
    Post::delete().all_rows().run(db).await.unwrap();
    User::delete().all_rows().run(db).await.unwrap();
}

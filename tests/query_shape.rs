//! Queries, part 2, on every backend and in both strategies: parents ordered by a `one`
//! relation's column and by per-parent aggregates (count, sum, avg, min, max, with a
//! filter, through a junction too), parents filtered by aggregates, and the same at a
//! nested level, windows included. Each result is checked against the rows written
//! here, and Join against Batch.

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "qs_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    invited_by_id: Option<i64>,
    #[relation(one, from = invited_by_id, to = User::id, alias = "inviter")]
    invited_by: One<Option<User>>,
    #[relation(many, alias = "inviter")]
    invitees: Many<User>,
    #[relation(many)]
    posts: Many<Post>,
    #[relation(many, through = Membership(user_id, group_id))]
    groups: Many<Group>,
    /// The same posts, narrowed by the relation's own filter.
    #[relation(many, filter = Post::published.eq(true))]
    published: Many<Post>,
    #[relation(many, filter = Post::published.eq(false))]
    drafts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "qs_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    score: Option<i32>,
    rating: f64,
    published: bool,
    #[relation(one, from = author_id, to = User::id)]
    author: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "qs_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    body: String,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "qs_groups")]
struct Group {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "qs_memberships", primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(one, from = group_id, to = Group::id)]
    group: One<Group>,
}

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys).table::<User>()
}

/// A user with no relations loaded.
fn user(id: i64, name: &str, invited_by_id: Option<i64>) -> User {
    User {
        id,
        name: name.into(),
        invited_by_id,
        invited_by: One::default(),
        invitees: Many::default(),
        posts: Many::default(),
        groups: Many::default(),
        published: Many::default(),
        drafts: Many::default(),
    }
}

/// Ada (1) invited Bob (2), who invited Dee (4); Cy (3) came alone.
/// Posts: Ada 2 (score none, unpublished) and 3 (7); Bob 1 (5, two comments) and 5 (1,
/// unpublished); Cy 4 (2, one comment); Dee none. Ada's post 3 has a comment.
/// Groups: red (Ada, Bob), blue (Bob).
async fn seed(db: &Db) {
    let s = schema();
    s.drop_all(db).await.unwrap();
    s.create_all(db).await.unwrap();
    db.insert_many(&[
        user(1, "Ada", None),
        user(2, "Bob", Some(1)),
        user(3, "Cy", None),
        user(4, "Dee", Some(2)),
    ])
    .await
    .unwrap();
    let post = |id, author_id, score, rating, published| Post {
        id,
        author_id,
        score,
        rating,
        published,
        author: One::default(),
        comments: Many::default(),
    };
    db.insert_many(&[
        post(1, 2, Some(5), 1.5, true),
        post(2, 1, None, 0.25, false),
        post(3, 1, Some(7), 2.0, true),
        post(4, 3, Some(2), 0.5, true),
        post(5, 2, Some(1), 3.0, false),
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
        comment(1, 1, "x"),
        comment(2, 1, "y"),
        comment(3, 3, "x"),
        comment(4, 4, "z"),
    ])
    .await
    .unwrap();
    let group = |id, name: &str| Group {
        id,
        name: name.into(),
    };
    db.insert_many(&[group(1, "red"), group(2, "blue")])
        .await
        .unwrap();
    let member = |user_id, group_id| Membership {
        user_id,
        group_id,
        user: One::default(),
        group: One::default(),
    };
    db.insert_many(&[member(1, 1), member(2, 1), member(2, 2)])
        .await
        .unwrap();
}

/// The ids the query returns, the same in both strategies.
async fn ids<T: Table + std::fmt::Debug>(
    db: &Db,
    query: rel::Query<T>,
    id: fn(&T) -> i64,
) -> Vec<i64> {
    let mut got = Vec::new();
    for strategy in [Strategy::Join, Strategy::Batch] {
        let rows = query
            .clone()
            .strategy(strategy)
            .all(db)
            .await
            .unwrap_or_else(|e| panic!("{:?} {strategy:?}: {e}", db.dialect()));
        got.push(rows.iter().map(id).collect::<Vec<_>>());
    }
    assert_eq!(got[0], got[1], "{:?}: Join and Batch differ", db.dialect());
    got.remove(0)
}

#[tokio::test]
async fn parents_ordered_by_a_one_relations_column() {
    for db in common::backends("qs_order_one").await {
        let d = db.dialect();
        seed(&db).await;
        let post_id = |p: &Post| p.id;
        let q = Post::query().order_by(Post::author().col(User::name));
        assert_eq!(ids(&db, q, post_id).await, [2, 3, 1, 5, 4], "{d:?}");
        let q = Post::query().order_by(Post::author().col(User::name).desc());
        assert_eq!(ids(&db, q, post_id).await, [4, 1, 5, 2, 3], "{d:?}");
        // A self relation that may be absent: NULLs last ascending, first descending.
        let user_id = |u: &User| u.id;
        let q = User::query().order_by(User::invited_by().col(User::name).asc());
        assert_eq!(ids(&db, q, user_id).await, [2, 4, 1, 3], "{d:?}");
        let q = User::query().order_by(User::invited_by().col(User::name).desc());
        assert_eq!(ids(&db, q, user_id).await, [1, 3, 4, 2], "{d:?}");
        // A filter on the relation: a related row it leaves out is NULL.
        let q = User::query().order_by(
            User::invited_by()
                .filter(User::name.ne("Ada"))
                .col(User::name),
        );
        assert_eq!(ids(&db, q, user_id).await, [4, 1, 2, 3], "{d:?}");
        // Filtered by it.
        let q = Post::query().filter(Post::author().col(User::name).eq("Bob"));
        assert_eq!(ids(&db, q, post_id).await, [1, 5], "{d:?}");
        let q = User::query().filter(User::invited_by().col(User::name).is_null());
        assert_eq!(ids(&db, q, user_id).await, [1, 3], "{d:?}");
        schema().drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn parents_ordered_and_filtered_by_aggregates() {
    for db in common::backends("qs_aggregates").await {
        let d = db.dialect();
        seed(&db).await;
        let id = |u: &User| u.id;
        let by = |order: rel::Order<User>| User::query().order_by(order);
        // Counts: Ada 2, Bob 2, Cy 1, Dee 0 (ties by id).
        assert_eq!(
            ids(&db, by(User::posts().count().desc()), id).await,
            [1, 2, 3, 4]
        );
        assert_eq!(
            ids(&db, by(User::posts().count().asc()), id).await,
            [4, 3, 1, 2]
        );
        // Published only: Ada 1, Bob 1, Cy 1, Dee 0.
        let published = || User::posts().filter(Post::published.eq(true));
        assert_eq!(
            ids(&db, by(published().count().asc()), id).await,
            [4, 1, 2, 3]
        );
        // Sums of a nullable column: Ada 7, Bob 6, Cy 2, Dee NULL (first descending).
        let sum = || User::posts().sum(Post::score);
        assert_eq!(ids(&db, by(sum().desc()), id).await, [4, 1, 2, 3], "{d:?}");
        assert_eq!(ids(&db, by(sum().asc()), id).await, [3, 2, 1, 4], "{d:?}");
        // Averages of a float: Ada 1.125, Bob 2.25, Cy 0.5.
        let avg = || User::posts().avg(Post::rating);
        assert_eq!(ids(&db, by(avg().desc()), id).await, [4, 2, 1, 3], "{d:?}");
        // Minimum and maximum: min score Ada 7, Bob 1, Cy 2; max Ada 7, Bob 5, Cy 2.
        let min = || User::posts().min(Post::score);
        assert_eq!(ids(&db, by(min().asc()), id).await, [2, 3, 1, 4], "{d:?}");
        let max = || User::posts().max(Post::score);
        assert_eq!(ids(&db, by(max().asc()), id).await, [3, 2, 1, 4], "{d:?}");
        // Through a junction: Bob in 2 groups, Ada 1, Cy and Dee none.
        assert_eq!(
            ids(&db, by(User::groups().count().desc()), id).await,
            [2, 1, 3, 4]
        );
        // Two keys: the count, then the name descending.
        let q = User::query()
            .order_by(User::posts().count().desc())
            .order_by(User::name.desc());
        assert_eq!(ids(&db, q, id).await, [2, 1, 3, 4], "{d:?}");

        // Filters.
        let q = |f: Expr<User>| User::query().filter(f);
        assert_eq!(ids(&db, q(User::posts().count().gt(1)), id).await, [1, 2]);
        assert_eq!(ids(&db, q(User::posts().count().eq(0)), id).await, [4]);
        assert_eq!(ids(&db, q(published().count().gte(1)), id).await, [1, 2, 3]);
        assert_eq!(ids(&db, q(sum().gte(6)), id).await, [1, 2], "{d:?}");
        assert_eq!(ids(&db, q(sum().is_null()), id).await, [4], "{d:?}");
        assert_eq!(
            ids(&db, q(sum().is_not_null()), id).await,
            [1, 2, 3],
            "{d:?}"
        );
        assert_eq!(ids(&db, q(avg().gt(1.0)), id).await, [1, 2], "{d:?}");
        assert_eq!(ids(&db, q(avg().eq(2.25)), id).await, [2], "{d:?}");
        assert_eq!(ids(&db, q(min().lt(2)), id).await, [2], "{d:?}");
        // `eq(None)` on a nullable value is `IS NULL`, as on a column.
        assert_eq!(ids(&db, q(min().eq(None)), id).await, [4], "{d:?}");
        assert_eq!(ids(&db, q(min().ne(None)), id).await, [1, 2, 3], "{d:?}");
        assert_eq!(ids(&db, q(max().lte(5)), id).await, [2, 3], "{d:?}");
        let q2 = q(User::posts().count().gt(1).and(sum().lt(7)));
        assert_eq!(ids(&db, q2, id).await, [2], "{d:?}");
        // A filter with values inside the aggregate's own filter.
        let commented = User::posts()
            .filter(Post::comments().filter(Comment::body.eq("x")).exists())
            .count();
        assert_eq!(ids(&db, q(commented.eq(1)), id).await, [1, 2], "{d:?}");
        // Root count and first.
        let n = User::query()
            .filter(User::posts().count().gt(1))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(n, 2, "{d:?}");
        schema().drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn nested_levels_order_and_filter_by_aggregates() {
    for db in common::backends("qs_nested").await {
        let d = db.dialect();
        seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let posts_of = |users: &[User]| -> Vec<Vec<i64>> {
                users
                    .iter()
                    .map(|u| u.posts.get().unwrap().iter().map(|p| p.id).collect())
                    .collect()
            };
            // Each user's posts, most commented first.
            let users = User::query()
                .strategy(strategy)
                .with(User::posts().order_by(Post::comments().count().desc()))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let want: Vec<Vec<i64>> = vec![vec![3, 2], vec![1, 5], vec![4], vec![]];
            assert_eq!(posts_of(&users), want, "{d:?} {strategy:?}");
            // The most commented post of each: a per-parent window on the aggregate.
            let users = User::query()
                .strategy(strategy)
                .with(
                    User::posts()
                        .order_by(Post::comments().count().desc())
                        .limit(1),
                )
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let want: Vec<Vec<i64>> = vec![vec![3], vec![1], vec![4], vec![]];
            assert_eq!(posts_of(&users), want, "{d:?} {strategy:?}");
            // Posts with a comment "x", by a filter with a value on the aggregate's filter.
            let users = User::query()
                .strategy(strategy)
                .with(
                    User::posts().filter(
                        Post::comments()
                            .filter(Comment::body.eq("x"))
                            .count()
                            .gte(1),
                    ),
                )
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let want: Vec<Vec<i64>> = vec![vec![3], vec![1], vec![], vec![]];
            assert_eq!(posts_of(&users), want, "{d:?} {strategy:?}");
            // Each user's invitees by their own posts' count, two levels down.
            let users = User::query()
                .strategy(strategy)
                .filter(User::id.eq(1))
                .with(
                    User::invitees()
                        .order_by(User::posts().sum(Post::score).desc())
                        .with(User::posts().order_by(Post::author().col(User::name))),
                )
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let bob = &users[0].invitees.get().unwrap()[0];
            assert_eq!(bob.id, 2, "{d:?} {strategy:?}");
            let posts: Vec<i64> = bob.posts.get().unwrap().iter().map(|p| p.id).collect();
            assert_eq!(posts, [1, 5], "{d:?} {strategy:?}");
        }
        schema().drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn raw_sql_filters_bind_their_values() {
    for db in common::backends("qs_raw").await {
        let d = db.dialect();
        seed(&db).await;
        let post_id = |p: &Post| p.id;
        let user_id = |u: &User| u.id;
        let raw = |sql: &'static str, values: i32| Expr::<Post>::raw(sql, values).unwrap();
        let q = Post::query().filter(raw("{score} * 2 > ?", 9));
        assert_eq!(ids(&db, q, post_id).await, [1, 3], "{d:?}");
        // Two values of two types, and a literal `?` inside a string.
        let q = Post::query().filter(
            Expr::<Post>::raw("{rating} >= ? AND {score} < ? AND '??' = '??'", (1.5, 6)).unwrap(),
        );
        assert_eq!(ids(&db, q, post_id).await, [1, 5], "{d:?}");
        // In a nested load, an aggregate's filter and an EXISTS: qualified by each scope.
        let high = || Expr::<Post>::raw("{rating} >= ?", 1.5).unwrap();
        for strategy in [Strategy::Join, Strategy::Batch] {
            let users = User::query()
                .strategy(strategy)
                .with(User::posts().filter(high()))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let got: Vec<Vec<i64>> = users
                .iter()
                .map(|u| u.posts.get().unwrap().iter().map(|p| p.id).collect())
                .collect();
            assert_eq!(
                got,
                [vec![3], vec![1, 5], vec![], vec![]],
                "{d:?} {strategy:?}"
            );
        }
        let q = User::query().filter(User::posts().filter(high()).count().gte(2));
        assert_eq!(ids(&db, q, user_id).await, [2], "{d:?}");
        let q = User::query().filter(User::posts().filter(high()).not_exists());
        assert_eq!(ids(&db, q, user_id).await, [3, 4], "{d:?}");

        // Input reaches the statement only as a value: these match no name, and the
        // table is still there.
        for attack in [
            "'; DROP TABLE qs_users; --",
            "Ada' OR '1'='1",
            "\\'; DELETE FROM qs_users; --",
        ] {
            let q = User::query().filter(Expr::<User>::raw("{name} = ?", attack).unwrap());
            assert_eq!(
                ids(&db, q, user_id).await,
                Vec::<i64>::new(),
                "{d:?}: {attack}"
            );
        }
        assert_eq!(User::query().count(&db).await.unwrap(), 4, "{d:?}");

        // Mistakes are typed errors, before anything is sent.
        let error = |r: Result<Expr<User>, rel::Error>| match r {
            Err(rel::Error::RawSql { table, message, .. }) => format!("{table}: {message}"),
            other => panic!("{other:?}"),
        };
        let e = error(Expr::<User>::raw("{name} = ? OR {name} = ?", "Ada"));
        assert_eq!(e, "qs_users: it has more `?` than the 1 value(s) given");
        let e = error(Expr::<User>::raw("{name} = ?", ("Ada", 1)));
        assert_eq!(e, "qs_users: 2 value(s) were given for 1 `?`");
        let e = error(Expr::<User>::raw("{nmae} = ?", "Ada"));
        assert!(
            e.starts_with(
                "qs_users: `{nmae}` is not a column of `qs_users` (its columns: id, name"
            ),
            "{e}"
        );
        let e = error(Expr::<User>::raw("{name = 1", ()));
        assert!(e.contains("has no `}`"), "{e}");
        schema().drop_all(&db).await.unwrap();
    }
}

/// Every page of `query`, `size` rows at a time, forward from the start and then
/// backward from the last page: the ids seen each way, which must both be the whole
/// result in order. Each page but the last is full, and `next` is absent exactly at
/// the end.
async fn walk<T: Table + std::fmt::Debug>(
    db: &Db,
    query: impl Fn() -> rel::Query<T>,
    size: u64,
    id: fn(&T) -> i64,
) -> (Vec<i64>, Vec<i64>) {
    let d = db.dialect();
    let mut forward = Vec::new();
    let mut page = query().page(size).all(db).await.unwrap();
    assert!(page.prev.is_none(), "{d:?}");
    let last = loop {
        forward.extend(page.rows.iter().map(id));
        match &page.next {
            Some(next) => {
                assert_eq!(
                    page.rows.len() as u64,
                    size,
                    "{d:?}: a page before the end is full"
                );
                let cursor = Cursor::parse(next.to_string());
                page = query().page(size).after(&cursor).all(db).await.unwrap();
            }
            None => break page,
        }
    };
    let mut backward: Vec<Vec<i64>> = vec![last.rows.iter().map(id).collect()];
    let mut prev = last.prev;
    while let Some(cursor) = prev {
        let page = query().page(size).before(&cursor).all(db).await.unwrap();
        assert!(page.next.is_some(), "{d:?}");
        backward.push(page.rows.iter().map(id).collect());
        prev = page.prev;
    }
    backward.reverse();
    (forward, backward.concat())
}

/// The cursor after Bob's first post (id 1) in his posts by id: the same text in
/// every run and on every backend.
const BOB_CURSOR: &str = "017ded2d5c17646ad2030100000000000000";

#[tokio::test]
async fn keyset_pages_walk_forward_and_back() {
    for db in common::backends("qs_pages").await {
        let d = db.dialect();
        seed(&db).await;
        let post_id = |p: &Post| p.id;
        // A nullable column, every direction and NULL placement: scores 5, none, 7, 2, 1.
        type Case = (fn() -> rel::Order<Post>, [i64; 5]);
        let orders: Vec<Case> = vec![
            (|| Post::score.asc(), [5, 4, 1, 3, 2]),
            (|| Post::score.desc(), [2, 3, 1, 4, 5]),
            (|| Post::score.asc().nulls_first(), [2, 5, 4, 1, 3]),
            (|| Post::score.desc().nulls_last(), [3, 1, 4, 5, 2]),
            (|| Post::published.desc(), [1, 3, 4, 2, 5]),
        ];
        for (order, want) in orders {
            for size in 1..=5 {
                let query = || Post::query().order_by(order());
                let all = ids(&db, query(), post_id).await;
                assert_eq!(all, want, "{d:?}");
                let (forward, backward) = walk(&db, query, size, post_id).await;
                assert_eq!(forward, want, "{d:?} {:?} by {size}", order());
                assert_eq!(backward, want, "{d:?} {:?} by {size}, backward", order());
            }
        }
        // A composite key, and a filter kept across pages.
        let key = |m: &Membership| m.user_id * 10 + m.group_id;
        let query = || Membership::query().order_by(Membership::group_id.desc());
        let (forward, backward) = walk(&db, query, 2, key).await;
        assert_eq!(forward, [22, 11, 21], "{d:?}");
        assert_eq!(backward, forward, "{d:?}");
        let query = || {
            User::query()
                .filter(User::name.ne("Cy"))
                .order_by(User::name.desc())
        };
        let (forward, _) = walk(&db, query, 2, |u| u.id).await;
        assert_eq!(forward, [4, 2, 1], "{d:?}");

        // Per parent: one user's posts, page by page, and through a junction.
        let users = User::query()
            .order_by(User::id.asc())
            .all(&db)
            .await
            .unwrap();
        let (ada, bob) = (&users[0], &users[1]);
        let bobs = || User::posts().of(bob).order_by(Post::score.desc());
        let (forward, backward) = walk(&db, bobs, 1, post_id).await;
        assert_eq!(forward, [1, 5], "{d:?}");
        assert_eq!(backward, forward, "{d:?}");
        let adas_published = || {
            User::posts()
                .filter(Post::published.eq(true))
                .of(ada)
                .order_by(Post::id.asc())
        };
        assert_eq!(walk(&db, adas_published, 1, post_id).await.0, [3], "{d:?}");
        let groups = || User::groups().of(bob).order_by(Group::name.asc());
        let (forward, backward) = walk(&db, groups, 1, |g| g.id).await;
        assert_eq!(forward, [2, 1], "{d:?}: blue, red");
        assert_eq!(backward, forward, "{d:?}");
        let dee = &users[3];
        let none = User::posts().of(dee).page(5).all(&db).await.unwrap();
        assert!(none.rows.is_empty() && none.next.is_none(), "{d:?}");
        let authors = Post::author().of(&Post::query().first(&db).await.unwrap().unwrap());
        assert_eq!(ids(&db, authors, |u| u.id).await, [2], "{d:?}");

        // With nested loads, as the query's strategy reads them.
        let page = User::query()
            .order_by(User::name.asc())
            .with(User::posts())
            .page(2)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(page.rows[1].posts.get().unwrap().len(), 2, "{d:?}");

        // Rows written between pages: none repeats, none goes missing after the cursor.
        let by_id = || Post::query().order_by(Post::id.asc());
        let first = by_id().page(2).all(&db).await.unwrap();
        let post = |id, author_id| Post {
            id,
            author_id,
            score: None,
            rating: 0.0,
            published: true,
            author: One::default(),
            comments: Many::default(),
        };
        db.insert(&post(0, 1)).await.unwrap(); // before the cursor
        db.insert(&post(6, 1)).await.unwrap(); // after it
        let next = first.next.unwrap();
        let second = by_id().page(10).after(&next).all(&db).await.unwrap();
        let got: Vec<i64> = second.rows.iter().map(|p| p.id).collect();
        assert_eq!(got, [3, 4, 5, 6], "{d:?}");
        assert!(second.next.is_none(), "{d:?}: exactly the rest, no next");
        let back = by_id()
            .page(10)
            .before(&second.prev.unwrap())
            .all(&db)
            .await
            .unwrap();
        let got: Vec<i64> = back.rows.iter().map(|p| p.id).collect();
        assert_eq!(got, [0, 1, 2], "{d:?}");

        // A cursor of another query is a typed error; so is text that is no cursor.
        let refused = |r: Result<rel::Page<Post>, rel::Error>| match r {
            Err(rel::Error::Cursor { table, .. }) => assert_eq!(table, "qs_posts", "{d:?}"),
            other => panic!("{d:?}: {other:?}"),
        };
        let by_score = || Post::query().order_by(Post::score.asc());
        refused(by_score().page(2).after(&next).all(&db).await);
        let filtered = || by_id().filter(Post::published.eq(true));
        refused(filtered().page(2).after(&next).all(&db).await);
        refused(
            by_id()
                .page(2)
                .after(&Cursor::parse("not a cursor"))
                .all(&db)
                .await,
        );
        refused(by_id().page(2).after(&Cursor::parse("01")).all(&db).await);
        let users = User::query()
            .order_by(User::id.asc())
            .page(1)
            .all(&db)
            .await
            .unwrap();
        refused(by_id().page(2).after(&users.next.unwrap()).all(&db).await);
        // A cursor edited by its holder: its id turned from an integer into a double.
        let text = next.to_string();
        assert_eq!(&text[18..20], "03", "{d:?}: the first value is an i64");
        let edited = format!("{}05{}", &text[..18], &text[20..]);
        refused(by_id().page(2).after(&Cursor::parse(edited)).all(&db).await);
        // A cursor is the same text in every process (nothing in it is an address):
        // Bob's first post by id, in a page of his posts.
        let bob_first = User::posts()
            .of(bob)
            .order_by(Post::id.asc())
            .page(1)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(bob_first.next.unwrap().to_string(), BOB_CURSOR, "{d:?}");
        let by_author = || Post::query().order_by(Post::author().col(User::name));
        refused(by_author().page(2).all(&db).await);
        schema().drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn aggregates_load_per_parent_at_any_depth() {
    for db in common::backends("qs_load_aggregates").await {
        let d = db.dialect();
        seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let at = |what: &str| format!("{d:?} {strategy:?}: {what}");
            let users = User::query()
                .strategy(strategy)
                .with(User::posts().order_by(Post::id.asc()))
                .with(User::posts().sum(Post::score))
                .with(User::posts().avg(Post::rating))
                .with(User::posts().min(Post::score))
                .with(User::posts().max(Post::score))
                .with(
                    User::posts()
                        .filter(Post::published.eq(true))
                        .max(Post::rating),
                )
                .with(User::groups().max(Group::name))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{}", at(&e.to_string())));
            type Row = (
                u64,
                Option<i64>,
                Option<f64>,
                Option<i32>,
                Option<i32>,
                Option<f64>,
            );
            let got: Vec<Row> = users
                .iter()
                .map(|u| {
                    let p = &u.posts;
                    (
                        p.count().unwrap(),
                        p.sum(Post::score).unwrap(),
                        p.avg(Post::rating).unwrap(),
                        p.min(Post::score).unwrap(),
                        p.max(Post::score).unwrap(),
                        p.max(Post::rating).unwrap(),
                    )
                })
                .collect();
            let want: Vec<Row> = vec![
                (2, Some(7), Some(1.125), Some(7), Some(7), Some(2.0)),
                (2, Some(6), Some(2.25), Some(1), Some(5), Some(1.5)),
                (1, Some(2), Some(0.5), Some(2), Some(2), Some(0.5)),
                (0, None, None, None, None, None),
            ];
            assert_eq!(got, want, "{}", at("aggregates"));
            let groups: Vec<Option<String>> = users
                .iter()
                .map(|u| u.groups.max(Group::name).unwrap())
                .collect();
            let want = [Some("red".to_owned()), Some("red".to_owned()), None, None];
            assert_eq!(groups, want, "{}", at("through a junction"));
            // Rows loaded beside the aggregates.
            let ids: Vec<i64> = users[1].posts.get().unwrap().iter().map(|p| p.id).collect();
            assert_eq!(ids, [1, 5], "{}", at("rows"));

            // Nested: each post's comments counted and their largest body.
            let users = User::query()
                .strategy(strategy)
                .with(
                    User::posts()
                        .order_by(Post::id.asc())
                        .with(Post::comments().count())
                        .with(Post::comments().max(Comment::body)),
                )
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{}", at(&e.to_string())));
            let got: Vec<(i64, u64, Option<String>)> = users
                .iter()
                .flat_map(|u| u.posts.get().unwrap())
                .map(|p| {
                    let c = &p.comments;
                    (p.id, c.count().unwrap(), c.max(Comment::body).unwrap())
                })
                .collect();
            let some = |s: &str| Some(s.to_owned());
            let want = vec![
                (2, 0, None),
                (3, 1, some("x")),
                (1, 2, some("y")),
                (5, 0, None),
                (4, 1, some("z")),
            ];
            assert_eq!(got, want, "{}", at("nested"));

            // A parent row shared by several children (Bob wrote two posts): each copy
            // has the aggregate.
            let posts = Post::query()
                .strategy(strategy)
                .order_by(Post::id.asc())
                .with(Post::author().with(User::posts().sum(Post::score)))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{}", at(&e.to_string())));
            let got: Vec<Option<i64>> = posts
                .iter()
                .map(|p| p.author.get().unwrap().posts.sum(Post::score).unwrap())
                .collect();
            assert_eq!(
                got,
                [Some(6), Some(7), Some(7), Some(2), Some(6)],
                "{}",
                at("shared")
            );

            // What was not loaded, is loaded twice, or cannot load: typed errors.
            let users = User::query()
                .strategy(strategy)
                .with(User::posts().count())
                .all(&db)
                .await
                .unwrap();
            assert!(
                matches!(
                    users[0].posts.sum(Post::score),
                    Err(rel::Error::NotLoaded { .. })
                ),
                "{}",
                at("not loaded")
            );
            let twice = User::query()
                .strategy(strategy)
                .with(User::posts().sum(Post::score))
                .with(User::posts().sum(Post::score))
                .all(&db)
                .await;
            assert!(
                matches!(
                    twice,
                    Err(rel::Error::DuplicateLoad {
                        relation: "posts",
                        ..
                    })
                ),
                "{}",
                at(&format!("{twice:?}"))
            );
            let column = Post::query()
                .strategy(strategy)
                .with(Post::author().col(User::name))
                .all(&db)
                .await;
            assert!(
                matches!(
                    column,
                    Err(rel::Error::Unsupported {
                        relation: "author",
                        ..
                    })
                ),
                "{}",
                at(&format!("{column:?}"))
            );
        }
        schema().drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn relations_with_their_own_filter() {
    for db in common::backends("qs_filtered_relations").await {
        let d = db.dialect();
        seed(&db).await;
        let user_id = |u: &User| u.id;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let at = format!("{d:?} {strategy:?}");
            let mut users = User::query()
                .strategy(strategy)
                .with(User::published().order_by(Post::id.asc()))
                .with(User::drafts().count())
                .with(User::published().sum(Post::score))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let published: Vec<Vec<i64>> = users
                .iter()
                .map(|u| u.published.get().unwrap().iter().map(|p| p.id).collect())
                .collect();
            assert_eq!(published, [vec![3], vec![1], vec![4], vec![]], "{at}");
            let drafts: Vec<u64> = users.iter().map(|u| u.drafts.count().unwrap()).collect();
            assert_eq!(drafts, [1, 1, 0, 0], "{at}");
            let sums: Vec<Option<i64>> = users
                .iter()
                .map(|u| u.published.sum(Post::score).unwrap())
                .collect();
            assert_eq!(sums, [Some(7), Some(5), Some(2), None], "{at}");
            // Loading onto rows fetched before applies the filter too.
            db.load(&mut users, User::drafts().order_by(Post::id.asc()))
                .await
                .unwrap();
            let drafts: Vec<Vec<i64>> = users
                .iter()
                .map(|u| u.drafts.get().unwrap().iter().map(|p| p.id).collect())
                .collect();
            assert_eq!(drafts, [vec![2], vec![5], vec![], vec![]], "{at}");
            // A filter at the call site adds to the relation's own.
            let users = User::query()
                .strategy(strategy)
                .with(User::published().filter(Post::score.gt(4)))
                .all(&db)
                .await
                .unwrap();
            let got: Vec<Vec<i64>> = users
                .iter()
                .map(|u| u.published.get().unwrap().iter().map(|p| p.id).collect())
                .collect();
            assert_eq!(got, [vec![3], vec![1], vec![], vec![]], "{at}");
        }
        let q = User::query().filter(User::drafts().exists());
        assert_eq!(ids(&db, q, user_id).await, [1, 2], "{d:?}");
        let q = User::query().filter(User::published().not_exists());
        assert_eq!(ids(&db, q, user_id).await, [4], "{d:?}");
        let q = User::query().filter(User::drafts().count().eq(0));
        assert_eq!(ids(&db, q, user_id).await, [3, 4], "{d:?}");
        let q = User::query().order_by(User::published().max(Post::rating).desc());
        assert_eq!(ids(&db, q, user_id).await, [4, 1, 2, 3], "{d:?}");
        let ada = User::query().first(&db).await.unwrap().unwrap();
        let q = User::drafts().of(&ada);
        assert_eq!(ids(&db, q, |p| p.id).await, [2], "{d:?}");
        schema().drop_all(&db).await.unwrap();
    }
}

/// Some columns of a post.
#[derive(rel::Partial, Debug, PartialEq)]
#[partial(of = Post)]
struct PostScore {
    id: i64,
    score: Option<i32>,
}

#[tokio::test]
async fn partial_selections_read_only_their_columns() {
    for db in common::backends("qs_partial").await {
        let d = db.dialect();
        seed(&db).await;
        let select = || {
            Post::query()
                .filter(Post::published.eq(true))
                .order_by(Post::author().col(User::name))
                .select::<PostScore>()
        };
        // Only those columns, in both strategies' statement.
        let sql = select().to_sql(d).unwrap().sql;
        let q = |s: &str| d.quote(s);
        let head = format!(
            "SELECT {}.{}, {}.{} FROM ",
            q("t0"),
            q("id"),
            q("t0"),
            q("score")
        );
        assert!(sql.starts_with(&head), "{d:?}: {sql}");
        assert!(!sql.contains(&q("rating")), "{d:?}: {sql}");
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = Post::query()
                .strategy(strategy)
                .filter(Post::published.eq(true))
                .order_by(Post::author().col(User::name))
                .select::<PostScore>()
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let want = [
                PostScore {
                    id: 3,
                    score: Some(7),
                },
                PostScore {
                    id: 1,
                    score: Some(5),
                },
                PostScore {
                    id: 4,
                    score: Some(2),
                },
            ];
            assert_eq!(got, want, "{d:?} {strategy:?}");
        }
        // A window, and an order by an aggregate of the table's own relation.
        let got = Post::query()
            .order_by(Post::comments().count().desc())
            .limit(2)
            .select::<PostScore>()
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            got.iter().map(|p| p.id).collect::<Vec<_>>(),
            [1, 3],
            "{d:?}"
        );
        // Relations are not loaded into a partial struct yet: said, not dropped.
        let with = Post::query()
            .with(Post::comments())
            .select::<PostScore>()
            .all(&db)
            .await;
        assert!(
            matches!(with, Err(rel::Error::Unsupported { .. })),
            "{d:?}: {with:?}"
        );
        schema().drop_all(&db).await.unwrap();
    }
}

/// Values computed per post, beside two of its columns.
#[derive(Partial, Debug, PartialEq)]
#[partial(of = Post)]
struct PostMath {
    id: i64,
    // A nullable integer column's arithmetic is nullable.
    #[partial(computed = Post::score * 3 - Post::id)]
    tripled: Option<i64>,
    // In 64 bits, though `score` is 32 (5 * 10^9 overflows PostgreSQL's `integer`).
    #[partial(computed = (Post::score * 1_000_000_000_i64).coalesce(-1))]
    big: i64,
    // Columns alone too: 7^12 overflows a 32-bit product.
    #[partial(computed = Post::score * Post::score * Post::score * Post::score * Post::score
        * Post::score * Post::score * Post::score * Post::score * Post::score * Post::score
        * Post::score)]
    power: Option<i64>,
    #[partial(computed = Post::rating * 2.0 + 0.5)]
    rating2: f64,
    // Division by zero (at post 2) is NULL on every backend.
    #[partial(computed = Post::id * 10 / (Post::id - 2))]
    ratio: Option<i64>,
    // Integer division truncates toward zero: -9 / 4 is -2.
    #[partial(computed = (Post::id - 10) / 4)]
    truncated: Option<i64>,
    #[partial(computed = Post::rating / 0.5)]
    halves: Option<f64>,
    #[partial(computed = Case::when(Post::score.gte(5), "high")
        .or_when(Post::score.eq(None), "none")
        .otherwise("low"))]
    band: String,
    #[partial(computed = Case::when(Post::published.eq(true), Post::rating).or_null())]
    published_rating: Option<f64>,
    // Values read through relations.
    #[partial(computed = Post::comments().count())]
    comments: i64,
    #[partial(computed = Post::author().col(User::name).upper().concat("!"))]
    author_shout: Option<String>,
    #[partial(computed = Post::comments().count() * 10 + Post::id)]
    weighted: i64,
    // Text functions count and case-map characters, not bytes.
    #[partial(computed = "héllo wörld".length())]
    length: i64,
    #[partial(computed = "àb".upper().concat("ÀB".lower()))]
    cases: String,
    // Character by character: `ß` has no one-character uppercase.
    #[partial(computed = "straße".upper())]
    sharp: String,
    #[partial(computed = Computed::<Post, i64>::raw("{id} * ? + ?", (100, 7))?)]
    raw: i64,
}

/// Each value of post `id` (1 to 5), worked out here from the seed.
fn post_math(id: i64) -> PostMath {
    let (score, rating, published, comments, author) = match id {
        1 => (Some(5), 1.5, true, 2, "BOB!"),
        2 => (None, 0.25, false, 0, "ADA!"),
        3 => (Some(7), 2.0, true, 1, "ADA!"),
        4 => (Some(2), 0.5, true, 1, "CY!"),
        _ => (Some(1), 3.0, false, 0, "BOB!"),
    };
    PostMath {
        id,
        tripled: score.map(|s| s * 3 - id),
        big: score.map_or(-1, |s| s * 1_000_000_000),
        power: score.map(|s: i64| s.pow(12)),
        rating2: rating * 2.0 + 0.5,
        ratio: (id != 2).then(|| id * 10 / (id - 2)),
        truncated: Some((id - 10) / 4),
        halves: Some(rating / 0.5),
        band: match score {
            Some(s) if s >= 5 => "high",
            None => "none",
            _ => "low",
        }
        .into(),
        published_rating: published.then_some(rating),
        comments,
        author_shout: Some(author.into()),
        weighted: comments * 10 + id,
        length: 11,
        cases: "ÀBàb".into(),
        sharp: "STRAßE".into(),
        raw: id * 100 + 7,
    }
}

#[derive(Partial, Debug, PartialEq)]
#[partial(of = User)]
struct UserTotals {
    name: String,
    // NULL where the user has no posts, or none with a score.
    #[partial(computed = User::posts().sum(Post::score))]
    score_sum: Option<i64>,
    #[partial(computed = User::posts().sum(Post::score).coalesce(0) + User::posts().count())]
    score_and_count: i64,
    #[partial(computed = User::name.lower().concat("@").concat("rel"))]
    handle: String,
    // A relation value of a 32-bit column computes in 64 bits too: 7^12.
    #[partial(computed = User::posts().max(Post::score) * User::posts().max(Post::score)
        * User::posts().max(Post::score) * User::posts().max(Post::score)
        * User::posts().max(Post::score) * User::posts().max(Post::score)
        * User::posts().max(Post::score) * User::posts().max(Post::score)
        * User::posts().max(Post::score) * User::posts().max(Post::score)
        * User::posts().max(Post::score) * User::posts().max(Post::score))]
    max_power: Option<i64>,
}

/// A raw fragment's values are bound, never spliced into the SQL.
#[derive(Partial, Debug, PartialEq)]
#[partial(of = Comment)]
struct CommentEcho {
    id: i64,
    #[partial(computed = Computed::<Comment, String>::raw(
        "COALESCE(?, {body})",
        "x'); DROP TABLE qs_comments; --",
    )?)]
    echo: String,
    // A raw text fragment is cast to text: a number comes back as its digits.
    #[partial(computed = Computed::<Comment, String>::raw("{id} * 10", ())?)]
    id_text: String,
}

/// A raw fragment naming a column the table has not.
#[derive(Partial, Debug)]
#[partial(of = Comment)]
struct CommentBroken {
    #[allow(dead_code)]
    id: i64,
    #[partial(computed = Computed::<Comment, i64>::raw("{score} + 1", ())?)]
    #[allow(dead_code)]
    broken: i64,
}

#[tokio::test]
async fn computed_values_load_beside_columns() {
    for db in common::backends("qs_computed").await {
        let d = db.dialect();
        seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = Post::query()
                .strategy(strategy)
                .select::<PostMath>()
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let want: Vec<PostMath> = (1..=5).map(post_math).collect();
            assert_eq!(got, want, "{d:?} {strategy:?}");
        }
        // Each value is cast to its field's type, and integers widened before
        // arithmetic.
        let sql = Post::query().select::<PostMath>().to_sql(d).unwrap().sql;
        let integer = match d {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BIGINT",
            _ => "SIGNED",
        };
        assert!(sql.contains("CAST("), "{d:?}: {sql}");
        assert!(sql.contains(&format!(" AS {integer})")), "{d:?}: {sql}");
        assert!(sql.contains("NULLIF("), "{d:?}: {sql}");

        let totals = User::query()
            .filter(User::id.lte(4))
            .select::<UserTotals>()
            .all(&db)
            .await
            .unwrap_or_else(|e| panic!("{d:?}: {e}"));
        let want = [
            ("Ada", Some(7), 9, "ada@rel", Some(7)),
            ("Bob", Some(6), 8, "bob@rel", Some(5)),
            ("Cy", Some(2), 3, "cy@rel", Some(2)),
            ("Dee", None, 0, "dee@rel", None),
        ]
        .map(
            |(name, score_sum, score_and_count, handle, max)| UserTotals {
                name: name.into(),
                score_sum,
                score_and_count,
                handle: handle.into(),
                max_power: max.map(|m: i64| m.pow(12)),
            },
        );
        assert_eq!(totals, want, "{d:?}");

        let echoes = Comment::query()
            .select::<CommentEcho>()
            .all(&db)
            .await
            .unwrap_or_else(|e| panic!("{d:?}: {e}"));
        assert_eq!(echoes.len(), 4, "{d:?}");
        assert!(
            echoes
                .iter()
                .all(|e| e.echo == "x'); DROP TABLE qs_comments; --"),
            "{d:?}: {echoes:?}"
        );
        let texts: Vec<&str> = echoes.iter().map(|e| e.id_text.as_str()).collect();
        assert_eq!(texts, ["10", "20", "30", "40"], "{d:?}");
        assert_eq!(Comment::query().count(&db).await.unwrap(), 4, "{d:?}");
        let broken = Comment::query().select::<CommentBroken>();
        assert!(
            matches!(broken.to_sql(d), Err(rel::Error::RawSql { .. })),
            "{d:?}"
        );
        let broken = broken.all(&db).await;
        assert!(
            matches!(
                &broken,
                Err(rel::Error::RawSql {
                    table: "qs_comments",
                    ..
                })
            ),
            "{d:?}: {broken:?}"
        );
        schema().drop_all(&db).await.unwrap();
    }
}

/// A user as a card: no key of its own (Batch selects the keys it needs beside it),
/// a computed count, and relations into partial structs at every level.
#[derive(Partial, Debug, PartialEq)]
#[partial(of = User)]
struct UserCard {
    name: String,
    #[partial(computed = User::posts().count())]
    post_count: i64,
    posts: Many<PostLine>,
    invited_by: One<Option<UserName>>,
    groups: Many<Group>,
}

#[derive(Partial, Debug, PartialEq)]
#[partial(of = Post)]
struct PostLine {
    #[partial(computed = Post::score.coalesce(0) * 10)]
    points: i64,
    published: bool,
    comments: Many<CommentBody>,
    author: One<UserName>,
}

#[derive(Partial, Debug, PartialEq)]
#[partial(of = Comment)]
struct CommentBody {
    body: String,
}

#[derive(Partial, Debug, PartialEq)]
#[partial(of = User)]
struct UserName {
    name: String,
}

/// The card of a user loaded whole, as the partial loads should read it.
fn card_of(user: &User) -> UserCard {
    let posts: Vec<PostLine> = user
        .posts
        .get()
        .unwrap()
        .iter()
        .map(|p| PostLine {
            points: i64::from(p.score.unwrap_or(0)) * 10,
            published: p.published,
            comments: Many::loaded(
                p.comments
                    .get()
                    .unwrap()
                    .iter()
                    .map(|c| CommentBody {
                        body: c.body.clone(),
                    })
                    .collect(),
            ),
            author: One::loaded(UserName {
                name: p.author.get().unwrap().name.clone(),
            }),
        })
        .collect();
    UserCard {
        name: user.name.clone(),
        post_count: [2, 2, 1, 0][usize::try_from(user.id - 1).unwrap()],
        posts: Many::loaded(posts),
        invited_by: One::loaded(user.invited_by.get().unwrap().as_ref().map(|u| UserName {
            name: u.name.clone(),
        })),
        groups: Many::loaded(user.groups.get().unwrap().to_vec()),
    }
}

#[tokio::test]
async fn relations_load_into_partial_structs() {
    for db in common::backends("qs_partial_relations").await {
        let d = db.dialect();
        seed(&db).await;
        // Each user's published posts, newest first, with their comments and author;
        // the inviter; the groups through the junction.
        let posts = || {
            User::posts()
                .filter(Post::published.eq(true))
                .order_by(Post::id.desc())
                .with(Post::comments())
                .with(Post::author())
        };
        let whole = User::query()
            .strategy(Strategy::Batch)
            .with(posts())
            .with(User::invited_by())
            .with(User::groups())
            .all(&db)
            .await
            .unwrap();
        let want: Vec<UserCard> = whole.iter().map(card_of).collect();
        assert_eq!(want[0].posts.get().unwrap().len(), 1, "{d:?}");
        for strategy in [Strategy::Join, Strategy::Batch] {
            let select = User::query()
                .strategy(strategy)
                .with(posts())
                .with(User::invited_by())
                .with(User::groups())
                .select::<UserCard>();
            // Only the selected columns, at every level: no post's rating anywhere.
            let plan = select.plan(d).unwrap();
            let got = select
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            assert_eq!(got, want, "{d:?} {strategy:?}");
            assert_eq!(
                plan.steps.len(),
                if strategy == Strategy::Join { 1 } else { 6 },
                "{d:?} {strategy:?}: {plan}"
            );
            for step in &plan.steps {
                let sql = &step.statement.sql;
                assert!(
                    !sql.contains(&d.quote("rating")),
                    "{d:?} {strategy:?}: {sql}"
                );
            }
        }

        // A per-parent window, counts and aggregates into a partial struct's field.
        #[derive(Partial, Debug, PartialEq)]
        #[partial(of = User)]
        struct Latest {
            name: String,
            posts: Many<PostLine>,
            drafts: Many<PostLine>,
        }
        for strategy in [Strategy::Join, Strategy::Batch] {
            let got = User::query()
                .strategy(strategy)
                .with(User::posts().order_by(Post::id.desc()).limit(1))
                .with(User::drafts().count())
                .with(User::drafts().sum(Post::score))
                .select::<Latest>()
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let summary: Vec<(String, Vec<i64>, u64, Option<i64>)> = got
                .iter()
                .map(|u| {
                    let points = u.posts.get().unwrap().iter().map(|p| p.points).collect();
                    let drafts = &u.drafts;
                    (
                        u.name.clone(),
                        points,
                        drafts.count().unwrap(),
                        drafts.sum(Post::score).unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                summary,
                [
                    ("Ada".to_owned(), vec![70], 1, None),
                    ("Bob".to_owned(), vec![10], 1, Some(1)),
                    ("Cy".to_owned(), vec![20], 0, None),
                    ("Dee".to_owned(), vec![], 0, None),
                ],
                "{d:?} {strategy:?}"
            );
        }
        schema().drop_all(&db).await.unwrap();
    }
}

/// Each parent's first page of related rows in one query, at two levels, and the next
/// page of one parent's rows after its cursor, leaving the other parents alone.
#[tokio::test]
async fn per_parent_pages_in_nested_loads() {
    for db in common::backends("qs_nested_pages").await {
        let d = db.dialect();
        seed(&db).await;
        // Ada: posts 3, 2; Bob: 5, 1; Cy: 4; Dee: none. Newest first, one a page.
        let newest = || User::posts().order_by(Post::id.desc());
        let comments = || Post::comments().order_by(Comment::body.desc());
        let mut cursors = Vec::new();
        for strategy in [Strategy::Join, Strategy::Batch] {
            let users = User::query()
                .strategy(strategy)
                .with(newest().page(1).with(comments().page(1)))
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            let got: Vec<(Vec<i64>, bool)> = users
                .iter()
                .map(|u| {
                    let posts = u.posts.get().unwrap();
                    (
                        posts.iter().map(|p| p.id).collect(),
                        u.posts.next_page().is_some(),
                    )
                })
                .collect();
            assert_eq!(
                got,
                [
                    (vec![3], true),
                    (vec![5], true),
                    (vec![4], false),
                    (vec![], false)
                ],
                "{d:?} {strategy:?}"
            );
            // Bob's post 5 has no comments; post 3 of Ada one ("x").
            let ada_post = &users[0].posts.get().unwrap()[0];
            let bodies: Vec<&str> = ada_post
                .comments
                .get()
                .unwrap()
                .iter()
                .map(|c| c.body.as_str())
                .collect();
            assert_eq!(bodies, ["x"], "{d:?} {strategy:?}");
            assert!(
                ada_post.comments.next_page().is_none(),
                "{d:?} {strategy:?}"
            );
            cursors.push(
                users
                    .iter()
                    .map(|u| u.posts.next_page().map(|c| c.to_string()))
                    .collect::<Vec<_>>(),
            );
        }
        assert_eq!(cursors[0], cursors[1], "{d:?}: Join's cursors are Batch's");

        // Bob's next page alone, then none after it; a row written between pages
        // shows up where it belongs.
        let users = User::query().with(newest().page(1)).all(&db).await.unwrap();
        let bob = &users[1];
        let next = bob.posts.next_page().unwrap();
        let page = |cursor: &rel::Cursor| {
            User::posts()
                .of(bob)
                .order_by(Post::id.desc())
                .page(1)
                .after(cursor)
        };
        // Bob's newest post, written after the first page: before the cursor, so it
        // neither repeats nor shifts the next page.
        db.insert(&Post {
            id: 6,
            author_id: 2,
            score: None,
            rating: 0.0,
            published: false,
            author: One::default(),
            comments: Many::default(),
        })
        .await
        .unwrap();
        let second = page(&next).all(&db).await.unwrap();
        assert_eq!(
            second.rows.iter().map(|p| p.id).collect::<Vec<_>>(),
            [1],
            "{d:?}"
        );
        assert!(second.next.is_none(), "{d:?}");
        // The cursor is Bob's: Ada's posts do not take it.
        let adas = User::posts()
            .of(&users[0])
            .order_by(Post::id.desc())
            .page(1)
            .after(&next)
            .all(&db)
            .await;
        assert!(
            matches!(adas, Err(rel::Error::Cursor { .. })),
            "{d:?}: {adas:?}"
        );
        // So is another filter's or order's.
        let filtered = User::posts()
            .filter(Post::published.eq(true))
            .of(bob)
            .order_by(Post::id.desc())
            .page(1)
            .after(&next)
            .all(&db)
            .await;
        assert!(matches!(filtered, Err(rel::Error::Cursor { .. })), "{d:?}");

        // The relation's filter goes into the cursor too, and a per-parent page reads
        // into partial structs.
        #[derive(Partial, Debug)]
        #[partial(of = User)]
        struct WithPosts {
            id: i64,
            posts: Many<PostId>,
        }
        #[derive(Partial, Debug)]
        #[partial(of = Post)]
        struct PostId {
            id: i64,
        }
        let published = || {
            User::posts()
                .filter(Post::published.eq(true))
                .order_by(Post::id.asc())
        };
        for strategy in [Strategy::Join, Strategy::Batch] {
            let users = User::query()
                .strategy(strategy)
                .with(published().page(1))
                .select::<WithPosts>()
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e}"));
            // Ada's published posts are 3 alone; Bob's 1 alone.
            let firsts: Vec<Vec<i64>> = users
                .iter()
                .map(|u| u.posts.get().unwrap().iter().map(|p| p.id).collect())
                .collect();
            assert_eq!(
                firsts,
                [vec![3], vec![1], vec![4], vec![]],
                "{d:?} {strategy:?}"
            );
            assert!(
                users.iter().all(|u| u.posts.next_page().is_none()),
                "{d:?} {strategy:?}"
            );
        }
        // A partial struct without what the cursor holds is refused before any SQL.
        #[derive(Partial, Debug)]
        #[partial(of = User)]
        struct NoKey {
            #[allow(dead_code)]
            name: String,
            #[allow(dead_code)]
            posts: Many<PostId>,
        }
        let refused = User::query()
            .with(published().page(1))
            .select::<NoKey>()
            .all(&db)
            .await;
        assert!(
            matches!(
                &refused,
                Err(rel::Error::Unsupported {
                    relation: "posts",
                    ..
                })
            ),
            "{d:?}: {refused:?}"
        );
        // A limit or offset after the page would cut it and its cursor: refused.
        for cut in [
            User::query().with(User::posts().page(2).limit(1)),
            User::query().with(User::posts().page(2).offset(1)),
        ] {
            let refused = cut.all(&db).await;
            assert!(
                matches!(refused, Err(rel::Error::Cursor { .. })),
                "{d:?}: {refused:?}"
            );
        }
        // An order by a related value has no place in a cursor.
        let by_comments = User::query()
            .with(User::posts().order_by(Post::comments().count()).page(1))
            .all(&db)
            .await;
        assert!(
            matches!(by_comments, Err(rel::Error::Cursor { .. })),
            "{d:?}"
        );
        schema().drop_all(&db).await.unwrap();
    }
}

/// A partial struct's computed values bind their values in every Batch statement: the
/// key chunks leave room for them under SQLite's bind limit (32,766), with 32,800
/// parents and a per-parent window.
#[tokio::test]
async fn computed_binds_fit_in_batch_key_chunks() {
    #[derive(Partial, Debug)]
    #[partial(of = User)]
    struct Bound {
        id: i64,
        posts: Many<BoundPost>,
    }
    #[derive(Partial, Debug)]
    #[partial(of = Post)]
    struct BoundPost {
        #[partial(computed = Post::id * 2 + 1)]
        odd: i64,
    }
    for db in common::backends("qs_computed_binds").await {
        let d = db.dialect();
        if d != Dialect::Sqlite {
            // PostgreSQL binds the keys as one array; MariaDB sends at most 30,000 a
            // statement: neither comes near its bind limit here.
            continue;
        }
        seed(&db).await;
        let users: Vec<User> = (10..32_810)
            .map(|id| user(id, &format!("u{id}"), None))
            .collect();
        db.insert_many(&users).await.unwrap();
        let got = User::query()
            .strategy(Strategy::Batch)
            .with(User::posts().order_by(Post::id.asc()).limit(3))
            .select::<Bound>()
            .all(&db)
            .await
            .unwrap_or_else(|e| panic!("{d:?}: {e}"));
        assert_eq!(got.len(), 32_804, "{d:?}");
        let ada: Vec<i64> = got[0].posts.get().unwrap().iter().map(|p| p.odd).collect();
        assert_eq!(ada, [5, 7], "{d:?}");
        schema().drop_all(&db).await.unwrap();
    }
}

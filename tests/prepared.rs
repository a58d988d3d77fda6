//! Prepared queries on every backend: a query built once with named placeholders and
//! run with new values reads what the same query built with those values reads, with
//! either strategy, through every kind of connection; a placeholder left unbound is a
//! typed error and sends nothing.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Conn, Error};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pq_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    team: Option<String>,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pq_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    score: i32,
    #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
    author: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "pq_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    likes: i32,
    #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
    post: One<Post>,
}

const USER: Placeholder<i64> = Placeholder::new("user");
const MIN_SCORE: Placeholder<i32> = Placeholder::new("min_score");
const MIN_LIKES: Placeholder<i32> = Placeholder::new("min_likes");
const TEAM: Placeholder<Option<String>> = Placeholder::new("team");

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys).table::<Comment>()
}

/// Five users (teams "red", "blue" and none), four posts each, three comments per post.
async fn seed(db: &Db) {
    let teams = [Some("red"), Some("blue"), None, Some("red"), None];
    for (i, team) in teams.into_iter().enumerate() {
        let id = i as i64 + 1;
        db.insert(&User {
            id,
            name: format!("user {id}"),
            team: team.map(Into::into),
            posts: Many::default(),
        })
        .await
        .unwrap();
        for p in 0..4 {
            let post = id * 10 + p;
            db.insert(&Post {
                id: post,
                author_id: id,
                score: (post % 7) as i32,
                author: One::default(),
                comments: Many::default(),
            })
            .await
            .unwrap();
            for c in 0..3 {
                db.insert(&Comment {
                    id: post * 10 + c,
                    post_id: post,
                    likes: ((post + c) % 5) as i32,
                    post: One::default(),
                })
                .await
                .unwrap();
            }
        }
    }
}

/// Users' ids, each with its posts' ids, each with its comments' ids.
type Shape = Vec<(i64, Vec<(i64, Vec<i64>)>)>;

/// What a load read, as ids: each user's posts, and each post's comments.
fn shape(users: &[User]) -> Shape {
    users
        .iter()
        .map(|u| {
            let posts = u.posts.get().unwrap();
            let posts = posts
                .iter()
                .map(|p| {
                    let comments = p.comments.get().unwrap();
                    (p.id, comments.iter().map(|c| c.id).collect())
                })
                .collect();
            (u.id, posts)
        })
        .collect()
}

#[tokio::test]
async fn a_prepared_query_reads_what_the_same_query_with_its_values_reads() {
    for db in common::fresh("prepared_same_rows", &schema()).await {
        let d = db.dialect();
        seed(&db).await;
        for strategy in [Strategy::Join, Strategy::Batch, Strategy::Auto] {
            let prepared = User::query()
                .filter(User::id.eq_placeholder(USER))
                .with(
                    User::posts()
                        .filter(Post::score.gte_placeholder(MIN_SCORE))
                        .order_by(Post::id.asc())
                        .with(
                            Post::comments()
                                .filter(Comment::likes.gt_placeholder(MIN_LIKES))
                                .order_by(Comment::id.asc()),
                        ),
                )
                .strategy(strategy)
                .prepare();
            let mut nonempty = 0;
            for user in 1..=6 {
                for min_score in [0, 3, 6] {
                    for min_likes in [0, 2] {
                        let built = User::query()
                            .filter(User::id.eq(user))
                            .with(
                                User::posts()
                                    .filter(Post::score.gte(min_score))
                                    .order_by(Post::id.asc())
                                    .with(
                                        Post::comments()
                                            .filter(Comment::likes.gt(min_likes))
                                            .order_by(Comment::id.asc()),
                                    ),
                            )
                            .strategy(strategy)
                            .all(&db)
                            .await
                            .unwrap();
                        let run = prepared
                            .bind(USER, user)
                            .bind(MIN_SCORE, min_score)
                            .bind(MIN_LIKES, min_likes)
                            .all(&db)
                            .await
                            .unwrap();
                        assert_eq!(shape(&run), shape(&built), "{d:?} {strategy:?}");
                        assert_eq!(run.len(), usize::from(user <= 5), "{d:?}");
                        nonempty += shape(&run)
                            .iter()
                            .flat_map(|u| &u.1)
                            .filter(|p| !p.1.is_empty())
                            .count();
                    }
                }
            }
            // The filters cut some rows and kept others.
            assert!(nonempty > 10, "{d:?} {strategy:?}: {nonempty}");
        }
    }
}

#[tokio::test]
async fn ranges_nulls_first_and_count() {
    for db in common::fresh("prepared_ranges", &schema()).await {
        let d = db.dialect();
        seed(&db).await;
        const LOW: Placeholder<i64> = Placeholder::new("low");
        const HIGH: Placeholder<i64> = Placeholder::new("high");
        let range = Post::query()
            .filter(
                Post::id
                    .gte_placeholder(LOW)
                    .and(Post::id.lt_placeholder(HIGH)),
            )
            .order_by(Post::id.asc())
            .prepare();
        let ids = |posts: Vec<Post>| posts.iter().map(|p| p.id).collect::<Vec<_>>();
        let run = range.bind(LOW, 12).bind(HIGH, 22).all(&db).await.unwrap();
        assert_eq!(ids(run), [12, 13, 20, 21], "{d:?}");
        let run = range.bind(HIGH, 22).bind(LOW, 30).all(&db).await.unwrap();
        assert!(run.is_empty(), "{d:?}");
        assert_eq!(
            range.bind(LOW, 0).bind(HIGH, 100).count(&db).await.unwrap(),
            20
        );
        let first = range
            .bind(LOW, 41)
            .bind(HIGH, 100)
            .first(&db)
            .await
            .unwrap();
        assert_eq!(first.map(|p| p.id), Some(41), "{d:?}");

        // A None bound with = or <> matches as `eq(None)` does: IS [NOT] NULL.
        let by_team = User::query()
            .filter(User::team.eq_placeholder(TEAM))
            .order_by(User::id.asc())
            .prepare();
        let not_team = User::query()
            .filter(User::team.ne_placeholder(TEAM))
            .order_by(User::id.asc())
            .prepare();
        let ids = |users: Vec<User>| users.iter().map(|u| u.id).collect::<Vec<_>>();
        let red = by_team
            .bind(TEAM, "red".to_string())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(red), [1, 4], "{d:?}");
        let none = by_team.bind(TEAM, None::<String>).all(&db).await.unwrap();
        assert_eq!(ids(none), [3, 5], "{d:?}");
        let some = not_team.bind(TEAM, None::<String>).all(&db).await.unwrap();
        assert_eq!(ids(some), [1, 2, 4], "{d:?}");
        let not_red = not_team
            .bind(TEAM, "red".to_string())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(ids(not_red), [2], "{d:?}");
    }
}

#[tokio::test]
async fn every_connection_runs_it() {
    for db in common::fresh("prepared_connections", &schema()).await {
        let d = db.dialect();
        seed(&db).await;
        let posts_of = Post::query()
            .filter(Post::author_id.eq_placeholder(USER))
            .order_by(Post::id.asc())
            .prepare();
        let ids = |posts: Vec<Post>| posts.iter().map(|p| p.id).collect::<Vec<_>>();
        let expected = vec![20, 21, 22, 23];

        let mut tx = db.begin().await.unwrap();
        let run = posts_of.bind(USER, 2).all(&mut tx).await.unwrap();
        assert_eq!(ids(run), expected, "{d:?} in a Transaction");
        tx.rollback().await.unwrap();

        macro_rules! on_sqlx {
            ($pool:expr) => {{
                let pool = $pool.clone();
                let mut tx = pool.begin().await.unwrap();
                let run = posts_of.bind(USER, 2).all(&mut tx).await.unwrap();
                assert_eq!(ids(run), expected, "{d:?} in a sqlx transaction");
                let run = posts_of.bind(USER, 2).all(db.on(&mut tx)).await.unwrap();
                assert_eq!(ids(run), expected, "{d:?} through db.on");
                tx.rollback().await.unwrap();
                let mut conn = pool.acquire().await.unwrap();
                let run = posts_of
                    .bind(USER, 2)
                    .all(Conn::from(&mut conn))
                    .await
                    .unwrap();
                assert_eq!(ids(run), expected, "{d:?} on a sqlx connection");
            }};
        }
        if let Some(pool) = db.sqlite_pool() {
            on_sqlx!(pool);
        } else if let Some(pool) = db.postgres_pool() {
            on_sqlx!(pool);
        } else {
            on_sqlx!(db.mysql_pool().unwrap());
        }
    }
}

#[tokio::test]
async fn an_unbound_placeholder_is_an_error_and_sends_nothing() {
    for db in common::fresh("prepared_unbound", &schema()).await {
        let d = db.dialect();
        seed(&db).await;
        let prepared = |strategy| {
            User::query()
                .filter(User::id.eq_placeholder(USER))
                .with(User::posts().filter(Post::score.gte_placeholder(MIN_SCORE)))
                .strategy(strategy)
                .prepare()
        };
        let before = db.statement_count();
        // Unbound in the root's filter: refused before the first statement.
        let err = prepared(Strategy::Auto)
            .bind(MIN_SCORE, 1)
            .all(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unbound {
                    table: "pq_users",
                    column: "id",
                    placeholder: "user"
                }
            ),
            "{d:?}: {err:?}"
        );
        assert_eq!(db.statement_count(), before, "{d:?}: a statement was sent");
        let message = err.to_string();
        assert!(
            message.contains("`user`") && message.contains("`pq_users`.`id`"),
            "{message}"
        );
        // Unbound in a relation's filter, with either strategy: refused before the
        // root's statement too.
        for strategy in [Strategy::Join, Strategy::Batch] {
            let err = prepared(strategy)
                .unbound()
                .bind(USER, 1)
                .all(&db)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Unbound {
                        table: "pq_posts",
                        column: "score",
                        placeholder: "min_score"
                    }
                ),
                "{d:?} {strategy:?}: {err:?}"
            );
            assert_eq!(db.statement_count(), before, "{d:?} {strategy:?}");
        }
        let err = User::query()
            .filter(User::id.eq_placeholder(USER))
            .count(&db)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unbound { .. }), "{d:?}: {err:?}");
        // A query that was never prepared, run with a placeholder in it, is the same
        // error: nothing binds NULL in its place.
        let err = User::query()
            .filter(User::team.eq_placeholder(TEAM))
            .all(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unbound {
                    placeholder: "team",
                    ..
                }
            ),
            "{d:?}"
        );
    }
}

#[tokio::test]
async fn binding_again_other_types_orders_and_writes() {
    for db in common::fresh("prepared_binding", &schema()).await {
        let d = db.dialect();
        seed(&db).await;
        const LOW: Placeholder<i64> = Placeholder::new("low");
        let from = Post::query()
            .filter(Post::id.gte_placeholder(LOW))
            .order_by(Post::id.asc())
            .prepare();
        // Bound again, the last value holds.
        let run = from.bind(LOW, 0).bind(LOW, 52).all(&db).await.unwrap();
        assert_eq!(
            run.iter().map(|p| p.id).collect::<Vec<_>>(),
            [52, 53],
            "{d:?}"
        );

        // A placeholder of the same name and another type is another placeholder:
        // binding the `i64` one leaves it unbound.
        const LOW_NAME: Placeholder<String> = Placeholder::new("low");
        let both = User::query()
            .filter(
                User::id
                    .gte_placeholder(LOW)
                    .or(User::name.eq_placeholder(LOW_NAME)),
            )
            .prepare();
        let err = both.bind(LOW, 3).all(&db).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unbound {
                    column: "name",
                    placeholder: "low",
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        let run = both
            .bind(LOW, 5)
            .bind(LOW_NAME, "user 1".to_string())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            run.iter().map(|u| u.id).collect::<Vec<_>>(),
            [1, 5],
            "{d:?}"
        );

        // In an order by a related value's filter, bound like the rest.
        let by_good_posts = User::query()
            .order_by(
                User::posts()
                    .filter(Post::score.gte_placeholder(MIN_SCORE))
                    .count()
                    .desc(),
            )
            .order_by(User::id.asc())
            .prepare();
        for min_score in [0, 4, 6] {
            let built = User::query()
                .order_by(
                    User::posts()
                        .filter(Post::score.gte(min_score))
                        .count()
                        .desc(),
                )
                .order_by(User::id.asc())
                .all(&db)
                .await
                .unwrap();
            let run = by_good_posts
                .bind(MIN_SCORE, min_score)
                .all(&db)
                .await
                .unwrap();
            let ids = |users: &[User]| users.iter().map(|u| u.id).collect::<Vec<_>>();
            assert_eq!(ids(&run), ids(&built), "{d:?} {min_score}");
        }
        let err = by_good_posts.unbound().all(&db).await.unwrap_err();
        assert!(matches!(err, Error::Unbound { .. }), "{d:?}: {err:?}");

        // A write's filter with a placeholder (writes are not prepared) is refused at
        // the statement, and changes nothing.
        let err = User::update()
            .set(User::name, "changed")
            .filter(User::id.eq_placeholder(USER))
            .run(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unbound {
                    placeholder: "user",
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        let changed = User::query()
            .filter(User::name.eq("changed"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(changed, 0, "{d:?}");
    }
}

//! Rel: the tables as `#[derive(Table)]` structs (as in `benches/load.rs`), the seed, and
//! the load with a chosen strategy.

use crate::{Backend, comment_rows, post_rows, user_rows};
use rel::{Db, Many, One, RelationMode, Schema, Strategy, Table};
use sqlx::AssertSqlSafe;

#[derive(Table, Debug)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    #[relation(many)]
    pub posts: Many<Post>,
}

#[derive(Table, Debug)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    #[relation(one, from = author_id, to = User::id)]
    pub author: One<User>,
    #[relation(many)]
    pub comments: Many<Comment>,
}

#[derive(Table, Debug)]
#[table(name = "comments")]
pub struct Comment {
    #[column(primary_key)]
    pub id: i64,
    pub post_id: i64,
    pub body: String,
    #[relation(one, from = post_id, to = Post::id)]
    pub post: One<Post>,
}

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys).table::<User>()
}

/// A `Db` for loading, told the schema its database has.
pub async fn connect(url: &str) -> rel::Result<Db> {
    let db = Db::connect(url).await?;
    db.use_schema(&schema());
    Ok(db)
}

/// Users per insert: bounds the rows built in memory at once.
const USERS_PER_CHUNK: i64 = 1_000;

pub(crate) async fn seed(url: &str, backend: Backend, n: i64) -> rel::Result<()> {
    let db = Db::connect(url).await?;
    let schema = schema();
    schema.drop_all(&db).await?;
    schema.create_all(&db).await?;
    let users: Vec<User> = user_rows(n)
        .map(|(id, name)| User {
            id,
            name,
            posts: Many::default(),
        })
        .collect();
    db.insert_many(&users).await?;
    let mut first = 1;
    while first <= n {
        let last = (first + USERS_PER_CHUNK - 1).min(n);
        let posts: Vec<Post> = post_rows(first..=last)
            .map(|(id, author_id, title)| Post {
                id,
                author_id,
                title,
                author: One::default(),
                comments: Many::default(),
            })
            .collect();
        db.insert_many(&posts).await?;
        let post_range = posts[0].id..=posts[posts.len() - 1].id;
        let comments: Vec<Comment> = comment_rows(post_range)
            .map(|(id, post_id, body)| Comment {
                id,
                post_id,
                body,
                post: One::default(),
            })
            .collect();
        db.insert_many(&comments).await?;
        first = last + 1;
    }
    // Fresh statistics, so that every library's queries are planned from the same.
    let analyze = match backend {
        Backend::MySql => "ANALYZE TABLE users, posts, comments",
        _ => "ANALYZE",
    };
    sqlx_analyze(url, backend, analyze).await;
    Ok(())
}

async fn sqlx_analyze(url: &str, backend: Backend, sql: &str) {
    macro_rules! run {
        ($pool:ty) => {
            match <$pool>::connect(url).await {
                Ok(p) => {
                    let done = sqlx::query(AssertSqlSafe(sql)).execute(&p).await;
                    p.close().await;
                    done.map(drop)
                }
                Err(e) => Err(e),
            }
        };
    }
    let done = match backend {
        Backend::Sqlite => run!(sqlx::SqlitePool),
        Backend::Postgres => run!(sqlx::PgPool),
        Backend::MySql => run!(sqlx::MySqlPool),
    };
    if let Err(e) = done {
        eprintln!("note: {sql} on {}: {e}", backend.name());
    }
}

/// Every user with their posts and each post's comments (ordered by primary key: Rel's
/// default order at every level).
pub async fn load(db: &Db, strategy: Strategy) -> rel::Result<Vec<User>> {
    User::query()
        .strategy(strategy)
        .with(User::posts().with(Post::comments()))
        .all(db)
        .await
}

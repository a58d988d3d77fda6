//! The blog schema the benches load (users → posts → comments), and its data.

use rel::{Db, Many, One, RelationMode, Schema, Table};

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

/// Creates the tables afresh and fills them: `users` users, 10 posts each, 5 comments
/// per post.
pub async fn seed(db: &Db, users: i64) {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    schema.drop_all(db).await.unwrap();
    schema.create_all(db).await.unwrap();
    let rows: Vec<User> = (1..=users)
        .map(|id| User {
            id,
            name: format!("user {id}"),
            posts: Many::default(),
        })
        .collect();
    db.insert_many(&rows).await.unwrap();
    let posts: Vec<Post> = (1..=users * 10)
        .map(|id| Post {
            id,
            author_id: (id - 1) / 10 + 1,
            title: format!("post {id}"),
            author: One::default(),
            comments: Many::default(),
        })
        .collect();
    db.insert_many(&posts).await.unwrap();
    let comments: Vec<Comment> = (1..=users * 50)
        .map(|id| Comment {
            id,
            post_id: (id - 1) / 5 + 1,
            body: format!("comment {id}"),
            post: One::default(),
        })
        .collect();
    db.insert_many(&comments).await.unwrap();
    // Statistics, as a database that has lived with its data has them. Without them,
    // PostgreSQL plans the minute after a bulk load (until autovacuum analyzes) as for
    // empty tables: a one-user Join took 130 ms there, not 0.3 ms, scanning the
    // comments once per post.
    if let Some(pool) = db.sqlite_pool() {
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
    } else if let Some(pool) = db.mysql_pool() {
        sqlx::query("ANALYZE TABLE users, posts, comments")
            .execute(pool)
            .await
            .unwrap();
    }
}

/// The median of timings (the upper one of an even count), for the paired loops.
#[allow(dead_code)]
pub fn median(mut times: Vec<std::time::Duration>) -> std::time::Duration {
    times.sort();
    times[times.len() / 2]
}

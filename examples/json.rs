//! A relational query returned as JSON, the way a web handler returns it: users, their
//! posts, and each post's comments, in one call (`serde` feature). No server is needed:
//! `handler` is written as an axum handler would be, and `main` calls it.
//!
//! Run it with `cargo run --example json` (the examples build with every feature; in
//! your crate, enable rel's `serde` feature).

use rel::prelude::*;
use serde::{Deserialize, Serialize};

// Each relation the query did not load is left out of the JSON.
#[rel::skip_unloaded]
#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

// Each relation the query did not load is left out of the JSON.
#[rel::skip_unloaded]
#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    title: String,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

// Each relation the query did not load is left out of the JSON.
#[rel::skip_unloaded]
#[derive(Table, Debug, Serialize, Deserialize, PartialEq)]
#[table(name = "comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    body: String,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
}

/// What a handler's error would turn into: a status and a message.
struct HandlerError(String);

impl std::fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "500 Internal Server Error: {}", self.0)
    }
}

impl From<rel::Error> for HandlerError {
    fn from(e: rel::Error) -> Self {
        HandlerError(e.to_string())
    }
}

/// `GET /users`: every user with their posts and the posts' comments, as JSON. In axum
/// this would take `State(db): State<Db>` and return `Json(users)`.
async fn handler(db: &Db) -> Result<String, HandlerError> {
    let users = User::query()
        .order_by(User::name.asc())
        .with(User::posts().with(Post::comments()))
        .all(db)
        .await?;
    serde_json::to_string_pretty(&users).map_err(|e| HandlerError(e.to_string()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), HandlerError> {
    let db = Db::connect("sqlite::memory:").await?;
    Schema::new(RelationMode::ForeignKeys)
        .table::<Comment>()
        .create_all(&db)
        .await?;
    let user = |id, name: &str| User {
        id,
        name: name.into(),
        posts: Many::default(),
    };
    db.insert_many(&[user(1, "Ada"), user(2, "Grace")]).await?;
    let post = |id, user_id, title: &str| Post {
        id,
        user_id,
        title: title.into(),
        user: One::default(),
        comments: Many::default(),
    };
    db.insert_many(&[post(10, 1, "Notes"), post(11, 2, "Compilers")])
        .await?;
    db.insert(&Comment {
        id: 100,
        post_id: 10,
        body: "Wonderful".into(),
        post: One::default(),
    })
    .await?;

    let json = handler(&db).await?;
    println!("{json}");

    // The JSON reads back into the same rows, relations loaded.
    let back: Vec<User> = serde_json::from_str(&json).map_err(|e| HandlerError(e.to_string()))?;
    let again = User::query()
        .order_by(User::name.asc())
        .with(User::posts().with(Post::comments()))
        .all(&db)
        .await?;
    assert_eq!(back, again);
    println!("read back: {} users, equal to the query's", back.len());
    Ok(())
}

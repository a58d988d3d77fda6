//! Read replicas: reads spread over the replicas, writes on the primary, and a read
//! after a write that sees it, in this request or in the next one.
//!
//! Needs a primary with replicas. `.ci/replicas --keep /tmp/replicas.env` starts
//! PostgreSQL and MariaDB ones on loopback; then
//!
//! ```text
//! source /tmp/replicas.env
//! cargo run --example replicas            # PostgreSQL, from REL_REPLICAS_POSTGRES
//! cargo run --example replicas -- mysql   # MariaDB, from REL_REPLICAS_MYSQL
//! ```
//!
//! (`REL_REPLICAS_*` is the primary's URL, then its replicas', comma-separated.)

use rel::Position;
use rel::prelude::*;
use std::time::Duration;

#[derive(Table, Debug, Clone)]
#[table(name = "replica_example_articles")]
struct Article {
    #[column(primary_key, auto_increment)]
    id: i64,
    title: String,
    views: i64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = match std::env::args().nth(1).as_deref() {
        Some("mysql") => "REL_REPLICAS_MYSQL",
        _ => "REL_REPLICAS_POSTGRES",
    };
    let Ok(urls) = std::env::var(var) else {
        eprintln!("{var} is not set: start replicas with .ci/replicas (see this file)");
        std::process::exit(2);
    };
    let urls: Vec<&str> = urls.split(',').collect();

    // A primary and its replicas: reads go to the replicas in turn.
    let mut builder = Db::builder(urls[0]).replica_wait(Duration::from_millis(500));
    for replica in &urls[1..] {
        builder = builder.replica(replica);
    }
    let db = builder.connect().await?;
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Article>();
    schema.drop_all(&db).await?;
    schema.create_all(&db).await?;

    // A write on the primary, and a read right after it, which sees it: it runs on a
    // replica once that has replayed the write (or on the primary after 500 ms).
    let id = db
        .insert(&Article {
            id: 0,
            title: "Replicas".into(),
            views: 0,
        })
        .await?;
    let read = db.get::<Article>(&id).await?;
    println!("read after the write: {:?}", read.map(|a| a.title));

    // The next request may reach another process: the position travels as text.
    let token = db
        .position()
        .await?
        .expect("a write's position")
        .to_string();
    println!("position after the write: {token}");
    let elsewhere = Db::builder(urls[0]).replica(urls[1]).connect().await?;
    let position: Position = token.parse()?;
    let articles = elsewhere.after(&position).all::<Article>().await?;
    println!(
        "another Db, after the position: {} article(s)",
        articles.len()
    );

    // A read that must see the newest data, whoever wrote it: the primary.
    let views = Article::query().count(&db.primary()).await?;
    println!("on the primary: {views} article(s)");
    schema.drop_all(&db).await?;
    Ok(())
}

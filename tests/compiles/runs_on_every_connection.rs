// What queries, writes and schemas run on: each one's future is `Send` (it can be
// spawned) on a `Db`, a Rel transaction and a sqlx transaction of the user's, and a
// schema takes what a `&Db` parameter took (`&arc`, `&&db`, `&boxed`).
use rel::prelude::*;
use std::future::Future;
use std::sync::Arc;

#[derive(Table, Debug, PartialEq)]
struct Note {
    #[column(primary_key)]
    id: i64,
    text: String,
}

fn send<F: Future + Send>(future: F) -> F {
    future
}

/// Generic code over what a query runs on.
async fn count_notes<Via>(conn: impl rel::IntoRunner<Via>) -> rel::Result<u64> {
    Note::query().count(conn).await
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let pool = rel::sqlx::SqlitePool::connect("sqlite::memory:").await?;
    let db = Arc::new(Db::from_pool(pool.clone()).await?);
    let schema = Schema::new(RelationMode::Emulated).table::<Note>();
    send(schema.create_all(&db)).await?;
    let by_ref: &Db = &db;
    assert!(send(schema.diff(&by_ref)).await?.is_empty());
    assert!(send(schema.check_integrity(&Box::new(Db::from_pool(pool.clone()).await?))).await?.is_empty());

    let row = Note { id: 1, text: "a".into() };
    send(Note::upsert(&row).on_conflict(Note::id).run(&*db)).await?;
    let mut tx = db.begin().await?;
    send(Note::update().set(Note::text, "b").filter(Note::id.eq(1)).run(&mut tx)).await?;
    assert_eq!(send(Note::query().count(&mut tx)).await?, 1);
    tx.commit().await?;

    let mut sqlx_tx = pool.begin().await?;
    let all = send(Note::query().all(&mut sqlx_tx)).await?;
    assert_eq!(all, [Note { id: 1, text: "b".into() }]);
    assert_eq!(send(count_notes(&mut sqlx_tx)).await?, 1);
    sqlx_tx.commit().await?;

    assert_eq!(send(Note::delete().filter(Note::id.eq(1)).run(&*db)).await?, 1);
    assert_eq!(send(count_notes(&*db)).await?, 0);
    send(schema.drop_all(&db)).await?;
    Ok(())
}

fn main() {
    tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
}

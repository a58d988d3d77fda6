//! The same program on sqlx alone: the table created, the row written and read by hand.
use sqlx::Row;

#[derive(Debug)]
#[allow(dead_code)]
struct User {
    id: i64,
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), sqlx::Error> {
    let db = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&db)
        .await?;
    sqlx::query("INSERT INTO users (id, name) VALUES (?, ?)")
        .bind(1_i64)
        .bind("Ada")
        .execute(&db)
        .await?;
    let users: Vec<User> = sqlx::query("SELECT id, name FROM users")
        .fetch_all(&db)
        .await?
        .iter()
        .map(|r| User {
            id: r.get(0),
            name: r.get(1),
        })
        .collect();
    println!("{users:?}");
    Ok(())
}

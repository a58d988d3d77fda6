//! Hello world on Rel and SQLite: one table created, one row written, all rows read.
use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> rel::Result<()> {
    let db = Db::connect("sqlite::memory:").await?;
    Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .create_all(&db)
        .await?;
    db.insert(&User {
        id: 1,
        name: "Ada".into(),
    })
    .await?;
    let users = User::query().all(&db).await?;
    println!("{users:?}");
    Ok(())
}

// A query runs on a `Db`, a `Transaction`, a `Conn` or a sqlx connection or transaction;
// a schema is created through a `Db`. Anything else is refused at the argument.
use rel::prelude::*;

#[derive(Table)]
struct Note {
    #[column(primary_key)]
    id: i64,
}

async fn run(db: &Db, pool: &rel::sqlx::SqlitePool, tx: &mut Transaction) {
    let _ = Note::query().all(pool).await;
    let _ = Note::query().count("sqlite::memory:").await;
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Note>();
    let _ = schema.create_all(tx).await;
    let _ = schema.create_all(db).await;
}

fn main() {
    let _ = run;
}

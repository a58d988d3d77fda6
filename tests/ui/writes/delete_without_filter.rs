// A delete of every row must say so: `.all_rows()`.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
}

async fn purge(db: &Db) -> Result<u64, rel::Error> {
    Post::delete().run(db).await
}

fn main() {
    let _ = purge;
}

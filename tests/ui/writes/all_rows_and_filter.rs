// `.all_rows()` says every row; a filter after it contradicts it.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    published: bool,
}

async fn contradictions(db: &Db) -> Result<u64, rel::Error> {
    Post::delete().all_rows().filter(Post::published.eq(false)).run(db).await?;
    Post::update()
        .set(Post::published, true)
        .all_rows()
        .filter(Post::id.eq(1))
        .run(db)
        .await
}

fn main() {
    let _ = contradictions;
}

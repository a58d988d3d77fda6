// An update of every row must say so: `.all_rows()`.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    published: bool,
}

async fn publish_all(db: &Db) -> Result<u64, rel::Error> {
    Post::update().set(Post::published, true).run(db).await
}

fn main() {
    let _ = publish_all;
}

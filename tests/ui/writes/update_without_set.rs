// An update must set something.
use rel::prelude::*;

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    published: bool,
}

async fn nothing(db: &Db) -> Result<u64, rel::Error> {
    Post::update().filter(Post::id.eq(1)).run(db).await
}

fn main() {
    let _ = nothing;
    let _ = Post::update().all_rows().to_sql(Dialect::Sqlite);
}

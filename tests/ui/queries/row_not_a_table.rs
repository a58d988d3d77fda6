// A row type that is not a table: one error per call, not three.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

struct Draft { id: i64 }
async fn run(db: &Db) -> rel::Result<()> {
    db.insert(&Draft { id: 1 }).await?;
    let _ = db.all::<Draft>().await?;
    Ok(())
}
fn main() { let _ = run; }

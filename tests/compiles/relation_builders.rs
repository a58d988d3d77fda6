// The legal neighbours of the refused relation builders: a count and an exists on a
// filtered `many`, a `one` with a nested load, a limit and an order on a `many`, and a
// relation built step by step.
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
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table)]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
}

fn main() {
    let counted = User::query().with(User::posts().filter(Post::id.gt(1)).count());
    let exists = User::query().filter(User::posts().filter(Post::id.gt(1)).exists());
    let one = Post::query().with(Post::user().with(User::posts().limit(2)));
    let newest = User::query().with(
        User::posts()
            .order_by(Post::id.desc())
            .limit(3)
            .offset(1)
            .with(Post::comments().count()),
    );
    let mut step = User::posts().shaped();
    if std::env::args().count() > 100 {
        step = step.limit(1);
    }
    let step = User::query().with(step);
    for q in [
        counted.to_sql(Dialect::Sqlite).sql,
        exists.to_sql(Dialect::Sqlite).sql,
        newest.to_sql(Dialect::Postgres).sql,
        step.to_sql(Dialect::Sqlite).sql,
        one.to_sql(Dialect::Sqlite).sql,
    ] {
        assert!(q.starts_with("SELECT"), "{q}");
    }
}

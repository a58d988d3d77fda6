// `sum` and `avg` take numbers, `min` and `max` what every backend orders alike, and a
// comparison a value of the aggregate's type.
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
    title: String,
    draft: bool,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

fn main() {
    let _ = User::query().order_by(User::posts().sum(Post::title));
    let _ = User::query().order_by(User::posts().max(Post::draft));
    let _ = User::query().filter(User::posts().count().gt("many"));
    let _ = Post::query().order_by(Post::user().count());
}

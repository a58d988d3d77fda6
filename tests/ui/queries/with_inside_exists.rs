// `.exists()` uses only the relation's filters: a nested load would be dropped.
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
    let _ = User::query().filter(User::posts().with(Post::comments()).exists());
}

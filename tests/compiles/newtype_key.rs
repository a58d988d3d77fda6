// A newtype key, made a column type with one line, in a relation and a filter.
use rel::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UserId(pub i64);
rel::column_newtype!(UserId(i64));

#[derive(Table, Debug)]
struct User {
    #[column(primary_key)]
    id: UserId,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author: UserId,
    #[relation(one, from = author, to = User::id)]
    user: One<User>,
}

fn main() {
    let sql = Post::query()
        .filter(Post::author.eq(UserId(3)))
        .with(Post::user())
        .to_sql(Dialect::Sqlite);
    assert_eq!(sql.binds, [rel::Value::I64(3)]);
    let _ = User::posts();
}

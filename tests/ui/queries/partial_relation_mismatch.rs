// A partial struct's relation field is a relation of its table, of the same kind, and
// its rows are the related table's struct or a partial struct of it.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    title: String,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
}

#[derive(Partial)]
#[partial(of = Post)]
struct Title {
    title: String,
}

#[derive(Partial)]
#[partial(of = User)]
struct Name {
    name: String,
}

#[derive(Partial)]
#[partial(of = User)]
struct Wrong {
    name: String,
    // A `many` relation into a `One`.
    posts: One<Title>,
}

#[derive(Partial)]
#[partial(of = User)]
struct OfAnotherTable {
    name: String,
    // Rows of `User`, not of `Post`.
    posts: Many<Name>,
}

#[derive(Partial)]
#[partial(of = User)]
struct NoSuchRelation {
    name: String,
    articles: Many<Title>,
}

#[derive(Partial)]
#[partial(of = Post)]
struct OnlyRelations {
    user: One<Name>,
}

fn main() {}

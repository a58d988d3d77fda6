// The Drizzle docs' own example: `reviewer` copies `author`'s `from`, so every reviewer
// would be the author.
use rel::prelude::*;

#[derive(Table)]
struct User {
    #[column(primary_key)]
    id: i64,
    #[relation(many, alias = "author")]
    authored: Many<Post>,
    #[relation(many, alias = "reviewer")]
    reviewed: Many<Post>,
}

#[derive(Table)]
struct Post {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    reviewer_id: Option<i64>,
    #[relation(one, from = author_id, to = User::id, alias = "author")]
    author: One<User>,
    #[relation(one, from = author_id, to = User::id, alias = "reviewer")]
    reviewer: One<Option<User>>,
}

fn main() {}

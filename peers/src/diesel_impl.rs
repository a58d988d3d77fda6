//! Diesel 2.3 on SQLite and PostgreSQL: the documented way to load associations,
//! `belonging_to` for each level and `grouped_by` to nest the children under their
//! parents.

use crate::{Backend, Target};
use diesel::prelude::*;

pub mod schema {
    diesel::table! {
        users (id) {
            id -> BigInt,
            name -> Text,
        }
    }

    diesel::table! {
        posts (id) {
            id -> BigInt,
            author_id -> BigInt,
            title -> Text,
        }
    }

    diesel::table! {
        comments (id) {
            id -> BigInt,
            post_id -> BigInt,
            body -> Text,
        }
    }

    diesel::joinable!(posts -> users (author_id));
    diesel::joinable!(comments -> posts (post_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);
}

use schema::{comments, posts, users};

#[derive(Queryable, Selectable, Identifiable, Debug, PartialEq)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub id: i64,
    pub name: String,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, PartialEq)]
#[diesel(table_name = posts)]
#[diesel(belongs_to(User, foreign_key = author_id))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Post {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, PartialEq)]
#[diesel(table_name = comments)]
#[diesel(belongs_to(Post))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub body: String,
}

/// Each user with its posts, each post with its comments.
pub type Loaded = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

pub enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The same code for either connection type.
macro_rules! load_all {
    ($conn:expr) => {{
        let conn = $conn;
        let users: Vec<User> = users::table
            .order(users::id)
            .select(User::as_select())
            .load(conn)?;
        let posts: Vec<Post> = Post::belonging_to(&users)
            .order(posts::id)
            .select(Post::as_select())
            .load(conn)?;
        let comments: Vec<Comment> = Comment::belonging_to(&posts)
            .order(comments::id)
            .select(Comment::as_select())
            .load(conn)?;
        let comments_per_post: Vec<Vec<Comment>> = comments.grouped_by(&posts);
        let posts_per_user: Vec<Vec<(Post, Vec<Comment>)>> =
            posts.into_iter().zip(comments_per_post).grouped_by(&users);
        Ok(users.into_iter().zip(posts_per_user).collect())
    }};
}

impl Conn {
    /// SQLite: the target's file. PostgreSQL: the server's URL, then the namespace as
    /// the search path.
    pub fn connect(target: &Target) -> Result<Conn, String> {
        let err =
            |e: &dyn std::fmt::Display| format!("diesel connecting to {}: {e}", target.shown());
        match target.backend {
            Backend::Sqlite => SqliteConnection::establish(&target.base)
                .map(Conn::Sqlite)
                .map_err(|e| err(&e)),
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&target.base).map_err(|e| err(&e))?;
                diesel::sql_query(format!("SET search_path TO \"{}\"", target.namespace))
                    .execute(&mut conn)
                    .map_err(|e| err(&e))?;
                Ok(Conn::Postgres(conn))
            }
            Backend::MySql => Err("diesel is not run on MySQL".into()),
        }
    }

    pub fn load(&mut self) -> QueryResult<Loaded> {
        match self {
            Conn::Sqlite(conn) => load_all!(conn),
            Conn::Postgres(conn) => load_all!(conn),
        }
    }
}

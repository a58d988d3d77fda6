//! The baseline, as in Rel's `benches/load.rs`: three queries with IN lists (one array
//! parameter on PostgreSQL) chunked under the bind limit, and HashMap grouping, written
//! by hand on sqlx. The child queries are ordered by id like every other variant's.

use crate::{Backend, Target};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// What the hand-written version builds: the same nesting, plain structs.
pub struct PlainUser {
    pub id: i64,
    pub name: String,
    pub posts: Vec<PlainPost>,
}

pub struct PlainPost {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub comments: Vec<(i64, i64, String)>,
}

pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

impl Pool {
    pub async fn connect(target: &Target) -> Result<Pool, String> {
        let url = &target.url;
        let pool = match target.backend {
            Backend::Sqlite => sqlx::SqlitePool::connect(url).await.map(Pool::Sqlite),
            Backend::Postgres => sqlx::PgPool::connect(url).await.map(Pool::Postgres),
            Backend::MySql => sqlx::MySqlPool::connect(url).await.map(Pool::MySql),
        };
        pool.map_err(|e| e.to_string())
    }

    fn is_postgres(&self) -> bool {
        matches!(self, Pool::Postgres(_))
    }

    /// Rows of `(i64, i64, String)` whose second column is in `keys`, chunked under the
    /// bind limit.
    async fn fetch_children(
        &self,
        sql_head: &str,
        keys: &[i64],
    ) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
        let mut out = Vec::new();
        let chunk = if self.is_postgres() {
            keys.len().max(1)
        } else {
            30_000
        };
        for keys in keys.chunks(chunk) {
            let list = if self.is_postgres() {
                "= ANY($1)".to_string()
            } else {
                format!("IN ({})", vec!["?"; keys.len()].join(", "))
            };
            let sql = format!("{sql_head} {list} ORDER BY id");
            match self {
                Pool::Sqlite(p) => {
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for k in keys {
                        q = q.bind(*k);
                    }
                    for r in q.fetch_all(p).await? {
                        out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
                    }
                }
                Pool::Postgres(p) => {
                    let rows = sqlx::query(AssertSqlSafe(sql))
                        .bind(keys.to_vec())
                        .fetch_all(p)
                        .await?;
                    for r in rows {
                        out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
                    }
                }
                Pool::MySql(p) => {
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for k in keys {
                        q = q.bind(*k);
                    }
                    for r in q.fetch_all(p).await? {
                        out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
                    }
                }
            }
        }
        Ok(out)
    }

    async fn fetch_users(&self) -> Result<Vec<(i64, String)>, sqlx::Error> {
        const SQL: &str = "SELECT id, name FROM users ORDER BY id";
        macro_rules! users {
            ($p:expr) => {
                sqlx::query(SQL)
                    .fetch_all($p)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect()
            };
        }
        match self {
            Pool::Sqlite(p) => users!(p),
            Pool::Postgres(p) => users!(p),
            Pool::MySql(p) => users!(p),
        }
    }

    /// Three queries and HashMap grouping.
    pub async fn load(&self) -> Result<Vec<PlainUser>, String> {
        self.load_inner().await.map_err(|e| e.to_string())
    }

    async fn load_inner(&self) -> Result<Vec<PlainUser>, sqlx::Error> {
        let users = self.fetch_users().await?;
        let user_ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let posts = self
            .fetch_children(
                "SELECT id, author_id, title FROM posts WHERE author_id",
                &user_ids,
            )
            .await?;
        let post_ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let comments = self
            .fetch_children(
                "SELECT id, post_id, body FROM comments WHERE post_id",
                &post_ids,
            )
            .await?;
        let mut comments_by_post: HashMap<i64, Vec<(i64, i64, String)>> = HashMap::new();
        for c in comments {
            comments_by_post.entry(c.1).or_default().push(c);
        }
        let mut posts_by_user: HashMap<i64, Vec<PlainPost>> = HashMap::new();
        for (id, author_id, title) in posts {
            let comments = comments_by_post.remove(&id).unwrap_or_default();
            posts_by_user.entry(author_id).or_default().push(PlainPost {
                id,
                author_id,
                title,
                comments,
            });
        }
        Ok(users
            .into_iter()
            .map(|(id, name)| PlainUser {
                id,
                name,
                posts: posts_by_user.remove(&id).unwrap_or_default(),
            })
            .collect())
    }
}

//! Rel against its peers on one workload: every user with their posts and each post's
//! comments, ordered by primary key at every level, loaded into nested structures.
//!
//! The data is `n` users, 10 posts per user and 5 comments per post (61 rows per user).
//! Each implementation's result is reduced to a [`Checksum`] (counts, a sum of ids and
//! text lengths, and a hash of the order the rows come in, level by level), which must
//! equal [`Checksum::expected`] before anything is timed.
//!
//! - `sqlx`: hand-written sqlx, three IN-list queries (one array on PostgreSQL) and
//!   HashMap grouping, as in Rel's own `benches/load.rs`.
//! - `rel-auto`, `rel-join`, `rel-batch`: Rel with each [`Strategy`].
//! - `diesel`: Diesel 2.3, `belonging_to` + `grouped_by` (SQLite and PostgreSQL).
//! - `seaorm`: SeaORM 2.0's entity loader, `load().with((post, comment))`.
//! - `floor` (SQLite only): the bundled SQLite stepped directly, every column read in
//!   place, nothing allocated (see `floor.rs`): what any library costs above SQLite.

use rel::{Db, Dialect, Strategy};
use sqlx::{AssertSqlSafe, Executor};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub mod diesel_impl;
pub mod floor;
pub mod rel_impl;
pub mod seaorm_impl;
pub mod sqlx_impl;

/// Posts per user and comments per post.
pub const POSTS_PER_USER: i64 = 10;
pub const COMMENTS_PER_POST: i64 = 5;

/// The database a load runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    pub fn parse(s: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == s)
    }

    pub fn dialect(self) -> Dialect {
        match self {
            Backend::Sqlite => Dialect::Sqlite,
            Backend::Postgres => Dialect::Postgres,
            Backend::MySql => Dialect::MySql,
        }
    }

    /// The environment variable holding the server's URL (none for SQLite).
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("REL_POSTGRES_URL"),
            Backend::MySql => Some("REL_MYSQL_URL"),
        }
    }
}

/// One implementation of the load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Sqlx,
    RelAuto,
    RelJoin,
    RelBatch,
    Diesel,
    SeaOrm,
    Floor,
}

impl Variant {
    pub const ALL: [Variant; 7] = [
        Variant::Sqlx,
        Variant::RelAuto,
        Variant::RelJoin,
        Variant::RelBatch,
        Variant::Diesel,
        Variant::SeaOrm,
        Variant::Floor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Sqlx => "sqlx",
            Variant::RelAuto => "rel-auto",
            Variant::RelJoin => "rel-join",
            Variant::RelBatch => "rel-batch",
            Variant::Diesel => "diesel",
            Variant::SeaOrm => "seaorm",
            Variant::Floor => "floor",
        }
    }

    pub fn parse(s: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == s)
    }

    /// Diesel is run on SQLite and PostgreSQL only, the floor on SQLite.
    pub fn runs_on(self, backend: Backend) -> bool {
        match self {
            Variant::Diesel => backend != Backend::MySql,
            Variant::Floor => backend == Backend::Sqlite,
            _ => true,
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the data lives: a SQLite file, or a PostgreSQL schema / MySQL database named
/// `namespace` on the server of `REL_POSTGRES_URL` / `REL_MYSQL_URL`. The MySQL user
/// needs the right to create that database (CI's user `rel` may create `rel_%` ones).
#[derive(Clone, Debug)]
pub struct Target {
    pub backend: Backend,
    /// The URL Rel and sqlx connect to; it reaches the namespace.
    pub url: String,
    /// SQLite: the file's path. Servers: the URL from the environment.
    pub base: String,
    /// The PostgreSQL schema or MySQL database (unused on SQLite).
    pub namespace: String,
}

impl Target {
    pub fn sqlite(path: &Path) -> Target {
        Target {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", path.display()),
            base: path.display().to_string(),
            namespace: String::new(),
        }
    }

    /// The server of `backend` from its environment variable, or `None` if it is unset.
    pub fn server(backend: Backend, namespace: &str) -> Option<Target> {
        let var = backend.env_var()?;
        let base = std::env::var(var).ok().filter(|u| !u.is_empty())?;
        let url = match backend {
            Backend::Postgres => {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options[search_path]={namespace}")
            }
            _ => {
                // Same server and credentials, the namespace's database.
                let (head, query) = base.split_once('?').unwrap_or((&base, ""));
                let server = &head[..head.rfind('/').expect("mysql URL has a database path")];
                let query = if query.is_empty() {
                    String::new()
                } else {
                    format!("?{query}")
                };
                format!("{server}/{namespace}{query}")
            }
        };
        Some(Target {
            backend,
            url,
            base,
            namespace: namespace.to_string(),
        })
    }

    /// The base URL (or file) with any password hidden, for messages.
    pub fn shown(&self) -> String {
        match self.base.split_once("://") {
            Some((scheme, rest)) => match rest.split_once('@') {
                Some((creds, host)) => match creds.split_once(':') {
                    Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                    None => self.base.clone(),
                },
                None => self.base.clone(),
            },
            None => self.base.clone(),
        }
    }

    /// SQLite in `sqlite_file`, and each server whose URL is set (a note for the others).
    pub fn available(namespace: &str, sqlite_file: &Path) -> Vec<Target> {
        let mut targets = vec![Target::sqlite(sqlite_file)];
        for backend in [Backend::Postgres, Backend::MySql] {
            match Target::server(backend, namespace) {
                Some(t) => targets.push(t),
                None => eprintln!(
                    "note: {} is not set; skipping {}",
                    backend.env_var().unwrap(),
                    backend.name()
                ),
            }
        }
        targets
    }

    /// Empties the namespace (drops and recreates it), or removes the SQLite file.
    async fn reset(&self) -> Result<(), String> {
        let err = |e: sqlx::Error| format!("{} at {}: {e}", self.backend.name(), self.shown());
        let quoted = self.backend.dialect().quote(&self.namespace);
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.base));
                }
            }
            Backend::Postgres => {
                let admin = sqlx::PgPool::connect(&self.base).await.map_err(err)?;
                let sql = format!("DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted}");
                admin.execute(AssertSqlSafe(sql)).await.map_err(err)?;
                admin.close().await;
            }
            Backend::MySql => {
                let admin = sqlx::MySqlPool::connect(&self.base).await.map_err(err)?;
                for sql in [
                    format!("DROP DATABASE IF EXISTS {quoted}"),
                    format!("CREATE DATABASE {quoted}"),
                ] {
                    admin.execute(AssertSqlSafe(sql)).await.map_err(err)?;
                }
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// A fresh SQLite file path in the temporary directory.
pub fn temp_sqlite_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{name}_{}.db", std::process::id()))
}

/// Sizes from `PEERS_N` (comma-separated user counts), 1,000 and 10,000 by default.
pub fn sizes_from_env() -> Vec<i64> {
    match std::env::var("PEERS_N") {
        Ok(s) if !s.trim().is_empty() => s
            .split(',')
            .map(|n| {
                let n = n.trim().replace('_', "");
                match n.parse::<i64>() {
                    Ok(n) if n > 0 => n,
                    _ => panic!("PEERS_N: {n:?} is not a positive number"),
                }
            })
            .collect(),
        _ => vec![1_000, 10_000],
    }
}

/// `(id, name)` of every user, in order.
pub fn user_rows(n: i64) -> impl Iterator<Item = (i64, String)> {
    (1..=n).map(|id| (id, format!("user {id}")))
}

/// `(id, author_id, title)` of the posts of users `users`, in order.
pub fn post_rows(users: std::ops::RangeInclusive<i64>) -> impl Iterator<Item = (i64, i64, String)> {
    let (first, last) = (
        (users.start() - 1) * POSTS_PER_USER + 1,
        users.end() * POSTS_PER_USER,
    );
    (first..=last).map(|id| (id, (id - 1) / POSTS_PER_USER + 1, format!("post {id}")))
}

/// `(id, post_id, body)` of the comments of posts `posts`, in order.
pub fn comment_rows(
    posts: std::ops::RangeInclusive<i64>,
) -> impl Iterator<Item = (i64, i64, String)> {
    let (first, last) = (
        (posts.start() - 1) * COMMENTS_PER_POST + 1,
        posts.end() * COMMENTS_PER_POST,
    );
    (first..=last).map(|id| {
        (
            id,
            (id - 1) / COMMENTS_PER_POST + 1,
            format!("comment {id}"),
        )
    })
}

/// Creates the three tables in an emptied namespace and inserts `n` users' data (with
/// Rel), then has the database gather statistics.
pub async fn seed(target: &Target, n: i64) -> Result<(), String> {
    target.reset().await?;
    rel_impl::seed(&target.url, target.backend, n)
        .await
        .map_err(|e| format!("seeding {} with {n} users: {e}", target.backend.name()))
}

/// What one load returns, reduced so that all implementations can be compared: row
/// counts, a sum over every row of its ids and the length of its text, and a hash of
/// the sequence of rows in nesting order (each user, then each of its posts followed
/// by that post's comments), so that both the grouping and the order are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checksum {
    pub users: u64,
    pub posts: u64,
    pub comments: u64,
    pub sum: u64,
    pub order: u64,
}

impl Checksum {
    fn mix(&mut self, level: u64, id: i64) {
        // FNV-1a over (level, id) words.
        for word in [level, id as u64] {
            self.order ^= word;
            self.order = self.order.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn user(&mut self, id: i64, name: &str) {
        self.users += 1;
        self.sum = self.sum.wrapping_add(id as u64 + name.len() as u64);
        self.mix(1, id);
    }

    pub fn post(&mut self, id: i64, author_id: i64, title: &str) {
        self.posts += 1;
        self.sum = self
            .sum
            .wrapping_add(id as u64 + author_id as u64 + title.len() as u64);
        self.mix(2, id);
    }

    pub fn comment(&mut self, id: i64, post_id: i64, body: &str) {
        self.comments += 1;
        self.sum = self
            .sum
            .wrapping_add(id as u64 + post_id as u64 + body.len() as u64);
        self.mix(3, id);
    }

    /// The checksum of a correct load of `n` users' data, from the seed's rows.
    pub fn expected(n: i64) -> Checksum {
        let mut c = Checksum::default();
        for (id, name) in user_rows(n) {
            c.user(id, &name);
            for (post, author, title) in post_rows(id..=id) {
                c.post(post, author, &title);
                for (comment, post_id, body) in comment_rows(post..=post) {
                    c.comment(comment, post_id, &body);
                }
            }
        }
        c
    }

    pub fn rows(&self) -> u64 {
        self.users + self.posts + self.comments
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "users={} posts={} comments={} sum={} order={:016x}",
            self.users, self.posts, self.comments, self.sum, self.order
        )
    }
}

/// One implementation, connected with its own connection or pool.
pub enum Loader {
    Sqlx(sqlx_impl::Pool),
    Rel(Db, Strategy),
    Diesel(Mutex<diesel_impl::Conn>),
    SeaOrm(sea_orm::DatabaseConnection),
    Floor(floor::Floor),
}

/// The nested result of one load.
pub enum Loaded {
    Sqlx(Vec<sqlx_impl::PlainUser>),
    Rel(Vec<rel_impl::User>),
    Diesel(diesel_impl::Loaded),
    SeaOrm(Vec<seaorm_impl::user::ModelEx>),
    Floor(Checksum),
}

impl Loader {
    pub async fn connect(target: &Target, variant: Variant) -> Result<Loader, String> {
        let strategy = match variant {
            Variant::Sqlx => return sqlx_impl::Pool::connect(target).await.map(Loader::Sqlx),
            Variant::Diesel => {
                return diesel_impl::Conn::connect(target).map(|c| Loader::Diesel(Mutex::new(c)));
            }
            Variant::SeaOrm => return seaorm_impl::connect(target).await.map(Loader::SeaOrm),
            Variant::Floor => return floor::Floor::connect(target).map(Loader::Floor),
            Variant::RelAuto => Strategy::Auto,
            Variant::RelJoin => Strategy::Join,
            Variant::RelBatch => Strategy::Batch,
        };
        let db = rel_impl::connect(&target.url)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Loader::Rel(db, strategy))
    }

    /// Loads every user with their posts and each post's comments.
    pub async fn load(&self) -> Result<Loaded, String> {
        match self {
            Loader::Sqlx(pool) => pool.load().await.map(Loaded::Sqlx),
            Loader::Rel(db, strategy) => rel_impl::load(db, *strategy)
                .await
                .map(Loaded::Rel)
                .map_err(|e| e.to_string()),
            Loader::Diesel(conn) => conn
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .load()
                .map(Loaded::Diesel)
                .map_err(|e| e.to_string()),
            Loader::SeaOrm(db) => seaorm_impl::load(db)
                .await
                .map(Loaded::SeaOrm)
                .map_err(|e| e.to_string()),
            Loader::Floor(floor) => floor.load().map(Loaded::Floor),
        }
    }
}

impl Loaded {
    pub fn checksum(&self) -> Checksum {
        let mut c = Checksum::default();
        match self {
            Loaded::Floor(sum) => return *sum,
            Loaded::Sqlx(users) => {
                for u in users {
                    c.user(u.id, &u.name);
                    for p in &u.posts {
                        c.post(p.id, p.author_id, &p.title);
                        for (id, post_id, body) in &p.comments {
                            c.comment(*id, *post_id, body);
                        }
                    }
                }
            }
            Loaded::Rel(users) => {
                for u in users {
                    c.user(u.id, &u.name);
                    for p in u.posts.get().expect("posts loaded") {
                        c.post(p.id, p.author_id, &p.title);
                        for m in p.comments.get().expect("comments loaded") {
                            c.comment(m.id, m.post_id, &m.body);
                        }
                    }
                }
            }
            Loaded::Diesel(users) => {
                for (u, posts) in users {
                    c.user(u.id, &u.name);
                    for (p, comments) in posts {
                        c.post(p.id, p.author_id, &p.title);
                        for m in comments {
                            c.comment(m.id, m.post_id, &m.body);
                        }
                    }
                }
            }
            Loaded::SeaOrm(users) => {
                for u in users {
                    c.user(u.id, &u.name);
                    for p in u.posts.iter() {
                        c.post(p.id, p.author_id, &p.title);
                        for m in p.comments.iter() {
                            c.comment(m.id, m.post_id, &m.body);
                        }
                    }
                }
            }
        }
        c
    }
}

//! The schema's lifecycle: `Schema::diff` against live databases on every backend.
//!
//! A database made by `create_all` has no drift, in both relation modes, for a schema
//! that has every column type, defaults of every kind, generated keys, composite keys,
//! unique keys, indexes, a junction, a self relation, a cycle between tables and every
//! action; and each kind of change made by hand is found, as the step that would undo it.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Destructive, Error, Step};

#[path = "shapes/rich.rs"]
mod rich;

#[path = "shapes/by_hand.rs"]
mod by_hand;

use rich::{Club, Kinds, schema};

/// The steps, one per line, for a failure message.
fn report(steps: &[Step]) -> String {
    steps.iter().map(|s| format!("\n  {s}")).collect()
}

#[tokio::test]
async fn create_all_leaves_no_drift_on_any_backend_in_either_mode() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = schema(mode);
        let name = format!("m_no_drift_{mode:?}").to_lowercase();
        for db in common::fresh(&name, &schema).await {
            let steps = schema.diff(&db).await.unwrap();
            assert!(
                steps.is_empty(),
                "{:?} {mode:?}: drift after create_all:{}",
                db.dialect(),
                report(&steps)
            );
        }
    }
}

#[tokio::test]
async fn each_change_by_hand_is_found() {
    let schema = schema(RelationMode::ForeignKeys);
    for db in common::fresh("m_changes", &schema).await {
        let d = db.dialect();
        let q = |name: &str| d.quote(name);
        // A column the structs do not have.
        common::execute(
            &db,
            format!(
                "ALTER TABLE {} ADD COLUMN {} INTEGER",
                q("m_clubs"),
                q("extra")
            ),
        )
        .await;
        // An index dropped.
        let index = "m_kinds_rank_idx";
        match d {
            Dialect::MySql | Dialect::MySql8 => {
                common::execute(&db, format!("DROP INDEX {} ON {}", q(index), q("m_kinds"))).await
            }
            _ => common::execute(&db, format!("DROP INDEX {}", q(index))).await,
        }
        // A default changed (SQLite's ALTER TABLE cannot).
        let servers = d != Dialect::Sqlite;
        if servers {
            common::execute(
                &db,
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT 8",
                    q("m_kinds"),
                    q("small")
                ),
            )
            .await;
        }
        let steps = schema.diff(&db).await.unwrap();
        let lines: Vec<String> = steps.iter().map(ToString::to_string).collect();
        if servers {
            assert!(
                lines.contains(&"alter column m_kinds.small: default 8 → 7".to_string()),
                "{d:?}:{}",
                report(&steps)
            );
        }
        assert!(
            lines.contains(&"drop column m_clubs.extra".to_string()),
            "{d:?}:{}",
            report(&steps)
        );
        assert!(
            lines.contains(&format!("add index {index} on m_kinds (rank)")),
            "{d:?}:{}",
            report(&steps)
        );
        assert_eq!(
            steps.len(),
            2 + usize::from(servers),
            "{d:?}:{}",
            report(&steps)
        );
        assert!(steps.iter().any(Step::is_destructive), "{d:?}");
    }
}

#[tokio::test]
async fn a_foreign_keys_database_read_as_emulated_has_keys_to_drop() {
    let foreign_keys = schema(RelationMode::ForeignKeys);
    let emulated = schema(RelationMode::Emulated);
    for db in common::fresh("m_modes", &foreign_keys).await {
        let d = db.dialect();
        let steps = emulated.diff(&db).await.unwrap();
        assert!(!steps.is_empty(), "{d:?}");
        assert!(
            steps
                .iter()
                .all(|s| matches!(s, Step::DropForeignKey { .. })),
            "{d:?}:{}",
            report(&steps)
        );
        // m_teams.captain, m_players.team and .mentor, m_memberships.player and
        // .club, m_scores.player and the referee column's key.
        assert_eq!(steps.len(), 7, "{d:?}:{}", report(&steps));
    }
}

#[tokio::test]
async fn missing_tables_and_tables_of_others_are_drift() {
    let small = Schema::new(RelationMode::ForeignKeys).table::<Club>();
    let schema = schema(RelationMode::ForeignKeys);
    for db in common::backends("m_tables").await {
        schema.drop_all(&db).await.unwrap();
        small.create_all(&db).await.unwrap();
        let steps = schema.diff(&db).await.unwrap();
        let created: Vec<&Step> = steps
            .iter()
            .filter(|s| matches!(s, Step::CreateTable { .. }))
            .collect();
        assert_eq!(created.len(), 5, "{:?}:{}", db.dialect(), report(&steps));
        assert_eq!(steps.len(), 5, "{:?}:{}", db.dialect(), report(&steps));
        let only_kinds = Schema::new(RelationMode::ForeignKeys).table::<Kinds>();
        let steps = only_kinds.diff(&db).await.unwrap();
        assert_eq!(
            steps,
            [
                Step::CreateTable {
                    table: "m_kinds".into()
                },
                Step::DropTable {
                    table: "m_clubs".into()
                }
            ],
            "{:?}",
            db.dialect()
        );
        small.drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn a_schema_that_cannot_be_created_cannot_be_diffed() {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<Club>()
        .table::<dup::Club>();
    assert!(matches!(
        schema.diff(&db).await,
        Err(Error::DuplicateTable { .. })
    ));
}

mod dup {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "m_clubs")]
    pub struct Club {
        #[column(primary_key)]
        pub id: i64,
        pub name: String,
    }
}

/// The blog's lifecycle, one version of the structs after another, each a module of
/// its own with the same table names.
mod v1 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "ml_users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub name: String,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
        pub author: One<User>,
    }
}

/// Adds a column with a default and a nullable one.
mod v2 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "ml_users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub name: String,
        pub bio: Option<String>,
        #[column(default = 0)]
        pub score: i32,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
        pub author: One<User>,
    }
}

/// Renames `bio` to `about`, and adds a relation: posts get an optional editor, and
/// comments arrive.
mod v3 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "ml_users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub name: String,
        #[column(renamed_from = "bio")]
        pub about: Option<String>,
        #[column(default = 0)]
        pub score: i32,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        pub editor_id: Option<i64>,
        #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
        pub author: One<User>,
        #[relation(one, from = editor_id, to = User::id, on_delete = set_null)]
        pub editor: One<Option<User>>,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_comments")]
    pub struct Comment {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub post_id: i64,
        pub body: String,
        #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
        pub post: One<Post>,
    }
}

/// Drops `score`: destructive.
mod v4 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "ml_users")]
    pub struct User {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub name: String,
        pub about: Option<String>,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_posts")]
    pub struct Post {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        pub editor_id: Option<i64>,
        #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
        pub author: One<User>,
        #[relation(one, from = editor_id, to = User::id, on_delete = set_null)]
        pub editor: One<Option<User>>,
    }

    #[derive(Table, Debug)]
    #[table(name = "ml_comments")]
    pub struct Comment {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        pub post_id: i64,
        pub body: String,
        #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
        pub post: One<Post>,
    }
}

fn versions() -> [Schema; 4] {
    let fk = RelationMode::ForeignKeys;
    [
        Schema::new(fk).table::<v1::Post>(),
        Schema::new(fk).table::<v2::Post>(),
        Schema::new(fk).table::<v3::Comment>(),
        Schema::new(fk).table::<v4::Comment>(),
    ]
}

/// Applies the migration files in `dir` with sqlx's migrator, on `db`'s pool.
async fn replay(db: &Db, dir: &std::path::Path) {
    let migrator = sqlx::migrate::Migrator::new(dir).await.unwrap();
    if let Some(pool) = db.sqlite_pool() {
        migrator.run(pool).await.unwrap();
    } else if let Some(pool) = db.postgres_pool() {
        migrator.run(pool).await.unwrap();
    } else if let Some(pool) = db.mysql_pool() {
        migrator.run(pool).await.unwrap();
    }
}

/// Drops the lifecycle's tables, whatever version left them.
async fn clean(db: &Db) {
    versions()[3].drop_all(db).await.unwrap();
}

/// Each version pushed on a database with rows of the one before: the rows stay, a
/// renamed column keeps its values, a destructive step is refused until allowed, and
/// after each push the database has no drift and a second migration is empty. On
/// every backend; a migration file is written for each version and nothing for a
/// version with no change.
#[tokio::test]
async fn the_blog_lifecycle_keeps_its_rows_on_every_backend() {
    let [s1, s2, s3, s4] = versions();
    for db in common::backends("m_lifecycle").await {
        let d = db.dialect();
        clean(&db).await;
        let dir =
            std::env::temp_dir().join(format!("rel_m_lifecycle_{d:?}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // First deploy.
        let first = s1.push(&db, Destructive::Refuse).await.unwrap();
        assert_eq!(first.steps().len(), 2, "{d:?}:{}", report(first.steps()));
        assert!(s1.diff(&db).await.unwrap().is_empty(), "{d:?}");
        assert!(
            s1.migration(&db)
                .await
                .unwrap()
                .write_to(&dir, "again")
                .unwrap()
                .is_none()
        );
        let ada = db
            .insert(&v1::User {
                id: 0,
                name: "Ada".into(),
            })
            .await
            .unwrap();
        db.insert(&v1::Post {
            id: 0,
            author_id: ada,
            title: "Notes".into(),
            author: One::default(),
        })
        .await
        .unwrap();
        // Add columns.
        let m2 = s2.migration(&db).await.unwrap();
        assert!(m2.destructive().is_empty(), "{d:?}:{}", report(m2.steps()));
        assert!(m2.write_to(&dir, "add columns").unwrap().is_some());
        s2.push(&db, Destructive::Refuse).await.unwrap();
        assert!(
            s2.diff(&db).await.unwrap().is_empty(),
            "{d:?}:{}",
            report(&s2.diff(&db).await.unwrap())
        );
        let users = db.all::<v2::User>().await.unwrap();
        assert_eq!(
            (users[0].name.as_str(), users[0].score),
            ("Ada", 0),
            "{d:?}"
        );
        db.update(&v2::User {
            id: ada,
            name: "Ada".into(),
            bio: Some("mathematician".into()),
            score: 3,
        })
        .await
        .unwrap();
        // Rename a column and add a relation.
        let m3 = s3.migration(&db).await.unwrap();
        let lines: Vec<String> = m3.steps().iter().map(ToString::to_string).collect();
        assert!(
            lines.contains(&"rename column ml_users.bio to about".to_string()),
            "{d:?}:{}",
            report(m3.steps())
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("drop column")),
            "{d:?}:{}",
            report(m3.steps())
        );
        assert!(m3.write_to(&dir, "rename and relate").unwrap().is_some());
        s3.push(&db, Destructive::Refuse).await.unwrap();
        assert!(
            s3.diff(&db).await.unwrap().is_empty(),
            "{d:?}:{}",
            report(&s3.diff(&db).await.unwrap())
        );
        let users = db.all::<v3::User>().await.unwrap();
        assert_eq!(users[0].about.as_deref(), Some("mathematician"), "{d:?}");
        assert_eq!(users[0].score, 3, "{d:?}");
        let posts = db.all::<v3::Post>().await.unwrap();
        assert_eq!((posts.len(), posts[0].editor_id), (1, None), "{d:?}");
        // The new foreign key holds.
        let orphan = db
            .insert(&v3::Comment {
                id: 0,
                post_id: 999,
                body: "lost".into(),
                post: One::default(),
            })
            .await;
        assert!(
            matches!(orphan, Err(Error::ForeignKey { .. })),
            "{d:?} {orphan:?}"
        );
        // Drop a column: refused, then allowed.
        let refused = s4.push(&db, Destructive::Refuse).await.unwrap_err();
        assert!(
            matches!(&refused, Error::Destructive { steps } if steps == &["drop column ml_users.score".to_string()]),
            "{d:?} {refused:?}"
        );
        assert_eq!(
            s4.diff(&db).await.unwrap().len(),
            1,
            "{d:?}: the refusal changed nothing"
        );
        let m4 = s4.migration(&db).await.unwrap();
        // SQLite drops a column by rebuilding the table, with foreign keys off.
        assert_eq!(
            m4.sql().starts_with("-- no-transaction"),
            d == Dialect::Sqlite,
            "{d:?}"
        );
        assert!(m4.write_to(&dir, "drop score").unwrap().is_some());
        s4.push(&db, Destructive::Allow).await.unwrap();
        assert!(s4.diff(&db).await.unwrap().is_empty(), "{d:?}");
        let users = db.all::<v4::User>().await.unwrap();
        assert_eq!(users[0].about.as_deref(), Some("mathematician"), "{d:?}");
        // The files replay with sqlx's migrator on an empty database to the same schema.
        clean(&db).await;
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 3, "{d:?} {files:?}");
        let first_file = dir.join("00000000000000_first_deploy.sql");
        std::fs::write(&first_file, first.sql()).unwrap();
        replay(&db, &dir).await;
        let drift = s4.diff(&db).await.unwrap();
        assert!(
            drift.is_empty(),
            "{d:?}: replayed files drift:{}",
            report(&drift)
        );
        clean(&db).await;
        common::execute(&db, format!("DROP TABLE {}", d.quote("_sqlx_migrations"))).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod recorded_v1 {
    use rel::prelude::*;

    #[derive(Table, Debug)]
    #[table(name = "mr_users")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
        #[relation(many)]
        pub posts: Many<Post>,
    }

    #[derive(Table, Debug)]
    #[table(name = "mr_posts")]
    pub struct Post {
        #[column(primary_key)]
        pub id: i64,
        pub author_id: i64,
        #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
        pub author: One<User>,
    }

    #[derive(Table, Debug)]
    #[table(name = "mr_notes")]
    pub struct Note {
        #[column(primary_key)]
        pub id: i64,
    }

    pub fn schema() -> Schema {
        Schema::new(RelationMode::Emulated)
            .table::<Post>()
            .table::<Note>()
    }

    /// The same without `mr_notes`.
    pub fn without_notes() -> Schema {
        Schema::new(RelationMode::Emulated).table::<Post>()
    }
}

/// A fresh `Db` on `url`, never told the schema, as a second process has it: a valid
/// user and post are stored, an orphan post is refused by Emulated mode, and deleting
/// the user cascades.
async fn enforced_by_a_fresh_process(d: rel::Dialect, url: &str, user: i64) {
    use recorded_v1::{Post, User};
    let fresh = Db::connect(url).await.unwrap();
    fresh
        .insert(&User {
            id: user,
            posts: Many::default(),
        })
        .await
        .unwrap_or_else(|e| panic!("{d:?}: {e}"));
    let post = |id, author_id| Post {
        id,
        author_id,
        author: One::default(),
    };
    fresh.insert(&post(user * 10, user)).await.unwrap();
    let orphan = fresh.insert(&post(user * 10 + 1, 999)).await;
    assert!(
        matches!(
            orphan,
            Err(rel::Error::ForeignKey {
                relation: Some("author"),
                ..
            })
        ),
        "{d:?}: {orphan:?}"
    );
    fresh.delete::<User>(&user).await.unwrap();
    let left = Post::query()
        .filter(Post::author_id.eq(user))
        .count(&fresh)
        .await
        .unwrap();
    assert_eq!(left, 0, "{d:?}: the cascade");
}

/// The names a database's record holds (`rel_schema`).
async fn recorded(db: &Db) -> Vec<String> {
    let sql = "SELECT name FROM rel_schema ORDER BY name";
    if let Some(pool) = db.sqlite_pool() {
        sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
    } else if let Some(pool) = db.postgres_pool() {
        sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
    } else {
        let pool = db.mysql_pool().unwrap();
        sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
    }
}

/// A database built or changed by a migration records its relation mode and tables,
/// as `create_all` does, so that every process that connects later enforces its
/// relations: after `push`, and after the migration files replayed by sqlx's migrator
/// on an empty database, a fresh `Db` stores valid rows and Emulated mode refuses an
/// orphan and cascades. A table a migration drops leaves the record. On every backend.
/// (Before, only `create_all` wrote the record: a later process refused every write
/// to a table with relations, `Error::Enforcement`.)
#[tokio::test]
async fn a_migrated_database_is_enforced_by_every_later_process() {
    for (d, url) in common::backend_urls("m_recorded").await {
        let db = Db::connect(&url).await.unwrap();
        recorded_v1::schema().drop_all(&db).await.unwrap();

        // Built by push.
        recorded_v1::schema()
            .push(&db, Destructive::Allow)
            .await
            .unwrap();
        enforced_by_a_fresh_process(d, &url, 1).await;
        // A migration that drops a table takes it out of the record.
        let names = recorded(&db).await;
        assert!(
            names.contains(&"table:mr_notes".to_owned()),
            "{d:?} {names:?}"
        );
        recorded_v1::without_notes()
            .push(&db, Destructive::Allow)
            .await
            .unwrap();
        let names = recorded(&db).await;
        assert_eq!(
            names,
            ["relation_mode", "table:mr_posts", "table:mr_users"],
            "{d:?}"
        );
        enforced_by_a_fresh_process(d, &url, 2).await;

        // A database whose record is gone (made by hand, or pulled): a push with no
        // steps writes it.
        common::execute(&db, "DELETE FROM rel_schema".to_owned()).await;
        let nothing = recorded_v1::without_notes()
            .push(&db, Destructive::Refuse)
            .await
            .unwrap();
        assert!(nothing.is_empty(), "{d:?}");
        enforced_by_a_fresh_process(d, &url, 4).await;

        // Built by the migration files, replayed by sqlx's migrator.
        recorded_v1::schema().drop_all(&db).await.unwrap();
        let first = recorded_v1::schema().migration(&db).await.unwrap();
        let dir = std::env::temp_dir().join(format!("rel_m_recorded_{d:?}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(first.write_to(&dir, "first deploy").unwrap().is_some());
        replay(&db, &dir).await;
        enforced_by_a_fresh_process(d, &url, 3).await;
        recorded_v1::schema().drop_all(&db).await.unwrap();
        common::execute(&db, format!("DROP TABLE {}", d.quote("_sqlx_migrations"))).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A database someone else wrote, in the spellings such databases have (as the
/// Chinook sample database does; see `shapes/by_hand.rs`). Against structs that hold the
/// same Rust types, text lengths and names are no drift; what would change a value Rel
/// writes is (the decimal's precision, MySQL's whole-second `DATETIME`), until the
/// structs declare those types with `#[column(sql_type)]`. A migration from the declared
/// types to Rel's own changes the columns. On SQLite a decimal that `NUMERIC` affinity
/// stored as a REAL reads back the same in both strategies. On every backend.
#[tokio::test]
async fn a_database_written_by_hand_has_no_drift_against_its_structs() {
    use by_hand::plain::{Album, Artist};
    use rust_decimal::Decimal;
    for (d, url) in common::backend_urls("m_by_hand").await {
        let db = Db::connect(&url).await.unwrap();
        let declared = match d {
            rel::Dialect::Sqlite | rel::Dialect::Postgres => by_hand::declared::schema(),
            _ => by_hand::declared_mysql::schema(),
        };
        by_hand::plain::schema().drop_all(&db).await.unwrap();
        common::raw(d, &url, &by_hand::statements(d)).await;
        let drift = by_hand::plain::schema().diff(&db).await.unwrap();
        // Only what would change a value Rel writes is drift: the decimal's precision
        // (it rounds), and MySQL's `DATETIME` without fractional digits (it drops them).
        let mut changed: Vec<String> = drift
            .iter()
            .map(|step| match step {
                Step::AlterColumn { table, column, .. } => format!("{table}.{column}"),
                other => other.to_string(),
            })
            .collect();
        changed.sort();
        let expected: &[&str] = match d {
            rel::Dialect::Sqlite | rel::Dialect::Postgres => &["fa_album.price"],
            _ => &["fa_album.price", "fa_album.released"],
        };
        assert_eq!(changed, expected, "{d:?}:{}", report(&drift));
        // The structs that declare those types have none.
        let drift = declared.diff(&db).await.unwrap();
        assert!(drift.is_empty(), "{d:?}:{}", report(&drift));
        for strategy in [Strategy::Join, Strategy::Batch] {
            let artists = Artist::query()
                .strategy(strategy)
                .with(Artist::albums())
                .all(&db)
                .await
                .unwrap_or_else(|e| panic!("{d:?} {strategy:?}: {e:?}"));
            let albums: &[Album] = artists[0].albums.get().unwrap();
            assert_eq!(albums[0].price, Decimal::new(99, 2), "{d:?} {strategy:?}");
            // SQLite kept the REAL; both strategies read the same decimal from it (the
            // servers rounded it to the column's two places).
            let second = match d {
                rel::Dialect::Sqlite => "0.30000000000000004",
                _ => "0.30",
            };
            assert_eq!(
                albums[1].price,
                second.parse::<Decimal>().unwrap(),
                "{d:?} {strategy:?}"
            );
        }
        // Rel's own types, migrated to (a type change is destructive: allowed here): the
        // columns change and keep their values.
        by_hand::plain::schema()
            .push(&db, Destructive::Allow)
            .await
            .unwrap_or_else(|e| panic!("{d:?}: {e}"));
        let drift = by_hand::plain::schema().diff(&db).await.unwrap();
        assert!(drift.is_empty(), "{d:?}:{}", report(&drift));
        assert_eq!(
            declared.diff(&db).await.unwrap().len(),
            expected.len(),
            "{d:?}"
        );
        let album = Album::query()
            .filter(Album::album_id.eq(1))
            .first(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(album.price, Decimal::new(99, 2), "{d:?}");
        by_hand::plain::schema().drop_all(&db).await.unwrap();

        // `create_all` of the declared structs makes those columns, and a value rounds
        // to the declared places on the servers (SQLite's NUMERIC affinity keeps it).
        declared.create_all(&db).await.unwrap();
        let drift = declared.diff(&db).await.unwrap();
        assert!(drift.is_empty(), "{d:?}:{}", report(&drift));
        by_hand::plain::schema().drop_all(&db).await.unwrap();
    }
}

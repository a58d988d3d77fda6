//! Rel on the system's SQLite library: the `sqlite-system` feature, without the
//! default (bundled) one. `.ci/run` runs it with `REL_EXPECT_SQLITE` set to the system
//! library's version (`pkg-config --modversion sqlite3`), which the connection must
//! report; the bundled copy is another version. It is a package of its own so that
//! nothing else in the build turns the bundled feature on (the tests' dev-dependencies
//! do).

use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "users")]
struct User {
    #[column(primary_key, auto_increment)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug)]
#[table(name = "posts")]
struct Post {
    #[column(primary_key, auto_increment)]
    id: i64,
    author_id: i64,
    title: String,
    #[relation(one, from = author_id, to = User::id, on_delete = cascade)]
    author: One<User>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rel::Error> {
    let db = Db::connect("sqlite::memory:").await?;
    let version: String = sqlx::query_scalar("SELECT sqlite_version()")
        .fetch_one(db.sqlite_pool().expect("a SQLite Db"))
        .await?;
    println!("SQLite {version}");
    if let Ok(expected) = std::env::var("REL_EXPECT_SQLITE") {
        assert_eq!(version, expected, "not the system's SQLite");
    }

    Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .create_all(&db)
        .await?;
    let ada = db
        .insert(&User {
            id: 0,
            name: "Ada".into(),
            posts: Many::default(),
        })
        .await?;
    for title in ["Notes", "Engines"] {
        db.insert(&Post {
            id: 0,
            author_id: ada,
            title: title.into(),
            author: One::default(),
        })
        .await?;
    }
    // Join needs SQLite 3.44 (ORDER BY inside json_group_array): with an older
    // library it is a typed error before anything is sent, and Auto picks Batch.
    let linked: Vec<u32> = version.split('.').map(|n| n.parse().unwrap()).collect();
    let join_runs = linked[..2] >= [3, 44][..];
    let join = User::query()
        .strategy(Strategy::Join)
        .with(User::posts())
        .all(&db)
        .await;
    match join {
        Ok(_) => assert!(join_runs, "Join ran on SQLite {version}"),
        Err(rel::Error::Unsupported { message, .. }) if !join_runs => {
            assert!(message.contains("3.44"), "{message}")
        }
        Err(e) => panic!("Join on SQLite {version}: {e:?}"),
    }
    // Auto, and Batch, read straight from the library's C API (direct reads).
    for strategy in [Strategy::Auto, Strategy::Batch] {
        let users = User::query()
            .strategy(strategy)
            .with(User::posts().order_by(Post::title.asc()))
            .all(&db)
            .await?;
        let titles: Vec<&str> = users[0]
            .posts
            .get()?
            .iter()
            .map(|p| p.title.as_str())
            .collect();
        assert_eq!(titles, ["Engines", "Notes"], "{strategy:?}");
    }
    // A foreign key the library enforces, named.
    let orphan = db
        .insert(&Post {
            id: 0,
            author_id: 99,
            title: "x".into(),
            author: One::default(),
        })
        .await;
    assert!(matches!(
        orphan,
        Err(rel::Error::ForeignKey {
            relation: Some("author"),
            ..
        })
    ));
    db.delete::<User>(&ada).await?;
    assert_eq!(db.all::<Post>().await?.len(), 0, "cascaded");
    println!("ok: loads, a refused orphan and a cascade on the system's SQLite");
    Ok(())
}

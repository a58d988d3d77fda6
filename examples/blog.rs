//! The blog example: users, posts, comments, groups (many-to-many) and an invited-by
//! self relation, on embedded SQLite (and on PostgreSQL too when `REL_POSTGRES_URL` is
//! set).
//!
//! `cargo run --example blog` tours Rel in numbered steps; `cargo run --example blog --
//! --ddl` prints the tables' DDL for every dialect and relation mode first.

use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(unique)]
    pub email: String,
    pub name: String,
    pub invited_by_id: Option<i64>,
    /// Who invited this user (a self relation).
    #[relation(one, from = invited_by_id, to = User::id, alias = "inviter", on_delete = set_null, on_update = cascade)]
    pub invited_by: One<Option<User>>,
    /// Whom this user invited: inferred from `invited_by` through the alias.
    #[relation(many, alias = "inviter")]
    pub invitees: Many<User>,
    /// Posts written by this user: inferred from `Post::author`.
    #[relation(many, alias = "author")]
    pub posts: Many<Post>,
    /// Posts this user reviews.
    #[relation(many, alias = "reviewer")]
    pub reviews: Many<Post>,
    #[relation(many)]
    pub comments: Many<Comment>,
    /// Groups, through the `user_groups` junction table.
    #[relation(many, through = UserGroup(user_id, group_id))]
    pub groups: Many<Group>,
}

#[derive(Table, Debug)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    pub title: String,
    #[column(default = false)]
    pub published: bool,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    #[relation(one, from = author_id, to = User::id, alias = "author", on_delete = cascade, on_update = cascade)]
    pub author: One<User>,
    #[relation(one, from = reviewer_id, to = User::id, alias = "reviewer", on_delete = set_null, on_update = cascade)]
    pub reviewer: One<Option<User>>,
    #[relation(many)]
    pub comments: Many<Comment>,
}

#[derive(Table, Debug)]
#[table(name = "comments")]
pub struct Comment {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub body: String,
    #[relation(one, from = post_id, to = Post::id, on_delete = cascade)]
    pub post: One<Post>,
    /// A user with comments cannot be deleted until they are gone.
    #[relation(one, from = author_id, to = User::id, on_delete = restrict, on_update = cascade)]
    pub author: One<User>,
}

#[derive(Table, Debug)]
#[table(name = "groups")]
pub struct Group {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(unique)]
    pub name: String,
    #[relation(many, through = UserGroup(group_id, user_id))]
    pub members: Many<User>,
}

/// The junction table of users and groups, with a composite primary key.
#[derive(Table, Debug)]
#[table(name = "user_groups", primary_key(user_id, group_id))]
pub struct UserGroup {
    pub user_id: i64,
    pub group_id: i64,
    #[relation(one, from = user_id, to = User::id, on_delete = cascade, on_update = cascade)]
    pub user: One<User>,
    #[relation(one, from = group_id, to = Group::id, on_delete = cascade)]
    pub group: One<Group>,
}

fn user(email: &str, name: &str, invited_by_id: Option<i64>) -> User {
    User {
        id: 0,
        email: email.into(),
        name: name.into(),
        invited_by_id,
        invited_by: One::default(),
        invitees: Many::default(),
        posts: Many::default(),
        reviews: Many::default(),
        comments: Many::default(),
        groups: Many::default(),
    }
}

fn post(title: &str, author_id: i64, reviewer_id: Option<i64>, published: bool) -> Post {
    Post {
        id: 0,
        title: title.into(),
        published,
        author_id,
        reviewer_id,
        author: One::default(),
        reviewer: One::default(),
        comments: Many::default(),
    }
}

/// `1 post`, `2 posts`.
fn count(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn heading(step: &str) {
    println!("\n== {step}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rel::Error> {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    if std::env::args().any(|a| a == "--ddl") {
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let schema = Schema::new(mode).table::<User>();
            for dialect in Dialect::ALL {
                println!("-- {dialect:?}, {mode:?}");
                match schema.ddl(dialect) {
                    Ok(statements) => statements.iter().for_each(|s| println!("{};", s.sql)),
                    Err(e) => println!("-- cannot render: {e}"),
                }
            }
        }
    }
    let mut urls = vec!["sqlite::memory:".to_owned()];
    urls.extend(std::env::var("REL_POSTGRES_URL").ok());
    for url in urls {
        heading("1. connect");
        let db = Db::connect(&url).await?;
        println!(
            "{:?}, {}",
            db.dialect(),
            if url.starts_with("sqlite") {
                "in memory"
            } else {
                "REL_POSTGRES_URL"
            }
        );
        schema.drop_all(&db).await?;
        tour(&db, &schema).await?;
        schema.drop_all(&db).await?;
    }
    emulated().await
}

/// Steps 2 to 9 on one database.
async fn tour(db: &Db, schema: &Schema) -> Result<(), rel::Error> {
    heading("2. create the tables");
    schema.create_all(db).await?;
    let names: Vec<&str> = schema.table_names().collect();
    println!(
        "{} in ForeignKeys mode: {}",
        count(names.len() as u64, "table"),
        names.join(", ")
    );

    heading("3. insert");
    let ada = db.insert(&user("ada@example.com", "Ada", None)).await?;
    let grace = db
        .insert(&user("grace@example.com", "Grace", Some(ada)))
        .await?;
    let notes = db
        .insert(&post(
            "Notes on the Analytical Engine",
            ada,
            Some(grace),
            true,
        ))
        .await?;
    db.insert_many(&[
        post("Compilers", grace, None, true),
        post("Draft", grace, Some(ada), false),
    ])
    .await?;
    db.insert(&Comment {
        id: 0,
        post_id: notes,
        author_id: grace,
        body: "Wonderful — «naïve» 🚀".into(),
        post: One::default(),
        author: One::default(),
    })
    .await?;
    let admins = db
        .insert(&Group {
            id: 0,
            name: "admins".into(),
            members: Many::default(),
        })
        .await?;
    db.insert(&UserGroup {
        user_id: ada,
        group_id: admins,
        user: One::default(),
        group: One::default(),
    })
    .await?;
    println!("Ada is user {ada}, Grace user {grace}; 3 posts, 1 comment, Ada in group admins");

    heading("4. load relations, nested");
    let users = User::query()
        .order_by(User::name.asc())
        .with(User::invited_by())
        .with(User::groups())
        .with(
            User::posts()
                .order_by(Post::id.desc())
                .limit(2)
                .with(Post::comments().with(Comment::author())),
        )
        .all(db)
        .await?;
    for u in &users {
        let inviter = u
            .invited_by
            .get()?
            .as_ref()
            .map_or("nobody", |i| i.name.as_str());
        let groups: Vec<&str> = u.groups.get()?.iter().map(|g| g.name.as_str()).collect();
        println!("{}, invited by {inviter}, in groups {groups:?}", u.name);
        for p in u.posts.get()? {
            println!(
                "  post {:?}{}",
                p.title,
                if p.published { "" } else { " (draft)" }
            );
            for c in p.comments.get()? {
                println!("    comment by {}: {}", c.author.get()?.name, c.body);
            }
        }
    }
    let plain = db.get::<User>(&grace).await?.expect("Grace exists");
    println!(
        "a relation not asked for says so: {}",
        plain.posts.get().unwrap_err()
    );

    heading("5. filter");
    let commented = User::query()
        .filter(User::posts().filter(Post::comments().exists()).exists())
        .all(db)
        .await?;
    println!(
        "users with a commented post: {:?}",
        commented.iter().map(|u| &u.name).collect::<Vec<_>>()
    );
    let drafts = Post::query()
        .filter(Post::published.eq(false))
        .all(db)
        .await?;
    println!(
        "drafts: {:?}",
        drafts.iter().map(|p| &p.title).collect::<Vec<_>>()
    );

    heading("6. count without loading");
    let counted = User::query()
        .with(User::posts().filter(Post::published.eq(true)).count())
        .all(db)
        .await?;
    for u in &counted {
        println!(
            "{} has {}",
            u.name,
            count(u.posts.count()?, "published post")
        );
    }

    heading("7. write");
    let mut grace_row = db.get::<User>(&grace).await?.expect("Grace exists");
    grace_row.name = "Grace Hopper".into();
    db.update(&grace_row).await?;
    let published = Post::update()
        .set(Post::published, true)
        .filter(Post::title.eq("Draft"))
        .run(db)
        .await?;
    println!("renamed Grace; published {}", count(published, "draft"));
    User::update()
        .set(User::id, 1000)
        .filter(User::id.eq(ada))
        .run(db)
        .await?;
    let ada = 1000;
    let followed = Post::query()
        .filter(Post::author_id.eq(ada))
        .count(db)
        .await?;
    println!(
        "Ada is now user {ada}: {} followed her (on_update = cascade)",
        count(followed, "post")
    );

    heading("8. a transaction");
    let mut tx = db.begin().await?;
    tx.insert(&post("Half-written", grace, None, false)).await?;
    println!(
        "inside: {}",
        count(Post::query().count(&mut tx).await?, "post")
    );
    tx.rollback().await?;
    println!(
        "after the rollback: {}",
        count(Post::query().count(db).await?, "post")
    );

    heading("9. delete: restrict and cascade");
    match db.delete::<User>(&grace).await {
        Err(e) => println!("refused: {e}"),
        Ok(_) => println!("deleted Grace (unexpected: her comment restricts it)"),
    }
    db.delete::<User>(&ada).await?;
    let grace_now = db.get::<User>(&grace).await?.expect("Grace exists");
    println!(
        "deleted Ada: her posts and their comments went with her; {} left, Grace invited by {:?}",
        count(Post::query().count(db).await?, "post"),
        grace_now.invited_by_id
    );
    Ok(())
}

/// Step 10: Emulated mode, where Rel enforces the relations, and the plan of a load.
async fn emulated() -> Result<(), rel::Error> {
    heading("10. Emulated mode: Rel enforces the relations");
    let db = Db::connect("sqlite::memory:").await?;
    let schema = Schema::new(RelationMode::Emulated).table::<User>();
    schema.create_all(&db).await?;
    let ada = db.insert(&user("ada@example.com", "Ada", None)).await?;
    let grace = db
        .insert(&user("grace@example.com", "Grace", Some(ada)))
        .await?;
    db.insert(&post("Notes", ada, None, true)).await?;
    let compilers = db.insert(&post("Compilers", grace, None, true)).await?;
    db.insert(&Comment {
        id: 0,
        post_id: compilers,
        author_id: ada,
        body: "Splendid".into(),
        post: One::default(),
        author: One::default(),
    })
    .await?;
    match db.insert(&post("Orphan", 999, None, false)).await {
        Err(e) => println!("an orphan is refused: {e}"),
        Ok(_) => println!("an orphan was accepted (unexpected)"),
    }
    match db.delete::<User>(&ada).await {
        Err(e) => println!("a restricted delete is refused: {e}"),
        Ok(_) => println!("Ada was deleted (unexpected)"),
    }
    Comment::delete()
        .filter(Comment::author_id.eq(ada))
        .run(&db)
        .await?;
    db.delete::<User>(&ada).await?;
    println!(
        "with her comment gone, deleting Ada cascades to her post: {} left",
        count(Post::query().count(&db).await?, "post")
    );

    heading("11. the plan of a load");
    let query = User::query().with(User::posts().with(Post::comments()));
    println!(
        "Batch, one statement per level:\n{}",
        query
            .clone()
            .strategy(Strategy::Batch)
            .plan(Dialect::Sqlite)
    );
    println!(
        "Join, one statement:\n{}",
        query.strategy(Strategy::Join).to_sql(Dialect::Postgres)
    );
    Ok(())
}

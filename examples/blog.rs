//! The blog example: users, posts, comments, groups (many-to-many) and an invited-by
//! self relation, on embedded SQLite.
//!
//! Run it with `cargo run --example blog`.

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
    #[relation(one, from = author_id, to = User::id, on_delete = cascade, on_update = cascade)]
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

fn post(title: &str, author_id: i64, reviewer_id: Option<i64>) -> Post {
    Post {
        id: 0,
        title: title.into(),
        published: true,
        author_id,
        reviewer_id,
        author: One::default(),
        reviewer: One::default(),
        comments: Many::default(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rel::Error> {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = Schema::new(mode).table::<User>();
        for dialect in Dialect::ALL {
            println!("-- {dialect:?}, {mode:?}");
            match schema.ddl(dialect) {
                Ok(statements) => {
                    for s in statements {
                        println!("{};", s.sql);
                    }
                }
                Err(e) => println!("-- cannot render: {e}"),
            }
            println!();
        }
    }

    // The same writes in both relation modes: the database enforces the relations, or
    // Rel does. They end with the same rows.
    let with_foreign_keys = tour(RelationMode::ForeignKeys, true).await?;
    let emulated = tour(RelationMode::Emulated, false).await?;
    println!("\nthe rows at the end, with the database's foreign keys:\n{with_foreign_keys}");
    println!(
        "the same writes in Emulated mode (Rel enforces the relations) end with {}",
        if emulated == with_foreign_keys {
            "the same rows".to_owned()
        } else {
            format!("different rows:\n{emulated}")
        }
    );
    assert_eq!(emulated, with_foreign_keys);
    Ok(())
}

/// Every table's rows, one line each.
async fn contents(db: &Db) -> Result<String, rel::Error> {
    let mut out = String::new();
    for u in db.all::<User>().await? {
        out += &format!(
            "  user {} {:?} <{}> invited by {:?}\n",
            u.id, u.name, u.email, u.invited_by_id
        );
    }
    for p in db.all::<Post>().await? {
        out += &format!(
            "  post {} {:?} by {} reviewed by {:?}\n",
            p.id, p.title, p.author_id, p.reviewer_id
        );
    }
    for c in db.all::<Comment>().await? {
        out += &format!(
            "  comment {} on post {} by {}\n",
            c.id, c.post_id, c.author_id
        );
    }
    for g in db.all::<Group>().await? {
        out += &format!("  group {} {:?}\n", g.id, g.name);
    }
    for m in db.all::<UserGroup>().await? {
        out += &format!("  user {} in group {}\n", m.user_id, m.group_id);
    }
    Ok(out)
}

/// Writes, queries and writes again on a fresh database in `mode`, printing what it
/// does when `verbose` (a refusal is printed in either mode); the rows at the end.
async fn tour(mode: RelationMode, verbose: bool) -> Result<String, rel::Error> {
    macro_rules! say {
        ($($t:tt)*) => {
            if verbose {
                println!($($t)*);
            }
        };
    }
    println!("\n-- {mode:?} mode");
    let db = Db::connect("sqlite::memory:").await?;
    let schema = Schema::new(mode).table::<User>();
    schema.create_all(&db).await?;

    let ada = db.insert(&user("ada@example.com", "Ada", None)).await?;
    let grace = db
        .insert(&user("grace@example.com", "Grace", Some(ada)))
        .await?;
    let first = db
        .insert(&post("Notes on the Analytical Engine", ada, Some(grace)))
        .await?;
    db.insert_many(&[
        post("Compilers", grace, None),
        post("Draft", grace, Some(ada)),
    ])
    .await?;
    db.insert(&Comment {
        id: 0,
        post_id: first,
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

    for u in db.all::<User>().await? {
        say!(
            "user {} <{}> invited by {:?}",
            u.name,
            u.email,
            u.invited_by_id
        );
    }
    for p in db.all::<Post>().await? {
        say!("post #{} {:?} by user {}", p.id, p.title, p.author_id);
    }
    let comment = db.all::<Comment>().await?.remove(0);
    say!("comment on post {}: {}", comment.post_id, comment.body);

    // Relations come back not loaded, and say so instead of looking empty.
    let grace_row = db.get::<User>(&grace).await?.expect("grace exists");
    say!("grace.posts: {}", grace_row.posts.get().unwrap_err());

    // A post whose author does not exist is refused, and the error names the relation.
    match db.insert(&post("Orphan", 999, None)).await {
        Err(e) => println!("refused: {e}"),
        Ok(_) => say!("unexpectedly accepted an orphan"),
    }

    // A three-level query: users, their two newest posts, and each post's comments with
    // the comment's author. Relations not asked for stay not loaded.
    let users = User::query()
        .order_by(User::name.asc())
        .with(
            User::posts()
                .order_by(Post::id.desc())
                .limit(2)
                .with(Post::comments().with(Comment::author())),
        )
        .with(User::invited_by())
        .all(&db)
        .await?;
    for u in &users {
        let inviter = u
            .invited_by
            .get()?
            .as_ref()
            .map_or("nobody", |i| i.name.as_str());
        say!("{} (invited by {inviter})", u.name);
        for p in u.posts.get()? {
            say!("  post {:?}", p.title);
            for c in p.comments.get()? {
                say!("    comment by {}: {}", c.author.get()?.name, c.body);
            }
        }
    }

    // A relation filter: users with at least one post that has a comment.
    let commented = User::query()
        .filter(User::posts().filter(Post::comments().exists()).exists())
        .all(&db)
        .await?;
    say!(
        "users with commented posts: {:?}",
        commented.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    // A count: how many published posts each user has, without loading them.
    let counted = User::query()
        .with(User::posts().filter(Post::published.eq(true)).count())
        .all(&db)
        .await?;
    for u in &counted {
        say!("{} has {} published posts", u.name, u.posts.count()?);
    }

    // The same query in one statement (Join) or one per relation and level (Batch).
    let query = User::query().with(User::posts().with(Post::comments()));
    say!(
        "Join on PostgreSQL: {}",
        query
            .clone()
            .strategy(Strategy::Join)
            .to_sql(Dialect::Postgres)
    );

    // Writes: an update by key, an update by filter, a key change that the relations'
    // `on_update = cascade` carry along, and a delete by filter.
    let mut grace_row = db.get::<User>(&grace).await?.expect("grace exists");
    grace_row.name = "Grace Hopper".into();
    db.update(&grace_row).await?;
    let renamed = Post::update()
        .set(Post::title, "Compilers, 2nd edition")
        .filter(Post::author_id.eq(grace).and(Post::title.eq("Compilers")))
        .run(&db)
        .await?;
    say!("renamed {renamed} post of Grace's");
    User::update()
        .set(User::id, 1000)
        .filter(User::id.eq(ada))
        .run(&db)
        .await?;
    let ada = 1000;
    say!(
        "Ada is now user {ada}: her posts followed ({} of them), and Grace's inviter is {:?}",
        Post::query()
            .filter(Post::author_id.eq(ada))
            .count(&db)
            .await?,
        db.get::<User>(&grace).await?.and_then(|u| u.invited_by_id),
    );
    let drafts = Post::delete()
        .filter(Post::title.like("Draft%"))
        .run(&db)
        .await?;
    say!("deleted {drafts} draft");

    // Deleting Ada cascades to her posts and comments; Grace's inviter becomes NULL.
    db.delete::<User>(&ada).await?;
    say!(
        "after deleting Ada: {} users, {} posts, grace invited by {:?}",
        db.all::<User>().await?.len(),
        db.all::<Post>().await?.len(),
        db.get::<User>(&grace).await?.map(|u| u.invited_by_id),
    );
    contents(&db).await
}

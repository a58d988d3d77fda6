//! Rel's `tracing` output, read back by a subscriber: each operation is one span with
//! its table, strategy, statement count, rows and elapsed time, and each statement it
//! sends is an event inside that span, with its SQL and, only when asked, its values.

mod common;
common::report_backends!();

use rel::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Table, Debug)]
#[table(name = "tr_users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    posts: Many<Post>,
}

#[derive(Table, Debug)]
#[table(name = "tr_posts")]
struct Post {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = User::id)]
    user: One<User>,
    #[relation(many)]
    comments: Many<Comment>,
}

#[derive(Table, Debug)]
#[table(name = "tr_comments")]
struct Comment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    body: String,
    #[relation(one, from = post_id, to = Post::id)]
    post: One<Post>,
}

type Fields = HashMap<String, String>;

/// Every span (by id: its name and fields) and every event (its target, its span's
/// id, its fields) the subscriber saw.
#[derive(Default, Debug)]
struct Seen {
    spans: Vec<(u64, String, Fields)>,
    events: Vec<(String, Option<u64>, Fields)>,
    /// What happened, in order: `open <id>`, `close <id>`, and each event's message.
    order: Vec<String>,
}

struct Recorder(Arc<Mutex<Seen>>);

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        let name = attrs.metadata().name().to_owned();
        let mut seen = self.0.lock().unwrap();
        seen.spans.push((id.into_u64(), name, fields));
        seen.order.push(format!("open {}", id.into_u64()));
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        seen.order.push(format!("close {}", id.into_u64()));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        if let Some((_, _, fields)) = seen.spans.iter_mut().find(|s| s.0 == id.into_u64()) {
            values.record(&mut Visitor(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let span = ctx.event_span(event).map(|s| s.id().into_u64());
        let target = event.metadata().target().to_owned();
        let mut seen = self.0.lock().unwrap();
        if let Some(message) = fields.get("message") {
            seen.order.push(message.clone());
        }
        seen.events.push((target, span, fields));
    }
}

/// Runs `work` on a runtime of its own with the recording subscriber; what it saw.
fn traced<F: std::future::Future<Output = ()>>(work: impl FnOnce() -> F) -> Seen {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let subscriber = tracing_subscriber::registry().with(Recorder(seen.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work())
    });
    std::mem::take(&mut *seen.lock().unwrap())
}

async fn seeded(builder: rel::DbBuilder) -> Db {
    let db = builder.connect().await.unwrap();
    let schema = Schema::new(RelationMode::ForeignKeys).table::<Comment>();
    schema.drop_all(&db).await.unwrap();
    schema.create_all(&db).await.unwrap();
    for u in 1..=2 {
        db.insert(&User {
            id: u,
            name: format!("user {u}"),
            posts: Many::default(),
        })
        .await
        .unwrap();
        for p in 0..2 {
            let post = u * 10 + p;
            db.insert(&Post {
                id: post,
                user_id: u,
                user: One::default(),
                comments: Many::default(),
            })
            .await
            .unwrap();
            db.insert(&Comment {
                id: post * 10,
                post_id: post,
                body: "secret".into(),
                post: One::default(),
            })
            .await
            .unwrap();
        }
    }
    db
}

fn three_levels() -> Query<User> {
    User::query()
        .strategy(Strategy::Batch)
        .with(User::posts().with(Post::comments()))
}

#[test]
fn a_batch_load_is_one_span_with_three_statement_events() {
    let seen = traced(|| async {
        let db = seeded(Db::builder("sqlite::memory:")).await;
        let users = three_levels().all(&db).await.unwrap();
        assert_eq!(users.len(), 2);
        // The same two levels loaded onto rows fetched before: one `load` span.
        let mut users = db.all::<User>().await.unwrap();
        db.load(&mut users, User::posts().with(Post::comments()))
            .await
            .unwrap();
        assert_eq!(users[1].posts.get().unwrap().len(), 2);
    });
    let loads: Vec<_> = seen
        .spans
        .iter()
        .filter(|(_, name, f)| name == "rel" && f.get("op").map(String::as_str) == Some("all"))
        .collect();
    // The three-level query, then `db.all` before the load.
    assert_eq!(loads.len(), 2, "{seen:#?}");
    assert_eq!(loads[1].2["strategy"], "single");
    let (id, _, fields) = loads[0];
    assert_eq!(fields["table"], "tr_users");
    assert_eq!(fields["strategy"], "batch");
    assert_eq!(fields["statements"], "3");
    assert_eq!(fields["rows"], "2");
    assert!(fields["elapsed_us"].parse::<u64>().is_ok(), "{fields:?}");
    assert!(!fields.contains_key("error"));

    let statements: Vec<_> = seen
        .events
        .iter()
        .filter(|(target, span, _)| target == "rel::statement" && *span == Some(*id))
        .map(|(_, _, f)| f)
        .collect();
    assert_eq!(statements.len(), 3, "{seen:#?}");
    for (statement, table) in statements
        .iter()
        .zip(["tr_users", "tr_posts", "tr_comments"])
    {
        assert!(
            statement["sql"].contains(&format!("FROM \"{table}\"")),
            "{statement:?}"
        );
        assert!(
            !statement.contains_key("values"),
            "values are left out by default"
        );
    }

    // The schema's creation is a span too, holding each of its statements.
    let (ddl_id, _, ddl) = seen
        .spans
        .iter()
        .find(|(_, _, f)| f.get("op").map(String::as_str) == Some("create_all"))
        .expect("a span for create_all");
    let sent: Vec<&str> = seen
        .events
        .iter()
        .filter(|(target, span, _)| target == "rel::statement" && *span == Some(*ddl_id))
        .map(|(_, _, f)| f["sql"].as_str())
        .collect();
    let creates = sent.iter().filter(|sql| sql.starts_with("CREATE")).count();
    assert!(creates >= 3, "{seen:#?}");
    // The tables, then the record of the schema (`rel_schema`).
    assert!(
        sent.last()
            .unwrap()
            .starts_with("INSERT INTO \"rel_schema\""),
        "{sent:?}"
    );
    assert_eq!(ddl["statements"], sent.len().to_string(), "{ddl:?}");
    assert_eq!(ddl["strategy"], "ddl");

    // A load's span: its statements, and the rows they read (4 posts, 4 comments).
    let load: Vec<_> = seen
        .spans
        .iter()
        .filter(|(_, _, f)| f.get("op").map(String::as_str) == Some("load"))
        .collect();
    assert_eq!(load.len(), 1, "{seen:#?}");
    let (load_id, _, load) = load[0];
    assert_eq!(
        (load["table"].as_str(), load["strategy"].as_str()),
        ("tr_users", "batch")
    );
    assert_eq!(
        (load["statements"].as_str(), load["rows"].as_str()),
        ("2", "8")
    );
    let sent = seen
        .events
        .iter()
        .filter(|(target, span, _)| target == "rel::statement" && *span == Some(*load_id))
        .count();
    assert_eq!(sent, 2);

    // Every insert of the seeding was a span of its own, with one statement.
    let inserts: Vec<_> = seen
        .spans
        .iter()
        .filter(|(_, _, f)| f.get("op").map(String::as_str) == Some("insert"))
        .collect();
    assert_eq!(inserts.len(), 2 + 4 + 4);
    for (_, _, f) in inserts {
        assert_eq!(
            (f["statements"].as_str(), f["rows"].as_str()),
            ("1", "1"),
            "{f:?}"
        );
        assert_eq!(f["strategy"], "foreign_keys");
    }
}

#[test]
fn statement_values_only_when_asked_and_failures_are_recorded() {
    let seen = traced(|| async {
        let db = seeded(Db::builder("sqlite::memory:").trace_values(true)).await;
        let comments = Comment::query()
            .filter(Comment::body.eq("secret"))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(comments.len(), 4);
        // A duplicate key fails; its span says so.
        let again = User {
            id: 1,
            name: "again".into(),
            posts: Many::default(),
        };
        assert!(db.insert(&again).await.is_err());
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Comment>();
        assert!(schema.check_integrity(&db).await.unwrap().is_empty());
    });
    // The integrity check is a span too: one statement per relation.
    let check = seen
        .spans
        .iter()
        .find(|(_, _, f)| f.get("op").map(String::as_str) == Some("check_integrity"))
        .expect("a span for the check");
    assert_eq!(
        (check.2["statements"].as_str(), check.2["rows"].as_str()),
        ("2", "0"),
        "{check:?}"
    );
    let (id, _, query) = seen
        .spans
        .iter()
        .find(|(_, _, f)| {
            f.get("table").map(String::as_str) == Some("tr_comments") && f["op"] == "all"
        })
        .expect("a span for the query");
    assert_eq!(query["strategy"], "single");
    assert_eq!(query["rows"], "4");
    let event = seen
        .events
        .iter()
        .find(|(target, span, _)| target == "rel::statement" && *span == Some(*id))
        .expect("the query's statement");
    assert!(event.2["values"].contains("secret"), "{:?}", event.2);

    let failed = seen
        .spans
        .iter()
        .filter(|(_, _, f)| f.contains_key("error"))
        .collect::<Vec<_>>();
    assert_eq!(failed.len(), 1, "{seen:#?}");
    assert_eq!(failed[0].2["op"], "insert");
    assert!(
        failed[0].2["error"].contains("tr_users"),
        "{:?}",
        failed[0].2
    );
    assert!(!failed[0].2.contains_key("rows"));
}

/// A `Db` over a pool of yours traces values only when asked, too.
#[test]
fn a_borrowed_pool_traces_values_when_asked() {
    let seen = traced(|| async {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let db = Db::from_pool(pool).await.unwrap();
        Schema::new(RelationMode::ForeignKeys)
            .table::<User>()
            .create_all(&db)
            .await
            .unwrap();
        let user = |id, name: &str| User {
            id,
            name: name.into(),
            posts: Many::default(),
        };
        db.insert(&user(1, "hidden")).await.unwrap();
        let db = db.trace_values(true);
        db.insert(&user(2, "shown")).await.unwrap();
    });
    let inserts: Vec<&Fields> = seen
        .events
        .iter()
        .filter(|(target, _, f)| {
            target == "rel::statement"
                && f["sql"].starts_with("INSERT")
                && !f["sql"].contains("rel_schema")
        })
        .map(|(_, _, f)| f)
        .collect();
    assert_eq!(inserts.len(), 2, "{seen:#?}");
    assert!(!inserts[0].contains_key("values"), "{:?}", inserts[0]);
    assert!(inserts[1]["values"].contains("shown"), "{:?}", inserts[1]);
}

#[test]
fn the_plan_is_the_statements_a_batch_load_sends() {
    // One parent per level, so that each level's IN list has the plan's one key.
    let query = User::query()
        .filter(User::id.eq(1))
        .strategy(Strategy::Batch)
        .with(User::posts().limit(1).with(Post::comments()));
    let plan = query.plan(Dialect::Sqlite);
    let paths: Vec<&str> = plan.steps.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["", "posts", "posts.comments"]);
    assert_eq!(plan.steps[0].keys, None);
    assert!(
        plan.steps[2]
            .keys
            .as_deref()
            .unwrap()
            .contains("of the rows of step 2"),
        "{plan}"
    );
    let seen = traced(|| async {
        let db = seeded(Db::builder("sqlite::memory:")).await;
        let users = query.clone().all(&db).await.unwrap();
        assert_eq!(users[0].posts.get().unwrap().len(), 1);
    });
    let (id, _, _) = seen
        .spans
        .iter()
        .find(|(_, _, f)| f.get("op").map(String::as_str) == Some("all"))
        .unwrap();
    let sent: Vec<&str> = seen
        .events
        .iter()
        .filter(|(target, span, _)| target == "rel::statement" && *span == Some(*id))
        .map(|(_, _, f)| f["sql"].as_str())
        .collect();
    let planned: Vec<&str> = plan
        .steps
        .iter()
        .map(|s| s.statement.sql.as_str())
        .collect();
    assert_eq!(sent, planned);

    // On PostgreSQL the keys go as one array; Join is one statement.
    let on_postgres = query.plan(Dialect::Postgres);
    assert!(
        on_postgres.steps[1].statement.sql.contains("= ANY($1)"),
        "{on_postgres}"
    );
    assert!(on_postgres.to_string().contains("as one array"));
    assert_eq!(
        query
            .strategy(Strategy::Join)
            .plan(Dialect::MySql)
            .steps
            .len(),
        1
    );
}

/// The one way to write without Rel's relation checks, `Db::unenforced`, is explicit
/// and visible: the orphan it writes is stored (and `check_integrity` finds it), the
/// write's span says `strategy = "unenforced"`, and a `rel::enforcement` warning names
/// the table. The same write through the `Db` itself is refused.
#[test]
fn opting_out_of_relation_checks_is_explicit_and_traced() {
    let seen = traced(|| async {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let schema = Schema::new(RelationMode::Emulated).table::<User>();
        schema.create_all(&db).await.unwrap();
        let orphan = Post {
            id: 1,
            user_id: 9,
            user: One::default(),
            comments: Many::default(),
        };
        assert!(db.insert(&orphan).await.is_err());
        db.unenforced().insert(&orphan).await.unwrap();
        let orphans = schema.check_integrity(&db).await.unwrap();
        assert_eq!((orphans[0].table, orphans[0].count), ("tr_posts", 1));
    });
    let inserts: Vec<&(u64, String, Fields)> = seen
        .spans
        .iter()
        .filter(|(_, _, f)| f.get("op").map(String::as_str) == Some("insert"))
        .collect();
    let strategies: Vec<&str> = inserts
        .iter()
        .map(|(_, _, f)| f["strategy"].as_str())
        .collect();
    assert_eq!(strategies, ["emulated", "unenforced"], "{seen:#?}");
    let unenforced = inserts[1].0;
    let warnings: Vec<&Fields> = seen
        .events
        .iter()
        .filter(|(target, span, _)| target == "rel::enforcement" && *span == Some(unenforced))
        .map(|(_, _, f)| f)
        .collect();
    assert_eq!(warnings.len(), 1, "{seen:#?}");
    assert_eq!(warnings[0]["table"], "tr_posts");
    assert!(
        warnings[0]["message"].contains("Db::unenforced"),
        "{:?}",
        warnings[0]
    );
}

/// A post's reviewer: a relation with no constraint behind it.
#[derive(Table, Debug)]
#[table(name = "tr_reviews")]
struct Review {
    #[column(primary_key)]
    id: i64,
    reviewer_id: Option<i64>,
    #[relation(one, from = reviewer_id, to = User::id, constraint = none)]
    reviewer: One<Option<User>>,
}

/// A query-only relation is said, once, by the `Db` that is told the schema and by a
/// `Db` of another process that learns it from the database.
#[test]
fn a_query_only_relation_is_said_in_a_schema_event() {
    let (path, url) = common::temp_sqlite("tr_query_only");
    let said = |seen: &Seen| -> Vec<(String, String)> {
        seen.events
            .iter()
            .filter(|(target, _, _)| target == "rel::schema")
            .map(|(_, _, f)| (f["table"].clone(), f["relation"].clone()))
            .collect()
    };
    let expected = [("tr_reviews".to_owned(), "reviewer".to_owned())];
    let creating = traced(|| async {
        let db = Db::connect(&url).await.unwrap();
        let schema = Schema::new(RelationMode::Emulated).table::<Review>();
        schema.create_all(&db).await.unwrap();
        db.close().await;
    });
    assert_eq!(said(&creating), expected, "{creating:#?}");
    let connecting = traced(|| async {
        let db = Db::connect(&url).await.unwrap();
        db.close().await;
    });
    assert_eq!(said(&connecting), expected, "{connecting:#?}");
    let _ = std::fs::remove_file(&path);
}

/// Each operation's span closes when the operation ends, before anything the program
/// does next, whether it succeeded or failed: a query, a load, a failed insert and a
/// failed transaction's write, on every backend, SQLite in memory and in a file (a pool
/// of connections). Without `driver::unspanned` (sqlx's SQLite worker then keeps the
/// span current when each command was sent until it gets to the command), this failed 6
/// runs of 6 with two CPU hogs running beside it: the span of a read closed only in
/// the next operation. With it, 8 of 8 passed beside the same hogs.
#[test]
fn spans_close_when_the_operation_ends() {
    let urls = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(common::backend_urls("tracing_close"));
    let urls =
        std::iter::once("sqlite::memory:".to_owned()).chain(urls.into_iter().map(|(_, u)| u));
    for url in urls {
        let seen = traced(|| async {
            let db = seeded(Db::builder(&url)).await;
            tracing::info!("mark seeded");
            let again = User {
                id: 1,
                name: "again".into(),
                posts: Many::default(),
            };
            // Rounds, for the races a closing span could lose.
            for round in 0..20 {
                User::query().all(&db).await.unwrap();
                tracing::info!("mark {round}: after all");
                three_levels().all(&db).await.unwrap();
                tracing::info!("mark {round}: after load");
                assert!(db.insert(&again).await.is_err());
                tracing::info!("mark {round}: after failed insert");
                let mut tx = db.begin().await.unwrap();
                assert!(tx.insert(&again).await.is_err());
                tracing::info!("mark {round}: after failed write in a transaction");
                tx.rollback().await.unwrap();
            }
        });
        let order = &seen.order;
        let marks: Vec<usize> = (0..order.len())
            .filter(|&i| order[i].starts_with("mark "))
            .collect();
        assert_eq!(marks.len(), 81, "{url}");
        // Every span opened between two marks closes before the second.
        for pair in marks.windows(2) {
            let (from, until) = (pair[0], pair[1]);
            let opened: Vec<usize> = (from..until)
                .filter(|&i| order[i].starts_with("open "))
                .collect();
            assert!(
                !opened.is_empty(),
                "{url}: no span before `{}`",
                order[until]
            );
            for open in opened {
                // Span ids are reused once closed: the first close after the open.
                let close = order[open].replacen("open", "close", 1);
                let closed = (open..order.len()).find(|&i| order[i] == close);
                assert!(
                    closed.is_some_and(|c| c < until),
                    "{url}: span {} not closed before `{}`: {:?}",
                    order[open],
                    order[until],
                    &order[from..(until + 8).min(order.len())]
                );
            }
        }
    }
}

#[derive(Table, Debug)]
#[table(name = "tr_em_users")]
struct EmUser {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug)]
#[table(name = "tr_em_posts")]
struct EmPost {
    #[column(primary_key)]
    id: i64,
    user_id: i64,
    #[relation(one, from = user_id, to = EmUser::id, on_delete = cascade)]
    user: One<EmUser>,
}

#[derive(Table, Debug)]
#[table(name = "tr_em_comments")]
struct EmComment {
    #[column(primary_key)]
    id: i64,
    post_id: i64,
    #[relation(one, from = post_id, to = EmPost::id, on_delete = cascade)]
    post: One<EmPost>,
}

#[derive(Table, Debug)]
#[table(name = "tr_em_notes")]
struct EmNote {
    #[column(primary_key)]
    id: i64,
    user_id: Option<i64>,
    #[relation(one, from = user_id, to = EmUser::id, on_delete = set_null)]
    user: One<Option<EmUser>>,
}

/// The statements of every `rel` span whose operation is `op`, in order.
fn sent_by(seen: &Seen, op: &str) -> Vec<String> {
    let ids: Vec<u64> = seen
        .spans
        .iter()
        .filter(|(_, _, f)| f.get("op").map(String::as_str) == Some(op))
        .map(|(id, _, _)| *id)
        .collect();
    seen.events
        .iter()
        .filter(|(target, span, _)| {
            target == "rel::statement" && span.is_some_and(|s| ids.contains(&s))
        })
        .map(|(_, _, f)| f["sql"].clone())
        .collect()
}

/// Emulated mode on MySQL/MariaDB: a delete of every user cascades to the comments
/// through joins in the child's key order (`STRAIGHT_JOIN`: every comment is reached
/// through keys that take no NULL), while the notes' `SET NULL` through a nullable
/// key, and a delete of one user, join from the keys. Every row ends as the
/// database's own foreign keys would leave it.
#[test]
fn a_whole_table_cascade_joins_from_the_child_on_mysql() {
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_mysql = ran.clone();
    let seen = traced(|| async move {
        let schema = Schema::new(RelationMode::Emulated)
            .table::<EmComment>()
            .table::<EmNote>();
        for db in common::fresh("tr_em", &schema).await {
            if db.dialect() != rel::Dialect::MySql {
                continue;
            }
            on_mysql.store(true, std::sync::atomic::Ordering::Relaxed);
            for round in 0..2 {
                let users: Vec<EmUser> = (1..=3).map(|id| EmUser { id }).collect();
                db.insert_many(&users).await.unwrap();
                let posts: Vec<EmPost> = (1..=6)
                    .map(|id| EmPost {
                        id,
                        user_id: (id + 1) / 2,
                        user: One::default(),
                    })
                    .collect();
                db.insert_many(&posts).await.unwrap();
                let comments: Vec<EmComment> = (1..=12)
                    .map(|id| EmComment {
                        id,
                        post_id: (id + 1) / 2,
                        post: One::default(),
                    })
                    .collect();
                db.insert_many(&comments).await.unwrap();
                let notes: Vec<EmNote> = (1..=4)
                    .map(|id| EmNote {
                        id,
                        user_id: (id < 4).then_some(id),
                        user: One::default(),
                    })
                    .collect();
                db.insert_many(&notes).await.unwrap();
                if round == 0 {
                    assert!(db.delete::<EmUser>(&1).await.unwrap());
                    assert_eq!(db.all::<EmComment>().await.unwrap().len(), 8);
                    EmUser::delete().all_rows().run(&db).await.unwrap();
                } else {
                    // All at once from the start.
                    EmUser::delete().all_rows().run(&db).await.unwrap();
                }
                assert!(db.all::<EmPost>().await.unwrap().is_empty());
                assert!(db.all::<EmComment>().await.unwrap().is_empty());
                let notes = db.all::<EmNote>().await.unwrap();
                assert_eq!(notes.len(), 4);
                assert!(notes.iter().all(|n| n.user_id.is_none()), "{notes:?}");
                assert!(schema.check_integrity(&db).await.unwrap().is_empty());
                EmNote::delete().all_rows().run(&db).await.unwrap();
            }
        }
    });
    if !ran.load(std::sync::atomic::Ordering::Relaxed) {
        return; // No MySQL/MariaDB server here (CI has one, and fails without it).
    }
    let deletes = sent_by(&seen, "delete");
    let whole: Vec<&String> = deletes
        .iter()
        .filter(|sql| sql.contains("STRAIGHT_JOIN"))
        .collect();
    // Per whole-table delete: the comments and the posts (twice: two rounds).
    assert_eq!(whole.len(), 4, "{deletes:#?}");
    assert!(
        whole.iter().all(|sql| sql.starts_with("DELETE ")),
        "{whole:#?}"
    );
    assert!(
        whole.iter().any(|sql| sql.contains("`tr_em_comments`")),
        "{whole:#?}"
    );
    // The notes' SET NULL joins from the users' keys, and so does all of the delete
    // of one user.
    let set_null: Vec<&String> = deletes
        .iter()
        .filter(|sql| sql.starts_with("UPDATE ") && sql.contains("`tr_em_notes`"))
        .collect();
    assert_eq!(set_null.len(), 3, "{deletes:#?}");
    assert!(
        set_null.iter().all(|sql| !sql.contains("STRAIGHT_JOIN")),
        "{set_null:#?}"
    );
}

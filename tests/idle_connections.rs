//! Rel's own pool on a server hands its connections out untested (no ping before each
//! operation, which would cost a round trip), so a connection the server ended while
//! it sat idle (a restart, a failover, `KILL`) is met by the operation that takes it.
//! None of them fails for it: a read runs again on a connection that answers, a
//! write's connection is tested first, and a transaction's BEGIN is sent again. Here
//! the server ends every connection of the pool before each operation, in both
//! relation modes, on PostgreSQL and MariaDB.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Dialect, Strategy};

#[derive(Table, Debug)]
#[table(name = "ic_authors")]
struct Author {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(many)]
    books: Many<Book>,
}

#[derive(Table, Debug)]
#[table(name = "ic_books")]
struct Book {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    title: String,
    #[relation(one, from = author_id, to = Author::id)]
    author: One<Author>,
}

fn book(id: i64, author_id: i64, title: &str) -> Book {
    Book {
        id,
        author_id,
        title: title.into(),
        author: One::default(),
    }
}

/// How many connections the `Db`'s pool holds idle.
fn idle(db: &Db) -> usize {
    db.postgres_pool()
        .map(|p| p.num_idle())
        .or_else(|| db.mysql_pool().map(|p| p.num_idle()))
        .unwrap()
}

/// Ends every connection of the `Db`'s pool, once the last operation's connection is
/// back in it (sqlx returns it from a task of its own), so that the next operation
/// takes one the server ended.
async fn end_idle(db: &Db, d: Dialect, url: &str) {
    for _ in 0..200 {
        if idle(db) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(idle(db) > 0, "{d:?}: no idle connection");
    common::end_connections(d, url, NAME).await;
}

/// How many statements `write` sent; it must succeed.
async fn sent<T: std::fmt::Debug>(
    db: &Db,
    write: impl std::future::Future<Output = Result<T, rel::Error>>,
) -> u64 {
    let before = db.statement_count();
    write.await.unwrap();
    db.statement_count() - before
}

/// The name the test's connections carry, for the server to end them by.
const NAME: &str = "rel_idle_connections";

/// A read's statements on a connection found gone: the one that failed, and the
/// read's own again.
const READ_AGAIN: u64 = 2;

#[tokio::test]
async fn operations_run_on_after_the_server_ends_the_idle_connections() {
    for (d, url) in common::backend_urls("idle_connections").await {
        // A SQLite connection is a file handle: nothing can end it from outside.
        if d == Dialect::Sqlite {
            continue;
        }
        let url = common::named(d, &url, NAME);
        for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
            let ctx = format!("{d:?} {mode:?}");
            let schema = Schema::new(mode).table::<Author>().table::<Book>();
            let db = Db::connect(&url).await.unwrap();
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            let db = db.relation_mode(mode);
            for (id, name) in [(1, "Ann"), (2, "Bo")] {
                db.insert(&Author {
                    id,
                    name: name.into(),
                    books: Many::default(),
                })
                .await
                .unwrap();
            }
            db.insert(&book(10, 1, "first")).await.unwrap();

            // Reads: the first statement finds the connection gone, and the read runs
            // again.
            end_idle(&db, d, &url).await;
            let before = db.statement_count();
            let ann = db.get::<Author>(&1).await.unwrap().unwrap();
            assert_eq!(ann.name, "Ann", "{ctx}");
            assert_eq!(db.statement_count() - before, READ_AGAIN, "{ctx}: get");
            for strategy in [Strategy::Batch, Strategy::Join] {
                end_idle(&db, d, &url).await;
                let authors = Author::query()
                    .with(Author::books())
                    .order_by(Author::id.asc())
                    .strategy(strategy)
                    .all(&db)
                    .await
                    .unwrap();
                let books: Vec<Vec<i64>> = authors
                    .iter()
                    .map(|a| a.books.get().unwrap().iter().map(|b| b.id).collect())
                    .collect();
                assert_eq!(books, [vec![10], vec![]], "{ctx} {strategy:?}");
            }
            end_idle(&db, d, &url).await;
            let before = db.statement_count();
            assert_eq!(Book::query().count(&db).await.unwrap(), 1, "{ctx}");
            assert_eq!(db.statement_count() - before, READ_AGAIN, "{ctx}: count");

            // Writes: on a connection tested first, so that no statement is sent
            // twice (each sends what the same write sends on a live connection); a
            // transaction's BEGIN sent again.
            let live = sent(&db, db.insert(&book(13, 1, "control"))).await;
            end_idle(&db, d, &url).await;
            let after = sent(&db, db.insert(&book(11, 1, "second"))).await;
            assert_eq!(after, live, "{ctx}: insert");
            end_idle(&db, d, &url).await;
            let keys = db
                .insert_many(&[book(20, 2, "third"), book(21, 2, "fourth")])
                .await
                .unwrap();
            assert_eq!(keys, [20, 21], "{ctx}");
            let live = sent(&db, db.update(&book(13, 1, "control, revised"))).await;
            end_idle(&db, d, &url).await;
            let after = sent(&db, db.update(&book(21, 2, "fourth, revised"))).await;
            assert_eq!(after, live, "{ctx}: update");
            let live = sent(&db, db.delete::<Book>(&13)).await;
            end_idle(&db, d, &url).await;
            let after = sent(&db, db.delete::<Book>(&20)).await;
            assert_eq!(after, live, "{ctx}: delete");
            end_idle(&db, d, &url).await;
            let mut tx = db.begin().await.unwrap();
            tx.insert(&book(12, 1, "in a transaction")).await.unwrap();
            tx.commit().await.unwrap();

            // Everything written is stored, once.
            let titles: Vec<(i64, String)> = Book::query()
                .order_by(Book::id.asc())
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|b| (b.id, b.title))
                .collect();
            let expected = [
                (10, "first"),
                (11, "second"),
                (12, "in a transaction"),
                (21, "fourth, revised"),
            ]
            .map(|(id, t)| (id, t.to_owned()));
            assert_eq!(titles, expected, "{ctx}");
            db.close().await;
        }
    }
}

//! A Batch level below every row of its parent's table (an unfiltered root) reads its
//! own table whole and sends no keys; what it loads is what the same query with the
//! keys sent loads, with orphans, NULL keys, a relation's filter, a window, counts and
//! aggregates, on every backend and with every strategy.

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug)]
#[table(name = "authors")]
struct Author {
    #[column(primary_key)]
    id: i64,
    #[relation(many)]
    books: Many<Book>,
}

#[derive(Table, Debug)]
#[table(name = "books")]
struct Book {
    #[column(primary_key)]
    id: i64,
    author_id: i64,
    title: String,
    #[relation(one, from = author_id, to = Author::id)]
    author: One<Author>,
    #[relation(many)]
    reviews: Many<Review>,
}

#[derive(Table, Debug)]
#[table(name = "reviews")]
struct Review {
    #[column(primary_key)]
    id: i64,
    book_id: Option<i64>,
    #[relation(one, from = book_id, to = Book::id)]
    book: One<Option<Book>>,
}

/// Authors 1 to 4; authors 1 to 3 have books `10a`, `10a + 1`, `10a + 2`; each book
/// `b` has reviews `10b` and `10b + 1`. Written outside Rel, as a database without
/// foreign keys may hold them: book 99 of no author (77), its reviews 990 and 991,
/// review 5 of no book (55), reviews 6 and 7 with no book at all.
fn seed_sql() -> String {
    let mut sql = String::from("INSERT INTO authors (id) VALUES (1), (2), (3), (4);\n");
    let mut books = vec!["(99, 77, 'orphan')".to_owned()];
    let mut reviews = vec![
        "(990, 99)".to_owned(),
        "(991, 99)".to_owned(),
        "(5, 55)".to_owned(),
        "(6, NULL)".to_owned(),
        "(7, NULL)".to_owned(),
    ];
    for a in 1..=3 {
        for b in book_ids(a) {
            books.push(format!("({b}, {a}, 'b{b}')"));
            reviews.push(format!("({}, {b})", 10 * b));
            reviews.push(format!("({}, {b})", 10 * b + 1));
        }
    }
    sql += &format!(
        "INSERT INTO books (id, author_id, title) VALUES {};\n",
        books.join(", ")
    );
    sql += &format!(
        "INSERT INTO reviews (id, book_id) VALUES {};\n",
        reviews.join(", ")
    );
    sql
}

fn book_ids(author: i64) -> Vec<i64> {
    if author > 3 {
        return Vec::new();
    }
    (0..3).map(|k| 10 * author + k).collect()
}

/// An author's id and their books', each with its reviews' ids.
type Tree = Vec<(i64, Vec<(i64, Vec<i64>)>)>;

/// Each author's books, each with its reviews' ids.
fn tree(authors: &[Author]) -> Tree {
    authors
        .iter()
        .map(|a| {
            let books = a.books.get().unwrap().iter().map(|b| {
                let reviews = b
                    .reviews
                    .get()
                    .map_or_else(|_| Vec::new(), |rs| rs.iter().map(|r| r.id).collect());
                (b.id, reviews)
            });
            (a.id, books.collect())
        })
        .collect()
}

fn shallow(authors: &[Author]) -> Vec<(i64, Vec<i64>)> {
    tree(authors)
        .into_iter()
        .map(|(a, books)| (a, books.into_iter().map(|(b, _)| b).collect()))
        .collect()
}

#[tokio::test]
async fn a_level_below_every_row_reads_its_table_whole() {
    let schema = Schema::new(RelationMode::Emulated).table::<Author>();
    for db in common::fresh("whole_table", &schema).await {
        let d = db.dialect();
        common::execute(&db, seed_sql()).await;
        let everyone = || Author::query().with(Author::books().with(Book::reviews()));
        // The same rows, with the keys sent: a filter that keeps every author.
        let keyed = || everyone().filter(Author::id.gt(0));

        // The plan: no keys below every author. Reviews' key can be NULL, so those
        // rows are left out in SQL; the books' cannot.
        let plan = everyone().strategy(Strategy::Batch).plan(d);
        let [_, books, reviews] = &plan.steps[..] else {
            panic!("{plan}")
        };
        assert!(!books.statement.sql.contains("WHERE"), "{d:?}: {plan}");
        assert!(
            reviews.statement.sql.ends_with("book_id` IS NOT NULL")
                || reviews.statement.sql.ends_with(r#"book_id" IS NOT NULL"#),
            "{d:?}: {plan}"
        );
        assert!(books.keys.as_deref().unwrap().contains("no keys sent"));
        let plan = keyed().strategy(Strategy::Batch).plan(d);
        assert!(plan.steps[1].keys.as_deref().unwrap().contains("keys ("));

        let want: Tree = (1..=4)
            .map(|a| {
                let books = book_ids(a)
                    .into_iter()
                    .map(|b| (b, vec![10 * b, 10 * b + 1]));
                (a, books.collect())
            })
            .collect();
        for strategy in [Strategy::Batch, Strategy::Join, Strategy::Auto] {
            let before = db.statement_count();
            let all = everyone().strategy(strategy).all(&db).await.unwrap();
            let sent = db.statement_count() - before;
            assert_eq!(tree(&all), want, "{d:?} {strategy:?}");
            if strategy == Strategy::Batch {
                assert_eq!(sent, 3, "{d:?}: one statement per level");
            }
            let some = keyed().strategy(strategy).all(&db).await.unwrap();
            assert_eq!(tree(&some), want, "{d:?} {strategy:?}: keys sent");
        }

        // A relation's filter and a per-parent window apply to the whole table; the
        // reviews below filtered books are loaded by key.
        let filtered = |q: Query<Author>| {
            q.with(
                Author::books()
                    .filter(Book::title.ne("b21"))
                    .with(Book::reviews()),
            )
        };
        let windowed =
            |q: Query<Author>| q.with(Author::books().order_by(Book::id.desc()).limit(2));
        let plan = filtered(Author::query()).strategy(Strategy::Batch).plan(d);
        assert!(
            plan.steps[1]
                .keys
                .as_deref()
                .unwrap()
                .contains("no keys sent")
        );
        assert!(plan.steps[2].keys.as_deref().unwrap().contains("keys ("));
        for strategy in [Strategy::Batch, Strategy::Join] {
            let run = |q: Query<Author>| {
                let db = &db;
                async move { q.strategy(strategy).all(db).await.unwrap() }
            };
            let all = run(filtered(Author::query())).await;
            let some = run(filtered(Author::query().filter(Author::id.gt(0)))).await;
            assert_eq!(tree(&all), tree(&some), "{d:?} {strategy:?}");
            assert_eq!(
                tree(&all)[1],
                (2, vec![(20, vec![200, 201]), (22, vec![220, 221])]),
                "{d:?} {strategy:?}"
            );
            let all = run(windowed(Author::query())).await;
            let some = run(windowed(Author::query().filter(Author::id.gt(0)))).await;
            assert_eq!(shallow(&all), shallow(&some), "{d:?} {strategy:?}");
            assert_eq!(
                shallow(&all),
                [
                    (1, vec![12, 11]),
                    (2, vec![22, 21]),
                    (3, vec![32, 31]),
                    (4, vec![])
                ],
                "{d:?} {strategy:?}"
            );

            // Counts and aggregates, grouped over the whole table.
            let counted = Author::query()
                .strategy(strategy)
                .with(Author::books().count())
                .with(Author::books().sum(Book::id))
                .all(&db)
                .await
                .unwrap();
            let got: Vec<(u64, Option<i64>)> = counted
                .iter()
                .map(|a| (a.books.count().unwrap(), a.books.sum(Book::id).unwrap()))
                .collect();
            assert_eq!(
                got,
                [(3, Some(33)), (3, Some(63)), (3, Some(93)), (0, None)],
                "{d:?} {strategy:?}"
            );
        }

        // A `one` relation's rows hold no key to their parents: the keys are sent.
        let reviews = Review::query()
            .with(Review::book())
            .strategy(Strategy::Batch);
        let plan = reviews.plan(d);
        assert!(plan.steps[1].keys.as_deref().unwrap().contains("book_id"));
        let reviews = reviews.all(&db).await.unwrap();
        let of_books: Vec<(i64, Option<i64>)> = reviews
            .iter()
            .map(|r| (r.id, r.book.get().unwrap().as_ref().map(|b| b.id)))
            .collect();
        assert_eq!(of_books.len(), 23, "{d:?}");
        for expected in [(990, Some(99)), (5, None), (6, None), (200, Some(20))] {
            assert!(of_books.contains(&expected), "{d:?}: {expected:?}");
        }
        schema.drop_all(&db).await.unwrap();
    }
}

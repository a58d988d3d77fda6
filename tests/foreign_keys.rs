//! ForeignKeys mode: the database refuses rows that point nowhere, and Rel reports
//! which relation failed.

mod common;

use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "authors")]
struct Author {
    #[column(primary_key, auto_increment)]
    id: i64,
    name: String,
    #[relation(many, alias = "written")]
    books: Many<Book>,
    #[relation(many, alias = "edited")]
    edited: Many<Book>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "books")]
struct Book {
    #[column(primary_key, auto_increment)]
    id: i64,
    author_id: i64,
    editor_id: Option<i64>,
    #[relation(one, from = author_id, to = Author::id, alias = "written", on_delete = restrict)]
    author: One<Author>,
    #[relation(one, from = editor_id, to = Author::id, alias = "edited", on_delete = set_null)]
    editor: One<Option<Author>>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "shelves")]
struct Shelf {
    #[column(primary_key)]
    code: String,
    #[relation(many, from = code, to = Volume::shelf_code)]
    volumes: Many<Volume>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "volumes", primary_key(shelf_code, position))]
struct Volume {
    shelf_code: String,
    position: i32,
    book_id: i64,
    #[relation(one, from = shelf_code, to = Shelf::code, on_delete = cascade)]
    shelf: One<Shelf>,
    #[relation(one, from = book_id, to = Book::id, on_delete = cascade)]
    book: One<Book>,
}

fn book(author_id: i64, editor_id: Option<i64>) -> Book {
    Book {
        id: 0,
        author_id,
        editor_id,
        author: One::default(),
        editor: One::default(),
    }
}

#[tokio::test]
async fn rows_pointing_nowhere_are_refused_with_the_relation_named() {
    for db in common::backends("fk_refused").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<Volume>();
        schema.create_all(&db).await.unwrap();
        let ada = db
            .insert(&Author {
                id: 0,
                name: "Ada".into(),
                books: Many::default(),
                edited: Many::default(),
            })
            .await
            .unwrap();
        let ok = db.insert(&book(ada, None)).await.unwrap();

        for (row, relation) in [
            (book(ada + 100, None), "author"),
            (book(ada, Some(ada + 100)), "editor"),
        ] {
            let err = db.insert(&row).await.unwrap_err();
            match &err {
                rel::Error::ForeignKey {
                    table,
                    relation: got,
                    ..
                } => {
                    assert_eq!(
                        (*table, *got),
                        ("books", Some(relation)),
                        "{dialect:?}: {err}"
                    );
                }
                other => panic!("{dialect:?}: expected a foreign-key error, got {other}"),
            }
            assert!(
                err.to_string().contains(relation),
                "{dialect:?}: the message names it: {err}"
            );
        }

        // The same inside a transaction, and in a batch: nothing of the batch stays.
        db.insert(&Shelf {
            code: "A1".into(),
            volumes: Many::default(),
        })
        .await
        .unwrap();
        let volume = |shelf: &str, position, book_id| Volume {
            shelf_code: shelf.into(),
            position,
            book_id,
            shelf: One::default(),
            book: One::default(),
        };
        let batch = [
            volume("A1", 1, ok),
            volume("A1", 2, ok),
            volume("Z9", 1, ok),
        ];
        let err = db.insert_many(&batch).await.unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::ForeignKey {
                    table: "volumes",
                    relation: Some("shelf"),
                    ..
                }
            ),
            "{dialect:?}: {err}"
        );
        assert!(
            db.all::<Volume>().await.unwrap().is_empty(),
            "{dialect:?}: batch rolled back"
        );

        // Deleting a referenced row under `restrict` is refused too, naming the relation
        // that still refers to it.
        let err = db.delete::<Author>(&ada).await.unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::StillReferenced {
                    table: "authors",
                    referencing_table: Some("books"),
                    relation: Some("author"),
                    ..
                }
            ),
            "{dialect:?}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with("`books.author` still refers to this `authors` row"),
            "{dialect:?}: {err}"
        );
        assert!(
            db.get::<Author>(&ada).await.unwrap().is_some(),
            "{dialect:?}: still there"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

#[tokio::test]
async fn emulated_mode_is_enforced_by_rel() {
    for db in common::backends("fk_emulated").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::Emulated).table::<Volume>();
        schema.create_all(&db).await.unwrap();
        // No foreign keys in the database, and still no orphan: Rel refuses it, naming
        // the relation, as the database does in ForeignKeys mode.
        let err = db.insert(&book(42, None)).await.unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::ForeignKey {
                    table: "books",
                    relation: Some("author"),
                    ..
                }
            ),
            "{dialect:?}: {err}"
        );
        assert!(db.all::<Book>().await.unwrap().is_empty(), "{dialect:?}");
        schema.drop_all(&db).await.unwrap();
    }
}

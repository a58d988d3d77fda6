//! ForeignKeys mode: the database refuses rows that point nowhere, and Rel reports
//! which relation failed.

mod common;
common::report_backends!();

use rel::Error;
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

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "fk_orgs")]
struct Org {
    #[column(primary_key)]
    id: i64,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "fk_teams")]
struct Team {
    #[column(primary_key)]
    id: i64,
    org_id: i64,
    #[relation(one, from = org_id, to = Org::id, on_delete = cascade)]
    org: One<Org>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "fk_members")]
struct Member {
    #[column(primary_key)]
    id: i64,
    team_id: i64,
    #[relation(one, from = team_id, to = Team::id, on_delete = restrict)]
    team: One<Team>,
}

/// A delete whose cascade meets a `restrict` one table further (an org's teams are
/// deleted with it, but a team's members forbid that) is `StillReferenced`, in both
/// modes and on every backend, naming the team and the members' relation where the
/// database names its constraint: one between two tables the write did not name.
/// (Found by the Emulated-mode differential test, which had this as `ForeignKey` on
/// PostgreSQL.)
#[tokio::test]
async fn a_cascade_refused_further_down_is_still_referenced() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        for db in common::backends(&format!("fk_cascade_{mode:?}").to_lowercase()).await {
            let schema = Schema::new(mode).table::<Member>();
            schema.drop_all(&db).await.unwrap();
            schema.create_all(&db).await.unwrap();
            db.insert(&Org { id: 7 }).await.unwrap();
            db.insert(&Team {
                id: 1,
                org_id: 7,
                org: One::default(),
            })
            .await
            .unwrap();
            db.insert(&Member {
                id: 0,
                team_id: 1,
                team: One::default(),
            })
            .await
            .unwrap();
            let err = db.delete::<Org>(&7).await.unwrap_err();
            match &err {
                rel::Error::StillReferenced {
                    table,
                    referencing_table,
                    relation,
                    ..
                } => {
                    let got = (*table, *referencing_table, *relation);
                    if mode == RelationMode::ForeignKeys && db.dialect() == rel::Dialect::Sqlite {
                        // SQLite names no constraint; Rel finds a relation that still
                        // refers to the deleted row: the teams' own.
                        assert_eq!(got, ("fk_orgs", Some("fk_teams"), Some("org")));
                    } else {
                        assert_eq!(
                            got,
                            ("fk_teams", Some("fk_members"), Some("team")),
                            "{mode:?} {:?}",
                            db.dialect()
                        );
                    }
                }
                other => panic!("{mode:?} {:?}: {other:?}", db.dialect()),
            }
            // Nothing of the delete stayed.
            assert_eq!(db.all::<Team>().await.unwrap().len(), 1);
            assert_eq!(db.all::<Org>().await.unwrap().len(), 1);
        }
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "fk_accounts")]
struct Account {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    handle: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "fk_logins")]
struct Login {
    #[column(primary_key)]
    id: i64,
    account_id: i64,
    #[relation(one, from = account_id, to = Account::id, on_update = restrict)]
    account: One<Account>,
}

/// A key changed to one another row holds, on a row something still refers to
/// (`restrict`), breaks both a unique key and a relation: it is `Unique` (the database's
/// order: unique keys first) on every backend and in both modes, for the primary key
/// and for a unique column. MariaDB checks the foreign key first and said
/// `StillReferenced`, and Emulated mode followed it there; nothing changes.
#[tokio::test]
async fn a_taken_key_on_a_referenced_row_is_unique_first_everywhere() {
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = Schema::new(mode).table::<Login>();
        for db in common::fresh("fk_taken_key", &schema).await {
            let label = format!("{:?} {mode:?}", db.dialect());
            let account = |id, handle: &str| Account {
                id,
                handle: handle.into(),
            };
            db.insert_many(&[account(1, "ada"), account(2, "alan")])
                .await
                .unwrap();
            db.insert(&Login {
                id: 10,
                account_id: 1,
                account: One::default(),
            })
            .await
            .unwrap();
            let by_key = Account::update()
                .set(Account::id, 2)
                .filter(Account::id.eq(1))
                .run(&db)
                .await;
            assert!(
                matches!(&by_key, Err(Error::Unique { table: "fk_accounts", columns, .. }) if columns == &["id"]),
                "{label}: {by_key:?}"
            );
            // A free key is refused for the reference alone.
            let free = Account::update()
                .set(Account::id, 3)
                .filter(Account::id.eq(1))
                .run(&db)
                .await;
            assert!(
                matches!(&free, Err(Error::StillReferenced { .. })),
                "{label}: {free:?}"
            );
            // And a taken unique column with the key change.
            let both = Account::update()
                .set(Account::id, 3)
                .set(Account::handle, "alan")
                .filter(Account::handle.eq("ada"))
                .run(&db)
                .await;
            assert!(
                matches!(&both, Err(Error::Unique { table: "fk_accounts", columns, .. }) if columns == &["handle"]),
                "{label}: {both:?}"
            );
            assert_eq!(
                db.all::<Account>().await.unwrap(),
                [account(1, "ada"), account(2, "alan")],
                "{label}"
            );
            schema.drop_all(&db).await.unwrap();
        }
    }
}

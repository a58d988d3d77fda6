//! Hostile identifiers: quotes, backticks and SQL in table and column names are quoted
//! by the dialect everywhere, in DDL, writes, reads and foreign-key error mapping.

mod common;
common::report_backends!();

use rel::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "quote'table")]
struct Hostile {
    #[column(primary_key, name = "a\"b")]
    id: i64,
    #[column(name = "back`tick", unique)]
    tick: String,
    #[column(name = "x'); DROP TABLE \"quote'table\"; --")]
    drop: Option<String>,
    #[relation(many)]
    children: Many<HostileChild>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "child`s \"table\"")]
struct HostileChild {
    #[column(primary_key, auto_increment, name = "id;--")]
    id: i64,
    #[column(name = "parent's id")]
    parent: i64,
    #[relation(one, from = parent, to = Hostile::id, on_delete = cascade)]
    owner: One<Hostile>,
}

#[test]
fn identifiers_are_quoted_per_dialect() {
    let schema = Schema::new(RelationMode::ForeignKeys).table::<HostileChild>();
    // The child comes first: it was added, and brought its parent along.
    let sqlite = schema.ddl(Dialect::Sqlite).unwrap();
    assert!(
        sqlite[0]
            .sql
            .starts_with(r#"CREATE TABLE "child`s ""table""" ("#),
        "{}",
        sqlite[0].sql
    );
    assert!(
        sqlite[0]
            .sql
            .contains(r#"REFERENCES "quote'table" ("a""b")"#),
        "{}",
        sqlite[0].sql
    );
    assert!(
        sqlite[1].sql.contains(r#""a""b" INTEGER NOT NULL"#),
        "{}",
        sqlite[1].sql
    );
    let mysql = schema.ddl(Dialect::MySql).unwrap();
    assert!(
        mysql[0]
            .sql
            .starts_with("CREATE TABLE `child``s \"table\"`"),
        "{}",
        mysql[0].sql
    );
    assert!(
        mysql[1]
            .sql
            .contains("`back``tick` VARCHAR(255) NOT NULL UNIQUE"),
        "{}",
        mysql[1].sql
    );
}

#[tokio::test]
async fn hostile_names_work_on_every_backend() {
    for db in common::backends("hostile_names").await {
        let dialect = db.dialect();
        let schema = Schema::new(RelationMode::ForeignKeys).table::<HostileChild>();
        schema
            .create_all(&db)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?}: {e}"));
        let row = Hostile {
            id: 7,
            tick: "`'\"".into(),
            drop: Some("'); DROP TABLE x; --".into()),
            children: Many::default(),
        };
        assert_eq!(db.insert(&row).await.unwrap(), 7, "{dialect:?}");
        let child = HostileChild {
            id: 0,
            parent: 7,
            owner: One::default(),
        };
        let child_id = db.insert(&child).await.unwrap();
        assert_eq!(
            db.get::<Hostile>(&7).await.unwrap(),
            Some(row.clone()),
            "{dialect:?}"
        );
        assert_eq!(
            db.get::<HostileChild>(&child_id).await.unwrap(),
            Some(HostileChild {
                id: child_id,
                ..child.clone()
            }),
            "{dialect:?}"
        );

        // The constraint name is hostile too, and still maps back to the relation.
        let err = db
            .insert(&HostileChild {
                parent: 8,
                ..child.clone()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::ForeignKey {
                    relation: Some("owner"),
                    ..
                }
            ),
            "{dialect:?}: {err}"
        );
        let err = db.insert(&row).await.unwrap_err();
        assert!(
            matches!(
                err,
                rel::Error::Unique {
                    table: "quote'table",
                    ..
                }
            ),
            "{dialect:?}: {err}"
        );

        assert!(db.delete::<Hostile>(&7).await.unwrap(), "{dialect:?}");
        assert!(
            db.all::<HostileChild>().await.unwrap().is_empty(),
            "{dialect:?}: cascaded"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

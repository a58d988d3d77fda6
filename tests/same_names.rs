//! Two structs of one name in different modules are two tables: a relation from
//! `b::User` to `a::User` goes to `a::User`'s table, not back to its own (it was taken
//! for a self relation by its last name, and Emulated mode then refused a valid write
//! with "no row of people"). On every backend, in both modes.

mod common;
common::report_backends!();

use rel::Error;
use rel::prelude::*;

mod a {
    use rel::prelude::*;

    #[derive(Table, Debug, Clone, PartialEq)]
    #[table(name = "sn_legacy_users")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
        pub name: String,
    }
}

mod b {
    use super::a;
    use rel::prelude::*;

    #[derive(Table, Debug, Clone, PartialEq)]
    #[table(name = "sn_people")]
    pub struct User {
        #[column(primary_key)]
        pub id: i64,
        pub legacy_id: i64,
        #[relation(one, from = legacy_id, to = a::User::id)]
        pub legacy: One<a::User>,
    }
}

#[tokio::test]
async fn a_relation_to_a_struct_of_the_same_name_in_another_module() {
    assert_ne!(<a::User as Table>::TYPE_NAME, <b::User as Table>::TYPE_NAME);
    for mode in [RelationMode::ForeignKeys, RelationMode::Emulated] {
        let schema = Schema::new(mode).table::<b::User>();
        for dialect in Dialect::ALL {
            let ddl: Vec<String> = Schema::new(RelationMode::ForeignKeys)
                .table::<b::User>()
                .ddl(dialect)
                .unwrap()
                .into_iter()
                .map(|s| s.sql)
                .collect();
            let fk = ddl
                .iter()
                .find(|s| s.contains("FOREIGN KEY"))
                .expect("a foreign key");
            assert!(fk.contains("sn_legacy_users"), "{dialect:?}: {fk}");
        }
        for db in common::fresh("same_names", &schema).await {
            let label = format!("{:?} {mode:?}", db.dialect());
            db.insert(&a::User {
                id: 1,
                name: "old ada".into(),
            })
            .await
            .unwrap();
            let person = |id, legacy_id| b::User {
                id,
                legacy_id,
                legacy: One::default(),
            };
            db.insert(&person(10, 1)).await.unwrap();
            let orphan = db.insert(&person(11, 99)).await;
            assert!(
                matches!(
                    orphan,
                    Err(Error::ForeignKey {
                        table: "sn_people",
                        ..
                    })
                ),
                "{label}: {orphan:?}"
            );
            let people = b::User::query()
                .with(b::User::legacy())
                .all(&db)
                .await
                .unwrap();
            assert_eq!(people.len(), 1, "{label}");
            assert_eq!(people[0].legacy.get().unwrap().name, "old ada", "{label}");
            schema.drop_all(&db).await.unwrap();
        }
    }
}

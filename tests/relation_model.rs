//! The key-holder rule on every backend: the foreign key of a one-to-one runs from the
//! side that holds the key, whichever side declares the relation; constraint names do
//! not depend on the order tables were added; a refused delete names the relation.

mod common;
common::report_backends!();

use rel::prelude::*;
use rel::{Error, Strategy};

/// Drizzle's first example, ported as it reads: `users.profileInfo = one(profileInfo,
/// { fields: [users.id], references: [profileInfo.userId] })`. The key lives on
/// `profile_info`; `User` declares only the inverse side.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    #[relation(one, from = id, to = ProfileInfo::user_id)]
    profile_info: One<Option<ProfileInfo>>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "profile_info")]
struct ProfileInfo {
    #[column(primary_key)]
    id: i64,
    #[column(unique)]
    user_id: i64,
    metadata: String,
}

/// A one-to-one on shared keys: both ends are primary keys, so each side says which
/// end holds the key.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "accounts")]
struct Account {
    #[column(primary_key)]
    id: i64,
    #[relation(one, from = id, to = AccountSettings::account_id, foreign_key = to)]
    settings: One<Option<AccountSettings>>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "account_settings")]
struct AccountSettings {
    #[column(primary_key)]
    account_id: i64,
    theme: String,
    #[relation(one, from = account_id, to = Account::id, foreign_key = from, on_delete = cascade)]
    account: One<Account>,
}

fn schema() -> Schema {
    Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .table::<Account>()
}

fn foreign_key_lines(schema: &Schema, dialect: Dialect) -> Vec<String> {
    let mut lines: Vec<String> = schema
        .ddl(dialect)
        .unwrap()
        .iter()
        .flat_map(|s| s.sql.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| l.contains("FOREIGN KEY"))
        .map(|l| l.trim().trim_start_matches("ALTER TABLE ").to_owned())
        .collect();
    lines.sort();
    lines
}

#[test]
fn foreign_keys_run_from_the_side_that_holds_the_key() {
    let mut all = String::new();
    for dialect in Dialect::ALL {
        all.push_str(&format!("-- {dialect:?}\n"));
        for stmt in schema().ddl(dialect).unwrap() {
            all.push_str(&stmt.sql);
            all.push_str(";\n");
        }
        let fks = foreign_key_lines(&schema(), dialect);
        assert_eq!(fks.len(), 2, "{dialect:?}: {fks:?}");
        let profile = dialect.quote("profile_info");
        let users = dialect.quote("users");
        assert!(
            fks.iter().any(|l| l.contains(&format!(
                "FOREIGN KEY ({}) REFERENCES {users} ({})",
                dialect.quote("user_id"),
                dialect.quote("id")
            )) && (l.starts_with(&profile) || dialect == Dialect::Sqlite)),
            "{dialect:?}: {fks:?}"
        );
        assert!(
            fks.iter().any(|l| l.contains(&format!(
                "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE CASCADE",
                dialect.quote("account_id"),
                dialect.quote("accounts"),
                dialect.quote("id")
            ))),
            "{dialect:?}: {fks:?}"
        );
        // Nothing refers the wrong way round.
        assert!(
            !fks.iter()
                .any(|l| l.contains(&format!("REFERENCES {profile}"))),
            "{dialect:?}: {fks:?}"
        );
        // The names do not depend on the order in which the tables were added.
        let reversed = Schema::new(RelationMode::ForeignKeys)
            .table::<AccountSettings>()
            .table::<ProfileInfo>()
            .table::<User>();
        assert_eq!(foreign_key_lines(&reversed, dialect), fks, "{dialect:?}");
    }
    common::assert_snapshot("relation_model.sql", &all);
}

#[tokio::test]
async fn one_to_ones_insert_load_and_delete_the_same_everywhere() {
    for db in common::backends("relation_model").await {
        let d = db.dialect();
        let schema = schema();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();

        // The user comes first: the profile refers to it.
        let ada = User {
            id: 1,
            name: "Ada".into(),
            profile_info: One::default(),
        };
        db.insert(&ada).await.unwrap();
        let profile = ProfileInfo {
            id: 10,
            user_id: 1,
            metadata: "{}".into(),
        };
        db.insert(&profile).await.unwrap();
        let orphan = ProfileInfo {
            id: 11,
            user_id: 99,
            metadata: "{}".into(),
        };
        let err = db.insert(&orphan).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ForeignKey {
                    table: "profile_info",
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        for strategy in [Strategy::Join, Strategy::Batch] {
            let users = User::query()
                .strategy(strategy)
                .with(User::profile_info())
                .all(&db)
                .await
                .unwrap();
            assert_eq!(
                users[0].profile_info.get().unwrap().as_ref(),
                Some(&profile),
                "{d:?} {strategy:?}"
            );
        }
        // The user cannot go while its profile refers to it.
        let err = db.delete::<User>(&1).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::StillReferenced {
                    table: "users",
                    referencing_table: Some("profile_info"),
                    relation: None,
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        assert!(db.delete::<ProfileInfo>(&10).await.unwrap());
        assert!(db.delete::<User>(&1).await.unwrap());

        // Shared keys: the settings refer to the account, and go with it.
        db.insert(&Account {
            id: 5,
            settings: One::default(),
        })
        .await
        .unwrap();
        let settings = AccountSettings {
            account_id: 5,
            theme: "dark".into(),
            account: One::default(),
        };
        db.insert(&settings).await.unwrap();
        let err = db
            .insert(&AccountSettings {
                account_id: 6,
                ..settings.clone()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::ForeignKey {
                    table: "account_settings",
                    relation: Some("account"),
                    ..
                }
            ),
            "{d:?}: {err:?}"
        );
        let accounts = Account::query()
            .with(Account::settings())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            accounts[0]
                .settings
                .get()
                .unwrap()
                .as_ref()
                .map(|s| &s.theme),
            Some(&"dark".to_string()),
            "{d:?}"
        );
        assert!(db.delete::<Account>(&5).await.unwrap());
        assert!(
            db.all::<AccountSettings>().await.unwrap().is_empty(),
            "{d:?}"
        );
        schema.drop_all(&db).await.unwrap();
    }
}

mod other {
    use rel::prelude::*;

    /// Another struct that is also the table `users`.
    #[derive(Table, Debug)]
    #[table(name = "users")]
    pub struct Member {
        #[column(primary_key)]
        pub id: i64,
        pub email: String,
    }
}

#[test]
fn a_schema_refuses_two_structs_with_one_table_name() {
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .table::<other::Member>();
    let err = schema.ddl(Dialect::Sqlite).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DuplicateTable {
                table: "users",
                first: "relation_model::User",
                second: "relation_model::other::Member"
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("`relation_model::User` and `relation_model::other::Member`"),
        "{err}"
    );
}

mod cased {
    use rel::prelude::*;

    /// The table `Users`, which SQLite takes for `users`.
    #[derive(Table, Debug)]
    #[table(name = "Users")]
    pub struct Account {
        #[column(primary_key)]
        pub id: i64,
    }
}

#[test]
fn sqlite_refuses_two_table_names_that_differ_only_in_case() {
    let schema = Schema::new(RelationMode::ForeignKeys)
        .table::<User>()
        .table::<cased::Account>();
    let err = schema.ddl(Dialect::Sqlite).unwrap_err();
    assert!(
        matches!(
            err,
            Error::DuplicateTable {
                table: "Users",
                first: "relation_model::User",
                second: "relation_model::cased::Account"
            }
        ),
        "{err:?}"
    );
    // PostgreSQL quotes names and keeps their case: two tables.
    assert!(schema.ddl(Dialect::Postgres).is_ok());
}

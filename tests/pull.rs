//! Pull round trip, on every backend: a database made by `create_all` of a rich schema
//! (every column type, defaults, generated and composite keys, unique keys, indexes, a
//! junction, a self relation, a cycle, every action) is pulled into Rust source; the
//! source is rustfmt-formatted, compiles with no edits, and its structs' schema has no
//! drift against the database it was pulled from. So does a database written by hand in
//! the spellings of the Chinook sample database (`shapes/by_hand.rs`), whose decimal
//! precision and MySQL's whole-second times the pulled structs declare.

mod common;
common::report_backends!();

#[path = "shapes/rich.rs"]
mod rich;

#[path = "shapes/by_hand.rs"]
mod by_hand;

/// The blog example's structs (its `main` and helpers come along, unused here).
#[allow(dead_code)]
#[path = "../examples/blog.rs"]
mod blog;

use rel::prelude::*;

#[tokio::test]
async fn a_pulled_schema_compiles_and_has_no_drift_on_every_backend() {
    let cases = trybuild::TestCases::new();
    round_trip(
        &cases,
        "rich",
        Made::ByRel(rich::schema(RelationMode::ForeignKeys)),
        6,
    )
    .await;
    round_trip(
        &cases,
        "blog",
        Made::ByRel(Schema::new(RelationMode::ForeignKeys).table::<blog::User>()),
        5,
    )
    .await;
    round_trip(&cases, "by_hand", Made::ByHand, 4).await;
    drop(cases); // compiles and runs each file: no drift
}

/// Who made the database that is pulled.
enum Made {
    /// `create_all` of a schema.
    ByRel(Schema),
    /// The statements of `shapes/by_hand.rs`.
    ByHand,
}

/// Makes the database, pulls it, and has `cases` compile and run the pulled structs'
/// drift check against it, and their `create_all` in a second database, on every
/// backend.
async fn round_trip(cases: &trybuild::TestCases, name: &str, made: Made, tables: usize) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pull");
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = common::backend_urls(&format!("pull_{name}_again")).await;
    for (dialect, url) in common::backend_urls(&format!("pull_{name}")).await {
        // A second, empty database on the same backend, for `create_all` of the pull.
        let again = &fresh.iter().find(|(d, _)| *d == dialect).unwrap().1;
        let db = Db::connect(&url).await.unwrap();
        match &made {
            Made::ByRel(schema) => {
                schema.drop_all(&db).await.unwrap();
                schema.create_all(&db).await.unwrap();
            }
            Made::ByHand => {
                by_hand::plain::schema().drop_all(&db).await.unwrap();
                common::raw(dialect, &url, &by_hand::statements(dialect)).await;
            }
        }
        let source = db.pull().await.unwrap();
        // Every table, and the relations the foreign keys imply.
        let needles: &[&str] = match (name, dialect) {
            ("rich", _) => &[
                "pub struct MKinds {",
                "#[table(name = \"m_memberships\", primary_key(player_id, club_id))]",
                "#[relation(many, through = MMemberships(player_id, club_id))]",
                "alias = ",
                "on_delete = cascade",
            ],
            ("blog", _) => &["pub struct Users {", "through = "],
            // The types that would change values Rel's own keep, declared.
            (_, rel::Dialect::Sqlite | rel::Dialect::Postgres) => &[
                "pub struct FaAlbumTag {",
                "#[column(sql_type = \"numeric(10,2)\")]\n    pub price: rust_decimal::Decimal,",
                "pub released: Option<chrono::NaiveDateTime>,",
            ],
            _ => &[
                "pub struct FaAlbumTag {",
                "#[column(sql_type = \"decimal(10,2)\")]\n    pub price: rust_decimal::Decimal,",
                "#[column(sql_type = \"datetime\")]\n    pub released: Option<chrono::NaiveDateTime>,",
            ],
        };
        for needle in needles {
            assert!(
                source.contains(needle),
                "{dialect:?}: no {needle:?} in\n{source}"
            );
        }
        let structs: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub struct ")?.strip_suffix(" {"))
            .collect();
        assert_eq!(structs.len(), tables, "{dialect:?}:\n{source}");
        let tables: String = structs
            .iter()
            .map(|s| format!("\n        .table::<{s}>()"))
            .collect();
        let file = dir.join(format!("pulled_{name}_{dialect:?}.rs").to_lowercase());
        std::fs::write(
            &file,
            format!(
                "{source}\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n    \
                 let db = Db::connect({url:?}).await.unwrap();\n    \
                 let schema = Schema::new(RelationMode::ForeignKeys){tables};\n    \
                 let drift = schema.diff(&db).await.unwrap();\n    \
                 assert!(drift.is_empty(), \"{{drift:?}}\");\n    \
                 let again = Db::connect({again:?}).await.unwrap();\n    \
                 schema.drop_all(&again).await.unwrap();\n    \
                 schema.create_all(&again).await.unwrap();\n    \
                 let drift = schema.diff(&again).await.unwrap();\n    \
                 assert!(drift.is_empty(), \"{{drift:?}}\");\n    \
                 schema.drop_all(&again).await.unwrap();\n}}\n"
            ),
        )
        .unwrap();
        // The pulled part is as rustfmt writes it.
        let pulled = dir.join(format!("pulled_{name}_{dialect:?}_source.rs").to_lowercase());
        std::fs::write(&pulled, &source).unwrap();
        let fmt = std::process::Command::new("rustfmt")
            .args(["--edition", "2024", "--check"])
            .arg(&pulled)
            .output()
            .expect("rustfmt runs");
        assert!(
            fmt.status.success(),
            "{dialect:?}: the pulled source is not rustfmt-formatted:\n{}",
            String::from_utf8_lossy(&fmt.stdout)
        );
        cases.pass(&file);
    }
}

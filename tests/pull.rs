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
    let mut checks = Vec::new();
    let rich = Made::ByRel(rich::schema(RelationMode::ForeignKeys));
    checks.extend(round_trip("rich", rich, 6).await);
    let blog = Made::ByRel(Schema::new(RelationMode::ForeignKeys).table::<blog::User>());
    checks.extend(round_trip("blog", blog, 5).await);
    checks.extend(round_trip("by_hand", Made::ByHand, 4).await);
    // One program per backend, each pull in a module of its own (their tables' names
    // differ), so that trybuild builds and links three programs rather than nine.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pull");
    let cases = trybuild::TestCases::new();
    let mut dialects: Vec<rel::Dialect> = Vec::new();
    for (dialect, ..) in &checks {
        if !dialects.contains(dialect) {
            dialects.push(*dialect);
        }
    }
    for dialect in dialects {
        let ours: Vec<&(rel::Dialect, String, String)> =
            checks.iter().filter(|c| c.0 == dialect).collect();
        let modules: String = ours.iter().map(|c| c.2.as_str()).collect();
        let calls: String = ours
            .iter()
            .map(|c| format!("    {}::check().await;\n", c.1))
            .collect();
        let file = dir.join(format!("pulled_{dialect:?}.rs").to_lowercase());
        std::fs::write(
            &file,
            format!(
                "{modules}\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n{calls}}}\n"
            ),
        )
        .unwrap();
        cases.pass(&file);
    }
    drop(cases); // compiles and runs each file: no drift
}

/// Who made the database that is pulled.
enum Made {
    /// `create_all` of a schema.
    ByRel(Schema),
    /// The statements of `shapes/by_hand.rs`.
    ByHand,
}

/// Makes the database and pulls it, on every backend: per backend, the module (its
/// name, and its source) that holds the pulled structs and a `check()` of their drift
/// against that database and of their `create_all` in a second one, for trybuild to
/// compile and run.
async fn round_trip(name: &str, made: Made, tables: usize) -> Vec<(rel::Dialect, String, String)> {
    let mut modules = Vec::new();
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
        let module = format!("pulled_{name}");
        modules.push((
            dialect,
            module.clone(),
            format!(
                "mod {module} {{\n{source}\npub async fn check() {{\n    \
                 let db = Db::connect({url:?}).await.unwrap();\n    \
                 let schema = Schema::new(RelationMode::ForeignKeys){tables};\n    \
                 let drift = schema.diff(&db).await.unwrap();\n    \
                 assert!(drift.is_empty(), \"{{drift:?}}\");\n    \
                 let again = Db::connect({again:?}).await.unwrap();\n    \
                 schema.drop_all(&again).await.unwrap();\n    \
                 schema.create_all(&again).await.unwrap();\n    \
                 let drift = schema.diff(&again).await.unwrap();\n    \
                 assert!(drift.is_empty(), \"{{drift:?}}\");\n    \
                 schema.drop_all(&again).await.unwrap();\n}}\n}}\n"
            ),
        ));
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
    }
    modules
}

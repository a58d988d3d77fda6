//! Pull round trip, on every backend: a database made by `create_all` of a rich schema
//! (every column type, defaults, generated and composite keys, unique keys, indexes, a
//! junction, a self relation, a cycle, every action) is pulled into Rust source; the
//! source is rustfmt-formatted, compiles with no edits, and its structs' schema has no
//! drift against the database it was pulled from.

mod common;
common::report_backends!();

#[path = "shapes/rich.rs"]
mod rich;

/// The blog example's structs (its `main` and helpers come along, unused here).
#[allow(dead_code)]
#[path = "../examples/blog.rs"]
mod blog;

use rel::prelude::*;

#[tokio::test]
async fn a_pulled_schema_compiles_and_has_no_drift_on_every_backend() {
    let cases = trybuild::TestCases::new();
    round_trip(&cases, "rich", rich::schema(RelationMode::ForeignKeys), 6).await;
    round_trip(
        &cases,
        "blog",
        Schema::new(RelationMode::ForeignKeys).table::<blog::User>(),
        5,
    )
    .await;
    drop(cases); // compiles and runs each file: no drift
}

/// Creates `schema`, pulls it, and has `cases` compile and run the pulled structs'
/// drift check, on every backend.
async fn round_trip(cases: &trybuild::TestCases, name: &str, schema: Schema, tables: usize) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("pull");
    std::fs::create_dir_all(&dir).unwrap();
    for (dialect, url) in common::backend_urls(&format!("pull_{name}")).await {
        let db = Db::connect(&url).await.unwrap();
        schema.drop_all(&db).await.unwrap();
        schema.create_all(&db).await.unwrap();
        let source = db.pull().await.unwrap();
        // Every table, and the relations the foreign keys imply.
        let needles: &[&str] = if name == "rich" {
            &[
                "pub struct MKinds {",
                "#[table(name = \"m_memberships\", primary_key(player_id, club_id))]",
                "#[relation(many, through = MMemberships(player_id, club_id))]",
                "alias = ",
                "on_delete = cascade",
            ]
        } else {
            &["pub struct Users {", "through = "]
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
                 assert!(drift.is_empty(), \"{{drift:?}}\");\n}}\n"
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

//! The `rel` binary (built only with the `cli` feature: `cargo test --features cli
//! --test cli`): `pull` writes a database's structs, `migrate run` applies sqlx
//! migration files, and mistakes exit with 2 and a message.
#![cfg(feature = "cli")]

use std::process::Command;

fn rel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rel"))
}

#[test]
fn pull_and_migrate_run_on_a_sqlite_file() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    let db = dir.join("app.db");
    std::fs::write(&db, b"").unwrap();
    let url = format!("sqlite://{}", db.display());
    std::fs::write(
        dir.join("migrations/1_create.sql"),
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
         CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL \
         REFERENCES authors (id) ON DELETE CASCADE);\n",
    )
    .unwrap();
    let run = rel()
        .args(["migrate", "run", "--database-url", &url, "--dir"])
        .arg(dir.join("migrations"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("migrations applied"));
    let out = dir.join("schema.rs");
    let pull = rel()
        .args(["pull", "--database-url", &url, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    let source = std::fs::read_to_string(&out).unwrap();
    assert!(source.contains("pub struct Books {"), "{source}");
    assert!(source.contains("on_delete = cascade"), "{source}");
    assert!(!source.contains("_sqlx_migrations"), "{source}");
    // DATABASE_URL stands in for the flag.
    let pull = rel()
        .arg("pull")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(pull.status.success());
    assert!(String::from_utf8_lossy(&pull.stdout).contains("pub struct Authors {"));
}

#[test]
fn mistakes_exit_with_2_and_say_what_went_wrong() {
    let missing = rel()
        .arg("pull")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--database-url"));
    let unreachable = rel()
        .args([
            "pull",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreachable.stderr).starts_with("connecting"));
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("error:"));
    let help = rel().arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("pull"));
}

//! The command line, with the `cli` feature: `rel::cli::run(schema)` is the whole `main`
//! of a bin target of yours, and the `rel` binary runs what needs no structs.
//!
//! ```text
//! check            --database-url URL              exit 1 and print the steps if the database drifts
//! migrate generate --database-url URL NAME [--dir migrations]
//!                                                  write a sqlx migration file (none if no change)
//! migrate run      --database-url URL [--dir migrations]
//!                                                  apply the files with sqlx's migrator
//! push             --database-url URL [--allow-destructive]
//!                                                  apply the steps at once (development)
//! pull             --database-url URL [--out FILE] write the database as Rust structs
//! ```
//!
//! `--database-url` defaults to `DATABASE_URL`, as sqlx's own tool does. Exit codes: 0
//! done (or no drift), 1 drift found or a step refused, 2 a usage or database error.

use clap::{Arg, ArgAction, ArgMatches, Command};
use relruntime::{Db, Destructive, Schema};
use std::path::PathBuf;
use std::process::ExitCode;

fn url_arg() -> Arg {
    Arg::new("database-url")
        .long("database-url")
        .env("DATABASE_URL")
        .required(true)
        .help("The database: sqlite://path, postgres://.., mysql://.. (or DATABASE_URL)")
}

fn dir_arg() -> Arg {
    Arg::new("dir")
        .long("dir")
        .default_value("migrations")
        .help("The migrations folder, as sqlx migrate and sqlx::migrate!() use it")
}

/// The commands; `with_schema` adds those that need the structs.
fn command(name: &'static str, with_schema: bool) -> Command {
    let mut migrate = Command::new("migrate")
        .about("Migration files that sqlx's migrator applies")
        .subcommand_required(true)
        .subcommand(
            Command::new("run")
                .about("Apply the files not applied yet, with sqlx's tracking table, checksums and locking")
                .arg(url_arg())
                .arg(dir_arg()),
        );
    let mut cmd = Command::new(name)
        .about("Rel's schema lifecycle: drift checks, migrations, pull")
        .subcommand_required(true)
        .arg_required_else_help(true);
    if with_schema {
        migrate = migrate.subcommand(
            Command::new("generate")
                .about("Write the steps from the database to the structs as a migration file (none if nothing changed)")
                .arg(url_arg())
                .arg(dir_arg())
                .arg(Arg::new("name").required(true).help("What the migration does: add_bio")),
        );
        cmd = cmd
            .subcommand(
                Command::new("check")
                    .about("Compare the database with the structs; exit 1 and print the steps if they differ")
                    .arg(url_arg()),
            )
            .subcommand(
                Command::new("push")
                    .about("Apply the steps at once, like drizzle-kit push (development)")
                    .arg(url_arg())
                    .arg(
                        Arg::new("allow-destructive")
                            .long("allow-destructive")
                            .action(ArgAction::SetTrue)
                            .help("Also drop and change tables, columns and keys"),
                    ),
            );
    }
    cmd.subcommand(migrate).subcommand(
        Command::new("pull")
            .about("Write the database's tables as #[derive(Table)] structs")
            .arg(url_arg())
            .arg(
                Arg::new("out")
                    .long("out")
                    .help("The file to write (default: standard output)"),
            ),
    )
}

/// Runs the command line for `schema`: the `main` of a bin target of yours.
///
/// ```no_run
/// use rel::prelude::*;
/// # #[derive(Table)] struct Post { #[column(primary_key)] id: i64 }
///
/// fn main() -> std::process::ExitCode {
///     rel::cli::run(Schema::new(RelationMode::ForeignKeys).table::<Post>())
/// }
/// ```
pub fn run(schema: Schema) -> ExitCode {
    let matches = command("schema", true).get_matches();
    execute(Some(&schema), &matches)
}

/// Runs the command line of the `rel` binary: `pull` and `migrate run`.
pub fn run_without_schema() -> ExitCode {
    let matches = command("rel", false).get_matches();
    execute(None, &matches)
}

fn execute(schema: Option<&Schema>, matches: &ArgMatches) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch(schema, matches)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn connect(m: &ArgMatches) -> Result<Db, relruntime::Error> {
    let url = m
        .get_one::<String>("database-url")
        .cloned()
        .unwrap_or_default();
    eprintln!(
        "connecting to {}",
        relruntime::Dialect::from_url(&url).map_or("the database".into(), |d| format!("{d:?}"))
    );
    Db::connect(&url).await
}

async fn dispatch(
    schema: Option<&Schema>,
    matches: &ArgMatches,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match matches.subcommand() {
        Some(("check", m)) => {
            let (schema, db) = (schema.ok_or("check needs the structs")?, connect(m).await?);
            let steps = schema.diff(&db).await?;
            if steps.is_empty() {
                println!("no drift");
                return Ok(ExitCode::SUCCESS);
            }
            println!("the database differs from the structs; the steps that would remove it:");
            for s in &steps {
                println!("  {s}");
            }
            Ok(ExitCode::from(1))
        }
        Some(("push", m)) => {
            let (schema, db) = (schema.ok_or("push needs the structs")?, connect(m).await?);
            let allow = if m.get_flag("allow-destructive") {
                Destructive::Allow
            } else {
                Destructive::Refuse
            };
            match schema.push(&db, allow).await {
                Ok(done) => {
                    for s in done.steps() {
                        println!("done: {s}");
                    }
                    if done.is_empty() {
                        println!("nothing to do");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(relruntime::Error::Destructive { steps }) => {
                    println!(
                        "refused: these steps drop or change data (pass --allow-destructive):"
                    );
                    for s in steps {
                        println!("  {s}");
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
        Some(("migrate", m)) => match m.subcommand() {
            Some(("generate", g)) => {
                let (schema, db) = (
                    schema.ok_or("migrate generate needs the structs")?,
                    connect(g).await?,
                );
                let dir = PathBuf::from(g.get_one::<String>("dir").cloned().unwrap_or_default());
                let name = g.get_one::<String>("name").cloned().unwrap_or_default();
                let migration = schema.migration(&db).await?;
                for s in migration.destructive() {
                    eprintln!("note: destructive: {s}");
                }
                match migration.write_to(&dir, &name)? {
                    Some(path) => println!("wrote {}", path.display()),
                    None => println!("no change: nothing written"),
                }
                Ok(ExitCode::SUCCESS)
            }
            Some(("run", r)) => {
                let db = connect(r).await?;
                let dir = PathBuf::from(r.get_one::<String>("dir").cloned().unwrap_or_default());
                let migrator = sqlx::migrate::Migrator::new(dir.as_path()).await?;
                eprintln!(
                    "applying {} migration file(s) not applied yet",
                    migrator.iter().count()
                );
                if let Some(pool) = db.sqlite_pool() {
                    migrator.run(pool).await?;
                } else if let Some(pool) = db.postgres_pool() {
                    migrator.run(pool).await?;
                } else if let Some(pool) = db.mysql_pool() {
                    migrator.run(pool).await?;
                }
                println!("migrations applied");
                Ok(ExitCode::SUCCESS)
            }
            _ => Ok(ExitCode::from(2)),
        },
        Some(("pull", m)) => {
            let db = connect(m).await?;
            let source = db.pull().await?;
            match m.get_one::<String>("out") {
                Some(path) => {
                    std::fs::write(path, &source)?;
                    println!("wrote {path}");
                }
                None => print!("{source}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Ok(ExitCode::from(2)),
    }
}

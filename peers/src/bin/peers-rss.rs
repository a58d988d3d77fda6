//! One load in a process of its own, so that `/usr/bin/time -f %M` reports its peak
//! resident memory. Seeding is a separate invocation, so that it does not count:
//!
//! ```text
//! peers-rss seed <backend> <N> [sqlite-file]
//! peers-rss load <backend> <variant> <N> [sqlite-file]
//! ```
//!
//! `backend` is sqlite, postgres or mysql (the servers from `REL_POSTGRES_URL` /
//! `REL_MYSQL_URL`, in the schema or database `rel_peers_rss`); `variant` is one of sqlx,
//! rel-auto, rel-join, rel-batch, diesel, seaorm. `load` prints the checksum and exits
//! 0 if it is the expected one, 1 if not, 2 if the load failed.

use peers::{Backend, Checksum, Loader, Target, Variant, seed};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:\n  peers-rss seed <backend> <N> [sqlite-file]\n  \
                     peers-rss load <backend> <variant> <N> [sqlite-file]\n\
                     backend: sqlite | postgres | mysql\n\
                     variant: sqlx | rel-auto | rel-join | rel-batch | diesel | seaorm | floor";

fn usage(problem: &str) -> ExitCode {
    eprintln!("peers-rss: {problem}\n{USAGE}");
    ExitCode::from(64)
}

fn target(backend: &str, file: Option<&String>) -> Result<Target, String> {
    let backend = Backend::parse(backend).ok_or(format!("unknown backend {backend:?}"))?;
    match backend {
        Backend::Sqlite => {
            let file = file
                .map(PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("peers_rss.db"));
            Ok(Target::sqlite(&file))
        }
        _ => Target::server(backend, "rel_peers_rss")
            .ok_or(format!("{} is not set", backend.env_var().unwrap())),
    }
}

fn parse_n(s: &str) -> Result<i64, String> {
    match s.replace('_', "").parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is not a positive number of users")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    match args.first().map(String::as_str) {
        Some("seed") if (3..=4).contains(&args.len()) => {
            let (target, n) = match (target(&args[1], args.get(3)), parse_n(&args[2])) {
                (Ok(t), Ok(n)) => (t, n),
                (Err(e), _) | (_, Err(e)) => return usage(&e),
            };
            match runtime.block_on(seed(&target, n)) {
                Ok(()) => {
                    println!("seeded {} rows", Checksum::expected(n).rows());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("peers-rss: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("load") if (4..=5).contains(&args.len()) => {
            let Some(variant) = Variant::parse(&args[2]) else {
                return usage(&format!("unknown variant {:?}", args[2]));
            };
            let (target, n) = match (target(&args[1], args.get(4)), parse_n(&args[3])) {
                (Ok(t), Ok(n)) => (t, n),
                (Err(e), _) | (_, Err(e)) => return usage(&e),
            };
            if !variant.runs_on(target.backend) {
                return usage(&format!(
                    "{variant} does not run on {}",
                    target.backend.name()
                ));
            }
            let loaded = runtime.block_on(async {
                let loader = Loader::connect(&target, variant).await?;
                loader.load().await.map(|l| l.checksum())
            });
            match loaded {
                Ok(sum) if sum == Checksum::expected(n) => {
                    println!("{variant}: {sum}");
                    ExitCode::SUCCESS
                }
                Ok(sum) => {
                    println!(
                        "{variant}: {sum} (NOT the expected {})",
                        Checksum::expected(n)
                    );
                    ExitCode::FAILURE
                }
                Err(e) => {
                    println!("{variant}: failed: {e}");
                    ExitCode::from(2)
                }
            }
        }
        _ => usage("bad arguments"),
    }
}

//! Loads one variant many times in one process, for a profiler:
//! `peers-loop <variant> <N> <times> [postgres | mysql]` on a SQLite file it seeds
//! first, or on the server of `REL_POSTGRES_URL` / `REL_MYSQL_URL`.

use peers::{Backend, Checksum, Loader, Target, Variant, seed, temp_sqlite_file};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let variant = Variant::parse(&args[0]).expect("a variant");
    let n: i64 = args[1].parse().expect("N");
    let times: usize = args[2].parse().expect("times");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let file = temp_sqlite_file("peers_loop");
    let target = match args.get(3).map(String::as_str) {
        Some("postgres") => {
            Target::server(Backend::Postgres, "peers_loop").expect("REL_POSTGRES_URL")
        }
        Some("mysql") => Target::server(Backend::MySql, "peers_loop").expect("REL_MYSQL_URL"),
        _ => Target::sqlite(&file),
    };
    runtime.block_on(seed(&target, n)).unwrap();
    let loader = runtime.block_on(Loader::connect(&target, variant)).unwrap();
    let expected = Checksum::expected(n);
    let started = std::time::Instant::now();
    for _ in 0..times {
        let sum = runtime.block_on(loader.load()).unwrap().checksum();
        assert_eq!(sum, expected);
    }
    eprintln!(
        "{variant}: {:.1} ms a load",
        started.elapsed().as_secs_f64() * 1e3 / times as f64
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

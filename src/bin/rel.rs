//! The `rel` command: `rel pull` and `rel migrate run`, which need no structs. The
//! commands that compare with your structs (`check`, `migrate generate`, `push`) run
//! from a bin target of yours: `fn main() -> ExitCode { rel::cli::run(schema) }`.

fn main() -> std::process::ExitCode {
    rel::cli::run_without_schema()
}

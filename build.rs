//! Only Rel's own tests read what this says. A server backend whose URL is not set
//! (`REL_POSTGRES_URL`, `REL_MYSQL_URL`) is skipped by the tests, and each test file
//! reports it in the runner's summary as an ignored test that names the variable
//! (`tests/common/mod.rs`, `report_backends!`). Under `CI=true` nothing is skipped: a
//! missing URL fails the tests.

fn main() {
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    for (var, cfg) in [
        ("REL_POSTGRES_URL", "rel_skip_postgres"),
        ("REL_MYSQL_URL", "rel_skip_mysql"),
        // A primary and its replicas, comma-separated (`.ci/replicas`): tests/replicas.rs.
        ("REL_REPLICAS_POSTGRES", "rel_skip_replicas_postgres"),
        ("REL_REPLICAS_MYSQL", "rel_skip_replicas_mysql"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        let set = std::env::var(var).is_ok_and(|url| !url.is_empty());
        if !set && !ci {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

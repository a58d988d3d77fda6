//! Compile-time errors: each case under `tests/ui/` must fail to compile with exactly
//! the message in its `.stderr`. After an intended change, regenerate with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/attributes/*.rs");
    t.compile_fail("tests/ui/relations/*.rs");
    t.compile_fail("tests/ui/columns/*.rs");
    t.compile_fail("tests/ui/writes/*.rs");
}

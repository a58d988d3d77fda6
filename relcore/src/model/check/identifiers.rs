//! SQL names against the identifier limits of the backends this build enables.

use super::text::{Message, str_eq};

/// What is wrong with `name` as the SQL name of a `what` ("table", "column") on the
/// backends this build of Rel enables, or an empty message.
///
/// PostgreSQL cuts names at 63 bytes (so two long names could collide); MySQL and
/// MariaDB refuse names over 64 characters, characters outside the Basic Multilingual
/// Plane (emoji) and a trailing space; no backend takes a NUL.
pub const fn identifier(what: &str, name: &str) -> Message {
    let bytes = name.as_bytes();
    let (mut chars, mut supplementary, mut nul) = (0usize, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b & 0xC0 != 0x80 {
            chars += 1;
        }
        if b >= 0xF0 {
            supplementary = true;
        }
        if b == 0 {
            nul = true;
        }
        i += 1;
    }
    if nul {
        return Message::new()
            .push(what)
            .push(" name contains a NUL character, which no backend accepts");
    }
    if cfg!(feature = "postgres") && bytes.len() > 63 {
        return Message::new()
            .push(what)
            .push(" name `")
            .push(name)
            .push("` is ")
            .push_number(bytes.len())
            .push(" bytes long; PostgreSQL keeps only the first 63, so use a shorter name");
    }
    if cfg!(feature = "mysql") {
        if chars > 64 {
            return Message::new()
                .push(what)
                .push(" name `")
                .push(name)
                .push("` is ")
                .push_number(chars)
                .push(" characters long; MySQL and MariaDB allow 64, so use a shorter name");
        }
        if supplementary {
            return Message::new()
                .push(what)
                .push(" name `")
                .push(name)
                .push("` has a character outside the Basic Multilingual Plane (such as an emoji), which MySQL and MariaDB refuse in names");
        }
        if !bytes.is_empty() && bytes[bytes.len() - 1] == b' ' {
            return Message::new()
                .push(what)
                .push(" name `")
                .push(name)
                .push("` ends with a space, which MySQL and MariaDB refuse in names");
        }
    }
    Message::new()
}

/// The enabled backends that compare names without case: SQLite always, MySQL and
/// MariaDB for column names (and for table names under `lower_case_table_names`).
/// Empty when none of them is enabled.
pub const fn case_blind_backends() -> &'static str {
    match (
        cfg!(any(feature = "sqlite", feature = "sqlite-system")),
        cfg!(feature = "mysql"),
    ) {
        (true, true) => "SQLite, MySQL and MariaDB",
        (true, false) => "SQLite",
        (false, true) => "MySQL and MariaDB",
        (false, false) => "",
    }
}

/// The enabled backends that compare table names without case: SQLite always, MySQL
/// and MariaDB where `lower_case_table_names` is set. Empty when none is enabled.
pub const fn case_blind_table_backends() -> &'static str {
    match (
        cfg!(any(feature = "sqlite", feature = "sqlite-system")),
        cfg!(feature = "mysql"),
    ) {
        (true, true) => "SQLite (and to MySQL and MariaDB where `lower_case_table_names` is set)",
        (true, false) => "SQLite",
        (false, true) => {
            "MySQL and MariaDB where `lower_case_table_names` is set (the default on Windows and macOS)"
        }
        (false, false) => "",
    }
}

/// Whether two names differ only in ASCII case, so that a backend of
/// [`case_blind_backends`] takes them for one.
pub const fn same_but_case(a: &str, b: &str) -> bool {
    !super::text::str_eq(a, b) && a.eq_ignore_ascii_case(b)
}

/// Whether the enabled backends can index a JSON column (`unique`, `index`): MySQL
/// cannot (MariaDB, PostgreSQL and SQLite can), and the `mysql` feature is for both.
pub const fn json_indexable() -> bool {
    !cfg!(feature = "mysql")
}

/// Whether a relation's target (`target`, of Rust type `target_type`) and the table
/// declaring it (`me`, `my_type`) are two tables to every enabled backend: an empty
/// message when they are. `texts` are the derive's words: the message for one name,
/// and the two parts around the target's name for names that differ only in case.
pub const fn distinct_tables(
    target: &str,
    target_type: &str,
    me: &str,
    my_type: &str,
    texts: [&'static str; 3],
) -> Message {
    let [same, start, middle] = texts;
    if str_eq(target, me) && !str_eq(target_type, my_type) {
        return Message::new().push(same);
    }
    if same_but_case(target, me) {
        let backends = case_blind_table_backends();
        if !backends.is_empty() {
            return Message::new()
                .push(start)
                .push(target)
                .push(middle)
                .push(backends)
                .push(", which compare table names without case; give one of them another `#[table(name = \"...\")]`");
        }
    }
    Message::new()
}

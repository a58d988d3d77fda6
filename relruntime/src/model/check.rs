//! Constant-evaluation helpers used by the derive's cross-table checks.
//!
//! Every function is a `const fn` over the metadata consts of `Table`, so that rustc
//! evaluates the checks the derive generates, and reports a failure at the user's token.

use super::meta::{ColumnMeta, RelationKind, RelationMeta};
use super::value::SqlType;

/// `&str` equality usable in constants.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn alias_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => str_eq(a, b),
        _ => false,
    }
}

/// Whether `r` is a `one` relation of `target_rels` pointing back at `me` under `alias`.
const fn is_inverse(r: &RelationMeta, me: &str, alias: Option<&str>) -> bool {
    matches!(r.kind, RelationKind::One) && str_eq(r.target_name, me) && alias_eq(r.alias, alias)
}

/// How many `one` relations in `rels` point at table `me` under `alias`.
pub const fn inverse_count(rels: &[RelationMeta], me: &str, alias: Option<&str>) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < rels.len() {
        if is_inverse(&rels[i], me, alias) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The index of the first inverse, or 0 when there is none (the count check fails then).
pub const fn inverse_index(rels: &[RelationMeta], me: &str, alias: Option<&str>) -> usize {
    let mut i = 0;
    while i < rels.len() {
        if is_inverse(&rels[i], me, alias) {
            return i;
        }
        i += 1;
    }
    0
}

/// The inverse's key columns: `(its from, its to)`, or empty when there is none.
pub const fn inverse_keys(
    rels: &[RelationMeta],
    me: &str,
    alias: Option<&str>,
) -> (&'static [&'static str], &'static [&'static str]) {
    if inverse_count(rels, me, alias) == 0 {
        return (&[], &[]);
    }
    let r = &rels[inverse_index(rels, me, alias)];
    (r.from, r.to)
}

/// Whether any relation in `rels`, other than the one named `skip`, points at `me`
/// under `alias` (an alias partner). `skip` excludes a self relation's own entry.
pub const fn has_partner(rels: &[RelationMeta], me: &str, alias: &str, skip: &str) -> bool {
    let mut i = 0;
    while i < rels.len() {
        let r = &rels[i];
        if !str_eq(r.name, skip) && str_eq(r.target_name, me) && alias_eq(r.alias, Some(alias)) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether `cols` are exactly the primary key, or one unique column, of a table.
pub const fn is_unique_key(columns: &[ColumnMeta], pk: &[&str], cols: &[&str]) -> bool {
    if cols.len() == pk.len() {
        let mut all = true;
        let mut i = 0;
        while i < cols.len() {
            if !contains(pk, cols[i]) {
                all = false;
            }
            i += 1;
        }
        if all {
            return true;
        }
    }
    if cols.len() == 1 {
        let mut i = 0;
        while i < columns.len() {
            if str_eq(columns[i].name, cols[0]) && columns[i].unique {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// The SQL type of the `i`-th primary-key column, for checks against a junction table.
pub const fn column_type(columns: &[ColumnMeta], pk: &[&str], i: usize) -> SqlType {
    if i < pk.len() {
        let mut c = 0;
        while c < columns.len() {
            if str_eq(columns[c].name, pk[i]) {
                return columns[c].ty;
            }
            c += 1;
        }
    }
    // Unreachable for derived tables; a mismatch then reports the junction column.
    SqlType::Blob
}

const fn contains(list: &[&str], s: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], s) {
            return true;
        }
        i += 1;
    }
    false
}

/// A message built in constant evaluation, so that a failed check can name what it
/// found: `panic!("{}", message.as_str())`.
pub struct Message {
    buf: [u8; 512],
    len: usize,
}

impl Message {
    /// An empty message: the check passed.
    pub const fn new() -> Self {
        Message {
            buf: [0; 512],
            len: 0,
        }
    }

    /// Appends `s`, or `...` once the message is full.
    pub const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        if self.len + bytes.len() > self.buf.len() - 3 {
            return self.push_ellipsis();
        }
        let mut i = 0;
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_ellipsis(mut self) -> Self {
        let mut i = 0;
        while i < 3 && self.len < self.buf.len() {
            self.buf[self.len] = b'.';
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends a number.
    pub const fn push_number(self, n: usize) -> Self {
        let mut digits = [0u8; 20];
        let (mut n, mut len) = (n, 0);
        loop {
            digits[19 - len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        match core::str::from_utf8(digits.split_at(20 - len).1) {
            Ok(s) => self.push(s),
            Err(_) => self,
        }
    }

    /// Whether nothing was written: the check passed.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "(message not shown)",
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

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

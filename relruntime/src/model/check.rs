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

/// Whether `r` is a `one` relation of `target_rels` that holds a key pointing back at
/// `me` under `alias`: what a `many` without keys is inferred from.
const fn is_inverse(r: &RelationMeta, me: &str, alias: Option<&str>) -> bool {
    matches!(r.kind, RelationKind::One)
        && r.holds_key
        && r.through.is_none()
        && str_eq(r.target_name, me)
        && alias_eq(r.alias, alias)
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

/// A `many` relation's inverse `one` on the target: how many there are (the derive
/// requires exactly one) and the first one's key columns, empty when there is none.
/// One scan, evaluated once per relation as a constant the checks and the metadata share.
#[derive(Clone, Copy, Debug)]
pub struct Inverse {
    /// How many `one` relations point back.
    pub count: usize,
    /// The first one's `from` columns (on the target).
    pub from: &'static [&'static str],
    /// The first one's `to` columns (on this table).
    pub to: &'static [&'static str],
}

/// The inverse of a `many` of table `me` under `alias`, among the target's `rels`.
pub const fn inverse(rels: &'static [RelationMeta], me: &str, alias: Option<&str>) -> Inverse {
    let mut found = Inverse {
        count: 0,
        from: &[],
        to: &[],
    };
    let mut i = 0;
    while i < rels.len() {
        if is_inverse(&rels[i], me, alias) {
            if found.count == 0 {
                found.from = rels[i].from;
                found.to = rels[i].to;
            }
            found.count += 1;
        }
        i += 1;
    }
    found
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

/// Whether `r`, other than the relation named `skip` (a self relation's own entry),
/// points at `me` under `alias`.
const fn is_alias_partner(r: &RelationMeta, me: &str, alias: &str, skip: &str) -> bool {
    !str_eq(r.name, skip) && str_eq(r.target_name, me) && alias_eq(r.alias, Some(alias))
}

/// How many relations of `rels` pair with a relation of `me` under `alias`.
pub const fn alias_partners(rels: &[RelationMeta], me: &str, alias: &str, skip: &str) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < rels.len() {
        if is_alias_partner(&rels[i], me, alias, skip) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The first alias partner in `rels` (see [`alias_partners`]); 0 when there is none.
pub const fn alias_partner(rels: &[RelationMeta], me: &str, alias: &str, skip: &str) -> usize {
    let mut i = 0;
    while i < rels.len() {
        if is_alias_partner(&rels[i], me, alias, skip) {
            return i;
        }
        i += 1;
    }
    0
}

/// The relation of `rels` back at `me` whose alias differs from `alias` only in ASCII
/// case, if there is one: for a "did you mean".
pub const fn alias_near_miss(
    rels: &'static [RelationMeta],
    me: &str,
    alias: &str,
    skip: &str,
) -> Option<&'static RelationMeta> {
    let mut i = 0;
    while i < rels.len() {
        let r = &rels[i];
        if let Some(other) = r.alias
            && !str_eq(r.name, skip)
            && str_eq(r.target_name, me)
            && other.eq_ignore_ascii_case(alias)
        {
            return Some(r);
        }
        i += 1;
    }
    None
}

/// Whether relation `a_rel` of table `a` comes before `b_rel` of `b` (by table name,
/// then relation name): which of two paired relations reports a mistake of the pair,
/// so that it is reported once.
pub const fn precedes(a: &str, a_rel: &str, b: &str, b_rel: &str) -> bool {
    match compare(a, b) {
        0 => compare(a_rel, b_rel) < 0,
        c => c < 0,
    }
}

/// -1, 0 or 1 as `a` sorts before, with or after `b`, bytewise.
const fn compare(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() == b.len() {
        0
    } else if a.len() < b.len() {
        -1
    } else {
        1
    }
}

/// Whether two lists of column names are the same, in order.
pub const fn same_columns(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !str_eq(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two lists of column types are the same, in order.
pub const fn same_types(a: &[SqlType], b: &[SqlType]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].same_as(b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// The table that a `one` relation of `rels` holding the key on exactly `cols` points
/// at: what a junction's columns refer to, where the junction declares it.
pub const fn refers_to(rels: &'static [RelationMeta], cols: &[&str]) -> Option<&'static str> {
    let mut i = 0;
    while i < rels.len() {
        let r = &rels[i];
        if matches!(r.kind, RelationKind::One) && r.holds_key && same_columns(r.from, cols) {
            return Some(r.target_name);
        }
        i += 1;
    }
    None
}

/// Which side of a `one` relation holds the foreign key, or why that cannot be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySide {
    /// This side: `from` refers to `to`.
    Holds,
    /// The target: its `to` refers to this side's `from` (a one-to-one's inverse).
    Inverse,
    /// Both ends are keys: the declaration must say (`foreign_key = from | to`).
    Ambiguous,
    /// `from` is this table's key and `to` is not unique on the target: several target
    /// rows could match, so `One` cannot be right.
    ToNotUnique,
    /// Neither end is a key: no foreign key can run either way.
    NoKey,
    /// `foreign_key = from`, but `to` is not a key of the target.
    DeclaredFromButToNotKey,
    /// `foreign_key = to`, but `from` is not a key of this table.
    DeclaredToButFromNotKey,
}

/// The key-holder rule for a `one` relation from `from` (columns of this table, with
/// `columns` and primary key `pk`) to `to` (columns of the target). `declared` is what
/// `foreign_key = ..` said: 0 nothing, 1 `from`, 2 `to`.
///
/// - Declared: that side holds it, if the columns it refers to are a key.
/// - `to` is the target's primary key and `from` is not this table's: this side holds
///   the key (the usual case).
/// - `from` is this table's primary key and `to` is not the target's: the target holds
///   it (Drizzle's `users.profileInfo`); `to` must then be unique.
/// - Both primary keys, or (neither being one) both unique: it must be declared.
/// - Neither primary: this side holds it when `to` is unique and `from` is not.
#[allow(clippy::too_many_arguments)]
pub const fn key_side(
    columns: &[ColumnMeta],
    pk: &[&str],
    from: &[&str],
    target_columns: &[ColumnMeta],
    target_pk: &[&str],
    to: &[&str],
    declared: u8,
) -> KeySide {
    let (from_pk, from_key) = (is_primary_key(pk, from), is_unique_key(columns, pk, from));
    let (to_pk, to_key) = (
        is_primary_key(target_pk, to),
        is_unique_key(target_columns, target_pk, to),
    );
    match declared {
        1 if to_key => KeySide::Holds,
        1 => KeySide::DeclaredFromButToNotKey,
        2 if !from_key => KeySide::DeclaredToButFromNotKey,
        2 if !to_key => KeySide::ToNotUnique,
        2 => KeySide::Inverse,
        _ if to_pk && !from_pk => KeySide::Holds,
        _ if from_pk && !to_pk && to_key => KeySide::Inverse,
        _ if from_pk && !to_pk => KeySide::ToNotUnique,
        _ if from_pk && to_pk => KeySide::Ambiguous,
        _ if to_key && !from_key => KeySide::Holds,
        _ if to_key && from_key => KeySide::Ambiguous,
        _ if from_key => KeySide::ToNotUnique,
        _ => KeySide::NoKey,
    }
}

/// The column of `columns` whose Rust field is `field`.
const fn by_field<'a>(columns: &'a [ColumnMeta], field: &str) -> Option<&'a ColumnMeta> {
    let mut i = 0;
    while i < columns.len() {
        if str_eq(columns[i].field, field) {
            return Some(&columns[i]);
        }
        i += 1;
    }
    None
}

/// The SQL name of the column whose Rust field is `field` (a junction's column, named
/// in `through = J(field, ..)`); the field itself when there is none, which the
/// derive's check reports.
pub const fn field_column(columns: &'static [ColumnMeta], field: &'static str) -> &'static str {
    match by_field(columns, field) {
        Some(c) => c.name,
        None => field,
    }
}

/// The SQL type of the column whose Rust field is `field`, if there is one.
pub const fn field_type(columns: &[ColumnMeta], field: &str) -> Option<SqlType> {
    match by_field(columns, field) {
        Some(c) => Some(c.ty),
        None => None,
    }
}

/// Whether `cols` are exactly the primary key, in any order.
pub const fn is_primary_key(pk: &[&str], cols: &[&str]) -> bool {
    if cols.len() != pk.len() {
        return false;
    }
    let mut i = 0;
    while i < cols.len() {
        if !contains(pk, cols[i]) {
            return false;
        }
        i += 1;
    }
    true
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

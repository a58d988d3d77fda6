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

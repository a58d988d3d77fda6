//! Keys: the key-holder rule of a `one` relation, and what a table's primary and
//! unique keys are.

use super::super::meta::ColumnMeta;
use super::super::value::SqlType;
use super::text::{contains, str_eq};

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

/// The Rust field of the column named `name`; the name itself when there is none.
pub const fn column_field(columns: &'static [ColumnMeta], name: &'static str) -> &'static str {
    let mut i = 0;
    while i < columns.len() {
        if str_eq(columns[i].name, name) {
            return columns[i].field;
        }
        i += 1;
    }
    name
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

/// The derive's message for `side`: the text `texts` pairs with it, or empty where
/// they pair none (the side is fine, or its mistake is reported at another span).
pub const fn key_side_message(side: KeySide, texts: &[(KeySide, &'static str)]) -> &'static str {
    let mut i = 0;
    while i < texts.len() {
        if texts[i].0 as u8 == side as u8 {
            return texts[i].1;
        }
        i += 1;
    }
    ""
}

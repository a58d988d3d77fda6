//! Relations between two tables: the inverse a `many` is inferred from, alias
//! pairing, which side of a pair reports its mistake, what a junction's columns refer
//! to.

use super::super::meta::{ColumnMeta, Constraint, RelationKind, RelationMeta, TableMeta};
use super::keys::column_field;
use super::keys::is_primary_key;
use super::text::{Message, compare, same_columns, str_eq};

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

/// Whether each of `cols` is a column of `columns` that takes no NULL.
pub const fn all_required(columns: &[ColumnMeta], cols: &[&str]) -> bool {
    let mut i = 0;
    while i < cols.len() {
        let mut c = 0;
        while c < columns.len() {
            if str_eq(columns[c].name, cols[i]) && columns[c].nullable {
                return false;
            }
            c += 1;
        }
        i += 1;
    }
    true
}

/// Whether `r` is a foreign key the database or Rel enforces, held on columns that take
/// no NULL: a row of its table cannot be written before the row it refers to.
pub const fn required_key(r: &RelationMeta, columns: &[ColumnMeta]) -> bool {
    matches!(r.kind, RelationKind::One)
        && r.holds_key
        && r.through.is_none()
        && !matches!(r.constraint, Constraint::QueryOnly)
        && all_required(columns, r.from)
}

/// The relation of `rels` (the target's, with its `columns`) that holds a required key
/// back to table `me`, other than the alias partner of a relation with `alias`: with a
/// required key of `me` to that table, the two refer to each other and neither row can
/// be inserted first.
pub const fn required_key_back(
    rels: &'static [RelationMeta],
    columns: &[ColumnMeta],
    me: &str,
    alias: Option<&str>,
) -> Option<&'static RelationMeta> {
    let mut i = 0;
    while i < rels.len() {
        let r = &rels[i];
        let paired = alias.is_some() && alias_eq(r.alias, alias);
        if !paired && str_eq(r.target_name, me) && required_key(r, columns) {
            return Some(r);
        }
        i += 1;
    }
    None
}

/// Appends the Rust fields of the columns `names` as a relation attribute writes them:
/// `T::a` (with `table` "T"), or `(T::a, T::b)`; without a table, `a` or `(a, b)`.
pub const fn push_fields(
    mut m: Message,
    table: &str,
    columns: &'static [ColumnMeta],
    names: &[&'static str],
) -> Message {
    if names.len() > 1 {
        m = m.push("(");
    }
    let mut i = 0;
    while i < names.len() {
        if i > 0 {
            m = m.push(", ");
        }
        if !table.is_empty() {
            m = m.push(table).push("::");
        }
        m = m.push(column_field(columns, names[i]));
        i += 1;
    }
    if names.len() > 1 {
        m = m.push(")");
    }
    m
}

/// The Rust names of a mutual-key message, which only the derive knows.
#[derive(Clone, Copy)]
pub struct MutualText {
    /// The relation's own words up to the target's fields.
    pub start: &'static str,
    /// The target's Rust type, as the user wrote it.
    pub target: &'static str,
    /// From after the target's fields to the advice.
    pub back: &'static str,
    /// The advice, up to the inverse's keys.
    pub advice: &'static str,
    /// The end of the message.
    pub end: &'static str,
    /// Whether the relation is a field (the advice then writes the inverse's keys).
    pub field: bool,
}

/// The mutual-key check of relation `index` of `mine`, a `one` to `them` (see the
/// derive's `mutual.rs`): an empty message when it passes, or when the other side
/// reports the pair.
pub const fn mutual(
    mine: &'static TableMeta,
    index: usize,
    them: &'static TableMeta,
    alias: Option<&str>,
    text: MutualText,
) -> Message {
    let me = &mine.relations[index];
    if !required_key(me, mine.columns) {
        return Message::new();
    }
    let Some(p) = required_key_back(them.relations, them.columns, mine.name, alias) else {
        return Message::new();
    };
    let mine_pk = is_primary_key(mine.primary_key, me.from);
    let theirs_pk = is_primary_key(them.primary_key, p.from);
    let reports = if mine_pk != theirs_pk {
        theirs_pk
    } else {
        precedes(mine.name, me.name, them.name, p.name)
    };
    if !reports {
        return Message::new();
    }
    let m = push_fields(
        Message::new().push(text.start),
        text.target,
        them.columns,
        p.from,
    );
    let m = m.push(text.back).push(text.advice);
    let m = if text.field {
        let m = push_fields(m, "", mine.columns, p.to);
        push_fields(m.push(", to = "), text.target, them.columns, p.from)
    } else {
        push_fields(m, text.target, them.columns, p.from)
    };
    m.push(text.end)
}

/// The derive's message for an inferred `many` with `count` inverses: `none`, nothing
/// (exactly one), or `several`.
pub const fn inverse_message(
    count: usize,
    none: &'static str,
    several: &'static str,
) -> &'static str {
    match count {
        0 => none,
        1 => "",
        _ => several,
    }
}

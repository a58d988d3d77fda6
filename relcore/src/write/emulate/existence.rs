//! Existence checks: the rows a written key refers to must exist. Each check also
//! share-locks the rows it finds (and guards them on a cluster), so that they cannot
//! be deleted or change key before the write commits.

use super::Planner;
use super::guards::guard;
use super::plan::{Refusal, Refused, Step, When};
use super::rows::{Rows, SetTo};
use crate::model::graph::ForeignKey;
use crate::model::key::{KeyOf, KeySet};
use crate::model::meta::{Action, TableMeta};
use crate::model::value::Value;
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::ListParameter;
use crate::sql::expr::INLINE_LIST;

/// The keys an insert of `rows` (every column's value, in column order) into `table`
/// refers to, per foreign key of the table, distinct and without NULLs (SQL's MATCH
/// SIMPLE). Keys the batch itself provides (a self relation) are left out: any row's,
/// or with `per_row` (see `Syntax::checks_foreign_keys_per_row`) the row's own and
/// those of the rows before it.
pub(super) fn referenced_keys<'g>(
    p: &Planner<'g>,
    table: &'static TableMeta,
    rows: &[Vec<Value>],
) -> Vec<(&'g ForeignKey, Vec<KeyOf>)> {
    let per_row = p.dialect.syntax().checks_foreign_keys_per_row;
    let positions = |cols: &[&str]| -> Vec<usize> {
        cols.iter()
            .filter_map(|c| table.columns.iter().position(|m| m.name == *c))
            .collect()
    };
    let key_at = |row: &[Value], at: &[usize]| match at {
        [i] => KeyOf::One(row[*i].clone()),
        at => KeyOf::Many(at.iter().map(|&i| row[i].clone()).collect()),
    };
    let mut out = Vec::new();
    for fk in p.graph.held_by(table.name) {
        let at = positions(fk.child_cols);
        let own = fk.is_self().then(|| positions(fk.parent_cols));
        // A database that checks row by row sees only the rows before; one that checks
        // at the end of the statement sees the whole batch.
        let mut provided: KeySet = match &own {
            Some(own) if !per_row => rows.iter().map(|row| key_at(row, own)).collect(),
            _ => KeySet::default(),
        };
        let mut seen = KeySet::default();
        let mut wanted = Vec::new();
        for row in rows {
            if let Some(own) = own.as_ref().filter(|_| per_row) {
                provided.insert(key_at(row, own));
            }
            let key = key_at(row, &at);
            if key.values().iter().any(Value::is_null) || provided.contains(&key) {
                continue;
            }
            if seen.insert(key.clone()) {
                wanted.push(key);
            }
        }
        if !wanted.is_empty() {
            out.push((fk, wanted));
        }
    }
    out
}

/// Counts how many of `keys` (distinct) the parent of `fk` has, share-locking them,
/// and guards them: a `Count` and a `Guard` per statement's worth of keys (all of them
/// where the dialect takes a list as one parameter). The referenced columns are
/// unique, so each key matches at most one row.
pub(super) fn count_existing<'g>(
    p: &Planner<'g>,
    fk: &ForeignKey,
    keys: &[KeyOf],
) -> Vec<Step<'g>> {
    let dialect = p.dialect;
    let width = fk.parent_cols.len().max(1);
    let lock = p.lock_for_share();
    // Every integer from the least key to the greatest (the children of parents
    // inserted in one go, say): counted by range, which locks the same rows. MariaDB
    // counts 10,000 such keys by `BETWEEN` in a fifth of the time it takes to read
    // them from a list. (Not on a cluster, whose guards name each key.)
    if let Some((col, low, high)) = dense_range(fk, keys).filter(|_| p.guard_sql().is_none()) {
        return vec![Step::Count(count_found(p, |b| {
            b.push_aliased(fk.parent.name, "p")
                .push(" WHERE ")
                .push_qualified("p", col)
                .push(" BETWEEN ")
                .push_bind(low)
                .push(" AND ")
                .push_bind(high);
        }))];
    }
    // A single-column key list goes as one parameter where the dialect takes one: as a
    // table joined with the parent's, or in `IN`.
    let one_column = match fk.parent_cols {
        [col] if keys.len() > 1 => fk.parent.column(col).map(|m| {
            let values: Vec<Value> = keys.iter().map(|k| k.values()[0].clone()).collect();
            (col, m.ty, values)
        }),
        _ => None,
    };
    let mut list = None;
    let mut rows = None;
    if let Some((col, ty, values)) = &one_column {
        rows = dialect
            .lists()
            .list_rows(*ty, values)
            .filter(|_| lock.is_none())
            .map(|l| (*col, l));
        if rows.is_none() {
            list = dialect.lists().list_parameter(*ty, false, values);
        }
    }
    let per_chunk = match (&list, &rows) {
        (None, None) => (dialect.bind_limit() / width).max(1),
        _ => keys.len(),
    };
    let mut steps = Vec::new();
    for chunk in keys.chunks(per_chunk) {
        steps.push(Step::Count(count_found(p, |b| {
            if let Some((col, ListParameter { open, value, close })) = rows.take() {
                b.push(open).push_bind(value).push(close).push_as("j");
                b.push(" JOIN ")
                    .push_aliased(fk.parent.name, "p")
                    .push(" ON ")
                    .push_qualified("p", col)
                    .push(" = ")
                    .push_qualified("j", "v");
            } else {
                b.push_aliased(fk.parent.name, "p").push(" WHERE ");
                keys_in(b, "p", fk.parent_cols, chunk, list.clone());
            }
        })));
        // On a multi-primary cluster, the parents' guards too.
        let (cols, list) = (fk.parent_cols, list.clone());
        steps.extend(guard(p, fk.parent, cols, |b| {
            keys_in(b, "g", cols, chunk, list)
        }));
    }
    steps
}

/// `SELECT COUNT(*) FROM (SELECT 1 AS one FROM <from> <share lock>) AS found`: how
/// many parent rows `from` (the tables and the predicate) finds, share-locked.
fn count_found(p: &Planner<'_>, from: impl FnOnce(&mut SqlBuilder)) -> Statement {
    let mut b = SqlBuilder::new(p.dialect);
    b.push("SELECT COUNT(*) FROM (SELECT 1")
        .push_as("one")
        .push(" FROM ");
    from(&mut b);
    if let Some(lock) = p.lock_for_share() {
        b.push(lock);
    }
    b.push(")").push_as("found");
    b.finish()
}

/// The least and greatest of `keys` (distinct) as the bounds of a range that holds
/// every one of them and nothing else: where the key is one integer column and
/// `keys` are more than an inline list's worth, with no gap between them.
fn dense_range(fk: &ForeignKey, keys: &[KeyOf]) -> Option<(&'static str, Value, Value)> {
    let [col] = fk.parent_cols else {
        return None;
    };
    if keys.len() <= INLINE_LIST {
        return None;
    }
    let int = |k: &KeyOf| match k.values() {
        [Value::I64(x)] => Some(*x),
        [Value::I32(x)] => Some(i64::from(*x)),
        [Value::I16(x)] => Some(i64::from(*x)),
        _ => None,
    };
    let (mut low, mut high) = (&keys[0], &keys[0]);
    let (mut least, mut greatest) = (int(low)?, int(high)?);
    for key in keys {
        let x = int(key)?;
        if x < least {
            (low, least) = (key, x);
        }
        if x > greatest {
            (high, greatest) = (key, x);
        }
    }
    // Distinct keys fill the range exactly when there are as many as it holds.
    let span = i128::from(greatest) - i128::from(least) + 1;
    (span == keys.len() as i128).then(|| (*col, low.values()[0].clone(), high.values()[0].clone()))
}

/// `(alias.a, alias.b) IN ((?, ?), ..)`, or the list as one parameter.
fn keys_in(
    b: &mut SqlBuilder,
    alias: &str,
    cols: &[&str],
    keys: &[KeyOf],
    list: Option<ListParameter>,
) {
    b.push_tuple(alias, cols);
    match list {
        Some(ListParameter { open, value, close }) => {
            b.push(open).push_bind(value).push(close);
        }
        None => {
            b.push_in_keys(keys.iter().map(KeyOf::values));
        }
    }
}

/// The key an update writes through a foreign key.
pub(super) enum NewKey {
    /// Every part is set to a value: this key, checked and locked whole.
    Whole(KeyOf),
    /// A part is set to NULL: the key refers to nothing (MATCH SIMPLE).
    Null,
    /// A part is left as it is, or set to a default: each touched row's own key.
    PerRow,
}

impl NewKey {
    /// The key an update setting `sets` writes through `fk`.
    pub(super) fn of(fk: &ForeignKey, sets: &[(&'static str, SetTo)]) -> NewKey {
        let mut values = Vec::with_capacity(fk.child_cols.len());
        for c in fk.child_cols {
            match sets.iter().find(|(s, _)| s == c).map(|(_, to)| to) {
                Some(to) if to.is_null() => return NewKey::Null,
                Some(SetTo::Value(v)) => values.push(v.clone()),
                _ => return NewKey::PerRow,
            }
        }
        NewKey::Whole(match values.len() {
            1 => KeyOf::One(values.remove(0)),
            _ => KeyOf::Many(values),
        })
    }
}

/// The checks that the keys an update of `rows` writes through `fk` refer to rows that
/// exist: a touched row whose new key has none refuses the update (after it is sent,
/// see `When::AtWrite`). Where a part of the key is each row's own, the parent rows
/// the touched rows will refer to are share-locked and guarded here; a key set whole
/// is locked by [`count_existing`], which the caller plans first.
pub(super) fn check_update<'g>(
    p: &Planner<'g>,
    fk: &'g ForeignKey,
    table: &'static TableMeta,
    sets: &[(&'static str, SetTo)],
    rows: &Rows<'_>,
) -> Vec<Step<'g>> {
    let parts: Vec<Option<&SetTo>> = fk
        .child_cols
        .iter()
        .map(|c| sets.iter().find(|(s, _)| s == c).map(|(_, to)| to))
        .collect();
    if parts.iter().flatten().any(|to| to.is_null()) {
        return Vec::new(); // MATCH SIMPLE: a NULL part refers to nothing.
    }
    let (t, pa) = ("t", "p");
    let part = |b: &mut SqlBuilder, i: usize| match parts[i] {
        Some(to) => to.write(b),
        None => {
            b.push_qualified(t, fk.child_cols[i]);
        }
    };
    let mut b = SqlBuilder::new(p.dialect);
    b.push("SELECT 1").push_from(table.name, t).push(" WHERE ");
    rows.write(&mut b, table, t);
    for (i, to) in parts.iter().enumerate() {
        if to.is_none() {
            b.push(" AND ");
            part(&mut b, i);
            b.push(" IS NOT NULL");
        }
    }
    b.push(" AND NOT EXISTS (SELECT 1")
        .push_from(fk.parent.name, pa)
        .push(" WHERE ");
    b.push_list(0..fk.parent_cols.len(), " AND ", |b, i| {
        b.push_qualified(pa, fk.parent_cols[i]).push(" = ");
        part(b, i);
    });
    b.push(")").push_limit_one();
    let mut steps = vec![Step::RefuseIfFound {
        stmt: b.finish(),
        refusal: Refusal {
            why: Refused::PointsNowhere(fk),
            when: When::AtWrite,
        },
    }];
    if parts.iter().all(|to| matches!(to, Some(SetTo::Value(_)))) {
        return steps; // locked and guarded by `count_existing`
    }
    // The parent rows the touched rows will refer to.
    let referred = |b: &mut SqlBuilder, alias: &str| {
        b.push_tuple(alias, fk.parent_cols).push(" IN (SELECT ");
        b.push_list(0..fk.child_cols.len(), ", ", |b, i| part(b, i));
        b.push_from(table.name, t).push(" WHERE ");
        rows.write(b, table, t);
        b.push(")");
    };
    if let Some(lock) = p.lock_for_share() {
        let mut b = SqlBuilder::new(p.dialect);
        b.push_count_of(fk.parent.name, pa, Some(lock), "locked", |b| {
            referred(b, pa)
        });
        steps.push(Step::Lock(b.finish()));
    }
    steps.extend(guard(p, fk.parent, fk.parent_cols, |b| referred(b, "g")));
    steps
}

/// The column's value as an action sets it: its default, or NULL.
pub(super) fn action_value(fk: &ForeignKey, col: &'static str, action: Action) -> SetTo {
    match (action, fk.child.column(col).and_then(|m| m.default)) {
        (Action::SetDefault, Some(literal)) => SetTo::Default(literal),
        _ => SetTo::Null,
    }
}

/// The check that the row a `set_default` moved rows to exists (share-locked), once
/// the parent's rows are deleted or their keys changed: the database's own action
/// checks the new key at the end of the statement too.
pub(super) fn check_default<'g>(p: &Planner<'g>, fk: &'g ForeignKey) -> Vec<Step<'g>> {
    let defaults: Vec<SetTo> = fk
        .child_cols
        .iter()
        .map(|c| action_value(fk, c, Action::SetDefault))
        .collect();
    if defaults.iter().any(SetTo::is_null) {
        return Vec::new(); // MATCH SIMPLE: a NULL part refers to nothing.
    }
    let mut b = SqlBuilder::new(p.dialect);
    b.push_count_of(fk.parent.name, "p", p.lock_for_share(), "found", |b| {
        b.push_list(
            fk.parent_cols.iter().zip(&defaults),
            " AND ",
            |b, (c, to)| {
                b.push_qualified("p", c).push(" = ");
                to.write(b);
            },
        );
    });
    vec![
        Step::Count(b.finish()),
        Step::Expect {
            at_least: 1,
            refusal: Refusal {
                why: Refused::DefaultMissing(fk),
                when: When::Now,
            },
        },
    ]
}

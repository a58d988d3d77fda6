//! Conflict guards, for multi-primary clusters (MariaDB Galera; see `GuardSql`).
//!
//! Row locks stay on their node, and a cluster certifies transactions by the keys of
//! the rows they write. So both sides of every race write the guard of the parent row
//! they are about (its table and a hash of the referenced columns, computed from the
//! row itself): a child write after its existence check, a parent delete or key change
//! after its lock. Two conflicting writes on two nodes then write a common row, and
//! certification aborts one of them (a retryable error).

use super::Planner;
use super::plan::Step;
use super::rows::Rows;
use crate::model::graph::ForeignKey;
use crate::model::meta::TableMeta;
use crate::model::value::Value;
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::GUARD_TABLE;

/// Upserts the guard of each row of `table` that `predicate` picks (written against
/// the alias `g`), for the referenced columns `cols`: one statement; `None` where the
/// write writes no guards.
pub(super) fn guard(
    p: &Planner<'_>,
    table: &'static TableMeta,
    cols: &[&'static str],
    predicate: impl FnOnce(&mut SqlBuilder),
) -> Option<Step<'static>> {
    let sql = p.guard_sql()?;
    let mut b = SqlBuilder::new(p.dialect);
    b.push("INSERT INTO ")
        .push_ident(GUARD_TABLE)
        .push(" (")
        .push_idents(&["tbl", "k"])
        .push(") SELECT ");
    b.push_bind(Value::Text(format!("{}({})", table.name, cols.join(","))));
    b.push(", ").push(sql.key.0);
    b.push_list(cols, ", ", |b, c| {
        b.push_qualified("g", c);
    });
    b.push(sql.key.1).push_from(table.name, "g").push(" WHERE ");
    predicate(&mut b);
    b.push(sql.bump);
    Some(Step::Guard(b.finish()))
}

/// The guards of `rows` of `table`, which a delete or key change is about to touch,
/// for each set of its columns that the keys picked by `which` refer to.
pub(super) fn rows_guards<'g>(
    p: &Planner<'g>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
    which: impl Fn(&ForeignKey) -> bool,
) -> Vec<Step<'g>> {
    if p.guard_sql().is_none() {
        return Vec::new();
    }
    let mut done: Vec<&[&'static str]> = Vec::new();
    let mut steps = Vec::new();
    for fk in p.graph.referring_to(table.name).filter(|fk| which(fk)) {
        if done.contains(&fk.parent_cols) {
            continue;
        }
        done.push(fk.parent_cols);
        steps.extend(guard(p, table, fk.parent_cols, |b| {
            rows.write(b, table, "g")
        }));
    }
    steps
}

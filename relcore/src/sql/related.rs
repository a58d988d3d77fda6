//! How a relation joins its parent: shared by `EXISTS` filters, both loaders and writes.

use super::builder::SqlBuilder;
use super::expr::{Node, Scope};
use crate::model::meta::{RelationMeta, TableMeta};

/// The aliases of one related level in a statement.
pub struct Related {
    pub target: &'static TableMeta,
    pub alias: String,
    pub junction: Option<String>,
}

impl Related {
    /// Writes the `i`-th child-side key: the target's `to` column, or with a junction,
    /// the junction column that holds the parent's key.
    pub fn write_key(&self, b: &mut SqlBuilder, rel: &RelationMeta, i: usize) {
        match (&self.junction, rel.through) {
            (Some(j), Some(through)) => b.push_qualified(j, through.from[i]),
            _ => b.push_qualified(&self.alias, rel.to[i]),
        };
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope {
            table: self.target,
            alias: &self.alias,
        }
    }
}

/// Names the aliases of a related level, before anything that uses them is written
/// (the select list comes before FROM).
pub fn allocate(b: &mut SqlBuilder, rel: &RelationMeta) -> Related {
    Related {
        target: (rel.target)(),
        alias: b.fresh_alias(),
        junction: rel.through.map(|_| b.fresh_alias()),
    }
}

/// Writes ` FROM target AS tN [JOIN junction AS tM ON tM.to_i = tN.to_i ...]`.
pub fn write_from(b: &mut SqlBuilder, rel: &RelationMeta, related: &Related) {
    b.push_from(related.target.name, &related.alias);
    if let (Some(through), Some(j)) = (rel.through, &related.junction) {
        b.push(" JOIN ")
            .push_aliased((through.table)().name, j)
            .push(" ON ");
        b.push_list(through.to.iter().zip(rel.to), " AND ", |b, (jc, tc)| {
            b.push_qualified(j, jc)
                .push(" = ")
                .push_qualified(&related.alias, tc);
        });
    }
}

/// Allocates and writes the FROM of a related level.
pub fn write_source(b: &mut SqlBuilder, rel: &RelationMeta) -> Related {
    let related = allocate(b, rel);
    write_from(b, rel, &related);
    related
}

/// ` WHERE child key = parent key [AND (filter)]`.
pub fn write_link(
    b: &mut SqlBuilder,
    rel: &RelationMeta,
    filter: Option<&Node>,
    related: &Related,
    parent: &Scope<'_>,
) {
    b.push(" WHERE ");
    b.push_list(0..rel.from.len(), " AND ", |b, i| {
        related.write_key(b, rel, i);
        b.push(" = ").push_qualified(parent.alias, rel.from[i]);
    });
    write_filter(b, filter, related);
}

/// ` AND (filter)` when the level has a filter.
pub fn write_filter(b: &mut SqlBuilder, filter: Option<&Node>, related: &Related) {
    if let Some(filter) = filter {
        b.push(" AND (");
        filter.write(b, &related.scope());
        b.push(")");
    }
}

/// For `EXISTS`: ` FROM ... WHERE child key = parent key AND (filter)`.
pub fn write_related_from(
    b: &mut SqlBuilder,
    rel: &RelationMeta,
    filter: Option<&Node>,
    parent: &Scope<'_>,
) {
    let related = write_source(b, rel);
    write_link(b, rel, filter, &related, parent);
}

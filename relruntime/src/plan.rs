//! How a relation joins its parent: shared by `EXISTS` filters and the loaders.

use crate::expr::Scope;
use crate::meta::{RelationMeta, TableMeta};
use crate::relation::LoadSpec;
use crate::sql::SqlBuilder;

/// The aliases of one related level in a statement.
pub(crate) struct Related {
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

/// Writes ` FROM target AS tN [JOIN junction AS tM ON tM.to_i = tN.to_i ...]`.
pub(crate) fn write_source(b: &mut SqlBuilder, rel: &RelationMeta) -> Related {
    let target = (rel.target)();
    let alias = b.fresh_alias();
    b.push(" FROM ")
        .push_ident(target.name)
        .push(" AS ")
        .push_ident(&alias);
    let junction = rel.through.map(|through| {
        let j = b.fresh_alias();
        let junction = (through.table)();
        b.push(" JOIN ")
            .push_ident(junction.name)
            .push(" AS ")
            .push_ident(&j)
            .push(" ON ");
        b.push_list(through.to.iter().zip(rel.to), " AND ", |b, (jc, tc)| {
            b.push_qualified(&j, jc)
                .push(" = ")
                .push_qualified(&alias, tc);
        });
        j
    });
    Related {
        target,
        alias,
        junction,
    }
}

/// For `EXISTS`: ` FROM ... WHERE child key = parent key AND (filter)`.
pub(crate) fn write_related_from(
    b: &mut SqlBuilder,
    spec: &LoadSpec,
    parent: &Scope<'_>,
) -> Related {
    let rel = spec.rel;
    let related = write_source(b, rel);
    b.push(" WHERE ");
    b.push_list(0..rel.from.len(), " AND ", |b, i| {
        related.write_key(b, rel, i);
        b.push(" = ").push_qualified(parent.alias, rel.from[i]);
    });
    if let Some(filter) = &spec.filter {
        b.push(" AND (");
        filter.write(b, &related.scope());
        b.push(")");
    }
    related
}

//! `LoadSpec`: what to load through one relation (its filter, order, window, nested
//! loads, a count or an aggregate), built by the relation handles of `relation.rs` and
//! read by both loaders.

use super::ops::{Ops, internal};
use super::record::Selection;
use crate::model::error::{Error, Result};
use crate::model::meta::RelationMeta;
use crate::model::value::{SqlType, Value};
use crate::sql::expr::{Node, OrderTerm};
use crate::sql::scalar::{AggFunc, Scalar, ScalarKind, Store};

/// What to load through one relation: its filter, order, window and nested loads.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    pub rel: &'static RelationMeta,
    pub filter: Option<Node>,
    pub order: Vec<OrderTerm>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Loaded a page at a time: this many rows per parent (one more is read, to know
    /// whether more follow), and a cursor after them.
    pub page: Option<u64>,
    pub children: Vec<LoadSpec>,
    pub count: bool,
    /// An aggregate loaded instead of rows (`.with(User::posts().sum(Post::score))`).
    pub aggregate: Option<AggregateLoad>,
    /// Why this cannot be loaded (a `one` relation's column), reported before the
    /// query is sent.
    pub refused: Option<&'static str>,
    /// The relation's position among its parent table's relations: its field's index
    /// for `Table::relation_field`.
    pub field: usize,
    /// The loaders' steps for the target type, set where the relation is loaded.
    pub ops: Option<Ops>,
    /// The columns loaded into a partial struct's field; `None` for the target's own
    /// struct (see `read/record.rs`).
    pub select: Option<Selection>,
}

/// An aggregate to load onto each parent's `Many` field.
#[derive(Clone, Copy, Debug)]
pub struct AggregateLoad {
    pub func: AggFunc,
    pub column: &'static str,
    /// The type its value is read as.
    pub ty: SqlType,
    pub store: Store,
}

impl AggregateLoad {
    /// The scalar subquery that computes it for a parent.
    pub fn scalar(&self, spec: &LoadSpec) -> Scalar {
        Scalar {
            rel: spec.rel,
            filter: spec.filter.clone().map(Box::new),
            kind: ScalarKind::Aggregate(self.func, Some(self.column)),
            store: None,
        }
    }
}

impl LoadSpec {
    /// The spec of relation `rel`, at `field` among its table's relations, loaded
    /// plainly (no filter, order or window yet). Not generic, so that the derive's
    /// relation handles, one per relation of every table, build it with one call.
    pub fn of(rel: &'static RelationMeta, field: usize) -> Self {
        LoadSpec {
            rel,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            page: None,
            children: Vec::new(),
            count: false,
            aggregate: None,
            refused: None,
            field,
            ops: None,
            select: None,
        }
    }

    /// Whether it loads one value per parent (a count or an aggregate), not rows.
    pub fn is_value(&self) -> bool {
        self.count || self.aggregate.is_some()
    }

    /// The loaders' steps for the target; `table` (the parent) names the error.
    pub fn ops(&self, table: &'static str) -> Result<Ops> {
        self.ops
            .ok_or_else(|| internal(table, self, "relation has no loader"))
    }

    /// [`Error::DuplicateLoad`] when a relation appears twice among `specs` (the loads
    /// of one `table`), or among the nested loads of any of them.
    pub fn check_unique(table: &'static str, specs: &[LoadSpec]) -> Result<()> {
        for (i, spec) in specs.iter().enumerate() {
            if let Some(message) = spec.refused {
                return Err(Error::Unsupported {
                    table,
                    relation: spec.rel.name,
                    message: message.to_owned(),
                });
            }
            // Rows (or a count) once per relation, and each aggregate once beside them.
            let same = |other: &LoadSpec| match (&other.aggregate, &spec.aggregate) {
                (None, None) => true,
                (Some(a), Some(b)) => a.func == b.func && a.column == b.column,
                _ => false,
            };
            if specs[..i]
                .iter()
                .any(|other| other.field == spec.field && same(other))
            {
                return Err(Error::DuplicateLoad {
                    table,
                    relation: spec.rel.name,
                });
            }
            super::page::check_nested_page(spec)?;
            LoadSpec::check_unique(spec.rel.target_name, &spec.children)?;
        }
        Ok(())
    }

    /// Binds `value` to the placeholders named `name` of type `ty` in this load's
    /// filter and order and in its nested loads' (see `Node::fill`).
    pub fn fill(&mut self, name: &str, ty: SqlType, value: &Value) {
        if let Some(filter) = &mut self.filter {
            filter.fill(name, ty, value);
        }
        for term in &mut self.order {
            term.fill(name, ty, value);
        }
        for child in &mut self.children {
            child.fill(name, ty, value);
        }
    }

    /// The first placeholder left in this load's filter, its order or its nested
    /// loads'.
    pub fn unbound(&self) -> Option<(&'static str, &'static str, &'static str)> {
        self.filter
            .as_ref()
            .and_then(Node::unbound)
            .or_else(|| self.order.iter().find_map(OrderTerm::unbound))
            .or_else(|| self.children.iter().find_map(LoadSpec::unbound))
    }

    pub fn and_filter(&mut self, node: Node) {
        self.filter = Some(match self.filter.take() {
            Some(f) => Node::And(Box::new(f), Box::new(node)),
            None => node,
        });
    }
}

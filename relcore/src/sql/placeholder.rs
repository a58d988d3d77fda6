//! Placeholders in a query's expressions (`Node::Placeholder`): binding a prepared
//! query's values into them (`read/prepared.rs`), and finding one left unbound.

use super::expr::{CompareOp, Node, OrderKey, OrderTerm};
use crate::model::value::{SqlType, Value};

impl Node {
    /// The first placeholder left in the node, as `Error::Unbound` names it: its
    /// table, column and name.
    pub fn unbound(&self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Node::Placeholder {
                table,
                column,
                name,
                ..
            } => Some((table, column, name)),
            Node::And(a, b) | Node::Or(a, b) => a.unbound().or_else(|| b.unbound()),
            Node::Not(a) => a.unbound(),
            Node::Exists {
                filter: Some(filter),
                ..
            } => filter.unbound(),
            Node::CompareScalar { scalar, .. } | Node::ScalarIsNull { scalar, .. } => {
                scalar.filter.as_ref().and_then(|f| f.unbound())
            }
            _ => None,
        }
    }

    /// Puts `value` in place of each placeholder named `name` of type `ty` in the
    /// node (one of the same name and another type stays unbound): a `Compare` of its
    /// column and operator, or, for a NULL bound with `=` or `<>`, `IS [NOT] NULL` (as
    /// `Column::eq(None)` is).
    pub fn fill(&mut self, name: &str, ty: SqlType, value: &Value) {
        match self {
            Node::Placeholder {
                column,
                op,
                name: this,
                ty: this_ty,
                ..
            } if *this == name && *this_ty == ty => {
                let (column, op) = (*column, *op);
                *self = match (op, value) {
                    (CompareOp::Eq | CompareOp::Ne, Value::Null(_)) => Node::IsNull {
                        column,
                        negated: op == CompareOp::Ne,
                    },
                    _ => Node::Compare {
                        column,
                        op,
                        value: value.clone(),
                    },
                };
            }
            Node::And(a, b) | Node::Or(a, b) => {
                a.fill(name, ty, value);
                b.fill(name, ty, value);
            }
            Node::Not(a) => a.fill(name, ty, value),
            Node::Exists {
                filter: Some(filter),
                ..
            } => filter.fill(name, ty, value),
            Node::CompareScalar { scalar, .. } | Node::ScalarIsNull { scalar, .. } => {
                if let Some(filter) = &mut scalar.filter {
                    filter.fill(name, ty, value);
                }
            }
            _ => {}
        }
    }
}

impl OrderTerm {
    /// Binds `value` to the placeholders named `name` of type `ty` in the filter of a
    /// related value the term orders by (see `Node::fill`).
    pub fn fill(&mut self, name: &str, ty: SqlType, value: &Value) {
        if let OrderKey::Related(scalar) = &mut self.key
            && let Some(filter) = &mut scalar.filter
        {
            filter.fill(name, ty, value);
        }
    }

    /// The first placeholder left in the filter of a related value the term orders by.
    pub fn unbound(&self) -> Option<(&'static str, &'static str, &'static str)> {
        match &self.key {
            OrderKey::Related(scalar) => scalar.filter.as_ref().and_then(|f| f.unbound()),
            _ => None,
        }
    }
}

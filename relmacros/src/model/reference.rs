//! A column's foreign key without a relation field: `#[column(references = User::id,
//! on_delete = cascade)]`. It becomes a `one` relation that holds the key and that no
//! field loads, so every check of a relation's keys and actions applies to it.

use super::names::is_self_type;
use super::relation::action_problem;
use super::{Column, Keys, Kind, Relation, err};
use crate::attr::{Action, KeyEnd};
use darling::Error;
use darling::util::SpannedValue;
use syn::spanned::Spanned;
use syn::{Expr, Ident};

/// `references = Target::column` on column `column`, and its actions.
pub(super) struct Reference<'a> {
    pub column: usize,
    pub target: &'a Expr,
    pub on_delete: Option<SpannedValue<Action>>,
    pub on_update: Option<SpannedValue<Action>>,
}

impl Reference<'_> {
    /// The relation, and the mistakes of its actions (it is kept without them).
    pub(super) fn relation(
        &self,
        owner: &Ident,
        columns: &[Column],
    ) -> darling::Result<(Relation, Vec<Error>)> {
        let column = &columns[self.column];
        let usage = || {
            err(
                self.target,
                "`references` takes the column the key refers to: `references = User::id`",
            )
        };
        let Expr::Path(path) = self.target else {
            return Err(usage());
        };
        let segments = &path.path.segments;
        if segments.len() < 2 || segments.iter().any(|s| !s.arguments.is_none()) {
            return Err(usage());
        }
        let to = segments[segments.len() - 1].ident.clone();
        let mut ty = path.path.clone();
        ty.segments.pop();
        ty.segments.pop_punct();
        let target: syn::Type = syn::parse_quote!(#ty);
        let target_is_self = is_self_type(&target, owner);
        let mut soft = Vec::new();
        let mut keep = |action: Option<SpannedValue<Action>>| {
            action.filter(|a| match action_problem(**a, std::iter::once(column)) {
                Some(problem) => {
                    soft.push(err(a.span(), problem));
                    false
                }
                None => true,
            })
        };
        let (on_delete, on_update) = (keep(self.on_delete), keep(self.on_update));
        Ok((
            Relation {
                ident: column.ident.clone(),
                kind: Kind::One,
                kind_span: self.target.span(),
                target,
                target_is_self,
                optional: column.nullable,
                alias: None,
                keys: Keys::Explicit {
                    from: vec![self.column],
                    to: vec![to],
                },
                on_delete,
                on_update,
                // The column holds the key, which must refer to a key of the target.
                foreign_key: Some(SpannedValue::new(KeyEnd::From, self.target.span())),
                constraint: true,
                field: false,
                filter: None,
            },
            soft,
        ))
    }
}

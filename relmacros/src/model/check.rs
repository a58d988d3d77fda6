//! Checks that span several fields of one struct: the key, and relations that read the
//! same rows or share an alias.

use super::names::wrapper_arg;
use super::{Column, Keys, Relation, Table, err};
use proc_macro2::Span;
use syn::Ident;

impl Table {
    /// Checks that span several fields of this struct.
    pub(super) fn check(&self, errors: &mut darling::error::Accumulator) {
        if let Some(c) = self.columns.iter().find(|c| c.auto_increment.is_some()) {
            let span = c.auto_increment.unwrap_or_else(Span::call_site);
            let is_single_key =
                self.primary_key.len() == 1 && self.columns[self.primary_key[0]].ident == c.ident;
            if !is_single_key {
                errors.push(err(
                    span,
                    "`auto_increment` is only for a single-column primary key",
                ));
            }
        }
        for &i in &self.primary_key {
            let c = &self.columns[i];
            if c.nullable {
                errors.push(err(&c.ty, "a primary-key column cannot be an `Option`"));
            }
        }
        self.check_relations(errors);
    }

    /// Two relations that read the same rows, and an alias on more relations than it
    /// can pair. Each mistake is reported once, on the later relation.
    fn check_relations(&self, errors: &mut darling::error::Accumulator) {
        use crate::expand::type_text;
        for (j, r) in self.relations.iter().enumerate() {
            let same_target = |o: &Relation| {
                (o.target_is_self && r.target_is_self)
                    || type_text(&o.target) == type_text(&r.target)
            };
            // Two relations on the same keys read the same rows, unless their own
            // filters differ (`posts` and `drafts`).
            let filter_text = |r: &Relation| {
                r.filter
                    .as_ref()
                    .map(|f| quote::ToTokens::to_token_stream(f).to_string())
            };
            if let Some(first) = self.relations[..j]
                .iter()
                .find(|o| same_target(o) && same_keys(o, r) && filter_text(o) == filter_text(r))
            {
                if !r.field {
                    errors.push(err(
                        &r.ident,
                        format!(
                            "`references` on `{}` declares the foreign key {} already holds: keep one of them (a relation takes `on_delete` and `on_update` too)",
                            r.ident,
                            first.subject(),
                        ),
                    ));
                    continue;
                }
                let hint = self
                    .unused_column_for(r)
                    .map_or(String::new(), |c| format!("; did you mean `from = {c}`?"));
                errors.push(err(
                    &r.ident,
                    format!(
                        "{} reads the same rows as {}: the same target `{}` through the same columns{}{}{hint}",
                        r.subject(),
                        first.subject(),
                        type_text(&r.target),
                        self.keys_text(r),
                        if r.filter.is_some() {
                            ", with the same filter; give each its own `filter`"
                        } else {
                            ""
                        },
                    ),
                ));
                continue;
            }
            let Some(alias) = &r.alias else { continue };
            let sharing: Vec<&Relation> = self.relations[..j]
                .iter()
                .filter(|o| same_target(o) && o.alias.as_ref().is_some_and(|a| **a == **alias))
                .collect();
            // A self relation's pair lives in this struct: one more may share it.
            let allowed = usize::from(r.target_is_self);
            if sharing.len() > allowed {
                errors.push(err(
                    alias.span(),
                    format!(
                        "alias \"{}\" is already on {} to `{}`; an alias pairs exactly two relations, one on each side: give this relation an alias of its own",
                        alias.as_str(),
                        sharing
                            .iter()
                            .map(|o| format!("`{}`", o.ident))
                            .collect::<Vec<_>>()
                            .join(" and "),
                        type_text(&r.target),
                    ),
                ));
            }
        }
    }

    /// `` (`from = author_id`, `to = User::id`)`` for a relation's message.
    fn keys_text(&self, r: &Relation) -> String {
        match &r.keys {
            Keys::Explicit { from, to } => {
                let from: Vec<String> = from
                    .iter()
                    .map(|&i| self.columns[i].ident.to_string())
                    .collect();
                let target = crate::expand::type_text(&r.target);
                let to: Vec<String> = to.iter().map(|c| format!("{target}::{c}")).collect();
                format!(" (`from = {}`, `to = {}`)", from.join(", "), to.join(", "))
            }
            _ => String::new(),
        }
    }

    /// A column that is not a key and no relation's `from`, of the type of `r`'s single
    /// `from` column (nullable or not), whose name contains the relation's name: what
    /// a copied declaration probably meant (`reviewer` → `reviewer_id`).
    fn unused_column_for(&self, r: &Relation) -> Option<&Ident> {
        let Keys::Explicit { from, .. } = &r.keys else {
            return None;
        };
        let [used] = from.as_slice() else {
            return None;
        };
        let plain = |c: &Column| {
            let ty = wrapper_arg(&c.ty, "Option").unwrap_or(&c.ty);
            crate::expand::type_text(ty)
        };
        let want = plain(&self.columns[*used]);
        let name = r.ident.to_string();
        let taken = |i: usize| {
            self.primary_key.contains(&i)
                || self.relations.iter().any(|o| match &o.keys {
                    Keys::Explicit { from, .. } => from.contains(&i),
                    Keys::Through { from: Some(f), .. } => f.contains(&i),
                    _ => false,
                })
        };
        self.columns
            .iter()
            .enumerate()
            .find(|&(i, c)| !taken(i) && plain(c) == want && c.ident.to_string().contains(&name))
            .map(|(_, c)| &c.ident)
    }
}

/// Whether two relations to the same target read the same rows.
fn same_keys(a: &Relation, b: &Relation) -> bool {
    let names = |v: &[Ident]| v.iter().map(Ident::to_string).collect::<Vec<_>>();
    match (&a.keys, &b.keys) {
        (Keys::Explicit { from: f1, to: t1 }, Keys::Explicit { from: f2, to: t2 }) => {
            f1 == f2 && names(t1) == names(t2)
        }
        // Two `many`s inferred from the same inverse.
        (Keys::Inferred, Keys::Inferred) => {
            a.kind == b.kind
                && a.alias.as_ref().map(|x| x.as_str()) == b.alias.as_ref().map(|x| x.as_str())
        }
        (
            Keys::Through {
                from: f1,
                to: t1,
                junction: j1,
                junction_from: jf1,
                junction_to: jt1,
            },
            Keys::Through {
                from: f2,
                to: t2,
                junction: j2,
                junction_from: jf2,
                junction_to: jt2,
            },
        ) => {
            f1 == f2
                && t1.as_deref().map(names) == t2.as_deref().map(names)
                && quote::quote!(#j1).to_string() == quote::quote!(#j2).to_string()
                && names(jf1) == names(jf2)
                && names(jt1) == names(jt2)
        }
        _ => false,
    }
}

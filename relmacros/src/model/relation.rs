//! One `#[relation(...)]` field: its kind, target, keys and actions, checked within
//! the struct.

use super::names::{is_self_type, name_list, target_list, through_spec, wrapper_arg};
use super::{Column, Keys, Kind, Relation, err};
use crate::attr::{Action, FieldInput, RelationAttr};
use darling::util::SpannedValue;
use darling::{Error, FromAttributes};
use syn::Ident;
use syn::spanned::Spanned;

/// A relation and the mistakes that leave it usable (its actions), or the mistakes that
/// do not.
pub(super) fn relation(
    field: &FieldInput,
    owner: &Ident,
    columns: &[Column],
) -> darling::Result<(Relation, Vec<Error>)> {
    let ident = field.ident.clone().expect("named fields");
    let attr = RelationAttr::from_attributes(&field.attrs)?;
    let mut errors = Error::accumulator();
    let kind = match (attr.one.is_present(), attr.many.is_present()) {
        (true, false) => (Kind::One, attr.one.span()),
        (false, true) => (Kind::Many, attr.many.span()),
        (true, true) => {
            errors.push(err(
                attr.many.span(),
                "a relation is either `one` or `many`, not both",
            ));
            (Kind::One, attr.one.span())
        }
        (false, false) => {
            let span = field
                .attrs
                .iter()
                .find(|a| a.path().is_ident("relation"))
                .map_or(ident.span(), |a| a.span());
            errors.push(err(span, "say which kind of relation this is: `#[relation(one, ...)]` or `#[relation(many, ...)]`"));
            (Kind::Many, span)
        }
    };

    // The field type must fit the kind.
    let (wrapper, expected) = match kind.0 {
        Kind::One => (
            "One",
            "`One<T>`, or `One<Option<T>>` when the key is nullable",
        ),
        Kind::Many => ("Many", "`Many<T>`"),
    };
    let Some(inner) = wrapper_arg(&field.ty, wrapper) else {
        // `Option<One<User>>`: the option goes inside.
        let hint = wrapper_arg(&field.ty, "Option")
            .and_then(|t| wrapper_arg(t, wrapper))
            .map_or(String::new(), |t| {
                let t = crate::expand::type_text(t);
                match kind.0 {
                    Kind::One => format!(": use `One<Option<{t}>>`"),
                    Kind::Many => format!(": use `Many<{t}>` (no related rows is an empty list)"),
                }
            });
        errors.push(err(
            &field.ty,
            format!(
                "a `{}` relation field must have type {expected}{hint}",
                if kind.0 == Kind::One { "one" } else { "many" }
            ),
        ));
        return Err(Error::multiple(errors.into_inner()));
    };
    let (target, optional) = match wrapper_arg(inner, "Option") {
        Some(t) if kind.0 == Kind::One => (t.clone(), true),
        Some(t) => {
            errors.push(err(
                &field.ty,
                format!(
                    "a `many` relation field is `Many<T>`: use `Many<{}>` (no related rows is an empty list, not `None`)",
                    crate::expand::type_text(t)
                ),
            ));
            return Err(Error::multiple(errors.into_inner()));
        }
        None => (inner.clone(), false),
    };
    // `One<Vec<Post>>`, `Many<Vec<Post>>`, `One<Box<Post>>`: the wrapper holds the row
    // type itself.
    let container = [
        "Vec", "Option", "Box", "Rc", "Arc", "One", "Many", "VecDeque", "HashSet", "BTreeSet",
    ]
    .into_iter()
    .find_map(|w| wrapper_arg(&target, w).map(|t| (w, t.clone())));
    if let Some((w, row)) = container {
        let row = crate::expand::type_text(&row);
        errors.push(err(
            &field.ty,
            match kind.0 {
                Kind::One if matches!(w, "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "Many") => format!(
                    "a `one` relation holds one row: `One<{row}>` (or `One<Option<{row}>>` when the key is nullable); for a list of rows, declare `#[relation(many)]` with `Many<{row}>`"
                ),
                Kind::One => format!(
                    "a `one` relation holds the row type itself: `One<{row}>`, or `One<Option<{row}>>` when the key is nullable"
                ),
                Kind::Many => format!(
                    "a `many` relation field is `Many<{row}>`, which is already a list of `{row}` rows"
                ),
            },
        ));
        return Err(Error::multiple(errors.into_inner()));
    }
    let target_is_self = is_self_type(&target, owner);

    let local = |names: Vec<Ident>, errors: &mut darling::error::Accumulator| -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| match columns.iter().position(|c| c.ident == *n) {
                Some(i) => Some(i),
                None => {
                    errors.push(err(
                        n,
                        format!("`from` names `{n}`, which is not a column of `{owner}`"),
                    ));
                    None
                }
            })
            .collect()
    };
    let from = attr
        .from
        .as_ref()
        .and_then(|e| errors.handle(name_list(e, "from")));
    let to = attr
        .to
        .as_ref()
        .and_then(|e| errors.handle(target_list(e, &target, target_is_self, "to")));
    if let (Some(f), Some(t), Some(to_expr)) = (&from, &to, &attr.to)
        && f.len() != t.len()
    {
        errors.push(err(
            to_expr,
            format!(
                "`from` has {} column(s) but `to` has {}: composite keys must have the same length",
                f.len(),
                t.len()
            ),
        ));
    }
    let keys = match (&attr.through, kind.0) {
        (Some(through), Kind::Many) => {
            let (junction, junction_from, junction_to) = errors
                .handle(through_spec(through))
                .unwrap_or_else(|| (syn::Path::from(ident.clone()), Vec::new(), Vec::new()));
            // A junction column holds one side's key: named twice, both sides would be
            // matched on it (`Follow(follower_id, follower_id)` follows only oneself).
            let mut seen: Vec<&syn::Ident> = Vec::new();
            for c in junction_from.iter().chain(&junction_to) {
                if seen.contains(&c) {
                    errors.push(err(
                        c,
                        format!(
                            "the junction column `{c}` is named twice; each side of a many-to-many has its own junction columns (`through = J(this_side_id, other_side_id)`)"
                        ),
                    ));
                    break;
                }
                seen.push(c);
            }
            let from = from.map(|f| local(f, &mut errors));
            if let Some(f) = &from
                && f.len() != junction_from.len()
                && !junction_from.is_empty()
            {
                errors.push(err(
                    through,
                    "the junction's first column list must be as long as `from`",
                ));
            }
            if let Some(t) = &to
                && t.len() != junction_to.len()
                && !junction_to.is_empty()
            {
                errors.push(err(
                    through,
                    "the junction's second column list must be as long as `to`",
                ));
            }
            Keys::Through {
                from,
                to,
                junction,
                junction_from,
                junction_to,
            }
        }
        (Some(through), Kind::One) => {
            errors.push(err(through, "`through` is for `many` relations"));
            Keys::Inferred
        }
        (None, _) => match (from, to, kind.0) {
            (Some(f), Some(t), _) => Keys::Explicit {
                from: local(f, &mut errors),
                to: t,
            },
            // Written but unreadable: already reported.
            _ if attr.from.is_some() && attr.to.is_some() => Keys::Inferred,
            (None, None, Kind::Many) => Keys::Inferred,
            (None, None, Kind::One) => {
                errors.push(err(
                    kind.1,
                    "a `one` relation needs `from = <column>` and `to = <Target>::<column>`",
                ));
                Keys::Inferred
            }
            (_, None, _) if attr.to.is_none() => {
                errors.push(err(
                    kind.1,
                    "`from` needs a matching `to = <Target>::<column>`",
                ));
                Keys::Inferred
            }
            _ => {
                errors.push(err(kind.1, "`to` needs a matching `from = <column>`"));
                Keys::Inferred
            }
        },
    };

    // Actions go on the side that holds the key, and must be possible there. A mistake
    // in one is reported, and the relation is kept without it, so that the relations
    // that read this one (an inferred `many` on the target) do not fail too.
    let mut soft = Vec::new();
    let mut action_ok = |action: &SpannedValue<Action>| -> bool {
        if kind.0 == Kind::Many {
            soft.push(err(
                action.span(),
                "`on_delete` and `on_update` go on the `one` side, which holds the foreign key, not on a `many`",
            ));
            return false;
        }
        if attr.constraint.is_some() {
            soft.push(err(
                action.span(),
                "a query-only relation (`constraint = none`) has no `on_delete` or `on_update`: nothing enforces it",
            ));
            return false;
        }
        let Keys::Explicit { from, .. } = &keys else {
            return true;
        };
        match action_problem(**action, from.iter().map(|&i| &columns[i])) {
            Some(message) => {
                soft.push(err(action.span(), message));
                false
            }
            None => true,
        }
    };
    let on_delete = attr.on_delete.filter(|a| action_ok(a));
    let on_update = attr.on_update.filter(|a| action_ok(a));
    let foreign_key = match (&attr.foreign_key, kind.0, &keys) {
        (Some(_), Kind::One, Keys::Explicit { .. }) | (None, _, _) => attr.foreign_key,
        (Some(end), _, _) => {
            soft.push(err(
                end.span(),
                "`foreign_key` says which end of a `one` relation with `from` and `to` holds the key; a `many` never holds it",
            ));
            None
        }
    };
    // Where other relations hold the keys, they say whether the keys are constraints.
    if let Some(constraint) = &attr.constraint {
        let holders = match &keys {
            Keys::Inferred => Some(format!(
                "this `many` is inferred from `{}`'s `one` back to this struct",
                crate::expand::type_text(&target)
            )),
            Keys::Through { junction, .. } => Some(format!(
                "the junction `{}` holds this relation's keys",
                junction
                    .segments
                    .last()
                    .map_or(String::new(), |s| s.ident.to_string())
            )),
            Keys::Explicit { .. } => None,
        };
        if let Some(holders) = holders {
            soft.push(err(
                constraint.span(),
                format!(
                    "`constraint = none` goes where the key is held: {holders}; put it on that relation"
                ),
            ));
        }
    }
    if attr.constraint.is_some() && kind.0 == Kind::One && !optional {
        errors.push(err(
            &field.ty,
            format!(
                "a query-only relation (`constraint = none`) may find no row, since nothing keeps its key pointing at one: use `One<Option<{}>>`",
                crate::expand::type_text(&target)
            ),
        ));
    }
    if let (Kind::One, Keys::Explicit { from, .. }) = (kind.0, &keys)
        && attr.constraint.is_none()
        && !optional
        && let Some(c) = from.iter().map(|&i| &columns[i]).find(|c| c.nullable)
    {
        errors.push(err(
            &field.ty,
            format!(
                "the key `{}` is nullable, so this relation may be absent: use `One<Option<...>>`",
                c.ident
            ),
        ));
    }

    // A filter narrows the rows a `many` reads; a `one` holds or follows a key, whose
    // row a filter would make vanish.
    let filter = match (&attr.filter, kind.0) {
        (Some(f), Kind::One) => {
            soft.push(err(
                f,
                "`filter` goes on a `many` relation: a `one` follows its key to exactly one row, which a filter would hide; filter where you load it, `.with(Post::author().filter(..))`",
            ));
            None
        }
        (f, _) => f.clone(),
    };
    errors.finish_with((
        Relation {
            filter,
            ident,
            kind: kind.0,
            kind_span: kind.1,
            target,
            target_is_self,
            optional,
            alias: attr.alias,
            keys,
            on_delete,
            on_update,
            foreign_key,
            constraint: attr.constraint.is_none(),
            field: true,
        },
        soft,
    ))
}

/// What is wrong with `action` on a key of these columns, if anything: `set_null` needs
/// nullable columns, `set_default` columns with a default.
pub(super) fn action_problem<'c>(
    action: Action,
    mut cols: impl Iterator<Item = &'c super::Column>,
) -> Option<String> {
    match action {
        Action::SetNull => cols.find(|c| !c.nullable).map(|c| {
            format!(
                "`set_null` needs a nullable key, but `{}` is not an `Option`: make it `Option<...>`, or choose another action",
                c.ident
            )
        }),
        Action::SetDefault => cols.find(|c| c.default.is_none()).map(|c| {
            format!(
                "`set_default` needs a default, but `{}` has no `#[column(default = ...)]`: add one, or choose another action",
                c.ident
            )
        }),
        _ => None,
    }
}

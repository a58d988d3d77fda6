//! Checks that need another struct, as constants rustc evaluates at compile time.
//!
//! Each is a `const _: () = ...;` spanned on the user's token, so a failed check is an
//! error there, with a message written here. Missing target columns and targets that are
//! not tables fail earlier, in rustc's own resolution of the generated references.

use super::relations::{local_names, target, target_column_names, target_item};
use super::type_text;
use crate::model::{DefaultLit, Keys, Kind, Relation, Table};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

pub fn all(t: &Table) -> TokenStream {
    let mut out = columns(t);
    for r in &t.relations {
        out.extend(relation(t, r));
    }
    out
}

/// `const _: () = if !(cond) { panic!(message) };`, spanned on `span`.
fn assert(span: Span, cond: TokenStream, message: String) -> TokenStream {
    quote_spanned! {span=>
        const _: () = if !(#cond) {
            ::core::panic!(#message)
        };
    }
}

/// The name must be an identifier every enabled backend takes as it is.
fn identifier(span: Span, what: &str, name: &str) -> TokenStream {
    quote_spanned! {span=>
        const _: () = {
            let problem = ::rel::__private::check::identifier(#what, #name);
            if !problem.is_empty() {
                ::core::panic!("{}", problem.as_str())
            }
        };
    }
}

fn columns(t: &Table) -> TokenStream {
    let mut out = identifier(t.name_span, "table", &t.name);
    for c in &t.columns {
        out.extend(identifier(c.name_span, "column", &c.name));
        let ty = &c.ty;
        let sql_type = quote!(<#ty as ::rel::__private::ColumnValue>::SQL_TYPE);
        if let Some(span) = c.auto_increment {
            out.extend(assert(
                span,
                quote!(#sql_type.is_integer()),
                format!(
                    "`auto_increment` needs an integer column (i16, i32 or i64), but `{}` is `{}`",
                    c.ident,
                    type_text(ty)
                ),
            ));
        }
        if let Some(d) = &c.default {
            let kind = match d.lit {
                DefaultLit::Int(_) => quote!(Int),
                DefaultLit::Float(_) => quote!(Float),
                DefaultLit::Bool(_) => quote!(Bool),
                DefaultLit::Str(_) => quote!(Str),
            };
            out.extend(assert(
                d.span,
                quote!(#sql_type.accepts_default(::rel::__private::LiteralKind::#kind)),
                format!(
                    "this default does not fit `{}`, which is `{}`",
                    c.ident,
                    type_text(ty)
                ),
            ));
        }
    }
    out
}

/// Every `(from column type, to column SQL type)` pair must agree.
fn key_types(
    t: &Table,
    r: &Relation,
    from: &[usize],
    to: impl Iterator<Item = (TokenStream, String, Span)>,
) -> TokenStream {
    let mut out = TokenStream::new();
    for (&i, (to_type, to_text, span)) in from.iter().zip(to) {
        let c = &t.columns[i];
        let ty = &c.ty;
        out.extend(assert(
            span,
            quote!(<#ty as ::rel::__private::ColumnValue>::SQL_TYPE.same_as(#to_type)),
            format!(
                "relation `{}`: `{}` is `{}`, but `{to_text}` has another type; key columns must have the same type (an `Option<T>` may refer to a `T`)",
                r.ident, c.ident, type_text(ty)
            ),
        ));
    }
    out
}

fn relation(t: &Table, r: &Relation) -> TokenStream {
    let target = target(t, r);
    let target_text = type_text(&r.target);
    let owner = &t.ident;
    let self_name = &t.name;
    let mut out = TokenStream::new();

    // An inferred `many` reports a missing partner through its inference check.
    if let Some(alias) = r
        .alias
        .as_ref()
        .filter(|_| !matches!(r.keys, Keys::Inferred))
    {
        let rels = target_item(t, r, "META");
        let skip = if r.target_is_self {
            r.ident.to_string()
        } else {
            String::new()
        };
        let a = alias.as_str();
        out.extend(assert(
            alias.span(),
            quote!(::rel::__private::check::has_partner(#rels.relations, #self_name, #a, #skip)),
            format!("`{target_text}` has no relation with `alias = \"{a}\"` back to `{owner}`; an alias pairs two relations, so declare the other side with the same alias"),
        ));
    }

    match &r.keys {
        Keys::Explicit { from, to } => {
            out.extend(key_types(
                t,
                r,
                from,
                to.iter().map(|c| {
                    (
                        quote_spanned!(c.span()=> <#target>::#c.sql_type()),
                        format!("{target_text}::{c}"),
                        c.span(),
                    )
                }),
            ));
            if r.kind == Kind::One {
                let to_names: Vec<_> = target_column_names(&target, to).collect();
                let from_names: Vec<&str> = local_names(t, from).collect();
                let (columns, pk) = (
                    target_item(t, r, "COLUMNS"),
                    target_item(t, r, "PRIMARY_KEY"),
                );
                let holds = quote!(::rel::__private::check::is_unique_key(#columns, #pk, &[#(#to_names),*]));
                let inverse = quote! {
                    ::rel::__private::check::is_unique_key(
                        <#owner as ::rel::__private::Table>::COLUMNS,
                        <#owner as ::rel::__private::Table>::PRIMARY_KEY,
                        &[#(#from_names),*],
                    )
                };
                let to_span = to.first().map_or(r.kind_span, |c| c.span());
                out.extend(assert(
                    to_span,
                    quote!(#holds || #inverse),
                    format!("relation `{}`: `to` must be the primary key or a unique column of `{target_text}` (or, for the inverse side of a one-to-one, `from` the primary key or a unique column of `{owner}`)", r.ident),
                ));
                for action in [&r.on_delete, &r.on_update].into_iter().flatten() {
                    out.extend(assert(
                        action.span(),
                        quote!(#holds),
                        format!("relation `{}`: `on_delete` and `on_update` go on the side that holds the foreign key, which is `{target_text}` here", r.ident),
                    ));
                }
            }
        }
        Keys::Through {
            from,
            to,
            junction,
            junction_from,
            junction_to,
        } => {
            let junction_ty = quote!(#junction);
            let junction_text = quote!(#junction).to_string().replace(" :: ", "::");
            let from = from.clone().unwrap_or_else(|| t.primary_key.clone());
            out.extend(key_types(
                t,
                r,
                &from,
                junction_from.iter().map(|c| {
                    (
                        quote_spanned!(c.span()=> <#junction_ty>::#c.sql_type()),
                        format!("{junction_text}::{c}"),
                        c.span(),
                    )
                }),
            ));
            let to_types: Vec<TokenStream> = match to {
                Some(cols) => cols
                    .iter()
                    .map(|c| quote_spanned!(c.span()=> <#target>::#c.sql_type()))
                    .collect(),
                None => {
                    let (columns, pk) = (
                        target_item(t, r, "COLUMNS"),
                        target_item(t, r, "PRIMARY_KEY"),
                    );
                    let n = junction_to.len();
                    let span = junction_to.first().map_or(r.kind_span, |c| c.span());
                    out.extend(assert(
                        span,
                        quote!(#pk.len() == #n),
                        format!("relation `{}`: the primary key of `{target_text}` does not have {n} column(s), as the junction's second list does; name the target columns with `to = ...`", r.ident),
                    ));
                    (0..n)
                        .map(|i| quote!(::rel::__private::check::column_type(#columns, #pk, #i)))
                        .collect()
                }
            };
            for (c, to_type) in junction_to.iter().zip(to_types) {
                out.extend(assert(
                    c.span(),
                    quote!(<#junction_ty>::#c.sql_type().same_as(#to_type)),
                    format!("relation `{}`: `{junction_text}::{c}` must have the type of the `{target_text}` key it refers to", r.ident),
                ));
            }
        }
        Keys::Inferred => {
            let declared = target_item(t, r, "DECLARED_RELATIONS");
            let alias = match &r.alias {
                Some(a) => {
                    let a = a.as_str();
                    quote!(::core::option::Option::Some(#a))
                }
                None => quote!(::core::option::Option::None),
            };
            let with_alias = r.alias.as_ref().map_or(String::new(), |a| {
                format!(" with `alias = \"{}\"`", a.as_str())
            });
            let count =
                quote!(::rel::__private::check::inverse_count(#declared, #self_name, #alias));
            out.extend(assert(
                r.kind_span,
                quote!(#count != 0),
                format!("relation `{}`: `{target_text}` has no `one` relation back to `{owner}`{with_alias} to infer this `many` from; declare it there, or give this relation `from = ..` and `to = ..`", r.ident),
            ));
            out.extend(assert(
                r.kind_span,
                quote!(#count < 2),
                format!("relation `{}`: `{target_text}` has several `one` relations back to `{owner}`{with_alias}; add `alias = \"...\"` here and on the one this `many` pairs with", r.ident),
            ));
        }
    }
    out
}

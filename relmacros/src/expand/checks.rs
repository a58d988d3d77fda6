//! Checks that need another struct, as constants rustc evaluates at compile time.
//!
//! Each is a `const _: () = ...;` spanned on the user's token, so a failed check is an
//! error there, with a message written here. Missing target columns and targets that are
//! not tables fail earlier, in rustc's own resolution of the generated references.

use super::relations::{local_names, target, target_column_names, target_item};
use super::type_text;
use crate::attr::KeyEnd;
use crate::model::{DefaultLit, Keys, Kind, Relation, Table};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

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

/// The `foreign_key = ..` of a relation, as `check::key_side` takes it.
fn declared_end(r: &Relation) -> u8 {
    match r.foreign_key.as_deref() {
        None => 0,
        Some(KeyEnd::From) => 1,
        Some(KeyEnd::To) => 2,
    }
}

/// `check::key_side(..)` for a `one` relation with explicit keys.
pub fn key_side(t: &Table, r: &Relation, from: &[usize], to: &[syn::Ident]) -> TokenStream {
    let owner = &t.ident;
    let target = target(t, r);
    let to_names: Vec<_> = target_column_names(&target, to).collect();
    let from_names: Vec<&str> = local_names(t, from).collect();
    let (columns, pk) = (
        target_item(t, r, "COLUMNS"),
        target_item(t, r, "PRIMARY_KEY"),
    );
    let declared = declared_end(r);
    quote! {
        ::rel::__private::check::key_side(
            <#owner as ::rel::__private::Table>::COLUMNS,
            <#owner as ::rel::__private::Table>::PRIMARY_KEY,
            &[#(#from_names),*],
            #columns,
            #pk,
            &[#(#to_names),*],
            #declared,
        )
    }
}

fn relation(t: &Table, r: &Relation) -> TokenStream {
    let target = target(t, r);
    let target_text = type_text(&r.target);
    let owner = &t.ident;
    let self_name = &t.name;
    let name = &r.ident;
    let failed = target_item(t, r, "DERIVE_FAILED");
    let mut out = TokenStream::new();

    // Two structs with one SQL name would be one table to the database.
    if !r.target_is_self {
        let target_name = target_item(t, r, "NAME");
        let target_type = target_item(t, r, "META");
        out.extend(assert(
            r.target.span(),
            quote!(#failed || !::rel::__private::check::str_eq(#target_name, #self_name) || ::rel::__private::check::str_eq(#target_type.type_name, ::core::stringify!(#owner))),
            format!("`{target_text}` and `{owner}` are both the table `{self_name}`; give one of them another `#[table(name = \"...\")]`"),
        ));
    }

    if let Some(alias) = &r.alias {
        out.extend(alias_checks(t, r, alias));
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
            let to_text = to
                .iter()
                .map(|c| format!("{target_text}::{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let from_text = from
                .iter()
                .map(|&i| t.columns[i].ident.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let to_span = to.first().map_or(r.kind_span, |c| c.span());
            if r.kind == Kind::Many {
                let to_names: Vec<_> = target_column_names(&target, to).collect();
                let (columns, pk) = (
                    target_item(t, r, "COLUMNS"),
                    target_item(t, r, "PRIMARY_KEY"),
                );
                out.extend(assert(
                    to_span,
                    quote!(#failed || !::rel::__private::check::is_unique_key(#columns, #pk, &[#(#to_names),*])),
                    format!("relation `{name}`: `to = {to_text}` is the primary key or a unique column of `{target_text}`, so at most one row matches: make this a `one` relation (`One<{target_text}>`)"),
                ));
                return out;
            }
            let side = key_side(t, r, from, to);
            let declare_span = r.foreign_key.as_ref().map_or(to_span, |f| f.span());
            let messages = [
                (
                    to_span,
                    quote!(Ambiguous),
                    format!(
                        "relation `{name}`: `{from_text}` and `{to_text}` are both keys (a one-to-one on shared keys), so say which end holds the foreign key: `foreign_key = from` if `{owner}`'s `{from_text}` refers to `{to_text}`, or `foreign_key = to` if `{to_text}` refers to `{owner}`'s `{from_text}`"
                    ),
                ),
                (
                    to_span,
                    quote!(ToNotUnique),
                    format!(
                        "relation `{name}`: `from = {from_text}` is the key of `{owner}`, so `{to_text}` holds the foreign key, but it is not unique: several `{target_text}` rows could match, and `One` would load one of them. Mark it `#[column(unique)]`, or make this a `many` relation"
                    ),
                ),
                (
                    to_span,
                    quote!(NoKey),
                    format!(
                        "relation `{name}`: `to = {to_text}` must be the primary key or a unique column of `{target_text}` (or, for the inverse side of a one-to-one, `from` the primary key of `{owner}`)"
                    ),
                ),
                (
                    declare_span,
                    quote!(DeclaredFromButToNotKey),
                    format!(
                        "relation `{name}`: `foreign_key = from` makes `{from_text}` refer to `{to_text}`, which is not the primary key or a unique column of `{target_text}`"
                    ),
                ),
                (
                    declare_span,
                    quote!(DeclaredToButFromNotKey),
                    format!(
                        "relation `{name}`: `foreign_key = to` makes `{to_text}` refer to `{owner}`'s `{from_text}`, which is not its primary key or a unique column"
                    ),
                ),
            ];
            for (span, case, message) in messages {
                out.extend(assert(
                    span,
                    quote!(#failed || !::core::matches!(#side, ::rel::__private::check::KeySide::#case)),
                    message,
                ));
            }
            for action in [&r.on_delete, &r.on_update].into_iter().flatten() {
                out.extend(assert(
                    action.span(),
                    quote!(#failed || !::core::matches!(#side, ::rel::__private::check::KeySide::Inverse)),
                    format!("relation `{name}`: `{to_text}` holds the foreign key here (the inverse side of a one-to-one), so `on_delete` and `on_update` go on `{target_text}`'s relation back to `{owner}`"),
                ));
            }
        }
        Keys::Through {
            from,
            to,
            junction,
            junction_from,
            junction_to,
        } => out.extend(junction_checks(
            t,
            r,
            from,
            to,
            junction,
            junction_from,
            junction_to,
        )),
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
                quote!(#failed || #count != 0),
                format!("relation `{name}`: `{target_text}` has no `one` relation holding a key back to `{owner}`{with_alias} to infer this `many` from; declare it there, or give this relation `from = ..` and `to = ..`"),
            ));
            out.extend(assert(
                r.kind_span,
                quote!(#failed || #count < 2),
                format!("relation `{name}`: `{target_text}` has several `one` relations back to `{owner}`{with_alias}; add `alias = \"...\"` here and on the one this `many` pairs with"),
            ));
        }
    }
    out
}

/// An alias pairs this relation with exactly one relation of the target back to this
/// struct: a `one` with a `many`, or two `one`s of which one holds the key, with keys
/// that mirror each other.
fn alias_checks(
    t: &Table,
    r: &Relation,
    alias: &darling::util::SpannedValue<String>,
) -> TokenStream {
    let owner = &t.ident;
    let target_text = type_text(&r.target);
    let self_name = &t.name;
    let name = &r.ident;
    let failed = target_item(t, r, "DERIVE_FAILED");
    let rels = target_item(t, r, "META");
    let a = alias.as_str();
    let skip = if r.target_is_self {
        name.to_string()
    } else {
        String::new()
    };
    let index = t
        .relations
        .iter()
        .position(|o| o.ident == r.ident)
        .unwrap_or(0);
    let name_text = name.to_string();
    let target_name = target_item(t, r, "NAME");
    // An inferred `many` says itself when its partner is missing.
    let missing = if matches!(r.keys, Keys::Inferred) {
        quote!()
    } else {
        let no_partner = format!(
            "`{target_text}` has no relation with `alias = \"{a}\"` back to `{owner}`; an alias pairs two relations, so declare the other side with the same alias"
        );
        let near_start = format!(
            "`{target_text}` has no relation with `alias = \"{a}\"` back to `{owner}`; did you mean `alias = \""
        );
        quote_spanned! {alias.span()=>
            if n == 0 {
                match ::rel::__private::check::alias_near_miss(rels, #self_name, #a, #skip) {
                    // Both sides miss the other by case: the first of the two says so.
                    ::core::option::Option::Some(near) => {
                        if ::rel::__private::check::precedes(#self_name, #name_text, #target_name, near.name) {
                            let m = ::rel::__private::check::Message::new()
                                .push(#near_start)
                                .push(match near.alias {
                                    ::core::option::Option::Some(a) => a,
                                    ::core::option::Option::None => "",
                                })
                                .push("\"`? Aliases match exactly, case included");
                            ::core::panic!("{}", m.as_str())
                        }
                    }
                    ::core::option::Option::None => ::core::panic!(#no_partner),
                }
            }
        }
    };
    let two_many = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `many` relations; one side of a relation is a `one` (the one that holds the key, or the inverse of a one-to-one)"
    );
    let both_hold = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `one` relations that both hold a key; exactly one side of a one-to-one holds it (say which with `foreign_key = from | to`)"
    );
    let neither = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `one` relations, and neither holds the key; exactly one side of a one-to-one holds it (say which with `foreign_key = from | to`)"
    );
    let mirror = format!(
        "relation `{name}`: the relation of `{target_text}` with `alias = \"{a}\"` has other keys; paired relations mirror each other (this side's `from` is the other's `to`)"
    );
    quote_spanned! {alias.span()=>
        const _: () = if !#failed {
            let rels = #rels.relations;
            let n = ::rel::__private::check::alias_partners(rels, #self_name, #a, #skip);
            #missing
            let me = &<#owner as ::rel::__private::Table>::META.relations[#index];
            let p = &rels[::rel::__private::check::alias_partner(rels, #self_name, #a, #skip)];
            // A mistake of the pair is reported once: by the `one` of a `one` and a
            // `many`, else by the first of the two.
            let reports = match (me.kind, p.kind) {
                (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::Many) => true,
                (::rel::__private::RelationKind::Many, ::rel::__private::RelationKind::One) => false,
                _ => ::rel::__private::check::precedes(#self_name, #name_text, #target_name, p.name),
            };
            if n == 1 && reports {
                match (me.kind, p.kind) {
                    (::rel::__private::RelationKind::Many, ::rel::__private::RelationKind::Many) => ::core::panic!(#two_many),
                    (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::One) if me.holds_key && p.holds_key => ::core::panic!(#both_hold),
                    (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::One) if !me.holds_key && !p.holds_key => ::core::panic!(#neither),
                    _ => {}
                }
                if me.through.is_none()
                    && p.through.is_none()
                    && !(::rel::__private::check::same_columns(me.from, p.to)
                        && ::rel::__private::check::same_columns(me.to, p.from))
                {
                    ::core::panic!(#mirror)
                }
            }
        };
    }
}

/// The junction's first columns refer to this table's key, its second to the target's:
/// by the junction's own `one` relations where it declares them, else by type. Swapped
/// columns get the order that fits; one mistake is one error.
#[allow(clippy::too_many_arguments)]
fn junction_checks(
    t: &Table,
    r: &Relation,
    from: &Option<Vec<usize>>,
    to: &Option<Vec<syn::Ident>>,
    junction: &syn::Path,
    junction_from: &[syn::Ident],
    junction_to: &[syn::Ident],
) -> TokenStream {
    let owner = &t.ident;
    let target = target(t, r);
    let target_text = type_text(&r.target);
    let self_name = &t.name;
    let name = &r.ident;
    let failed = target_item(t, r, "DERIVE_FAILED");
    let junction_text = quote!(#junction).to_string().replace(" :: ", "::");
    let jt = quote_spanned!(junction.span()=> <#junction as ::rel::__private::Table>::META);
    let target_name = target_item(t, r, "NAME");
    let from = from.clone().unwrap_or_else(|| t.primary_key.clone());
    let list = |cols: &[syn::Ident]| {
        let names: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
        if names.len() == 1 {
            names[0].clone()
        } else {
            format!("({})", names.join(", "))
        }
    };
    let (a, b) = (list(junction_from), list(junction_to));
    // The junction's columns are found through its `Table` impl, by field name, so that
    // a junction that is not a table is one error (rustc's), not one per column.
    let jcols = quote_spanned!(junction.span()=> <#junction as ::rel::__private::Table>::COLUMNS);
    let field_names = |cols: &[syn::Ident]| -> Vec<TokenStream> {
        cols.iter()
            .map(|c| {
                let f = c.to_string();
                quote!(::rel::__private::check::field_column(#jcols, #f))
            })
            .collect()
    };
    let (jf_names, jt_names) = (field_names(junction_from), field_names(junction_to));
    let field_types = |cols: &[syn::Ident]| -> Vec<TokenStream> {
        cols.iter()
            .map(|c| {
                let f = c.to_string();
                quote!(match ::rel::__private::check::field_type(#jcols, #f) {
                    ::core::option::Option::Some(t) => t,
                    ::core::option::Option::None => ::rel::__private::SqlType::Blob,
                })
            })
            .collect()
    };
    let (jf_types, jt_types) = (field_types(junction_from), field_types(junction_to));
    let missing: Vec<TokenStream> = junction_from
        .iter()
        .chain(junction_to)
        .map(|c| {
            let f = c.to_string();
            let message = format!("relation `{name}`: `{junction_text}` has no column `{c}`");
            quote_spanned! {c.span()=>
                if ::rel::__private::check::field_type(#jcols, #f).is_none() {
                    ::core::panic!(#message)
                }
            }
        })
        .collect();
    let from_types: Vec<TokenStream> = from
        .iter()
        .map(|&i| {
            let ty = &t.columns[i].ty;
            quote!(<#ty as ::rel::__private::ColumnValue>::SQL_TYPE)
        })
        .collect();
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
            (0..junction_to.len())
                .map(|i| quote!(::rel::__private::check::column_type(#columns, #pk, #i)))
                .collect()
        }
    };
    let pk_len = match to {
        Some(_) => quote!(true),
        None => {
            let pk = target_item(t, r, "PRIMARY_KEY");
            let n = junction_to.len();
            quote!(#pk.len() == #n)
        }
    };
    let span = junction.span();
    let first_span = junction_from.first().map_or(span, |c| c.span());
    let second_span = junction_to.first().map_or(span, |c| c.span());
    let at =
        |span: proc_macro2::Span, message: String| quote_spanned!(span=> ::core::panic!(#message));
    let swapped = format!(
        "relation `{name}`: the junction's columns are the other way round: `{junction_text}`'s first list refers to `{owner}` and its second to `{target_text}`; did you mean `through = {junction_text}({b}, {a})`?"
    );
    let first_elsewhere = format!(
        "relation `{name}`: `{junction_text}::{a}` must refer to `{owner}` (the junction's first list holds this side's key), but `{junction_text}` declares it a key of another table"
    );
    let second_elsewhere = format!(
        "relation `{name}`: `{junction_text}::{b}` must refer to `{target_text}` (the junction's second list holds the target's key), but `{junction_text}` declares it a key of another table"
    );
    let first_type = format!(
        "relation `{name}`: `{junction_text}::{a}` must have the type of `{owner}`'s key it refers to"
    );
    let second_type = format!(
        "relation `{name}`: `{junction_text}::{b}` must have the type of the `{target_text}` key it refers to"
    );
    let pk_size = format!(
        "relation `{name}`: the primary key of `{target_text}` does not have {} column(s), as the junction's second list does; name the target columns with `to = ...`",
        junction_to.len()
    );
    let (swapped, first_elsewhere, second_elsewhere, first_type, second_type, pk_size) = (
        at(span, swapped),
        at(first_span, first_elsewhere),
        at(second_span, second_elsewhere),
        at(first_span, first_type),
        at(second_span, second_type),
        at(second_span, pk_size),
    );
    quote_spanned! {span=>
        const _: () = if !#failed && !<#junction as ::rel::__private::Table>::DERIVE_FAILED {
            use ::rel::__private::check::{refers_to, same_types, str_eq};
            #(#missing)*
            let rels = #jt.relations;
            let first = refers_to(rels, &[#(#jf_names),*]);
            let second = refers_to(rels, &[#(#jt_names),*]);
            let (first_me, first_them) = match first {
                ::core::option::Option::Some(n) => (str_eq(n, #self_name), str_eq(n, #target_name)),
                ::core::option::Option::None => (true, true),
            };
            let (second_me, second_them) = match second {
                ::core::option::Option::Some(n) => (str_eq(n, #self_name), str_eq(n, #target_name)),
                ::core::option::Option::None => (true, true),
            };
            if !(first_me && second_them) {
                if first_them && second_me {
                    #swapped
                } else if !first_me {
                    #first_elsewhere
                } else {
                    #second_elsewhere
                }
            }
            if !#pk_len {
                #pk_size
            }
            let first_fits = same_types(&[#(#jf_types),*], &[#(#from_types),*]);
            let second_fits = same_types(&[#(#jt_types),*], &[#(#to_types),*]);
            if !(first_fits && second_fits) {
                if same_types(&[#(#jf_types),*], &[#(#to_types),*])
                    && same_types(&[#(#jt_types),*], &[#(#from_types),*])
                {
                    #swapped
                } else if !first_fits {
                    #first_type
                } else {
                    #second_type
                }
            }
        };
    }
}

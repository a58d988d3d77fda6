//! Checks that need another struct, as constants rustc evaluates at compile time.
//!
//! Each is a `const _: () = ...;` spanned on the user's token, so a failed check is an
//! error there, with a message written here. A computation several checks need (a
//! relation's key side, an inferred relation's inverse) is a constant of its own in the
//! table's `impl`, evaluated once ([`shared_consts`]), which the metadata reads too:
//! rustc evaluates each constant on its own, and the key side computed in each of six
//! constants was most of the derive's compile time. Missing target columns and
//! targets that are not tables fail earlier, in rustc's own resolution of the
//! generated references.

use super::relations::{local_names, target, target_column_names, target_item};
use super::type_text;
use crate::attr::KeyEnd;
use crate::model::{DefaultLit, Keys, Kind, Relation, Table};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The name of the constant holding a `one` relation's key side (see [`shared_consts`]).
pub fn side_const(r: &Relation) -> syn::Ident {
    quote::format_ident!("__rel_side_{}", syn::ext::IdentExt::unraw(&r.ident))
}

/// The name of the constant holding an inferred `many`'s inverse (see [`shared_consts`]).
pub fn inverse_const(r: &Relation) -> syn::Ident {
    quote::format_ident!("__rel_inverse_{}", syn::ext::IdentExt::unraw(&r.ident))
}

/// Constants that checks and the metadata both read, each evaluated once: the key side
/// of each `one` relation with explicit keys, and the inverse of each inferred `many`.
/// Inherent and hidden, in the table's `impl`.
pub fn shared_consts(t: &Table) -> TokenStream {
    let mut out = TokenStream::new();
    for r in &t.relations {
        match (&r.keys, r.kind) {
            (Keys::Explicit { from, to }, Kind::One) => {
                let name = side_const(r);
                let side = key_side(t, r, from, to);
                out.extend(quote! {
                    #[doc(hidden)]
                    #[allow(non_upper_case_globals)]
                    const #name: ::rel::__private::check::KeySide = #side;
                });
            }
            (Keys::Inferred, _) => {
                let name = inverse_const(r);
                let declared = target_item(t, r, "DECLARED_RELATIONS");
                let self_name = &t.name;
                let alias = match &r.alias {
                    Some(a) => {
                        let a = a.as_str();
                        quote!(::core::option::Option::Some(#a))
                    }
                    None => quote!(::core::option::Option::None),
                };
                out.extend(quote! {
                    #[doc(hidden)]
                    #[allow(non_upper_case_globals)]
                    const #name: ::rel::__private::check::Inverse =
                        ::rel::__private::check::inverse(#declared, #self_name, #alias);
                });
            }
            _ => {}
        }
    }
    out
}

/// A table's checks: one constant holding the column and relation checks as
/// statements, then the identifier, alias and junction checks, each a constant of its
/// own (see the module's doc).
pub fn all(t: &Table) -> TokenStream {
    let mut checks = Checks::default();
    columns(t, &mut checks);
    for (index, r) in t.relations.iter().enumerate() {
        relation(t, r, &mut checks);
        if r.kind == Kind::One && !r.target_is_self {
            checks.items.extend(super::mutual::check(t, r, index));
        }
    }
    let Checks { statements, items } = checks;
    quote! {
        const _: () = {
            #statements
        };
        #items
    }
}

/// What the checks of one table generate.
#[derive(Default)]
struct Checks {
    /// Statements of the table's one checking constant.
    statements: TokenStream,
    /// Constants of their own.
    items: TokenStream,
}

/// `if !(cond) { panic!(message) }`, spanned on `span`: a statement of the table's
/// checking constant. rustc then reports the first failure in it; one mistake is one
/// error.
fn assert(span: Span, cond: TokenStream, message: String) -> TokenStream {
    quote_spanned! {span=>
        if !(#cond) {
            ::core::panic!("{}", #message)
        }
    }
}

/// Whether `name` is an identifier every backend takes as it is, as far as
/// `check::identifier` looks (no NUL, at most 63 bytes, nothing outside the Basic
/// Multilingual Plane, no trailing space): then it needs no check at compile time.
fn plainly_valid(name: &str) -> bool {
    name.len() <= 63
        && !name.ends_with(' ')
        && name.chars().all(|c| c != '\0' && (c as u32) < 0x10000)
}

/// The name must be an identifier every enabled backend takes as it is: a constant of
/// its own, so that each bad name is an error, and only for a name that may be bad.
fn identifier(span: Span, what: &str, name: &str) -> TokenStream {
    if plainly_valid(name) {
        return TokenStream::new();
    }
    quote_spanned! {span=>
        const _: () = {
            let problem = ::rel::__private::check::identifier(#what, #name);
            if !problem.is_empty() {
                ::core::panic!("{}", problem.as_str())
            }
        };
    }
}

fn columns(t: &Table, checks: &mut Checks) {
    checks
        .items
        .extend(identifier(t.name_span, "table", &t.name));
    for (i, a) in t.columns.iter().enumerate() {
        for b in &t.columns[i + 1..] {
            if a.name != b.name && a.name.eq_ignore_ascii_case(&b.name) {
                let start = format!("columns `{}` and `{}` are one name to ", a.name, b.name);
                checks.items.extend(quote_spanned! {b.name_span=>
                    const _: () = {
                        let backends = ::rel::__private::check::case_blind_backends();
                        if !backends.is_empty() {
                            let m = ::rel::__private::check::Message::new()
                                .push(#start)
                                .push(backends)
                                .push(", which compare column names without case; give one of them another name with `#[column(name = \"...\")]`");
                            ::core::panic!("{}", m.as_str())
                        }
                    };
                });
            }
        }
    }
    let out = &mut checks.statements;
    for c in &t.columns {
        checks
            .items
            .extend(identifier(c.name_span, "column", &c.name));
        let ty = &c.ty;
        let sql_type = quote!(<#ty as ::rel::__private::ColumnValue>::SQL_TYPE);
        if c.unique || c.index {
            let what = if c.unique { "unique" } else { "index" };
            out.extend(assert(
                c.name_span,
                quote!(!#sql_type.is_json() || ::rel::__private::check::json_indexable()),
                format!(
                    "`{}` is a JSON column marked `{what}`, and MySQL cannot index a JSON column (the `mysql` feature is on; MariaDB, PostgreSQL and SQLite can): drop `{what}`, or keep the JSON as a `String`",
                    c.ident
                ),
            ));
        }
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
            out.extend(default_value(c, d, &sql_type));
        }
    }
}

/// A default of the right kind must also be a value of the column: an integer in its
/// range, a float within `f32` for an `f32`, JSON text for a JSON column. The literal
/// is judged here; the column's SQL type, in constant evaluation.
fn default_value(
    c: &crate::model::Column,
    d: &crate::model::Default,
    sql_type: &TokenStream,
) -> TokenStream {
    let (field, ty) = (&c.ident, type_text(&c.ty));
    match &d.lit {
        DefaultLit::Int(v) => assert(
            d.span,
            quote!(#sql_type.holds_int(#v)),
            format!("this default, {v}, is out of range for `{field}`, which is `{ty}`"),
        ),
        DefaultLit::Float(text) => match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() > f32::MAX as f64 => assert(
                d.span,
                quote!(!#sql_type.is_f32()),
                format!(
                    "this default, {text}, is out of range for `{field}`, which is `{ty}` (at most {:e})",
                    f32::MAX
                ),
            ),
            _ => TokenStream::new(),
        },
        DefaultLit::Str(text) => match crate::json::error(text) {
            None => TokenStream::new(),
            Some(e) => assert(
                d.span,
                quote!(!#sql_type.is_json()),
                format!(
                    "this default is not JSON ({e}), and `{field}` is a JSON column; write the JSON text, e.g. `default = r#\"{{\"tags\": []}}\"#`, or `default = r#\"\"text\"\"#` for a JSON string"
                ),
            ),
        },
        DefaultLit::Bool(_) => TokenStream::new(),
    }
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
                "{}: `{}` is `{}`, but `{to_text}` has another type; key columns must have the same type (an `Option<T>` may refer to a `T`)",
                r.subject(), c.ident, type_text(ty)
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

fn relation(t: &Table, r: &Relation, checks: &mut Checks) {
    let target = target(t, r);
    let target_text = type_text(&r.target);
    let owner = &t.ident;
    let self_name = &t.name;
    let name = &r.ident;
    let failed = target_item(t, r, "DERIVE_FAILED");
    let out = &mut checks.statements;

    // Two structs with one SQL name would be one table to the database.
    if !r.target_is_self {
        let target_name = target_item(t, r, "NAME");
        let target_type = target_item(t, r, "TYPE_NAME");
        let same = format!(
            "`{target_text}` and `{owner}` are both the table `{self_name}`; give one of them another `#[table(name = \"...\")]`"
        );
        let start = format!("`{target_text}` is the table `");
        let middle = format!("` and `{owner}` the table `{self_name}`, one name to ");
        out.extend(quote_spanned! {r.target.span()=>
            if !#failed {
                let m = ::rel::__private::check::distinct_tables(
                    #target_name,
                    #target_type,
                    #self_name,
                    <#owner as ::rel::__private::Table>::TYPE_NAME,
                    [#same, #start, #middle],
                );
                if !m.is_empty() {
                    ::core::panic!("{}", m.as_str())
                }
            }
        });
    }

    if let Some(alias) = &r.alias {
        checks.items.extend(super::alias::checks(t, r, alias));
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
                return;
            }
            let side_name = side_const(r);
            let side = quote!(<#owner>::#side_name);
            let declare_span = r.foreign_key.as_ref().map_or(to_span, |f| f.span());
            let ambiguous = format!(
                "relation `{name}`: `{from_text}` and `{to_text}` are both keys (a one-to-one on shared keys), so say which end holds the foreign key: `foreign_key = from` if `{owner}`'s `{from_text}` refers to `{to_text}`, or `foreign_key = to` if `{to_text}` refers to `{owner}`'s `{from_text}`"
            );
            let to_not_unique = format!(
                "relation `{name}`: `from = {from_text}` is the key of `{owner}`, so `{to_text}` holds the foreign key, but it is not unique: several `{target_text}` rows could match, and `One` would load one of them. Mark it `#[column(unique)]`, or make this a `many` relation"
            );
            let no_key = format!(
                "relation `{name}`: `to = {to_text}` must be the primary key or a unique column of `{target_text}` (or, for the inverse side of a one-to-one, `from` the primary key of `{owner}`)"
            );
            let declared_from = if r.field {
                format!(
                    "relation `{name}`: `foreign_key = from` makes `{from_text}` refer to `{to_text}`, which is not the primary key or a unique column of `{target_text}`"
                )
            } else {
                format!(
                    "column `{from_text}` refers to `{to_text}`, which is not the primary key or a unique column of `{target_text}`: a foreign key refers to a key"
                )
            };
            let declared_to = format!(
                "relation `{name}`: `foreign_key = to` makes `{to_text}` refer to `{owner}`'s `{from_text}`, which is not its primary key or a unique column"
            );
            // The messages of each span are one call and one panic there: the key's
            // (`to`), the declaration's, and the action's (the side is a constant,
            // evaluated once).
            let mut groups = vec![(
                to_span,
                vec![
                    (quote!(Ambiguous), ambiguous),
                    (quote!(ToNotUnique), to_not_unique),
                    (quote!(NoKey), no_key),
                ],
            )];
            if r.foreign_key.is_some() {
                groups.push((
                    declare_span,
                    vec![
                        (quote!(DeclaredFromButToNotKey), declared_from),
                        (quote!(DeclaredToButFromNotKey), declared_to),
                    ],
                ));
            }
            if let Some(action) = [&r.on_delete, &r.on_update].into_iter().flatten().next() {
                let message = format!(
                    "relation `{name}`: `{to_text}` holds the foreign key here (the inverse side of a one-to-one), so `on_delete` and `on_update` go on `{target_text}`'s relation back to `{owner}`"
                );
                groups.push((action.span(), vec![(quote!(Inverse), message)]));
            }
            let sites = groups.iter().map(|(span, cases)| {
                let (cases, texts): (Vec<_>, Vec<_>) = cases.iter().cloned().unzip();
                quote_spanned! {*span=>
                    let m = ::rel::__private::check::key_side_message(
                        #side,
                        &[#((::rel::__private::check::KeySide::#cases, #texts)),*],
                    );
                    if !m.is_empty() {
                        ::core::panic!("{}", m)
                    }
                }
            });
            out.extend(quote! {
                if !#failed {
                    #(#sites)*
                }
            });
        }
        Keys::Through {
            from,
            to,
            junction,
            junction_from,
            junction_to,
        } => checks.items.extend(super::junction::checks(
            t,
            r,
            from,
            to,
            junction,
            junction_from,
            junction_to,
        )),
        Keys::Inferred => {
            let with_alias = r.alias.as_ref().map_or(String::new(), |a| {
                format!(" with `alias = \"{}\"`", a.as_str())
            });
            let inverse = inverse_const(r);
            let none = format!(
                "relation `{name}`: `{target_text}` has no `one` relation holding a key back to `{owner}`{with_alias} to infer this `many` from; declare it there, or give this relation `from = ..` and `to = ..`"
            );
            let several = format!(
                "relation `{name}`: `{target_text}` has several `one` relations back to `{owner}`{with_alias}; add `alias = \"...\"` here and on the one this `many` pairs with"
            );
            let span = r.kind_span;
            out.extend(quote_spanned! {span=>
                if !#failed {
                    let m = ::rel::__private::check::inverse_message(<#owner>::#inverse.count, #none, #several);
                    if !m.is_empty() {
                        ::core::panic!("{}", m)
                    }
                }
            });
        }
    }
}

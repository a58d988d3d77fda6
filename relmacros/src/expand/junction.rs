//! Junction checks: a `through` junction's columns refer to the two tables it joins.

use super::relations::{target, target_item};
use super::type_text;
use crate::model::{Relation, Table};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The junction's first columns refer to this table's key, its second to the target's:
/// by the junction's own `one` relations where it declares them, else by type. Swapped
/// columns get the order that fits; one mistake is one error.
#[allow(clippy::too_many_arguments)]
pub fn checks(
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
    // `from` and `to` must each match one row: a junction row holding a name that
    // several groups share would make its user a member of all of them.
    let mut keys = TokenStream::new();
    if let Some(f) = from {
        let names: Vec<&str> = super::relations::local_names(t, f).collect();
        let text: Vec<String> = f.iter().map(|&i| t.columns[i].ident.to_string()).collect();
        let message = format!(
            "relation `{name}`: `from = {}` is not the primary key or a unique column of `{owner}`, so one junction row would stand for every `{owner}` row with that value; name a key, or mark the column `#[column(unique)]`",
            text.join(", ")
        );
        keys.extend(quote_spanned! {junction.span()=>
            if !::rel::__private::check::is_unique_key(
                <#owner as ::rel::__private::Table>::COLUMNS,
                <#owner as ::rel::__private::Table>::PRIMARY_KEY,
                &[#(#names),*],
            ) {
                ::core::panic!(#message)
            }
        });
    }
    if let Some(cols) = to {
        let names: Vec<TokenStream> =
            super::relations::target_column_names(&target, cols).collect();
        let (columns, pk) = (
            target_item(t, r, "COLUMNS"),
            target_item(t, r, "PRIMARY_KEY"),
        );
        let text: Vec<String> = cols.iter().map(|c| format!("{target_text}::{c}")).collect();
        let message = format!(
            "relation `{name}`: `to = {}` is not the primary key or a unique column of `{target_text}`, so one junction row would stand for every `{target_text}` row with that value; name a key, or mark the column `#[column(unique)]`",
            text.join(", ")
        );
        let span = cols.first().map_or(junction.span(), |c| c.span());
        keys.extend(quote_spanned! {span=>
            if !::rel::__private::check::is_unique_key(#columns, #pk, &[#(#names),*]) {
                ::core::panic!(#message)
            }
        });
    }
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
            #keys
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

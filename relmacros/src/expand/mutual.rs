//! Two tables whose required keys refer to each other: neither row can be inserted
//! first, so the pair is a compile error that says which side keeps the key.

use super::relations::target_item;
use super::type_text;
use crate::model::{Relation, Table};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// For a `one` relation to another table: when it holds a required key, and the target
/// holds a required key back (other than its alias partner, which the alias checks
/// judge), one of the two reports it. The one that reports is the side whose key is
/// not its primary key when the other's is (a shared-key one-to-one keeps the key on
/// the dependent table), else the first of the two; the message says to keep the
/// other's key and make this relation its inverse.
pub fn check(t: &Table, r: &Relation, index: usize) -> TokenStream {
    let owner = &t.ident;
    let target_text = type_text(&r.target);
    let name_text = r.ident.to_string();
    let failed = target_item(t, r, "DERIVE_FAILED");
    let them = target_item(t, r, "META");
    let alias = match &r.alias {
        Some(a) => {
            let a = a.as_str();
            quote!(::core::option::Option::Some(#a))
        }
        None => quote!(::core::option::Option::None),
    };
    let from_text = match r.keys {
        crate::model::Keys::Explicit { ref from, .. } => {
            let names: Vec<String> = from
                .iter()
                .map(|&i| t.columns[i].ident.to_string())
                .collect();
            names.join(", ")
        }
        _ => return TokenStream::new(),
    };
    let start = if r.field {
        format!("relation `{name_text}`: `{owner}::{from_text}` refers to `{target_text}`, and `")
    } else {
        format!("column `{from_text}` refers to `{target_text}`, and `")
    };
    let back = format!(
        "` refers back to `{owner}`; both keys are required, so neither row can be inserted before the other. "
    );
    let (inverse, end) = if r.field {
        (
            format!(
                "Keep the key on one side: keep `{target_text}`'s, and make this relation its inverse, without `{from_text}`: `#[relation(one, from = "
            ),
            ", foreign_key = to)]`; or make one of the two keys an `Option`, set once both rows exist".to_string(),
        )
    } else {
        (
            "Make one of the two keys an `Option`, set once both rows exist, or drop one of them (this column's `references`, or `".to_string(),
            "`'s)".to_string(),
        )
    };
    let field = r.field;
    let span = r.target.span();
    quote_spanned! {span=>
        const _: () = if !#failed {
            let m = ::rel::__private::check::mutual(
                <#owner as ::rel::__private::Table>::META,
                #index,
                #them,
                #alias,
                ::rel::__private::check::MutualText {
                    start: #start,
                    target: #target_text,
                    back: #back,
                    advice: #inverse,
                    end: #end,
                    field: #field,
                },
            );
            if !m.is_empty() {
                ::core::panic!("{}", m.as_str())
            }
        };
    }
}

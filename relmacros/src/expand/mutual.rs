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
    let self_name = &t.name;
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
    let suggestion = if r.field {
        quote! {{
            let m = check::push_fields(m, "", mine.columns, p.to);
            check::push_fields(m.push(", to = "), #target_text, them.columns, p.from)
        }}
    } else {
        quote!(check::push_fields(m, #target_text, them.columns, p.from))
    };
    let span = r.target.span();
    quote_spanned! {span=>
        const _: () = if !#failed {
            use ::rel::__private::check;
            let me = &<#owner as ::rel::__private::Table>::META.relations[#index];
            let mine = <#owner as ::rel::__private::Table>::META;
            let them = #them;
            if check::required_key(me, mine.columns) {
                if let ::core::option::Option::Some(p) =
                    check::required_key_back(them.relations, them.columns, #self_name, #alias)
                {
                    let mine_pk = check::is_primary_key(mine.primary_key, me.from);
                    let theirs_pk = check::is_primary_key(them.primary_key, p.from);
                    let reports = if mine_pk != theirs_pk {
                        theirs_pk
                    } else {
                        check::precedes(#self_name, #name_text, them.name, p.name)
                    };
                    if reports {
                        let m = check::Message::new().push(#start);
                        let m = check::push_fields(m, #target_text, them.columns, p.from);
                        let m = m.push(#back).push(#inverse);
                        let m = #suggestion;
                        ::core::panic!("{}", m.push(#end).as_str())
                    }
                }
            }
        };
    }
}

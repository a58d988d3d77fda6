//! `#[rel::skip_unloaded]`: serde skips every relation that was not loaded.
//!
//! An attribute macro, not an option of `derive(Table)`: a derive cannot change the
//! attributes another derive reads, and serde's derive reads `#[serde(..)]` on each
//! field. Placed above `#[derive(..)]`, this macro runs first and adds to each
//! relation field `#[serde(default, skip_serializing_if = "::rel::Many::is_not_loaded")]`
//! (`One` for a `one`), leaving a field alone where it already says how serde skips or
//! defaults it.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Attribute, Data, DeriveInput, Fields};

pub fn expand(args: TokenStream, mut input: DeriveInput) -> TokenStream {
    if !args.is_empty() {
        let mut out = syn::Error::new_spanned(args, "`#[rel::skip_unloaded]` takes no arguments")
            .to_compile_error();
        out.extend(input.into_token_stream());
        return out;
    }
    // A derive above this attribute has already read the struct without what it adds.
    if !input.attrs.iter().any(derives_serde) {
        return error(
            &input,
            "`#[rel::skip_unloaded]` must be above `#[derive(..)]`, which must derive \
             `Serialize` or `Deserialize`: serde's derive reads the attributes it adds",
        );
    }
    let Data::Struct(data) = &mut input.data else {
        return error(&input, "`#[rel::skip_unloaded]` is for structs");
    };
    let Fields::Named(fields) = &mut data.fields else {
        return error(
            &input,
            "`#[rel::skip_unloaded]` is for structs with named fields",
        );
    };
    for field in &mut fields.named {
        let Some(kind) = relation_kind(&field.attrs) else {
            continue;
        };
        let said = serde_options(&field.attrs);
        let skips = ["skip", "skip_serializing", "skip_serializing_if"]
            .iter()
            .any(|o| said.iter().any(|s| s == o));
        let mut options = Vec::new();
        if !said.iter().any(|s| s == "default") && !said.iter().any(|s| s == "skip") {
            options.push(quote!(default));
        }
        if !skips {
            let path = format!("::rel::{kind}::is_not_loaded");
            options.push(quote!(skip_serializing_if = #path));
        }
        if !options.is_empty() {
            field.attrs.push(syn::parse_quote!(#[serde(#(#options),*)]));
        }
    }
    input.into_token_stream()
}

fn error(input: &DeriveInput, message: &str) -> TokenStream {
    let mut out = syn::Error::new_spanned(&input.ident, message).to_compile_error();
    out.extend(input.into_token_stream());
    out
}

/// Whether `attr` is a `#[derive(..)]` naming `Serialize` or `Deserialize` (by any
/// path: `serde::Serialize` too).
fn derives_serde(attr: &Attribute) -> bool {
    attr.path().is_ident("derive")
        && attr
            .meta
            .to_token_stream()
            .into_iter()
            .any(|t| contains_ident(t, &["Serialize", "Deserialize"]))
}

fn contains_ident(tree: proc_macro2::TokenTree, names: &[&str]) -> bool {
    match tree {
        proc_macro2::TokenTree::Ident(i) => names.iter().any(|n| i == n),
        proc_macro2::TokenTree::Group(g) => {
            g.stream().into_iter().any(|t| contains_ident(t, names))
        }
        _ => false,
    }
}

/// `"One"` or `"Many"` for a field with `#[relation(one, ..)]` or
/// `#[relation(.., many)]`: the kind is a bare word anywhere in the list.
fn relation_kind(attrs: &[Attribute]) -> Option<&'static str> {
    let relation = attrs.iter().find(|a| a.path().is_ident("relation"))?;
    let syn::Meta::List(list) = &relation.meta else {
        return None;
    };
    let mut kind = None;
    // A misspelled or missing kind: `derive(Table)` says so.
    let _ = list.parse_nested_meta(|meta| {
        if meta.path.is_ident("one") && !meta.input.peek(syn::Token![=]) {
            kind = Some("One");
        } else if meta.path.is_ident("many") && !meta.input.peek(syn::Token![=]) {
            kind = Some("Many");
        } else if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        } else if meta.input.peek(syn::token::Paren) {
            let _: proc_macro2::Group = meta.input.parse()?;
        }
        Ok(())
    });
    kind
}

/// The option names of the field's `#[serde(..)]` attributes (`default`, `skip`,
/// `skip_serializing_if`, ..).
fn serde_options(attrs: &[Attribute]) -> Vec<String> {
    let mut names = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(name) = meta.path.get_ident() {
                names.push(name.to_string());
            }
            // Skip the option's value, if any: `= ..` or `(..)`.
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _: proc_macro2::Group = meta.input.parse()?;
            }
            Ok(())
        });
    }
    names
}

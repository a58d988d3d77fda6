//! `#[derive(Table)]` for Rel.
//!
//! The pipeline: `attr` reads attributes with darling, `model` validates them into
//! the form the rest of the crate reads (collecting every error with its span), and
//! `expand` generates the code. Checks that need another struct's definition become
//! generated constants that rustc evaluates, each spanned on the user's token.

mod attr;
mod expand;
mod json;
mod model;
mod partial;
mod skip;

use proc_macro::TokenStream;

/// Derives `Table` for a struct with named fields.
#[proc_macro_derive(Table, attributes(table, column, relation))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}

/// Derives `Partial` for a struct of some columns of a table: `#[partial(of = User)]`.
/// See `rel::Partial`.
#[proc_macro_derive(Partial, attributes(partial))]
pub fn derive_partial(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    partial::expand(&input).into()
}

/// Makes serde skip every relation of the struct that was not loaded. See
/// `rel::skip_unloaded`.
#[proc_macro_attribute]
pub fn skip_unloaded(args: TokenStream, input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    skip::expand(args.into(), input).into()
}

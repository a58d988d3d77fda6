//! `#[derive(Partial)]`: some columns of a table as a struct of their own. Each field
//! is checked against the table's column handle of the same name (`User::name`), which
//! must exist and hold the field's type: generated code that rustc type-checks, spanned
//! on the user's field.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Type};

pub fn expand(input: &DeriveInput) -> TokenStream {
    match expand_checked(input) {
        Ok(out) => out,
        Err(e) => e.to_compile_error(),
    }
}

fn expand_checked(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let mut of: Option<Type> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("partial")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("of") {
                of = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown key: `#[partial(of = Table)]` takes only `of`"))
            }
        })?;
    }
    let Some(of) = of else {
        return Err(syn::Error::new(
            ident.span(),
            "say which table this is part of: `#[partial(of = User)]`",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a partial struct has no generic parameters",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "`Partial` is derived for a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            data.fields.span(),
            "`Partial` is derived for a struct with named fields",
        ));
    };
    if fields.named.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            "a partial struct names at least one column",
        ));
    }
    let names: Vec<_> = fields
        .named
        .iter()
        .filter_map(|f| f.ident.clone())
        .collect();
    let types: Vec<_> = fields.named.iter().map(|f| f.ty.clone()).collect();
    // `User::name` must be a column of `User` holding the field's type.
    let checks = names.iter().zip(&types).map(|(name, ty)| {
        quote_spanned! {name.span()=>
            let _: ::rel::__private::Column<#of, #ty> = <#of>::#name;
        }
    });
    let columns = names
        .iter()
        .map(|name| quote_spanned!(name.span()=> <#of>::#name.name()));
    let reads = names.iter().zip(&types).map(|(name, ty)| {
        quote_spanned! {ty.span()=>
            #name: <#ty as ::rel::__private::ColumnValue>::read(row)?
        }
    });
    Ok(quote! {
        impl ::rel::__private::Partial for #ident {
            type Of = #of;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
            fn decode(
                row: &mut ::rel::__private::RowReader<'_>,
            ) -> ::rel::__private::Result<Self> {
                ::core::result::Result::Ok(Self { #(#reads),* })
            }
        }
        const _: () = {
            #[allow(dead_code)]
            fn columns_of_the_table() {
                #(#checks)*
            }
        };
    })
}

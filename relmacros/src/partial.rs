//! `#[derive(Partial)]`: some columns of a table as a struct of their own. Each field
//! is checked against the table's column handle of the same name (`User::name`), which
//! must exist and hold the field's type: generated code that rustc type-checks, spanned
//! on the user's field.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Field, Fields, Type};

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
    let mut computed: Vec<Option<Expr>> = Vec::new();
    for field in &fields.named {
        computed.push(computed_of(field)?);
    }
    // `User::name` must be a column of `User` holding the field's type.
    let checks = names
        .iter()
        .zip(&types)
        .zip(&computed)
        .filter(|(_, c)| c.is_none())
        .map(|((name, ty), _)| {
            quote_spanned! {name.span()=>
                let _: ::rel::__private::Column<#of, #ty> = <#of>::#name;
            }
        });
    let columns = names.iter().zip(&computed).map(|(name, c)| match c {
        // A computed field's name stands for it in messages.
        Some(_) => {
            let text = name.to_string();
            quote!(#text)
        }
        None => quote_spanned!(name.span()=> <#of>::#name.name()),
    });
    // Each computed value must be of its field's type: `computed_field` ties them.
    let computed_fields = computed
        .iter()
        .zip(&types)
        .enumerate()
        .filter_map(|(i, (c, ty))| {
            let expr = c.as_ref()?;
            Some(quote_spanned! {expr.span()=>
                (#i, ::rel::__private::computed_field::<#of, #ty, _>(#expr))
            })
        });
    let computed_fn = if computed.iter().any(Option::is_some) {
        quote! {
            #[allow(clippy::vec_init_then_push)]
            fn computed() -> ::rel::__private::Result<
                ::std::vec::Vec<(usize, ::rel::__private::AnyComputed)>,
            > {
                ::core::result::Result::Ok(::std::vec![#(#computed_fields),*])
            }
        }
    } else {
        quote!()
    };
    let reads = names.iter().zip(&types).map(|(name, ty)| {
        quote_spanned! {ty.span()=>
            #name: <#ty as ::rel::__private::ColumnValue>::read(row)?
        }
    });
    Ok(quote! {
        impl ::rel::__private::Partial for #ident {
            type Of = #of;
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
            #computed_fn
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

/// The expression of a field's `#[partial(computed = ..)]`, if it has one.
fn computed_of(field: &Field) -> syn::Result<Option<Expr>> {
    let mut computed = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("partial")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("computed") {
                if computed.is_some() {
                    return Err(meta.error("a field has one `computed` value"));
                }
                computed = Some(meta.value()?.parse::<Expr>()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown key: a field of a partial struct takes only `#[partial(computed = ..)]`",
                ))
            }
        })?;
    }
    Ok(computed)
}

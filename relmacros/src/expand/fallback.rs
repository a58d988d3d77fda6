//! What a derive with errors still emits, so one mistake does not cascade.
//!
//! Column handles for every plain field and a `Table` impl with empty metadata keep
//! the rest of the user's code compiling, so only the real errors show.

use crate::model::wrapper_arg;
use proc_macro2::TokenStream;
use quote::quote;

/// `fn posts() -> Relation<User, Post>` for a relation field whose declaration failed.
pub fn relation_handle(
    ident: &syn::Ident,
    vis: &syn::Visibility,
    name: &syn::Ident,
    ty: &syn::Type,
) -> TokenStream {
    let (target, kind) = match (wrapper_arg(ty, "One"), wrapper_arg(ty, "Many")) {
        (Some(t), _) => (t, quote!(ToOne)),
        (None, Some(t)) => (t, quote!(ToMany)),
        (None, None) => return TokenStream::new(),
    };
    let target = wrapper_arg(target, "Option").unwrap_or(target);
    quote! {
        #[allow(dead_code)]
        #vis fn #name() -> ::rel::__private::Relation<#ident, #target, ::rel::__private::#kind> {
            ::core::unreachable!()
        }
    }
}

pub fn expand(input: &syn::DeriveInput) -> TokenStream {
    let syn::Data::Struct(data) = &input.data else {
        return TokenStream::new();
    };
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let vis = &input.vis;
    let mut consts = Vec::new();
    let mut handles = Vec::new();
    for field in &data.fields {
        let Some(name) = &field.ident else { continue };
        let ty = &field.ty;
        let is_relation = field.attrs.iter().any(|a| a.path().is_ident("relation"));
        if is_relation {
            handles.push(relation_handle(ident, vis, name, ty));
        } else if wrapper_arg(ty, "One").is_none() && wrapper_arg(ty, "Many").is_none() {
            consts.push(quote! {
                #[allow(non_upper_case_globals, dead_code)]
                #vis const #name: ::rel::__private::Column<#ident, #ty> = ::rel::__private::Column::new("", "");
            });
        }
    }
    let named_query = data
        .fields
        .iter()
        .any(|f| f.ident.as_ref().is_some_and(|i| i == "query"));
    let query = if named_query {
        TokenStream::new()
    } else {
        super::query_fn(ident, vis)
    };
    quote! {
        impl #ident {
            #(#consts)*
            #(#handles)*
            #query
        }
        impl ::rel::__private::Table for #ident {
            type Key = ();
            const DERIVE_FAILED: bool = true;
            const NAME: &'static str = "";
            const TYPE_NAME: &'static str = "";
            const COLUMNS: &'static [::rel::__private::ColumnMeta] = &[];
            const PRIMARY_KEY: &'static [&'static str] = &[];
            const DECLARED_RELATIONS: &'static [::rel::__private::RelationMeta] = &[];
            const META: &'static ::rel::__private::TableMeta = &::rel::__private::TableMeta {
                name: "",
                type_name: "",
                renamed_from: ::core::option::Option::None,
                columns: &[],
                primary_key: &[],
                relations: &[],
            };
            fn key(&self) {}
            fn decode(_: &mut ::rel::__private::RowReader<'_>) -> ::rel::__private::Result<Self> {
                ::core::unreachable!()
            }
            fn column_value(&self, _: usize) -> ::core::option::Option<::rel::__private::Value> {
                ::core::option::Option::None
            }
            fn relation(&self, _: usize) -> ::core::option::Option<&dyn ::core::any::Any> {
                ::core::option::Option::None
            }
            fn relation_field(&mut self, _: usize) -> ::core::option::Option<&mut dyn ::core::any::Any> {
                ::core::option::Option::None
            }
            fn set_column_value(
                &mut self,
                _: usize,
                _: ::rel::__private::Value,
            ) -> ::rel::__private::Result<()> {
                ::core::result::Result::Ok(())
            }
        }
    }
}

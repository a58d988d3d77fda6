//! Code generation from the validated model.
//!
//! Generated code reaches the runtime only through `::rel::__private`. Checks that need
//! another struct become `const _: () = ...;` items that rustc evaluates; each is spanned
//! on the user's token, so its error points there.

mod alias;
mod checks;
mod columns;
mod fallback;
mod junction;
mod mutual;
mod relations;
mod row;

use crate::model::Table;
use proc_macro2::TokenStream;
use quote::quote;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let (table, errors) = Table::from_input(input);
    let errors = errors.map(|e| e.write_errors());
    let code = match &table {
        Some(table) => expand(table),
        None => fallback::expand(input),
    };
    quote! { #errors #code }
}

fn expand(t: &Table) -> TokenStream {
    let (ident, vis) = (&t.ident, &t.vis);
    let table_name = &t.name;
    let renamed_from = match &t.renamed_from {
        Some(old) => quote!(::core::option::Option::Some(#old)),
        None => quote!(::core::option::Option::None),
    };
    let type_name = ident.to_string();
    let column_consts = columns::consts(t);
    let column_metas = columns::metas(t);
    let primary_key: Vec<&str> = t
        .primary_key
        .iter()
        .map(|&i| t.columns[i].name.as_str())
        .collect();
    let relation_handles = relations::handles(t);
    let (declared, all) = relations::metas(t);
    let row = row::impls(t);
    let checks = checks::all(t);
    let shared = checks::shared_consts(t);
    // A field named `query` is the column (or relation) of that name; the query is
    // then `<User as TableExt>::query()`.
    let named_query = t.columns.iter().any(|c| c.ident == "query")
        || t.relations.iter().any(|r| r.field && r.ident == "query");
    let query = if named_query {
        TokenStream::new()
    } else {
        query_fn(ident, vis)
    };
    quote! {
        #[automatically_derived]
        impl #ident {
            #column_consts
            #relation_handles
            #query
            #shared
        }

        #[automatically_derived]
        impl ::rel::__private::Table for #ident {
            #row
            const NAME: &'static str = #table_name;
            // With its module: two structs of one name in different modules are two
            // types to the checks and the registry.
            const TYPE_NAME: &'static str = ::core::concat!(::core::module_path!(), "::", #type_name);
            const COLUMNS: &'static [::rel::__private::ColumnMeta] = &[#column_metas];
            const PRIMARY_KEY: &'static [&'static str] = &[#(#primary_key),*];
            const DECLARED_RELATIONS: &'static [::rel::__private::RelationMeta] = &[#declared];
            const META: &'static ::rel::__private::TableMeta = &::rel::__private::TableMeta {
                name: #table_name,
                type_name: <Self as ::rel::__private::Table>::TYPE_NAME,
                renamed_from: #renamed_from,
                columns: <Self as ::rel::__private::Table>::COLUMNS,
                primary_key: <Self as ::rel::__private::Table>::PRIMARY_KEY,
                relations: &[#all],
            };
        }

        #checks

        // Registered at link time, so that a process never told the schema knows it.
        const _: () = {
            fn meta() -> &'static ::rel::__private::TableMeta {
                <#ident as ::rel::__private::Table>::META
            }
            ::rel::__private::inventory::submit! {
                ::rel::__private::Registered(meta)
            }
        };
    }
}

/// `fn query() -> Query<User>`: a query on the table, with no import needed.
pub fn query_fn(ident: &syn::Ident, vis: &syn::Visibility) -> TokenStream {
    let doc = format!("A query on `{ident}`: `{ident}::query().filter(..).all(&db)`.");
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis fn query() -> ::rel::__private::Query<#ident> {
            ::rel::__private::Query::new()
        }
    }
}

/// A type as the user would write it, for messages: `Option<i64>`.
pub fn type_text(ty: &syn::Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
}

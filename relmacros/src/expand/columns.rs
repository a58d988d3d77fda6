//! Column handles (`User::id`) and column metadata.

use crate::model::{DefaultLit, Table};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// `pub const id: Column<User, i64>` for every column.
pub fn consts(t: &Table) -> TokenStream {
    let (ident, vis, table) = (&t.ident, &t.vis, &t.name);
    t.columns
        .iter()
        .map(|c| {
            let (field, ty, name) = (&c.ident, &c.ty, &c.name);
            let doc = format!("The `{name}` column of `{table}`.");
            quote_spanned! {ty.span()=>
                #[doc = #doc]
                #[allow(non_upper_case_globals, dead_code)]
                #vis const #field: ::rel::__private::Column<#ident, #ty> =
                    ::rel::__private::Column::new(#table, #name);
            }
        })
        .collect()
}

/// The `ColumnMeta` entries, in field order.
pub fn metas(t: &Table) -> TokenStream {
    t.columns
        .iter()
        .map(|c| {
            let (field, name, ty) = (c.ident.to_string(), &c.name, &c.ty);
            let auto_increment = c.auto_increment.is_some();
            let (unique, index) = (c.unique, c.index);
            let default = match c.default.as_ref().map(|d| &d.lit) {
                None => quote!(::core::option::Option::None),
                Some(lit) => {
                    let lit = match lit {
                        DefaultLit::Int(i) => quote!(Int(#i)),
                        DefaultLit::Float(f) => quote!(Float(#f)),
                        DefaultLit::Bool(b) => quote!(Bool(#b)),
                        DefaultLit::Str(s) => quote!(Str(#s)),
                    };
                    quote!(::core::option::Option::Some(::rel::__private::Literal::#lit))
                }
            };
            let renamed_from = match &c.renamed_from {
                Some(old) => quote!(::core::option::Option::Some(#old)),
                None => quote!(::core::option::Option::None),
            };
            let declared = match &c.sql_type {
                Some(ty) => quote!(::core::option::Option::Some(#ty)),
                None => quote!(::core::option::Option::None),
            };
            let sql_type =
                quote_spanned!(ty.span()=> <#ty as ::rel::__private::ColumnValue>::SQL_TYPE);
            let nullable =
                quote_spanned!(ty.span()=> <#ty as ::rel::__private::ColumnValue>::NULLABLE);
            quote! {
                ::rel::__private::ColumnMeta {
                    field: #field,
                    name: #name,
                    ty: #sql_type,
                    nullable: #nullable,
                    auto_increment: #auto_increment,
                    unique: #unique,
                    index: #index,
                    default: #default,
                    renamed_from: #renamed_from,
                    sql_type: #declared,
                },
            }
        })
        .collect()
}

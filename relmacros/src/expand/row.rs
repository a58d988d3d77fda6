//! The row side of `Table`: key, column values and decoding (`values` is the
//! trait's default, over `column_value`: one method less to check per table).

use crate::model::Table;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn impls(t: &Table) -> TokenStream {
    let ident = &t.ident;
    let key_fields: Vec<_> = t.primary_key.iter().map(|&i| &t.columns[i].ident).collect();
    let key_types: Vec<_> = t.primary_key.iter().map(|&i| &t.columns[i].ty).collect();
    let (key_type, key_value) = match (key_types.as_slice(), key_fields.as_slice()) {
        ([ty], [field]) => (
            quote!(#ty),
            quote!(::core::clone::Clone::clone(&self.#field)),
        ),
        _ => (
            quote!((#(#key_types,)*)),
            quote!((#(::core::clone::Clone::clone(&self.#key_fields),)*)),
        ),
    };
    let reads = t.columns.iter().map(|c| {
        let (field, ty) = (&c.ident, &c.ty);
        quote_spanned!(ty.span()=> #field: <#ty as ::rel::__private::ColumnValue>::read(row)?)
    });
    // A column's foreign key (`references`) is no field: the column is.
    let fields: Vec<&crate::model::Relation> = t.relations.iter().filter(|r| r.field).collect();
    let relations = fields
        .iter()
        .map(|r| &r.ident)
        .chain(t.broken_relations.iter().map(|(i, _)| i));
    let relations = relations.map(|field| quote!(#field: ::core::default::Default::default()));
    let column_values = t.columns.iter().enumerate().map(|(i, c)| {
        let (field, ty) = (&c.ident, &c.ty);
        quote_spanned!(ty.span()=> #i => ::core::option::Option::Some(<#ty as ::rel::__private::ColumnValue>::to_value(&self.#field)))
    });
    let indices: Vec<usize> = (0..fields.len()).collect();
    let relation_fields: Vec<_> = fields.iter().map(|r| &r.ident).collect();
    let relation_targets: Vec<_> = fields.iter().map(|r| &r.target).collect();
    let table_name = &t.name;
    let set_columns = t.columns.iter().enumerate().map(|(i, c)| {
        let (field, ty, name) = (&c.ident, &c.ty, &c.name);
        quote_spanned! {ty.span()=>
            #i => <#ty as ::rel::__private::ColumnValue>::set(&mut self.#field, value, #table_name, #name)?,
        }
    });
    quote! {
        type Key = #key_type;

        fn column_value(&self, column: usize) -> ::core::option::Option<::rel::__private::Value> {
            match column {
                #(#column_values,)*
                _ => ::core::option::Option::None,
            }
        }

        fn relation(&self, index: usize) -> ::core::option::Option<&dyn ::core::any::Any> {
            match index {
                #(#indices => ::core::option::Option::Some(&self.#relation_fields),)*
                _ => ::core::option::Option::None,
            }
        }

        fn relation_field(&mut self, index: usize) -> ::core::option::Option<&mut dyn ::core::any::Any> {
            match index {
                #(#indices => ::core::option::Option::Some(&mut self.#relation_fields),)*
                _ => ::core::option::Option::None,
            }
        }

        fn set_column_value(
            &mut self,
            column: usize,
            value: ::rel::__private::Value,
        ) -> ::rel::__private::Result<()> {
            match column {
                #(#set_columns)*
                _ => {}
            }
            ::core::result::Result::Ok(())
        }

        fn graph_steps<Deferred: ?::core::marker::Sized>(
            index: usize,
        ) -> ::core::option::Option<&'static dyn ::core::any::Any> {
            match index {
                #(#indices => {
                    #[allow(unused_imports)]
                    use ::rel::__private::{NotATable as _, ViaTable as _};
                    (&&::rel::__private::Probe::<#relation_targets>::NEW).graph_steps()
                },)*
                _ => ::core::option::Option::None,
            }
        }

        fn key(&self) -> Self::Key {
            #key_value
        }


        fn decode(row: &mut ::rel::__private::RowReader<'_>) -> ::rel::__private::Result<Self> {
            ::core::result::Result::Ok(#ident {
                #(#reads,)*
                #(#relations,)*
            })
        }
    }
}

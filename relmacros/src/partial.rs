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
    // Each field is a column of the table, a computed value, or a relation of the
    // table (`One<..>` or `Many<..>`, by the relation's name).
    let mut cells = Vec::new();
    let mut relations = Vec::new();
    for field in &fields.named {
        let Some(name) = field.ident.clone() else {
            continue;
        };
        let ty = field.ty.clone();
        let computed = computed_of(field)?;
        if computed.is_none() && is_relation(&ty) {
            relations.push((name, ty));
        } else {
            cells.push((name, ty, computed));
        }
    }
    if cells.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            "a partial struct names at least one column or computed value",
        ));
    }
    // `User::name` must be a column of `User` holding the field's type.
    let checks = cells
        .iter()
        .filter(|(_, _, c)| c.is_none())
        .map(|(name, ty, _)| {
            quote_spanned! {name.span()=>
                let _: ::rel::__private::Column<#of, #ty> = <#of>::#name;
            }
        });
    // `User::posts()` must be a relation of `User` whose kind and target the field's
    // type holds.
    let relation_checks = relations.iter().map(|(name, ty)| {
        quote_spanned! {ty.span()=>
            ::rel::__private::partial_relation::<#of, _, _, _, #ty>(<#of>::#name());
        }
    });
    let columns = cells.iter().map(|(name, _, c)| match c {
        // A computed field's name stands for it in messages.
        Some(_) => {
            let text = name.to_string();
            quote!(#text)
        }
        None => quote_spanned!(name.span()=> <#of>::#name.name()),
    });
    // Each computed value must be of its field's type: `computed_field` ties them.
    let computed_fields = cells.iter().enumerate().filter_map(|(i, (_, ty, c))| {
        let expr = c.as_ref()?;
        Some(quote_spanned! {expr.span()=>
            (#i, ::rel::__private::computed_field::<#of, #ty, _>(#expr))
        })
    });
    let reads = cells.iter().map(|(name, ty, _)| {
        quote_spanned! {ty.span()=>
            #name: <#ty as ::rel::__private::ColumnValue>::read(row)?
        }
    });
    let unloaded = relations
        .iter()
        .map(|(name, _)| quote!(#name: ::core::default::Default::default()));
    let column_values = cells
        .iter()
        .filter(|(_, _, c)| c.is_none())
        .map(|(name, ty, _)| {
            quote! {
                if column == <#of>::#name.name() {
                    return ::core::option::Option::Some(
                        <#ty as ::rel::__private::ColumnValue>::to_value(&self.#name),
                    );
                }
            }
        });
    let values = cells
        .iter()
        .map(|(name, ty, _)| quote!(<#ty as ::rel::__private::ColumnValue>::to_value(&self.#name)));
    let relation_names: Vec<String> = relations.iter().map(|(n, _)| n.to_string()).collect();
    let relation_fields: Vec<_> = relations.iter().map(|(n, _)| n).collect();
    let relation_types: Vec<_> = relations.iter().map(|(_, t)| t).collect();
    Ok(quote! {
        impl ::rel::__private::Record for #ident {
            type Of = #of;
            const SELECTED: ::core::option::Option<&'static [&'static str]> =
                ::core::option::Option::Some(&[#(#columns),*]);
            #[allow(clippy::vec_init_then_push)]
            fn computed_fields() -> ::rel::__private::Result<
                ::std::vec::Vec<(usize, ::rel::__private::AnyComputed)>,
            > {
                ::core::result::Result::Ok(::std::vec![#(#computed_fields),*])
            }
            fn decode_record(
                row: &mut ::rel::__private::RowReader<'_>,
            ) -> ::rel::__private::Result<Self> {
                ::core::result::Result::Ok(Self { #(#reads,)* #(#unloaded,)* })
            }
            fn record_column(
                &self,
                column: usize,
            ) -> ::core::option::Option<::rel::__private::Value> {
                let column = <#of as ::rel::__private::Table>::META.columns.get(column)?.name;
                #(#column_values)*
                ::core::option::Option::None
            }
            fn record_relation(&self, index: usize) -> ::core::option::Option<&dyn ::core::any::Any> {
                match <#of as ::rel::__private::Table>::META.relations.get(index)?.name {
                    #(#relation_names => ::core::option::Option::Some(&self.#relation_fields),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn record_relation_mut(
                &mut self,
                index: usize,
            ) -> ::core::option::Option<&mut dyn ::core::any::Any> {
                match <#of as ::rel::__private::Table>::META.relations.get(index)?.name {
                    #(#relation_names => ::core::option::Option::Some(&mut self.#relation_fields),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn copy_record(&self) -> ::rel::__private::Result<Self> {
                ::rel::__private::copy_record(::std::vec![#(#values),*])
            }
            fn field_loader(index: usize) -> ::core::option::Option<::rel::__private::FieldLoader> {
                match <#of as ::rel::__private::Table>::META.relations.get(index)?.name {
                    #(#relation_names => ::core::option::Option::Some(
                        ::rel::__private::FieldLoader::of::<
                            <#relation_types as ::rel::__private::RelationField>::Record,
                        >(),
                    ),)*
                    _ => ::core::option::Option::None,
                }
            }
        }
        impl ::rel::__private::Partial for #ident {}
        const _: () = {
            #[allow(dead_code)]
            fn fields_of_the_table() {
                #(#checks)*
                #(#relation_checks)*
            }
        };
    })
}

/// Whether a field's type is a relation field: `One<..>` or `Many<..>`.
fn is_relation(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "One" || s.ident == "Many"),
        _ => false,
    }
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

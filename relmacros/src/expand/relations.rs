//! Relation handles (`User::posts()`) and relation metadata.

use crate::model::{Keys, Kind, Relation, Table};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The target type as generated code names it: the struct itself for self relations
/// (generated checks live outside the impl, where `Self` means nothing).
pub fn target(t: &Table, r: &Relation) -> TokenStream {
    if r.target_is_self {
        let ident = syn::Ident::new(&t.ident.to_string(), r.target.span());
        quote!(#ident)
    } else {
        let ty = &r.target;
        quote!(#ty)
    }
}

/// `<User as Table>::ITEM`, spanned on the user's target type.
pub fn target_item(t: &Table, r: &Relation, item: &str) -> TokenStream {
    let target = target(t, r);
    let item = syn::Ident::new(item, r.target.span());
    quote_spanned!(r.target.span()=> <#target as ::rel::__private::Table>::#item)
}

/// The SQL names of target columns: `<User>::id.name()`, spanned on `id`.
pub fn target_column_names<'a>(
    target: &'a TokenStream,
    cols: &'a [syn::Ident],
) -> impl Iterator<Item = TokenStream> + 'a {
    cols.iter()
        .map(move |c| quote_spanned!(c.span()=> <#target>::#c.name()))
}

/// SQL names of local columns.
pub fn local_names<'a>(t: &'a Table, cols: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
    cols.iter().map(|&i| t.columns[i].name.as_str())
}

pub fn handles(t: &Table) -> TokenStream {
    let (ident, vis) = (&t.ident, &t.vis);
    // A column's foreign key (`references`) has no handle: nothing loads it. They come
    // after the fields, so a handle's index is its relation's.
    let mut out: TokenStream = t
        .relations
        .iter()
        .enumerate()
        .filter(|(_, r)| r.field)
        .map(|(index, r)| {
            let name = &r.ident;
            let target = target(t, r);
            let doc = format!("The `{name}` relation of `{ident}`, for loading and filtering.");
            let kind = match r.kind {
                Kind::One => quote::format_ident!("ToOne"),
                Kind::Many => quote::format_ident!("ToMany"),
            };
            // The relation's own filter, typed against the target where it is written.
            let filter = r.filter.as_ref().map(|f| {
                quote_spanned! {f.span()=>
                    .filter({
                        let filter: ::rel::__private::Expr<#target> = #f;
                        filter
                    })
                }
            });
            quote_spanned! {r.target.span()=>
                #[doc = #doc]
                #[allow(dead_code)]
                #vis fn #name() -> ::rel::__private::Relation<#ident, #target, ::rel::__private::#kind> {
                    ::rel::__private::Relation::new(#index) #filter
                }
            }
        })
        .collect();
    // A broken relation still has a handle (the derive failed, so it never runs).
    for (name, ty) in &t.broken_relations {
        out.extend(super::fallback::relation_handle(ident, vis, name, ty));
    }
    out
}

fn is_declared(r: &Relation) -> bool {
    !matches!(r.keys, Keys::Inferred)
}

/// The declared relations (both ends named) and all relations, in field order. Entries
/// of the second refer to the first, so inferred relations read only declared ones and
/// constant evaluation never cycles, even between tables that infer from each other.
pub fn metas(t: &Table) -> (TokenStream, TokenStream) {
    let mut declared = TokenStream::new();
    let mut all = TokenStream::new();
    let mut next = 0usize;
    for r in &t.relations {
        if is_declared(r) {
            declared.extend(meta(t, r));
            all.extend(quote!(<Self as ::rel::__private::Table>::DECLARED_RELATIONS[#next],));
            next += 1;
        } else {
            all.extend(meta(t, r));
        }
    }
    (declared, all)
}

fn option<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn meta(t: &Table, r: &Relation) -> TokenStream {
    let name = r.ident.to_string();
    let target = target(t, r);
    let target_name = target_item(t, r, "NAME");
    let target_meta = target_item(t, r, "META");
    let kind = match r.kind {
        Kind::One => quote!(One),
        Kind::Many => quote!(Many),
    };
    let alias = option(r.alias.as_ref().map(|a| a.as_str()));
    let action = |a: &Option<darling::util::SpannedValue<crate::attr::Action>>| {
        option(a.as_ref().map(|a| {
            let v = syn::Ident::new(a.variant(), proc_macro2::Span::call_site());
            quote!(::rel::__private::Action::#v)
        }))
    };
    let (on_delete, on_update) = (action(&r.on_delete), action(&r.on_update));
    let optional = r.optional;
    let constraint = match (r.field, r.constraint) {
        (false, _) => quote!(ColumnKey),
        (true, true) => quote!(RelationKey),
        (true, false) => quote!(QueryOnly),
    };
    let (from, to, through, holds_key) = match &r.keys {
        Keys::Explicit {
            from: from_cols,
            to: to_cols,
        } => {
            let from = local_names(t, from_cols);
            let to: Vec<_> = target_column_names(&target, to_cols).collect();
            let holds_key = match r.kind {
                Kind::One => {
                    let owner = &t.ident;
                    let side = super::checks::side_const(r);
                    quote!(
                        ::core::matches!(<#owner>::#side, ::rel::__private::check::KeySide::Holds)
                    )
                }
                Kind::Many => quote!(false),
            };
            (
                quote!(&[#(#from),*]),
                quote!(&[#(#to),*]),
                quote!(::core::option::Option::None),
                holds_key,
            )
        }
        Keys::Through {
            from,
            to,
            junction,
            junction_from,
            junction_to,
        } => {
            let from: Vec<&str> = match from {
                Some(cols) => local_names(t, cols).collect(),
                None => local_names(t, &t.primary_key).collect(),
            };
            let to = match to {
                Some(cols) => {
                    let to = target_column_names(&target, cols);
                    quote!(&[#(#to),*])
                }
                None => target_item(t, r, "PRIMARY_KEY"),
            };
            let jt = quote_spanned!(junction.span()=> <#junction as ::rel::__private::Table>::META);
            let jcols =
                quote_spanned!(junction.span()=> <#junction as ::rel::__private::Table>::COLUMNS);
            let names = |cols: &[syn::Ident]| -> Vec<TokenStream> {
                cols.iter()
                    .map(|c| {
                        let f = c.to_string();
                        quote!(::rel::__private::check::field_column(#jcols, #f))
                    })
                    .collect()
            };
            let (jf, jto) = (names(junction_from), names(junction_to));
            let through = quote! {
                ::core::option::Option::Some(::rel::__private::Through {
                    table: {
                        fn junction() -> &'static ::rel::__private::TableMeta {
                            #jt
                        }
                        junction
                    },
                    from: &[#(#jf),*],
                    to: &[#(#jto),*],
                })
            };
            (quote!(&[#(#from),*]), to, through, quote!(false))
        }
        Keys::Inferred => {
            let owner = &t.ident;
            let inverse = super::checks::inverse_const(r);
            (
                quote!(<#owner>::#inverse.to),
                quote!(<#owner>::#inverse.from),
                quote!(::core::option::Option::None),
                quote!(false),
            )
        }
    };
    quote! {
        ::rel::__private::RelationMeta {
            name: #name,
            kind: ::rel::__private::RelationKind::#kind,
            alias: #alias,
            target_name: #target_name,
            // A fn item of its own rather than a closure: every closure's fn-pointer
            // shim is one item to rustc's monomorphization collector, whose depth
            // limit a long chain of tables (one META naming the next) would exceed.
            target: {
                fn target() -> &'static ::rel::__private::TableMeta {
                    #target_meta
                }
                target
            },
            from: #from,
            to: #to,
            through: #through,
            holds_key: #holds_key,
            optional: #optional,
            on_delete: #on_delete,
            on_update: #on_update,
            constraint: ::rel::__private::Constraint::#constraint,
        },
    }
}

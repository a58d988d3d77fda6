//! Alias checks: an alias pairs exactly two relations, one on each side.

use super::relations::target_item;
use super::type_text;
use crate::model::{Keys, Relation, Table};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// An alias pairs this relation with exactly one relation of the target back to this
/// struct: a `one` with a `many`, or two `one`s of which one holds the key, with keys
/// that mirror each other.
pub fn checks(t: &Table, r: &Relation, alias: &darling::util::SpannedValue<String>) -> TokenStream {
    let owner = &t.ident;
    let target_text = type_text(&r.target);
    let self_name = &t.name;
    let name = &r.ident;
    let failed = target_item(t, r, "DERIVE_FAILED");
    let rels = target_item(t, r, "META");
    let a = alias.as_str();
    let skip = if r.target_is_self {
        name.to_string()
    } else {
        String::new()
    };
    let index = t
        .relations
        .iter()
        .position(|o| o.ident == r.ident)
        .unwrap_or(0);
    let name_text = name.to_string();
    let target_name = target_item(t, r, "NAME");
    // An inferred `many` says itself when its partner is missing.
    let missing = if matches!(r.keys, Keys::Inferred) {
        quote!()
    } else {
        let no_partner = format!(
            "`{target_text}` has no relation with `alias = \"{a}\"` back to `{owner}`; an alias pairs two relations, so declare the other side with the same alias"
        );
        let near_start = format!(
            "`{target_text}` has no relation with `alias = \"{a}\"` back to `{owner}`; did you mean `alias = \""
        );
        quote_spanned! {alias.span()=>
            if n == 0 {
                match ::rel::__private::check::alias_near_miss(rels, #self_name, #a, #skip) {
                    // Both sides miss the other by case: the first of the two says so.
                    ::core::option::Option::Some(near) => {
                        if ::rel::__private::check::precedes(#self_name, #name_text, #target_name, near.name) {
                            let m = ::rel::__private::check::Message::new()
                                .push(#near_start)
                                .push(match near.alias {
                                    ::core::option::Option::Some(a) => a,
                                    ::core::option::Option::None => "",
                                })
                                .push("\"`? Aliases match exactly, case included");
                            ::core::panic!("{}", m.as_str())
                        }
                    }
                    ::core::option::Option::None => ::core::panic!(#no_partner),
                }
            }
        }
    };
    let two_many = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `many` relations; one side of a relation is a `one` (the one that holds the key, or the inverse of a one-to-one)"
    );
    let both_hold = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `one` relations that both hold a key; exactly one side of a one-to-one holds it (say which with `foreign_key = from | to`)"
    );
    let neither = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs two `one` relations, and neither holds the key; exactly one side of a one-to-one holds it (say which with `foreign_key = from | to`)"
    );
    let through_and_direct = format!(
        "relation `{name}`: `alias = \"{a}\"` pairs a many-to-many (`through = ..`) with a direct relation; a many-to-many pairs with the many-to-many back through the same junction"
    );
    let junction_mirror = format!(
        "relation `{name}`: the many-to-many of `{target_text}` with `alias = \"{a}\"` uses other junction columns; paired many-to-manys mirror each other (this side's first junction columns are the other's second)"
    );
    let mirror = format!(
        "relation `{name}`: the relation of `{target_text}` with `alias = \"{a}\"` has other keys; paired relations mirror each other (this side's `from` is the other's `to`)"
    );
    quote_spanned! {alias.span()=>
        const _: () = if !#failed {
            let rels = #rels.relations;
            let n = ::rel::__private::check::alias_partners(rels, #self_name, #a, #skip);
            #missing
            let me = &<#owner as ::rel::__private::Table>::META.relations[#index];
            let p = &rels[::rel::__private::check::alias_partner(rels, #self_name, #a, #skip)];
            // A mistake of the pair is reported once: by the `one` of a `one` and a
            // `many`, else by the first of the two.
            let reports = match (me.kind, p.kind) {
                (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::Many) => true,
                (::rel::__private::RelationKind::Many, ::rel::__private::RelationKind::One) => false,
                _ => ::rel::__private::check::precedes(#self_name, #name_text, #target_name, p.name),
            };
            if n == 1 && reports {
                match (me.kind, p.kind) {
                    (::rel::__private::RelationKind::Many, ::rel::__private::RelationKind::Many)
                        if me.through.is_none() || p.through.is_none() =>
                    {
                        if me.through.is_some() || p.through.is_some() {
                            ::core::panic!(#through_and_direct)
                        }
                        ::core::panic!(#two_many)
                    }
                    (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::One) if me.holds_key && p.holds_key => ::core::panic!(#both_hold),
                    (::rel::__private::RelationKind::One, ::rel::__private::RelationKind::One) if !me.holds_key && !p.holds_key => ::core::panic!(#neither),
                    _ => {}
                }
                match (me.through, p.through) {
                    (::core::option::Option::None, ::core::option::Option::None) => {
                        if !(::rel::__private::check::same_columns(me.from, p.to)
                            && ::rel::__private::check::same_columns(me.to, p.from))
                        {
                            ::core::panic!(#mirror)
                        }
                    }
                    (::core::option::Option::Some(mine), ::core::option::Option::Some(theirs)) => {
                        if !(::rel::__private::check::same_columns(mine.from, theirs.to)
                            && ::rel::__private::check::same_columns(mine.to, theirs.from))
                        {
                            ::core::panic!(#junction_mirror)
                        }
                    }
                    _ => ::core::panic!(#through_and_direct),
                }
            }
        };
    }
}

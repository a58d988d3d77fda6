//! Reading names and paths out of attribute expressions and types.

use super::err;
use syn::{Expr, GenericArgument, Ident, PathArguments, Type};

/// `T` in `Wrapper<T>` when the type's last segment is `Wrapper`.
pub fn wrapper_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(tp) = ungroup(ty) else {
        return None;
    };
    if tp.qself.is_some() {
        return None;
    }
    let seg = tp.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The type inside the invisible group a `macro_rules!` `$t:ty` becomes.
pub fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => ungroup(&g.elem),
        Type::Paren(p) => ungroup(&p.elem),
        other => other,
    }
}

pub(super) fn last_ident(ty: &Type) -> Option<&Ident> {
    match ungroup(ty) {
        Type::Path(tp) if tp.qself.is_none() => tp.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// Whether a relation's target is the struct that declares it: `Self`, or the struct's
/// own name alone. A path (`a::User`) is another struct, whatever its last name: two
/// structs of one name live in different modules, and only the type system could tell
/// that a path leads back here (the generated code then names it by that path, which
/// is right either way).
pub(super) fn is_self_type(ty: &Type, owner: &Ident) -> bool {
    match ungroup(ty) {
        Type::Path(tp) if tp.qself.is_none() && tp.path.leading_colon.is_none() => {
            match tp.path.segments.iter().collect::<Vec<_>>().as_slice() {
                [only] => {
                    only.arguments.is_none() && (only.ident == *owner || only.ident == "Self")
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// `UserGroup` → `user_group`.
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `a` or `(a, b)`: a list of bare names.
pub(super) fn name_list(expr: &Expr, what: &str) -> darling::Result<Vec<Ident>> {
    match expr {
        Expr::Paren(p) => name_list(&p.expr, what),
        Expr::Group(g) => name_list(&g.expr, what),
        Expr::Tuple(t) => t.elems.iter().map(|e| single_name(e, what)).collect(),
        e => Ok(vec![single_name(e, what)?]),
    }
}

fn single_name(expr: &Expr, what: &str) -> darling::Result<Ident> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => match p.path.get_ident() {
            Some(id) => Ok(id.clone()),
            None => Err(err(
                expr,
                format!("`{what}` takes column names of this struct, like `author_id` or `(a, b)`"),
            )),
        },
        _ => Err(err(
            expr,
            format!("`{what}` takes column names of this struct, like `author_id` or `(a, b)`"),
        )),
    }
}

/// `User::id`, `id`, or a tuple of them, where `User` must be `owner`.
pub(super) fn target_list(
    expr: &Expr,
    owner: &Type,
    owner_is_self: bool,
    what: &str,
) -> darling::Result<Vec<Ident>> {
    match expr {
        Expr::Paren(p) => target_list(&p.expr, owner, owner_is_self, what),
        Expr::Group(g) => target_list(&g.expr, owner, owner_is_self, what),
        Expr::Tuple(t) => t
            .elems
            .iter()
            .map(|e| target_column(e, owner, owner_is_self, what))
            .collect(),
        e => Ok(vec![target_column(e, owner, owner_is_self, what)?]),
    }
}

fn target_column(
    expr: &Expr,
    owner: &Type,
    owner_is_self: bool,
    what: &str,
) -> darling::Result<Ident> {
    let owner_name = last_ident(owner).map(Ident::to_string).unwrap_or_default();
    let usage = || {
        err(
            expr,
            format!(
                "`{what}` takes columns of `{owner_name}`, like `{owner_name}::id` or `({owner_name}::a, {owner_name}::b)`"
            ),
        )
    };
    let Expr::Path(p) = expr else {
        return Err(usage());
    };
    let segs: Vec<_> = p.path.segments.iter().collect();
    match segs.as_slice() {
        [col] if col.arguments.is_none() => Ok(col.ident.clone()),
        [.., ty, col] if col.arguments.is_none() => {
            if ty.ident == owner_name || (owner_is_self && ty.ident == "Self") {
                Ok(col.ident.clone())
            } else {
                Err(err(
                    &ty.ident,
                    format!(
                        "`{what}` must name columns of `{owner_name}`, not of `{}`",
                        ty.ident
                    ),
                ))
            }
        }
        _ => Err(usage()),
    }
}

/// `Junction(a, b)` or `Junction((a1, a2), (b1, b2))`.
pub(super) fn through_spec(expr: &Expr) -> darling::Result<(syn::Path, Vec<Ident>, Vec<Ident>)> {
    let usage = "`through` takes the junction table and its two key columns: `through = UserGroup(user_id, group_id)`";
    let Expr::Call(call) = expr else {
        return Err(err(expr, usage));
    };
    let Expr::Path(func) = &*call.func else {
        return Err(err(&call.func, usage));
    };
    let args: Vec<&Expr> = call.args.iter().collect();
    let [a, b] = args.as_slice() else {
        return Err(err(expr, usage));
    };
    Ok((
        func.path.clone(),
        name_list(a, "through")?,
        name_list(b, "through")?,
    ))
}

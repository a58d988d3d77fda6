//! The validated form of a `#[derive(Table)]` struct.
//!
//! [`Table::from_input`] turns the parsed attributes into this model and reports every
//! mistake it can see within the one struct, each spanned on the user's token. Mistakes
//! that involve the target struct are left to the constants that `expand` generates.

use crate::attr::{Action, ColumnAttr, FieldInput, KeyEnd, RelationAttr, TableInput, has_attr};
use darling::util::SpannedValue;
use darling::{Error, FromAttributes, FromDeriveInput};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, GenericArgument, Ident, Lit, PathArguments, Type, Visibility};

pub struct Table {
    pub ident: Ident,
    pub vis: Visibility,
    pub name: String,
    /// Where the name was written: `#[table(name = ..)]`, or the struct's name.
    pub name_span: Span,
    pub columns: Vec<Column>,
    pub relations: Vec<Relation>,
    /// Relation fields whose declaration has errors: they still get a field value and a
    /// handle, so that the rest of the user's code does not fail on their account.
    pub broken_relations: Vec<(Ident, Type)>,
    /// Indexes into `columns`, in key order.
    pub primary_key: Vec<usize>,
}

pub struct Column {
    pub ident: Ident,
    pub ty: Type,
    pub name: String,
    /// Where the name was written: `#[column(name = ..)]`, or the field's name.
    pub name_span: Span,
    pub nullable: bool,
    pub auto_increment: Option<Span>,
    pub unique: bool,
    pub index: bool,
    pub default: Option<Default>,
}

pub struct Default {
    pub lit: DefaultLit,
    pub span: Span,
}

pub enum DefaultLit {
    Int(i64),
    Float(String),
    Bool(bool),
    Str(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    One,
    Many,
}

pub struct Relation {
    pub ident: Ident,
    pub kind: Kind,
    /// The `one` / `many` word.
    pub kind_span: Span,
    /// `T` in `One<T>`, `One<Option<T>>`, `Many<T>`.
    pub target: Type,
    pub target_is_self: bool,
    /// `One<Option<T>>`.
    pub optional: bool,
    pub alias: Option<SpannedValue<String>>,
    pub keys: Keys,
    pub on_delete: Option<SpannedValue<Action>>,
    pub on_update: Option<SpannedValue<Action>>,
    /// `foreign_key = from | to`, where the declaration says which end holds the key.
    pub foreign_key: Option<SpannedValue<KeyEnd>>,
}

pub enum Keys {
    /// `from = .., to = ..`: columns of this table, and target columns.
    Explicit { from: Vec<usize>, to: Vec<Ident> },
    /// A `many` without keys: the inverse `one` on the target supplies them.
    Inferred,
    /// Many-to-many through a junction table. Missing `from`/`to` mean the primary keys.
    Through {
        from: Option<Vec<usize>>,
        to: Option<Vec<Ident>>,
        junction: syn::Path,
        junction_from: Vec<Ident>,
        junction_to: Vec<Ident>,
    },
}

fn err(span: impl Spanned, msg: impl std::fmt::Display) -> Error {
    Error::custom(msg).with_span(&span.span())
}

/// `T` in `Wrapper<T>` when the type's last segment is `Wrapper`.
pub fn wrapper_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(tp) = ty else { return None };
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

fn last_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(tp) if tp.qself.is_none() => tp.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// `UserGroup` → `user_group`.
fn snake_case(name: &str) -> String {
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
fn name_list(expr: &Expr, what: &str) -> darling::Result<Vec<Ident>> {
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
fn target_list(
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

impl Table {
    /// The model and every error found. The model is `None` only when the columns or the
    /// primary key are unusable; otherwise broken relations are left out of it, so that
    /// one mistake does not cascade into errors in other structs.
    pub fn from_input(input: &syn::DeriveInput) -> (Option<Table>, Option<Error>) {
        let mut errors = Error::accumulator();
        let built = Self::build(input, &mut errors);
        let table = errors.handle(built).flatten();
        (table, errors.finish().err())
    }

    fn build(
        input: &syn::DeriveInput,
        errors: &mut darling::error::Accumulator,
    ) -> darling::Result<Option<Table>> {
        let shape_error = match &input.data {
            syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => None,
            syn::Data::Struct(_) => Some("a tuple or unit struct"),
            syn::Data::Enum(_) => Some("an enum"),
            syn::Data::Union(_) => Some("a union"),
        };
        if let Some(shape) = shape_error {
            return Err(err(
                &input.ident,
                format!(
                    "#[derive(Table)] needs a struct with named fields; `{}` is {shape}",
                    input.ident
                ),
            ));
        }
        let parsed = TableInput::from_derive_input(input)?;
        if !parsed.generics.params.is_empty() {
            return Err(err(
                &parsed.generics,
                "a table struct cannot have generic parameters",
            ));
        }
        let name = match &parsed.name {
            Some(n) if n.is_empty() => {
                errors.push(err(n.span(), "the table name cannot be empty"));
                String::new()
            }
            Some(n) => n.as_str().to_owned(),
            None => snake_case(&parsed.ident.to_string()),
        };
        let name_span = parsed
            .name
            .as_ref()
            .map_or(parsed.ident.span(), |n| n.span());
        let fields = parsed
            .data
            .as_ref()
            .take_struct()
            .map(|f| f.fields)
            .unwrap_or_default();

        // Columns first: relations refer to them.
        let mut columns = Vec::new();
        let mut pk_flags: Vec<(usize, Span)> = Vec::new();
        let mut relation_fields = Vec::new();
        let mut unusable = false;
        for &field in &fields {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            if has_attr(&field.attrs, "relation") {
                if let Some(a) = field.attrs.iter().find(|a| a.path().is_ident("column")) {
                    errors.push(err(
                        a,
                        "a relation field cannot also be a column: remove `#[column(...)]`",
                    ));
                }
                relation_fields.push(field);
                continue;
            }
            for wrapper in ["One", "Many"] {
                if wrapper_arg(&field.ty, wrapper).is_some() {
                    errors.push(err(
                        &field.ty,
                        format!("`{ident}` is a `{wrapper}` field but has no `#[relation(...)]` attribute"),
                    ));
                }
            }
            let attr = errors
                .handle(ColumnAttr::from_attributes(&field.attrs))
                .unwrap_or_else(|| {
                    // Whatever else the attribute said is unknown now; judge no more by it.
                    unusable = true;
                    ColumnAttr::default()
                });
            if attr.primary_key.is_present() {
                pk_flags.push((columns.len(), attr.primary_key.span()));
            }
            let default = attr
                .default
                .as_ref()
                .and_then(|lit| errors.handle(default_literal(lit)));
            let column_name = match &attr.name {
                Some(n) if n.is_empty() => {
                    errors.push(err(n.span(), "the column name cannot be empty"));
                    ident.to_string()
                }
                Some(n) => n.as_str().to_owned(),
                None => ident.to_string(),
            };
            columns.push(Column {
                name_span: attr.name.as_ref().map_or(ident.span(), |n| n.span()),
                nullable: wrapper_arg(&field.ty, "Option").is_some(),
                ident,
                ty: field.ty.clone(),
                name: column_name,
                auto_increment: attr
                    .auto_increment
                    .is_present()
                    .then(|| attr.auto_increment.span()),
                unique: attr.unique.is_present(),
                index: attr.index.is_present(),
                default,
            });
        }
        for (i, c) in columns.iter().enumerate() {
            if let Some(first) = columns[..i].iter().find(|p| p.name == c.name) {
                errors.push(err(
                    &c.ident,
                    format!(
                        "column name `{}` is used twice (also by `{}`)",
                        c.name, first.ident
                    ),
                ));
                unusable = true;
            }
        }

        let primary_key = if unusable && pk_flags.is_empty() && parsed.primary_key.is_none() {
            Vec::new()
        } else {
            primary_key(&parsed, &columns, &pk_flags, errors)
        };
        if primary_key.is_empty() {
            unusable = true;
        }

        let mut relations = Vec::new();
        let mut broken_relations = Vec::new();
        for field in relation_fields {
            match errors.handle(relation(field, &parsed.ident, &columns)) {
                Some((r, soft)) => {
                    soft.into_iter().for_each(|e| errors.push(e));
                    relations.push(r);
                }
                None => broken_relations
                    .push((field.ident.clone().expect("named fields"), field.ty.clone())),
            }
        }
        for alias in relations.iter().filter_map(|r| r.alias.as_ref()) {
            if alias.is_empty() {
                errors.push(err(alias.span(), "the alias cannot be empty"));
            }
        }

        let table = Table {
            ident: parsed.ident.clone(),
            vis: parsed.vis.clone(),
            name,
            name_span,
            columns,
            relations,
            broken_relations,
            primary_key,
        };
        table.check(errors);
        Ok((!unusable).then_some(table))
    }
}

fn default_literal(lit: &Lit) -> darling::Result<Default> {
    let span = lit.span();
    let lit = match lit {
        Lit::Int(i) => DefaultLit::Int(i.base10_parse()?),
        Lit::Float(f) => {
            let _: f64 = f.base10_parse()?;
            DefaultLit::Float(f.base10_digits().to_owned())
        }
        Lit::Bool(b) => DefaultLit::Bool(b.value),
        Lit::Str(s) => DefaultLit::Str(s.value()),
        other => {
            return Err(err(
                other,
                "a default must be an integer, float, bool or string literal",
            ));
        }
    };
    Ok(Default { lit, span })
}

fn primary_key(
    parsed: &TableInput,
    columns: &[Column],
    flags: &[(usize, Span)],
    errors: &mut darling::error::Accumulator,
) -> Vec<usize> {
    let mut key = Vec::new();
    if let Some(list) = &parsed.primary_key {
        if let Some((_, span)) = flags.first() {
            errors.push(err(
                *span,
                "the primary key is declared twice: here and in `#[table(primary_key(...))]`",
            ));
        }
        if list.is_empty() {
            errors.push(err(
                list.span(),
                "`primary_key(...)` needs at least one column",
            ));
        }
        for path in list.iter() {
            match path
                .get_ident()
                .and_then(|id| columns.iter().position(|c| c.ident == *id))
            {
                Some(i) if key.contains(&i) => {
                    errors.push(err(path, "this column is listed twice"))
                }
                Some(i) => key.push(i),
                None => errors.push(err(
                    path,
                    format!("no column `{}` on this struct", quote::quote!(#path)),
                )),
            }
        }
    } else {
        for (n, (i, span)) in flags.iter().enumerate() {
            if n == 0 {
                key.push(*i);
            } else {
                errors.push(err(
                    *span,
                    "a second `primary_key` column: for a composite key write `#[table(primary_key(a, b))]` on the struct",
                ));
            }
        }
        if flags.is_empty() {
            errors.push(err(
                &parsed.ident,
                format!(
                    "`{}` has no primary key: mark a column `#[column(primary_key)]` or write `#[table(primary_key(a, b))]`",
                    parsed.ident
                ),
            ));
        }
    }
    key
}

/// A relation and the mistakes that leave it usable (its actions), or the mistakes that
/// do not.
fn relation(
    field: &FieldInput,
    owner: &Ident,
    columns: &[Column],
) -> darling::Result<(Relation, Vec<Error>)> {
    let ident = field.ident.clone().expect("named fields");
    let attr = RelationAttr::from_attributes(&field.attrs)?;
    let mut errors = Error::accumulator();
    let kind = match (attr.one.is_present(), attr.many.is_present()) {
        (true, false) => (Kind::One, attr.one.span()),
        (false, true) => (Kind::Many, attr.many.span()),
        (true, true) => {
            errors.push(err(
                attr.many.span(),
                "a relation is either `one` or `many`, not both",
            ));
            (Kind::One, attr.one.span())
        }
        (false, false) => {
            let span = field
                .attrs
                .iter()
                .find(|a| a.path().is_ident("relation"))
                .map_or(ident.span(), |a| a.span());
            errors.push(err(span, "say which kind of relation this is: `#[relation(one, ...)]` or `#[relation(many, ...)]`"));
            (Kind::Many, span)
        }
    };

    // The field type must fit the kind.
    let (wrapper, expected) = match kind.0 {
        Kind::One => (
            "One",
            "`One<T>`, or `One<Option<T>>` when the key is nullable",
        ),
        Kind::Many => ("Many", "`Many<T>`"),
    };
    let Some(inner) = wrapper_arg(&field.ty, wrapper) else {
        errors.push(err(
            &field.ty,
            format!(
                "a `{}` relation field must have type {expected}",
                if kind.0 == Kind::One { "one" } else { "many" }
            ),
        ));
        return Err(Error::multiple(errors.into_inner()));
    };
    let (target, optional) = match wrapper_arg(inner, "Option") {
        Some(t) if kind.0 == Kind::One => (t.clone(), true),
        Some(t) => {
            errors.push(err(
                &field.ty,
                format!(
                    "a `many` relation field is `Many<T>`: use `Many<{}>` (no related rows is an empty list, not `None`)",
                    crate::expand::type_text(t)
                ),
            ));
            return Err(Error::multiple(errors.into_inner()));
        }
        None => (inner.clone(), false),
    };
    let target_is_self = last_ident(&target).is_some_and(|t| t == owner || t == "Self");

    let local = |names: Vec<Ident>, errors: &mut darling::error::Accumulator| -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| match columns.iter().position(|c| c.ident == *n) {
                Some(i) => Some(i),
                None => {
                    errors.push(err(
                        n,
                        format!("`from` names `{n}`, which is not a column of `{owner}`"),
                    ));
                    None
                }
            })
            .collect()
    };
    let from = attr
        .from
        .as_ref()
        .and_then(|e| errors.handle(name_list(e, "from")));
    let to = attr
        .to
        .as_ref()
        .and_then(|e| errors.handle(target_list(e, &target, target_is_self, "to")));
    if let (Some(f), Some(t), Some(to_expr)) = (&from, &to, &attr.to)
        && f.len() != t.len()
    {
        errors.push(err(
            to_expr,
            format!(
                "`from` has {} column(s) but `to` has {}: composite keys must have the same length",
                f.len(),
                t.len()
            ),
        ));
    }
    let keys = match (&attr.through, kind.0) {
        (Some(through), Kind::Many) => {
            let (junction, junction_from, junction_to) = errors
                .handle(through_spec(through))
                .unwrap_or_else(|| (syn::Path::from(ident.clone()), Vec::new(), Vec::new()));
            let from = from.map(|f| local(f, &mut errors));
            if let Some(f) = &from
                && f.len() != junction_from.len()
                && !junction_from.is_empty()
            {
                errors.push(err(
                    through,
                    "the junction's first column list must be as long as `from`",
                ));
            }
            if let Some(t) = &to
                && t.len() != junction_to.len()
                && !junction_to.is_empty()
            {
                errors.push(err(
                    through,
                    "the junction's second column list must be as long as `to`",
                ));
            }
            Keys::Through {
                from,
                to,
                junction,
                junction_from,
                junction_to,
            }
        }
        (Some(through), Kind::One) => {
            errors.push(err(through, "`through` is for `many` relations"));
            Keys::Inferred
        }
        (None, _) => match (from, to, kind.0) {
            (Some(f), Some(t), _) => Keys::Explicit {
                from: local(f, &mut errors),
                to: t,
            },
            // Written but unreadable: already reported.
            _ if attr.from.is_some() && attr.to.is_some() => Keys::Inferred,
            (None, None, Kind::Many) => Keys::Inferred,
            (None, None, Kind::One) => {
                errors.push(err(
                    kind.1,
                    "a `one` relation needs `from = <column>` and `to = <Target>::<column>`",
                ));
                Keys::Inferred
            }
            (_, None, _) if attr.to.is_none() => {
                errors.push(err(
                    kind.1,
                    "`from` needs a matching `to = <Target>::<column>`",
                ));
                Keys::Inferred
            }
            _ => {
                errors.push(err(kind.1, "`to` needs a matching `from = <column>`"));
                Keys::Inferred
            }
        },
    };

    // Actions go on the side that holds the key, and must be possible there. A mistake
    // in one is reported, and the relation is kept without it, so that the relations
    // that read this one (an inferred `many` on the target) do not fail too.
    let mut soft = Vec::new();
    let mut action_ok = |action: &SpannedValue<Action>| -> bool {
        if kind.0 == Kind::Many {
            soft.push(err(
                action.span(),
                "`on_delete` and `on_update` go on the `one` side, which holds the foreign key, not on a `many`",
            ));
            return false;
        }
        let Keys::Explicit { from, .. } = &keys else {
            return true;
        };
        let cols = from.iter().map(|&i| &columns[i]);
        let problem = match **action {
            Action::SetNull => cols.filter(|c| !c.nullable).map(|c| {
                format!(
                    "`set_null` needs a nullable key, but `{}` is not an `Option`: make it `Option<...>`, or choose another action",
                    c.ident
                )
            }).next(),
            Action::SetDefault => cols.filter(|c| c.default.is_none()).map(|c| {
                format!(
                    "`set_default` needs a default, but `{}` has no `#[column(default = ...)]`: add one, or choose another action",
                    c.ident
                )
            }).next(),
            _ => None,
        };
        match problem {
            Some(message) => {
                soft.push(err(action.span(), message));
                false
            }
            None => true,
        }
    };
    let on_delete = attr.on_delete.filter(|a| action_ok(a));
    let on_update = attr.on_update.filter(|a| action_ok(a));
    let foreign_key = match (&attr.foreign_key, kind.0, &keys) {
        (Some(_), Kind::One, Keys::Explicit { .. }) | (None, _, _) => attr.foreign_key,
        (Some(end), _, _) => {
            soft.push(err(
                end.span(),
                "`foreign_key` says which end of a `one` relation with `from` and `to` holds the key; a `many` never holds it",
            ));
            None
        }
    };
    if let (Kind::One, Keys::Explicit { from, .. }) = (kind.0, &keys)
        && !optional
        && let Some(c) = from.iter().map(|&i| &columns[i]).find(|c| c.nullable)
    {
        errors.push(err(
            &field.ty,
            format!(
                "the key `{}` is nullable, so this relation may be absent: use `One<Option<...>>`",
                c.ident
            ),
        ));
    }

    errors.finish_with((
        Relation {
            ident,
            kind: kind.0,
            kind_span: kind.1,
            target,
            target_is_self,
            optional,
            alias: attr.alias,
            keys,
            on_delete,
            on_update,
            foreign_key,
        },
        soft,
    ))
}

/// `Junction(a, b)` or `Junction((a1, a2), (b1, b2))`.
fn through_spec(expr: &Expr) -> darling::Result<(syn::Path, Vec<Ident>, Vec<Ident>)> {
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

impl Table {
    /// Checks that span several fields of this struct.
    fn check(&self, errors: &mut darling::error::Accumulator) {
        if let Some(c) = self.columns.iter().find(|c| c.auto_increment.is_some()) {
            let span = c.auto_increment.unwrap_or_else(Span::call_site);
            let is_single_key =
                self.primary_key.len() == 1 && self.columns[self.primary_key[0]].ident == c.ident;
            if !is_single_key {
                errors.push(err(
                    span,
                    "`auto_increment` is only for a single-column primary key",
                ));
            }
        }
        for &i in &self.primary_key {
            let c = &self.columns[i];
            if c.nullable {
                errors.push(err(&c.ty, "a primary-key column cannot be an `Option`"));
            }
        }
        self.check_relations(errors);
    }

    /// Two relations that read the same rows, and an alias on more relations than it
    /// can pair. Each mistake is reported once, on the later relation.
    fn check_relations(&self, errors: &mut darling::error::Accumulator) {
        use crate::expand::type_text;
        for (j, r) in self.relations.iter().enumerate() {
            let same_target = |o: &Relation| {
                (o.target_is_self && r.target_is_self)
                    || type_text(&o.target) == type_text(&r.target)
            };
            if let Some(first) = self.relations[..j]
                .iter()
                .find(|o| same_target(o) && same_keys(o, r))
            {
                let hint = self
                    .unused_column_for(r)
                    .map_or(String::new(), |c| format!("; did you mean `from = {c}`?"));
                errors.push(err(
                    &r.ident,
                    format!(
                        "relation `{}` reads the same rows as `{}`: the same target `{}` through the same columns{}{hint}",
                        r.ident,
                        first.ident,
                        type_text(&r.target),
                        self.keys_text(r),
                    ),
                ));
                continue;
            }
            let Some(alias) = &r.alias else { continue };
            let sharing: Vec<&Relation> = self.relations[..j]
                .iter()
                .filter(|o| same_target(o) && o.alias.as_ref().is_some_and(|a| **a == **alias))
                .collect();
            // A self relation's pair lives in this struct: one more may share it.
            let allowed = usize::from(r.target_is_self);
            if sharing.len() > allowed {
                errors.push(err(
                    alias.span(),
                    format!(
                        "alias \"{}\" is already on {} to `{}`; an alias pairs exactly two relations, one on each side: give this relation an alias of its own",
                        alias.as_str(),
                        sharing
                            .iter()
                            .map(|o| format!("`{}`", o.ident))
                            .collect::<Vec<_>>()
                            .join(" and "),
                        type_text(&r.target),
                    ),
                ));
            }
        }
    }

    /// `` (`from = author_id`, `to = User::id`)`` for a relation's message.
    fn keys_text(&self, r: &Relation) -> String {
        match &r.keys {
            Keys::Explicit { from, to } => {
                let from: Vec<String> = from
                    .iter()
                    .map(|&i| self.columns[i].ident.to_string())
                    .collect();
                let target = crate::expand::type_text(&r.target);
                let to: Vec<String> = to.iter().map(|c| format!("{target}::{c}")).collect();
                format!(" (`from = {}`, `to = {}`)", from.join(", "), to.join(", "))
            }
            _ => String::new(),
        }
    }

    /// A column that is not a key and no relation's `from`, of the type of `r`'s single
    /// `from` column (nullable or not), whose name contains the relation's name: what
    /// a copied declaration probably meant (`reviewer` → `reviewer_id`).
    fn unused_column_for(&self, r: &Relation) -> Option<&Ident> {
        let Keys::Explicit { from, .. } = &r.keys else {
            return None;
        };
        let [used] = from.as_slice() else {
            return None;
        };
        let plain = |c: &Column| {
            let ty = wrapper_arg(&c.ty, "Option").unwrap_or(&c.ty);
            crate::expand::type_text(ty)
        };
        let want = plain(&self.columns[*used]);
        let name = r.ident.to_string();
        let taken = |i: usize| {
            self.primary_key.contains(&i)
                || self.relations.iter().any(|o| match &o.keys {
                    Keys::Explicit { from, .. } => from.contains(&i),
                    Keys::Through { from: Some(f), .. } => f.contains(&i),
                    _ => false,
                })
        };
        self.columns
            .iter()
            .enumerate()
            .find(|&(i, c)| !taken(i) && plain(c) == want && c.ident.to_string().contains(&name))
            .map(|(_, c)| &c.ident)
    }
}

/// Whether two relations to the same target read the same rows.
fn same_keys(a: &Relation, b: &Relation) -> bool {
    let names = |v: &[Ident]| v.iter().map(Ident::to_string).collect::<Vec<_>>();
    match (&a.keys, &b.keys) {
        (Keys::Explicit { from: f1, to: t1 }, Keys::Explicit { from: f2, to: t2 }) => {
            f1 == f2 && names(t1) == names(t2)
        }
        // Two `many`s inferred from the same inverse.
        (Keys::Inferred, Keys::Inferred) => {
            a.kind == b.kind
                && a.alias.as_ref().map(|x| x.as_str()) == b.alias.as_ref().map(|x| x.as_str())
        }
        (
            Keys::Through {
                from: f1,
                to: t1,
                junction: j1,
                junction_from: jf1,
                junction_to: jt1,
            },
            Keys::Through {
                from: f2,
                to: t2,
                junction: j2,
                junction_from: jf2,
                junction_to: jt2,
            },
        ) => {
            f1 == f2
                && t1.as_deref().map(names) == t2.as_deref().map(names)
                && quote::quote!(#j1).to_string() == quote::quote!(#j2).to_string()
                && names(jf1) == names(jf2)
                && names(jt1) == names(jt2)
        }
        _ => false,
    }
}

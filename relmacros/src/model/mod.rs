//! The validated form of a `#[derive(Table)]` struct.
//!
//! [`Table::from_input`] turns the parsed attributes into this model and reports every
//! mistake it can see within the one struct, each spanned on the user's token. Mistakes
//! that involve the target struct are left to the constants that `expand` generates.

mod check;
mod names;
mod reference;
mod relation;

pub use names::wrapper_arg;

use crate::attr::{Action, ColumnAttr, KeyEnd, TableInput, has_attr};
use darling::util::SpannedValue;
use darling::{Error, FromAttributes, FromDeriveInput};
use names::snake_case;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Ident, Lit, Type, Visibility};

pub struct Table {
    pub ident: Ident,
    pub vis: Visibility,
    pub name: String,
    /// Where the name was written: `#[table(name = ..)]`, or the struct's name.
    pub name_span: Span,
    /// `#[table(renamed_from = "..")]`.
    pub renamed_from: Option<String>,
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
    /// `#[column(renamed_from = "..")]`.
    pub renamed_from: Option<String>,
    /// `#[column(sql_type = "..")]`, checked by [`check_sql_type`].
    pub sql_type: Option<String>,
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
    /// Whether the relation is a constraint (a foreign key, the database's or Rel's);
    /// false for a query-only relation (`constraint = none`).
    pub constraint: bool,
    /// Whether the relation is a field; false for a column's foreign key
    /// (`#[column(references = ..)]`), which nothing loads.
    pub field: bool,
    /// `filter = ..`: the relation's own filter (only on a `many`).
    pub filter: Option<syn::Expr>,
}

impl Relation {
    /// How a message names the relation: `relation `author``, or, for a column's
    /// foreign key, `column `author_id` (references = ..)`.
    pub fn subject(&self) -> String {
        if self.field {
            format!("relation `{}`", self.ident)
        } else {
            format!("`references` of column `{}`", self.ident)
        }
    }
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

pub(crate) fn err(span: impl Spanned, msg: impl std::fmt::Display) -> Error {
    Error::custom(msg).with_span(&span.span())
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
        let mut references = Vec::new();
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
            match &attr.references {
                Some(target) => references.push((
                    columns.len(),
                    target.clone(),
                    attr.on_delete,
                    attr.on_update,
                )),
                None => {
                    for action in attr.on_delete.iter().chain(&attr.on_update) {
                        errors.push(err(
                            action.span(),
                            "`on_delete` and `on_update` on a column go with `references = Target::column`, the foreign key they act on",
                        ));
                    }
                }
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
            let renamed_from = attr.renamed_from.as_ref().and_then(|old| {
                let problem = if old.is_empty() {
                    Some("`renamed_from` names the column's old name, which cannot be empty".to_owned())
                } else if **old == column_name {
                    Some(format!("`renamed_from = \"{column_name}\"` is the column's own name; drop it once the rename has been applied everywhere"))
                } else {
                    None
                };
                match problem {
                    Some(p) => {
                        errors.push(err(old.span(), p));
                        None
                    }
                    None => Some(old.as_str().to_owned()),
                }
            });
            let sql_type = attr.sql_type.as_ref().and_then(|ty| {
                let problem = match check_sql_type(ty.as_str()) {
                    Err(problem) => problem.to_owned(),
                    Ok(()) if attr.auto_increment.is_present() => "`sql_type` does not go with `auto_increment`: the dialect declares a generated key's type".to_owned(),
                    Ok(()) => return Some(ty.trim().to_owned()),
                };
                errors.push(err(ty.span(), problem));
                None
            });
            columns.push(Column {
                renamed_from,
                sql_type,
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
            match errors.handle(relation::relation(field, &parsed.ident, &columns)) {
                Some((r, soft)) => {
                    soft.into_iter().for_each(|e| errors.push(e));
                    relations.push(r);
                }
                None => broken_relations
                    .push((field.ident.clone().expect("named fields"), field.ty.clone())),
            }
        }
        // A column's foreign key is a relation without a field, after the fields: a
        // field relation's index is its handle's.
        for (column, target, on_delete, on_update) in references {
            let reference = reference::Reference {
                column,
                target: &target,
                on_delete,
                on_update,
            };
            if let Some((r, soft)) = errors.handle(reference.relation(&parsed.ident, &columns)) {
                soft.into_iter().for_each(|e| errors.push(e));
                relations.push(r);
            }
        }
        for alias in relations.iter().filter_map(|r| r.alias.as_ref()) {
            if alias.is_empty() {
                errors.push(err(alias.span(), "the alias cannot be empty"));
            }
        }

        // A column renamed from a name another column has now would be two columns at
        // once to a migration.
        for c in &columns {
            if let Some(old) = &c.renamed_from
                && let Some(other) = columns.iter().find(|o| o.name == *old)
            {
                let span = fields
                    .iter()
                    .find(|f| f.ident.as_ref() == Some(&c.ident))
                    .map_or(c.name_span, |f| {
                        f.ident.as_ref().map_or(c.name_span, |i| i.span())
                    });
                errors.push(err(
                    span,
                    format!(
                        "`{}` is renamed from `{old}`, which is the name of column `{}` now; a migration could not tell the two apart",
                        c.ident, other.ident
                    ),
                ));
            }
        }
        let renamed_from = parsed.renamed_from.as_ref().and_then(|old| {
            if old.is_empty() || **old == name {
                errors.push(err(
                    old.span(),
                    format!(
                        "`renamed_from` must be the table's old name, not empty and not `{name}`"
                    ),
                ));
                None
            } else {
                Some(old.as_str().to_owned())
            }
        });
        let table = Table {
            ident: parsed.ident.clone(),
            vis: parsed.vis.clone(),
            renamed_from,
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

/// Checks a `#[column(sql_type = "..")]`: a type name with optional parameters (`text`,
/// `numeric(10,2)`, `timestamp(0) with time zone`). DDL writes it as it is, so only
/// letters, digits, `_`, spaces and one parenthesised list of numbers may appear: no
/// quote, semicolon or comment can reach the SQL.
fn check_sql_type(ty: &str) -> Result<(), &'static str> {
    let ty = ty.trim();
    if !ty.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(
            "`sql_type` must start with the type's name, for example `sql_type = \"numeric(10,2)\"`",
        );
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ' ';
    let (name, rest) = ty.split_once('(').unwrap_or((ty, ""));
    let (params, after) = if ty.contains('(') {
        match rest.split_once(')') {
            Some(parts) => parts,
            None => return Err("`sql_type` has a `(` with no `)`"),
        }
    } else {
        ("", "")
    };
    let number = |p: &str| {
        let p = p.trim();
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())
    };
    if !name.chars().all(word) || !after.chars().all(word) {
        return Err(
            "`sql_type` may hold only letters, digits, `_`, spaces and one `(..)` of numbers: it is written into DDL as it is",
        );
    }
    if ty.contains('(') && !params.split(',').all(number) {
        return Err(
            "`sql_type`'s parameters are numbers separated by commas, as in `numeric(10,2)`",
        );
    }
    // A type name and its modifiers, never a constraint or a default: those have
    // attributes of their own, which migrations see.
    const MODIFIERS: &[&str] = &[
        "with",
        "without",
        "time",
        "zone",
        "varying",
        "precision",
        "unsigned",
        "signed",
        "character",
        "double",
        "large",
        "object",
    ];
    let mut words = name.split_whitespace().chain(after.split_whitespace());
    words.next();
    if words.any(|w| !MODIFIERS.contains(&w.to_ascii_lowercase().as_str())) {
        return Err(
            "`sql_type` is a type and its modifiers (`double precision`, `timestamp(0) with time zone`): a constraint or a default goes in an attribute of its own",
        );
    }
    Ok(())
}

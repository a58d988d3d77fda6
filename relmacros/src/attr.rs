//! Attribute receivers: what the user wrote, parsed by darling, not yet validated.

use darling::util::{Flag, PathList, SpannedValue};
use darling::{FromAttributes, FromDeriveInput, FromField, FromMeta};
use syn::{Attribute, Expr, Ident, Lit, Type, Visibility};

/// The struct and its `#[table(...)]` attribute.
#[derive(FromDeriveInput)]
#[darling(attributes(table), supports(struct_named))]
pub struct TableInput {
    pub ident: Ident,
    pub vis: Visibility,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<(), FieldInput>,
    /// `#[table(name = "users")]`
    pub name: Option<SpannedValue<String>>,
    /// `#[table(primary_key(a, b))]`
    pub primary_key: Option<SpannedValue<PathList>>,
    /// `#[table(renamed_from = "old_name")]`: the table's name before, for migrations.
    pub renamed_from: Option<SpannedValue<String>>,
}

/// One field, with its `#[column]` and `#[relation]` attributes forwarded for separate parsing,
/// so that a relation key inside `#[column(...)]` is reported as unknown there.
#[derive(FromField)]
#[darling(forward_attrs(column, relation))]
pub struct FieldInput {
    pub ident: Option<Ident>,
    pub ty: Type,
    pub attrs: Vec<Attribute>,
}

/// `#[column(...)]`
#[derive(FromAttributes, Default)]
#[darling(attributes(column))]
pub struct ColumnAttr {
    pub name: Option<SpannedValue<String>>,
    /// `#[column(renamed_from = "old_name")]`: the column's name before, for migrations.
    pub renamed_from: Option<SpannedValue<String>>,
    /// `#[column(sql_type = "numeric(10,2)")]`: the SQL type DDL declares, instead of
    /// the dialect's type for the field's Rust type.
    pub sql_type: Option<SpannedValue<String>>,
    pub primary_key: Flag,
    pub auto_increment: Flag,
    pub unique: Flag,
    pub index: Flag,
    pub default: Option<Lit>,
    /// `references = User::id`: a foreign key on this column with no relation field.
    pub references: Option<Expr>,
    /// The foreign key's actions (only with `references`).
    pub on_delete: Option<SpannedValue<Action>>,
    pub on_update: Option<SpannedValue<Action>>,
}

/// `#[relation(...)]`
#[derive(FromAttributes)]
#[darling(attributes(relation))]
pub struct RelationAttr {
    pub one: Flag,
    pub many: Flag,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub alias: Option<SpannedValue<String>>,
    pub through: Option<Expr>,
    pub on_delete: Option<SpannedValue<Action>>,
    pub on_update: Option<SpannedValue<Action>>,
    /// `foreign_key = from` or `foreign_key = to`: which end holds the foreign key,
    /// where both ends are keys.
    pub foreign_key: Option<SpannedValue<KeyEnd>>,
    /// `constraint = none`: a query-only relation, with no foreign key behind it.
    pub constraint: Option<SpannedValue<NoConstraint>>,
    /// `filter = Post::published.eq(true)`: the relation's own filter, an `Expr` of
    /// the target, which loading, counting and `.exists()` through it apply.
    pub filter: Option<Expr>,
}

/// A value written as a bare word (`on_delete = cascade`) or a string (`"cascade"`),
/// read by the type's `from_string`; a mistake is spanned on the word. darling reads
/// only the string by default.
fn word<T: FromMeta>(expr: &Expr) -> darling::Result<T> {
    match expr {
        Expr::Path(p) => match p.path.get_ident() {
            Some(id) => T::from_string(&id.to_string()).map_err(|e| e.with_span(id)),
            None => Err(darling::Error::unexpected_expr_type(expr).with_span(expr)),
        },
        Expr::Lit(l) => T::from_value(&l.lit).map_err(|e| e.with_span(l)),
        Expr::Group(g) => word(&g.expr),
        _ => Err(darling::Error::unexpected_expr_type(expr).with_span(expr)),
    }
}

/// `constraint = none`, the one value `constraint` takes: the relation is for loading,
/// filtering and counting only, and nothing enforces it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NoConstraint;

impl FromMeta for NoConstraint {
    fn from_string(value: &str) -> darling::Result<Self> {
        match value {
            "none" => Ok(NoConstraint),
            other => Err(darling::Error::custom(format!(
                "unknown constraint `{other}`: `constraint = none` makes a query-only relation; without it the relation is a foreign key"
            ))),
        }
    }

    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        word(expr)
    }
}

/// An end of a relation: `from` (this struct's columns) or `to` (the target's).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyEnd {
    From,
    To,
}

impl FromMeta for KeyEnd {
    fn from_string(value: &str) -> darling::Result<Self> {
        match value {
            "from" => Ok(KeyEnd::From),
            "to" => Ok(KeyEnd::To),
            other => Err(darling::Error::custom(format!(
                "unknown end `{other}`: `foreign_key = from` when this struct's `from` columns hold the key, `foreign_key = to` when the target's `to` columns do"
            ))),
        }
    }

    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        word(expr)
    }
}

/// A referential action: `on_delete = cascade` (a bare word) or `on_delete = "cascade"`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(clippy::enum_variant_names)] // the names users write: `no_action`
pub enum Action {
    Cascade,
    Restrict,
    NoAction,
    SetNull,
    SetDefault,
}

impl FromMeta for Action {
    fn from_string(value: &str) -> darling::Result<Self> {
        Ok(match value {
            "cascade" => Action::Cascade,
            "restrict" => Action::Restrict,
            "no_action" => Action::NoAction,
            "set_null" => Action::SetNull,
            "set_default" => Action::SetDefault,
            other => {
                return Err(darling::Error::custom(format!(
                    "unknown action `{other}`: expected `cascade`, `restrict`, `no_action`, `set_null` or `set_default`"
                )));
            }
        })
    }

    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        word(expr)
    }
}

impl Action {
    pub fn variant(self) -> &'static str {
        match self {
            Action::Cascade => "Cascade",
            Action::Restrict => "Restrict",
            Action::NoAction => "NoAction",
            Action::SetNull => "SetNull",
            Action::SetDefault => "SetDefault",
        }
    }
}

/// Whether the attribute list has `#[name(...)]`.
pub fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

//! A schema's shape, as the structs describe it or as a database has it, in one
//! canonical spelling per backend, so that two spellings of one thing (`int4` and
//! `integer`, `tinyint(1)` and `BOOLEAN`, `'a'::text` and `'a'`) compare equal.

use crate::model::graph::Graph;
use crate::model::meta::TableMeta;
use crate::model::names::index_name;
use crate::model::schema::{RelationMode, Schema};
use crate::sql::builder::SqlBuilder;
use crate::sql::ddl::{action_sql, column_type};
use crate::sql::dialect::Dialect;

/// A database's tables, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    pub tables: Vec<TableShape>,
    /// Whether the structs' shape is for a dialect whose declared types are affinities
    /// (SQLite; set by [`desired`], for the diff's type rule).
    pub affinities: bool,
}

/// One table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableShape {
    pub name: String,
    /// The name it had before (the structs' `renamed_from`; never read from a database).
    pub renamed_from: Option<String>,
    pub columns: Vec<ColumnShape>,
    pub primary_key: Vec<String>,
    /// Single-column unique keys (`#[column(unique)]`), by column.
    pub uniques: Vec<String>,
    /// The name the database gave each unique key, by column (read from a database
    /// only: a step that drops one needs it).
    pub unique_names: Vec<(String, String)>,
    /// Plain indexes, by name.
    pub indexes: Vec<IndexShape>,
    pub foreign_keys: Vec<ForeignKeyShape>,
}

/// One column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnShape {
    pub name: String,
    /// The name it had before (the structs' `renamed_from`; never read from a database).
    pub renamed_from: Option<String>,
    /// The type in the backend's canonical spelling (see [`canonical_type`]).
    pub ty: String,
    pub nullable: bool,
    /// The default in canonical form (see [`canonical_default`]); `None` for none.
    pub default: Option<String>,
    /// Whether the database generates its values (identity, serial, auto-increment).
    pub generated: bool,
    /// The Rust type the column holds: for the structs', their field's; for a
    /// database's, the one `pull` gives its type (`None` where Rel has none). Another
    /// spelling that holds the same Rust type and keeps every value Rel writes as it
    /// is, is no drift (see `diff::same_type`).
    pub rust: Option<&'static str>,
}

/// A plain (not unique) index.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexShape {
    pub name: String,
    pub columns: Vec<String>,
}

/// A foreign key. SQLite does not report a foreign key's name, so there `name` is
/// empty on both sides and keys compare by their columns.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyShape {
    pub name: String,
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
    pub on_delete: String,
    pub on_update: String,
}

impl Shape {
    pub fn table(&self, name: &str) -> Option<&TableShape> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl TableShape {
    pub fn column(&self, name: &str) -> Option<&ColumnShape> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The shape `schema` gives a database of `dialect`: what `Schema::ddl` creates,
/// read from the same metadata and the same dialect parts.
pub fn desired(schema: &Schema, dialect: Dialect, graph: &Graph) -> Shape {
    let keys = match schema.mode() {
        RelationMode::ForeignKeys => graph.keys(),
        RelationMode::Emulated => &[],
    };
    let key_indexes = graph.key_indexes();
    let tables = schema
        .tables()
        .iter()
        .map(|&table| {
            let generated = table.generated_key().map(|c| c.name);
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    let ty = canonical_type(dialect, column_type(dialect, table, c, graph));
                    let default = c.default.as_ref().map(|d| {
                        let mut b = SqlBuilder::new(dialect);
                        b.push_literal(d);
                        b.finish().sql
                    });
                    ColumnShape {
                        rust: Some(rust_name(c.ty)),
                        name: c.name.to_owned(),
                        renamed_from: c.renamed_from.map(str::to_owned),
                        default: default.and_then(|d| canonical_default(dialect, &ty, Some(&d))),
                        ty,
                        nullable: c.nullable,
                        generated: generated == Some(c.name),
                    }
                })
                .collect();
            let mut indexes: Vec<IndexShape> = table
                .columns
                .iter()
                .filter(|c| c.index && !c.unique)
                .map(|c| index(table, &[c.name]))
                .collect();
            indexes.extend(
                key_indexes
                    .iter()
                    .filter(|(t, _)| t.name == table.name)
                    .map(|(t, cols)| index(t, cols)),
            );
            let foreign_keys = keys
                .iter()
                .filter(|k| k.child.name == table.name)
                .map(|k| ForeignKeyShape {
                    name: if dialect.ddl().names_foreign_keys() {
                        k.name.clone()
                    } else {
                        String::new()
                    },
                    columns: strings(k.child_cols),
                    parent: k.parent.name.to_owned(),
                    parent_columns: strings(k.parent_cols),
                    on_delete: canonical_action(dialect, k.on_delete.map(action_sql)),
                    on_update: canonical_action(dialect, k.on_update.map(action_sql)),
                })
                .collect();
            TableShape {
                name: table.name.to_owned(),
                renamed_from: table.renamed_from.map(str::to_owned),
                columns,
                primary_key: strings(table.primary_key),
                uniques: table
                    .columns
                    .iter()
                    .filter(|c| c.unique)
                    .map(|c| c.name.to_owned())
                    .collect(),
                unique_names: Vec::new(),
                indexes,
                foreign_keys,
            }
        })
        .collect();
    Shape {
        tables,
        affinities: dialect.ddl().types_are_affinities(),
    }
}

fn index(table: &TableMeta, cols: &[&str]) -> IndexShape {
    IndexShape {
        name: index_name(table.name, cols),
        columns: strings(cols),
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// A referential action as the backend reports it: no action is `NO ACTION`; on
/// MySQL and MariaDB, whose InnoDB checks `RESTRICT` and `NO ACTION` alike and
/// reports an unspecified action as `RESTRICT`, both are `RESTRICT`.
pub fn canonical_action(dialect: Dialect, action: Option<&str>) -> String {
    let action = action.unwrap_or("NO ACTION").trim().to_ascii_uppercase();
    dialect.ddl().canonical_action(action)
}

/// A column type in one spelling per backend: lower case, single spaces, and the
/// backend's aliases resolved (`int4` is `integer` on PostgreSQL, `int(11)` is `int`
/// and `tinyint(1)` is `boolean` on MySQL, `decimal(10,2)` is `numeric(10,2)` on
/// PostgreSQL and `numeric(10,2)` is `decimal(10,2)` on MySQL). On MariaDB `JSON` is `LONGTEXT` (with a
/// check), so a JSON and a text column are one type there.
pub fn canonical_type(dialect: Dialect, raw: &str) -> String {
    let ty = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" ,", ",")
        .replace(", ", ",")
        .replace(" )", ")");
    dialect.ddl().canonical_type(ty)
}

/// A default in one form for every backend: `s:` and the text for a string, `n:` and
/// the number for a number, `b:true` / `b:false` for a boolean (`0` and `1` on a
/// boolean column), PostgreSQL's casts (`'a'::text`) and parentheses left out. `None`
/// for no default or `NULL`.
pub fn canonical_default(dialect: Dialect, ty: &str, raw: Option<&str>) -> Option<String> {
    let mut text = raw?.trim();
    loop {
        let before = text;
        if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            text = inner.trim();
        }
        // PostgreSQL writes a default with its cast: `'a'::text`, `'1.5'::numeric`.
        if let Some(i) = text.rfind("::")
            && !text[i..].contains('\'')
        {
            text = text[..i].trim();
        }
        if text == before {
            break;
        }
    }
    if text.eq_ignore_ascii_case("null") {
        return None;
    }
    let backslashes = dialect.syntax().backslash_escapes;
    let unquoted = match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Some(inner) => unescape(inner, backslashes),
        None => text.to_owned(),
    };
    let boolean = ty == "boolean";
    if unquoted.eq_ignore_ascii_case("true") || (boolean && unquoted == "1") {
        return Some("b:true".into());
    }
    if unquoted.eq_ignore_ascii_case("false") || (boolean && unquoted == "0") {
        return Some("b:false".into());
    }
    if let Ok(n) = unquoted.parse::<f64>()
        && n.is_finite()
    {
        return Some(format!("n:{n:?}"));
    }
    Some(format!("s:{unquoted}"))
}

/// The text of a quoted SQL string: `''` is `'`, and where the backend escapes with
/// backslashes (MySQL, MariaDB, which also report defaults that way: `'it\'s'`),
/// `\'` is `'` and `\\` is `\`.
fn unescape(inner: &str, backslashes: bool) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\\' if backslashes => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

/// The Rust type of a column of type `ty`, spelled as `pull` writes it.
pub fn rust_name(ty: crate::model::value::SqlType) -> &'static str {
    use crate::model::value::SqlType as T;
    match ty {
        T::SmallInt => "i16",
        T::Integer => "i32",
        T::BigInt => "i64",
        T::Real => "f32",
        T::Double => "f64",
        T::Boolean => "bool",
        T::Text => "String",
        T::Blob => "Vec<u8>",
        T::Date => "chrono::NaiveDate",
        T::DateTime => "chrono::NaiveDateTime",
        T::TimestampTz => "chrono::DateTime<chrono::Utc>",
        T::Uuid => "uuid::Uuid",
        T::Json => "serde_json::Value",
        T::Decimal => "rust_decimal::Decimal",
    }
}

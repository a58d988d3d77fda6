//! Pull: a live database's shape written as Rust source, `#[derive(Table)]` structs with
//! their relations inferred from the foreign keys.
//!
//! - A foreign key is a `one` on the table that holds it (`One<Option<T>>` when a key
//!   column is nullable; `foreign_key = from` where the key is the table's own primary
//!   key, a one-to-one on shared keys), with its actions, and a `many` on the table it
//!   refers to (a `one` when the key columns are unique: the inverse of a one-to-one).
//! - Two foreign keys between one pair of tables, and a table's key to itself, get an
//!   alias per pair.
//! - A junction (a table whose primary key is exactly two foreign keys' columns) also
//!   gives each side a many-to-many `through` it.
//! - Types are Rel's column types: a column of a type Rel has no Rust type for is
//!   written as a comment, and left out.

use super::diff::changes_values;
use super::shape::{ColumnShape, ForeignKeyShape, Shape, TableShape};
use crate::sql::dialect::Dialect;
use std::fmt::Write;

/// Rust's keywords, which a field cannot be named.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A snake_case Rust identifier for a SQL name, and whether it differs from the name.
fn field_name(name: &str) -> (String, bool) {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("c_{out}");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    let differs = out != name;
    (out, differs)
}

/// An UpperCamelCase struct name for a table.
fn struct_name(table: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in table.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("T{out}");
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// The Rust type of a column of canonical type `ty` on `dialect`, if Rel has one.
pub(super) fn rust_type(dialect: Dialect, ty: &str) -> Option<&'static str> {
    // The type without its parameters, wherever they are (`timestamp(3) with time zone`).
    let mut depth = 0usize;
    let bare: String = ty
        .chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect();
    let bare = bare.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = bare.as_str();
    if let Some(rust) = dialect.ddl().pulled_type(base, ty) {
        return Some(rust);
    }
    Some(match base {
        "smallint" | "int2" => "i16",
        "integer" | "int" | "int4" | "mediumint" => "i32",
        "bigint" | "int8" => "i64",
        "real" | "float" | "float4" => "f32",
        "double" | "double precision" | "float8" => "f64",
        "boolean" | "bool" => "bool",
        "text" | "varchar" | "character varying" | "char" | "character" | "longtext"
        | "mediumtext" | "nvarchar" | "nchar" | "clob" => "String",
        "blob" | "bytea" | "longblob" | "varbinary" | "binary" => "Vec<u8>",
        "date" => "chrono::NaiveDate",
        "datetime" | "timestamp" | "timestamp without time zone" => "chrono::NaiveDateTime",
        "timestamptz" | "timestamp with time zone" => "chrono::DateTime<chrono::Utc>",
        "uuid" => "uuid::Uuid",
        "json" | "jsonb" => "serde_json::Value",
        "numeric" | "decimal" => "rust_decimal::Decimal",
        _ => return None,
    })
}

/// The default as a Rust literal for `#[column(default = ..)]`.
fn default_literal(default: &str, rust: &str) -> Option<String> {
    let (kind, value) = default.split_once(':')?;
    Some(match kind {
        "b" => value.to_owned(),
        "n" if matches!(rust, "i16" | "i32" | "i64") => {
            let v: f64 = value.parse().ok()?;
            format!("{}", v as i64)
        }
        "n" if matches!(rust, "f32" | "f64") => value.to_owned(),
        "n" | "s" if rust == "String" || rust == "serde_json::Value" => format!("{value:?}"),
        "s" if rust == "rust_decimal::Decimal"
            || rust.starts_with("chrono")
            || rust == "uuid::Uuid" =>
        {
            format!("{value:?}")
        }
        _ => return None,
    })
}

struct Names<'s> {
    shape: &'s Shape,
}

impl Names<'_> {
    fn table(&self, name: &str) -> Option<&TableShape> {
        self.shape.table(name)
    }
    /// The field of `column` of `table`.
    fn field(&self, column: &str) -> String {
        field_name(column).0
    }
}

/// The relations a table gets, as attribute and field lines.
struct Rel {
    attribute: String,
    field: String,
    ty: String,
}

fn list(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("({})", items.join(", "))
    }
}

fn action(kind: &str, a: &str) -> String {
    let word = match a {
        "CASCADE" => "cascade",
        "SET NULL" => "set_null",
        "SET DEFAULT" => "set_default",
        "RESTRICT" => "restrict",
        _ => return String::new(),
    };
    format!(", {kind} = {word}")
}

fn is_junction(t: &TableShape) -> Option<(&ForeignKeyShape, &ForeignKeyShape)> {
    let [a, b] = t.foreign_keys.as_slice() else {
        return None;
    };
    let mut key: Vec<&String> = a.columns.iter().chain(&b.columns).collect();
    key.sort();
    let mut pk: Vec<&String> = t.primary_key.iter().collect();
    pk.sort();
    (key == pk).then_some((a, b))
}

/// The Rust source for every table of `shape`.
pub fn rust_source(shape: &Shape, dialect: Dialect) -> String {
    let names = Names { shape };
    let mut rels: Vec<(String, Rel)> = Vec::new(); // (table, relation)
    let mut used: Vec<(String, String)> = Vec::new(); // (table, field) taken
    let mut references: Vec<(String, String, String)> = Vec::new(); // (table, column, option)
    for t in &shape.tables {
        for c in &t.columns {
            used.push((t.name.clone(), names.field(&c.name)));
        }
    }
    let fresh = |used: &mut Vec<(String, String)>, table: &str, want: String| -> String {
        let mut name = want.clone();
        let mut n = 2;
        while used.iter().any(|(t, f)| t == table && *f == name) {
            name = format!("{want}_{n}");
            n += 1;
        }
        used.push((table.to_owned(), name.clone()));
        name
    };
    for t in &shape.tables {
        for k in &t.foreign_keys {
            let Some(parent) = names.table(&k.parent) else {
                continue;
            };
            let pairs = shape
                .tables
                .iter()
                .flat_map(|x| x.foreign_keys.iter().map(move |f| (&x.name, &f.parent)))
                .filter(|(c, p)| {
                    (**c == t.name && **p == k.parent) || (**c == k.parent && **p == t.name)
                })
                .count();
            let self_key = k.parent == t.name;
            // The relation's name gives the constraint's (`{table}_{relation}_fkey`): a
            // key Rel named keeps its name.
            let named = k
                .name
                .strip_prefix(&format!("{}_", t.name))
                .and_then(|n| n.strip_suffix("_fkey"))
                .filter(|n| field_name(n).0 == *n)
                .map(str::to_owned);
            let base = named.clone().unwrap_or_else(|| {
                let c = &k.columns[0];
                let stem = c.strip_suffix("_id").unwrap_or(c);
                field_name(if k.columns.len() == 1 && stem != c {
                    stem
                } else {
                    &k.parent
                })
                .0
            });
            let from: Vec<String> = k.columns.iter().map(|c| names.field(c)).collect();
            let parent_struct = struct_name(&parent.name);
            // A key named after its one column is that column's `references`.
            if named.is_some() && from.len() == 1 && from[0] == base && k.parent_columns.len() == 1
            {
                references.push((
                    t.name.clone(),
                    k.columns[0].clone(),
                    format!(
                        "references = {parent_struct}::{}{}{}",
                        names.field(&k.parent_columns[0]),
                        action("on_delete", &k.on_delete),
                        action("on_update", &k.on_update)
                    ),
                ));
                let many_field = fresh(
                    &mut used,
                    &parent.name,
                    format!("{}_list", field_name(&t.name).0),
                );
                rels.push((
                    parent.name.clone(),
                    Rel {
                        attribute: format!(
                            "#[relation(many, from = {}, to = {}::{})]",
                            names.field(&k.parent_columns[0]),
                            struct_name(&t.name),
                            from[0]
                        ),
                        field: many_field,
                        ty: format!("Many<{}>", struct_name(&t.name)),
                    },
                ));
                continue;
            }
            let one_field = fresh(&mut used, &t.name, base.clone());
            let alias = (pairs > 1 || self_key).then(|| format!("{}_{}", t.name, one_field));
            let alias_text = alias
                .as_ref()
                .map_or(String::new(), |a| format!(", alias = {a:?}"));
            let nullable = k
                .columns
                .iter()
                .any(|c| t.column(c).is_some_and(|c| c.nullable));
            let shared = {
                let mut a = k.columns.clone();
                a.sort();
                let mut b = t.primary_key.clone();
                b.sort();
                a == b
            };
            let to: Vec<String> = k
                .parent_columns
                .iter()
                .map(|c| format!("{parent_struct}::{}", names.field(c)))
                .collect();
            rels.push((
                t.name.clone(),
                Rel {
                    attribute: format!(
                        "#[relation(one, from = {}, to = {}{}{}{}{alias_text})]",
                        list(&from),
                        list(&to),
                        if shared { ", foreign_key = from" } else { "" },
                        action("on_delete", &k.on_delete),
                        action("on_update", &k.on_update),
                    ),
                    field: one_field,
                    ty: if nullable {
                        format!("One<Option<{parent_struct}>>")
                    } else {
                        format!("One<{parent_struct}>")
                    },
                },
            ));
            // The other side: a `many`, or the inverse `one` of a one-to-one.
            let child_struct = struct_name(&t.name);
            let unique = shared || (k.columns.len() == 1 && t.uniques.contains(&k.columns[0]));
            let many_field = fresh(
                &mut used,
                &parent.name,
                if unique {
                    field_name(&t.name).0
                } else {
                    format!("{}_list", field_name(&t.name).0)
                },
            );
            let back_from: Vec<String> = k.parent_columns.iter().map(|c| names.field(c)).collect();
            let back_to: Vec<String> = k
                .columns
                .iter()
                .map(|c| format!("{child_struct}::{}", names.field(c)))
                .collect();
            rels.push((
                parent.name.clone(),
                Rel {
                    attribute: if unique {
                        format!(
                            "#[relation(one, from = {}, to = {}, foreign_key = to{alias_text})]",
                            list(&back_from),
                            list(&back_to)
                        )
                    } else {
                        format!(
                            "#[relation(many, from = {}, to = {}{alias_text})]",
                            list(&back_from),
                            list(&back_to)
                        )
                    },
                    field: many_field,
                    ty: if unique {
                        format!("One<Option<{child_struct}>>")
                    } else {
                        format!("Many<{child_struct}>")
                    },
                },
            ));
        }
        if let Some((a, b)) = is_junction(t) {
            for (me, other) in [(a, b), (b, a)] {
                let (Some(_), Some(target)) = (names.table(&me.parent), names.table(&other.parent))
                else {
                    continue;
                };
                if me.parent == other.parent {
                    continue;
                }
                let field = fresh(
                    &mut used,
                    &me.parent,
                    format!(
                        "{}_through_{}",
                        field_name(&target.name).0,
                        field_name(&t.name).0
                    ),
                );
                let first: Vec<String> = me.columns.iter().map(|c| names.field(c)).collect();
                let second: Vec<String> = other.columns.iter().map(|c| names.field(c)).collect();
                rels.push((
                    me.parent.clone(),
                    Rel {
                        attribute: format!(
                            "#[relation(many, through = {}({}, {}))]",
                            struct_name(&t.name),
                            list(&first),
                            list(&second)
                        ),
                        field,
                        ty: format!("Many<{}>", struct_name(&target.name)),
                    },
                ));
            }
        }
    }

    let mut out = String::new();
    out.push_str("// Generated by Rel's pull from the database's catalog.\n\n");
    out.push_str("use rel::prelude::*;\n");
    for t in &shape.tables {
        out.push('\n');
        let _ = writeln!(out, "#[derive(Table, Debug, Clone, PartialEq)]");
        let generated = t
            .columns
            .iter()
            .find(|c| c.generated)
            .map(|c| c.name.clone());
        if t.primary_key.len() > 1
            || (t.primary_key.len() == 1
                && generated.is_some()
                && generated.as_ref() != t.primary_key.first())
        {
            let keys: Vec<String> = t.primary_key.iter().map(|c| names.field(c)).collect();
            let _ = writeln!(
                out,
                "#[table(name = {:?}, primary_key({}))]",
                t.name,
                keys.join(", ")
            );
        } else {
            let _ = writeln!(out, "#[table(name = {:?})]", t.name);
        }
        let _ = writeln!(out, "pub struct {} {{", struct_name(&t.name));
        for c in &t.columns {
            let reference = references
                .iter()
                .find(|(table, col, _)| *table == t.name && *col == c.name)
                .map(|(_, _, r)| r.as_str());
            column(&mut out, dialect, t, c, reference);
        }
        for (_, r) in rels.iter().filter(|(table, _)| *table == t.name) {
            let _ = writeln!(out, "    {}", r.attribute);
            let _ = writeln!(out, "    pub {}: {},", r.field, r.ty);
        }
        out.push_str("}\n");
    }
    out
}

fn column(
    out: &mut String,
    dialect: Dialect,
    t: &TableShape,
    c: &ColumnShape,
    reference: Option<&str>,
) {
    let (field, renamed) = field_name(&c.name);
    let Some(rust) = rust_type(dialect, &c.ty) else {
        let _ = writeln!(
            out,
            "    // `{}` is `{}`, which Rel has no column type for.",
            c.name, c.ty
        );
        return;
    };
    let mut options: Vec<String> = Vec::new();
    if renamed {
        options.push(format!("name = {:?}", c.name));
    }
    if t.primary_key.len() == 1 && t.primary_key[0] == c.name {
        options.push("primary_key".into());
        if c.generated {
            options.push("auto_increment".into());
        }
    }
    if t.uniques.contains(&c.name) {
        options.push("unique".into());
    }
    // An index of the column's own, unless it is the one Rel makes for a foreign key
    // by itself (none where the primary key starts with the column).
    if t.indexes
        .iter()
        .any(|i| i.columns.len() == 1 && i.columns[0] == c.name)
        && (t.primary_key.first() == Some(&c.name)
            || !t
                .foreign_keys
                .iter()
                .any(|k| k.columns.len() == 1 && k.columns[0] == c.name))
    {
        options.push("index".into());
    }
    // A type that changes values Rel's own type for the field would keep (a precision, a
    // time's whole seconds) is declared, so that the structs create the same column.
    if !c.generated && changes_values(&c.ty, Some(rust), dialect.ddl().types_are_affinities()) {
        let declarable =
            c.ty.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || " _(),".contains(ch));
        if declarable {
            options.push(format!("sql_type = {:?}", c.ty));
        }
    }
    if let Some(d) = c.default.as_deref().and_then(|d| default_literal(d, rust)) {
        options.push(format!("default = {d}"));
    }
    if let Some(r) = reference {
        options.push(r.to_owned());
    }
    if !options.is_empty() {
        let _ = writeln!(out, "    #[column({})]", options.join(", "));
    }
    let ty = if c.nullable {
        format!("Option<{rust}>")
    } else {
        rust.to_owned()
    };
    let _ = writeln!(out, "    pub {field}: {ty},");
}

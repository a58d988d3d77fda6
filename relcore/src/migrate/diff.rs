//! The steps from the shape a database has to the shape the structs describe.

use super::shape::{ColumnShape, Shape, TableShape};
use std::fmt;

/// One difference between a database and the schema its structs describe, as a step
/// that would remove it: what [`Schema::diff`](crate::model::schema::Schema::diff) returns. An empty
/// list means no drift.
///
/// Its `Display` is one line for a report: `add column posts.score (integer, NOT NULL)`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A table the structs describe and the database lacks.
    CreateTable {
        /// The table.
        table: String,
    },
    /// A table the database has and the structs do not describe (Rel's and sqlx's
    /// bookkeeping tables excepted).
    DropTable {
        /// The table.
        table: String,
    },
    /// A table renamed (`#[table(renamed_from = "..")]`): the database has the old
    /// name and not the new one.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column renamed (`#[column(renamed_from = "..")]`).
    RenameColumn {
        /// The table (by its new name, where it is renamed too).
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column the structs describe and the table lacks.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, nullability and default, for the report.
        definition: String,
    },
    /// A column the table has and the struct does not describe.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column whose type, nullability, default or generation differs.
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What differs, database first: `type bigint → integer`.
        change: String,
    },
    /// A different primary key.
    ChangePrimaryKey {
        /// The table.
        table: String,
        /// The database's key columns.
        from: Vec<String>,
        /// The structs' key columns.
        to: Vec<String>,
    },
    /// A unique key (one column) the structs describe and the table lacks.
    AddUnique {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A unique key the table has and the structs do not describe.
    DropUnique {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// An index the structs call for (a column's `index`, or a foreign key's columns)
    /// that the table lacks.
    AddIndex {
        /// The table.
        table: String,
        /// The index's name.
        index: String,
        /// Its columns, in order.
        columns: Vec<String>,
    },
    /// An index the table has and the structs do not call for.
    DropIndex {
        /// The table.
        table: String,
        /// The index's name.
        index: String,
    },
    /// A foreign key the structs describe (ForeignKeys mode) that the table lacks, or
    /// has with other columns or actions.
    AddForeignKey {
        /// The table that holds the key.
        table: String,
        /// The constraint's name (empty on SQLite, which does not report names).
        name: String,
        /// The key, for the report: `(author_id) → users (id) ON DELETE CASCADE`.
        definition: String,
    },
    /// A foreign key the table has and the structs do not describe (all of them, in
    /// Emulated mode).
    DropForeignKey {
        /// The table that holds the key.
        table: String,
        /// The constraint's name (empty on SQLite).
        name: String,
        /// The key, for the report.
        definition: String,
    },
}

impl Step {
    /// The tables that `steps` drop or rename away: the record forgets them.
    #[doc(hidden)]
    pub fn tables_gone(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .filter_map(|step| match step {
                Step::DropTable { table } => Some(table.clone()),
                Step::RenameTable { from, .. } => Some(from.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether the step could lose data or break what relies on the schema: a drop
    /// of a table or a column, or a change of a column.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Step::DropTable { .. }
                | Step::DropColumn { .. }
                | Step::AlterColumn { .. }
                | Step::ChangePrimaryKey { .. }
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreateTable { table } => write!(f, "create table {table}"),
            Step::DropTable { table } => write!(f, "drop table {table}"),
            Step::RenameTable { from, to } => write!(f, "rename table {from} to {to}"),
            Step::RenameColumn { table, from, to } => {
                write!(f, "rename column {table}.{from} to {to}")
            }
            Step::AddColumn {
                table,
                column,
                definition,
            } => write!(f, "add column {table}.{column} ({definition})"),
            Step::DropColumn { table, column } => write!(f, "drop column {table}.{column}"),
            Step::AlterColumn {
                table,
                column,
                change,
            } => write!(f, "alter column {table}.{column}: {change}"),
            Step::ChangePrimaryKey { table, from, to } => write!(
                f,
                "change the primary key of {table} from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            ),
            Step::AddUnique { table, column } => write!(f, "add unique key {table}.{column}"),
            Step::DropUnique { table, column } => write!(f, "drop unique key {table}.{column}"),
            Step::AddIndex {
                table,
                index,
                columns,
            } => write!(f, "add index {index} on {table} ({})", columns.join(", ")),
            Step::DropIndex { table, index } => write!(f, "drop index {index} on {table}"),
            Step::AddForeignKey {
                table,
                name,
                definition,
            } => write!(f, "add foreign key {}on {table} {definition}", named(name)),
            Step::DropForeignKey {
                table,
                name,
                definition,
            } => write!(f, "drop foreign key {}on {table} {definition}", named(name)),
        }
    }
}

/// The steps that take a database of shape `live` to shape `want`; empty when they
/// are equal. Tables and columns compare by name; types, defaults and actions in the
/// backend's canonical spelling; unique keys by column; indexes by name and columns;
/// foreign keys by name (where the backend reports one), columns, target and actions.
pub fn diff(live: &Shape, want: &Shape) -> Vec<Step> {
    diff_renamed(live, want).0
}

/// [`diff`]'s steps, and the live shape under the names its renames give it, which the
/// statements for the steps are written against.
pub fn diff_renamed(live: &Shape, want: &Shape) -> (Vec<Step>, Shape) {
    let mut steps = Vec::new();
    let renamed_live = renamed(live, want, &mut steps);
    let live = &renamed_live;
    for w in &want.tables {
        match live.table(&w.name) {
            Some(l) => table(l, w, want.affinities, &mut steps),
            None => steps.push(Step::CreateTable {
                table: w.name.clone(),
            }),
        }
    }
    for l in &live.tables {
        if want.table(&l.name).is_none() {
            steps.push(Step::DropTable {
                table: l.name.clone(),
            });
        }
    }
    (steps, renamed_live)
}

/// The live shape with the structs' renames applied (`renamed_from`), and the rename
/// steps: a table or column is renamed when the database has the old name, not the
/// new one, and the structs do not use the old name for something else. Foreign keys
/// that name a renamed table or column follow it.
fn renamed(live: &Shape, want: &Shape, steps: &mut Vec<Step>) -> Shape {
    let mut live = live.clone();
    for w in &want.tables {
        let Some(old) = w.renamed_from.as_deref() else {
            continue;
        };
        if live.table(&w.name).is_some() || want.table(old).is_some() || live.table(old).is_none() {
            continue;
        }
        steps.push(Step::RenameTable {
            from: old.to_owned(),
            to: w.name.clone(),
        });
        for t in &mut live.tables {
            if t.name == old {
                t.name = w.name.clone();
            }
            for k in &mut t.foreign_keys {
                if k.parent == old {
                    k.parent = w.name.clone();
                }
            }
        }
    }
    for w in &want.tables {
        for c in &w.columns {
            let Some(old) = c.renamed_from.as_deref() else {
                continue;
            };
            let Some(t) = live.tables.iter_mut().find(|t| t.name == w.name) else {
                continue;
            };
            if t.column(&c.name).is_some() || w.column(old).is_some() || t.column(old).is_none() {
                continue;
            }
            steps.push(Step::RenameColumn {
                table: w.name.clone(),
                from: old.to_owned(),
                to: c.name.clone(),
            });
            let rename = |n: &mut String| {
                if n == old {
                    *n = c.name.clone();
                }
            };
            t.columns.iter_mut().for_each(|col| rename(&mut col.name));
            t.primary_key.iter_mut().for_each(rename);
            t.uniques.iter_mut().for_each(rename);
            for i in &mut t.indexes {
                i.columns.iter_mut().for_each(rename);
            }
            for k in &mut t.foreign_keys {
                k.columns.iter_mut().for_each(rename);
            }
            for other in &mut live.tables {
                for k in &mut other.foreign_keys {
                    if k.parent == w.name {
                        k.parent_columns.iter_mut().for_each(rename);
                    }
                }
            }
        }
    }
    live
}

fn table(live: &TableShape, want: &TableShape, affinities: bool, steps: &mut Vec<Step>) {
    let name = &want.name;
    for w in &want.columns {
        let found = live.column(&w.name);
        let Some(l) = found else {
            steps.push(Step::AddColumn {
                table: name.clone(),
                column: w.name.clone(),
                definition: format!("{}{}", w.ty, if w.nullable { "" } else { ", NOT NULL" }),
            });
            continue;
        };
        let mut changes = Vec::new();
        if !same_type(l, w, affinities) {
            changes.push(format!("type {} → {}", l.ty, w.ty));
        }
        if l.nullable != w.nullable {
            let word = |n: bool| if n { "NULL" } else { "NOT NULL" };
            changes.push(format!("{} → {}", word(l.nullable), word(w.nullable)));
        }
        if l.generated != w.generated {
            let word = |g: bool| if g { "generated" } else { "not generated" };
            changes.push(format!("{} → {}", word(l.generated), word(w.generated)));
        } else if l.default != w.default && !w.generated {
            let show = |d: &Option<String>| match d.as_deref() {
                None => "no default".to_owned(),
                Some(d) => shown_default(d),
            };
            changes.push(format!(
                "default {} → {}",
                show(&l.default),
                show(&w.default)
            ));
        }
        if !changes.is_empty() {
            steps.push(Step::AlterColumn {
                table: name.clone(),
                column: w.name.clone(),
                change: changes.join(", "),
            });
        }
    }
    for l in &live.columns {
        if want.column(&l.name).is_none() {
            steps.push(Step::DropColumn {
                table: name.clone(),
                column: l.name.clone(),
            });
        }
    }
    if live.primary_key != want.primary_key {
        steps.push(Step::ChangePrimaryKey {
            table: name.clone(),
            from: live.primary_key.clone(),
            to: want.primary_key.clone(),
        });
    }
    for u in &want.uniques {
        // A new column's definition carries its UNIQUE.
        if !live.uniques.contains(u) && live.column(u).is_some() {
            steps.push(Step::AddUnique {
                table: name.clone(),
                column: u.clone(),
            });
        }
    }
    for u in &live.uniques {
        if !want.uniques.contains(u) {
            steps.push(Step::DropUnique {
                table: name.clone(),
                column: u.clone(),
            });
        }
    }
    // Indexes and foreign keys compare by what they are, not by name: a database's own
    // names (`IFK_AlbumArtistId`, `FK_AlbumArtistId`) are no drift.
    let same_index =
        |a: &super::shape::IndexShape, b: &super::shape::IndexShape| a.columns == b.columns;
    for w in &want.indexes {
        if !live.indexes.iter().any(|l| same_index(l, w)) {
            steps.push(Step::AddIndex {
                table: name.clone(),
                index: w.name.clone(),
                columns: w.columns.clone(),
            });
        }
    }
    for l in &live.indexes {
        if !want.indexes.iter().any(|w| same_index(l, w)) {
            steps.push(Step::DropIndex {
                table: name.clone(),
                index: l.name.clone(),
            });
        }
    }
    let show = |k: &super::shape::ForeignKeyShape| {
        format!(
            "({}) → {} ({}) ON DELETE {} ON UPDATE {}",
            k.columns.join(", "),
            k.parent,
            k.parent_columns.join(", "),
            k.on_delete,
            k.on_update
        )
    };
    let same_key = |a: &super::shape::ForeignKeyShape, b: &super::shape::ForeignKeyShape| {
        (
            &a.columns,
            &a.parent,
            &a.parent_columns,
            &a.on_delete,
            &a.on_update,
        ) == (
            &b.columns,
            &b.parent,
            &b.parent_columns,
            &b.on_delete,
            &b.on_update,
        )
    };
    for w in &want.foreign_keys {
        if !live.foreign_keys.iter().any(|l| same_key(l, w)) {
            steps.push(Step::AddForeignKey {
                table: name.clone(),
                name: w.name.clone(),
                definition: show(w),
            });
        }
    }
    for l in &live.foreign_keys {
        if !want.foreign_keys.iter().any(|w| same_key(l, w)) {
            steps.push(Step::DropForeignKey {
                table: name.clone(),
                name: l.name.clone(),
                definition: show(l),
            });
        }
    }
}

/// Whether the live column's type is the structs' in another spelling: it holds the
/// same Rust type (`ColumnShape::rust`), and it keeps every value Rel writes as it is,
/// or refuses it loudly. A text length (`varchar(160)`, SQLite's `NVARCHAR(160)`,
/// MySQL's `text` for `longtext`) refuses what does not fit, so it is no drift (the
/// Chinook sample database has them everywhere). What would change a value silently is
/// drift: a decimal's precision (`numeric(10,2)` rounds), a time's fractional digits
/// (MySQL's `datetime`, PostgreSQL's `timestamp(3)`), a fixed-length `char(n)` (pads),
/// and on SQLite a declared type without TEXT affinity for a value Rel stores as text
/// (`NUMERIC` turns the decimal `0.10` into the number `0.1`). On SQLite every integer
/// spelling is one (INTEGER affinity, 64 bits).
pub fn same_type(live: &ColumnShape, want: &ColumnShape, affinities: bool) -> bool {
    if live.ty == want.ty {
        return true;
    }
    let integer = |r: Option<&str>| matches!(r, Some("i16" | "i32" | "i64"));
    if affinities && integer(live.rust) && integer(want.rust) {
        return true;
    }
    live.rust.is_some()
        && live.rust == want.rust
        && !changes_values(&live.ty, live.rust, affinities)
        && !changes_values(&want.ty, want.rust, affinities)
}

/// Whether a column of canonical type `ty` changes, silently, some value of the Rust
/// type `rust` that Rel writes (see [`same_type`]). Rel's own types never do; a type
/// declared with `#[column(sql_type)]`, or read from a database, may, and then only
/// that very type is no drift. `pull` declares such a type on the field it writes.
/// Where the Rust type is not known (`None`), any precision or fixed length counts.
pub fn changes_values(ty: &str, rust: Option<&str>, affinities: bool) -> bool {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    let parameters: Vec<u32> = ty
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(list, _)| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let rounds_or_pads = match base {
        // A `Decimal` has at most 28 fractional digits and 29 whole ones: MySQL's
        // `decimal(65,30)`, Rel's type there, holds every one.
        "numeric" | "decimal" => match parameters[..] {
            [] => false,
            [precision, scale] if rust == Some("rust_decimal::Decimal") => {
                scale < 28 || precision.saturating_sub(scale) < 29
            }
            _ => true,
        },
        // A UUID's text is always 36 characters: `char(36)`, Rel's type on MySQL, pads none.
        "char" | "character" | "nchar" => !(rust == Some("uuid::Uuid") && parameters[..] == [36]),
        // MySQL's `datetime` and `timestamp` keep whole seconds unless given digits.
        "datetime" | "timestamp" if !affinities => !ty.contains("(6)"),
        _ => ty.starts_with("timestamp(") && !ty.starts_with("timestamp(6)"),
    };
    let text_stored = matches!(
        rust,
        Some("rust_decimal::Decimal" | "serde_json::Value" | "uuid::Uuid")
    );
    let text_affinity = ["char", "clob", "text"].iter().any(|t| ty.contains(t));
    // SQLite converts text that looks like a number where the affinity is not TEXT.
    rounds_or_pads || (affinities && text_stored && !text_affinity)
}

/// A canonical default (`s:..`, `n:..`, `b:..`) as SQL shows it: `'text'`, `7`, `1.5`,
/// `true`.
fn shown_default(canonical: &str) -> String {
    match canonical.split_once(':') {
        Some(("s", text)) => format!("'{}'", text.replace('\'', "''")),
        Some(("n", number)) => number.strip_suffix(".0").unwrap_or(number).to_owned(),
        Some((_, other)) => other.to_owned(),
        None => canonical.to_owned(),
    }
}

/// A constraint's name and a space, or nothing where the backend gives none (SQLite).
fn named(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!("{name} ")
    }
}

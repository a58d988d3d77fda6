//! The foreign-key graph: every foreign key a schema's relations imply, whichever side
//! declares them, indexed by the tables at either end.
//!
//! A `Db` builds it once, when it learns its schema (`Db::use_schema`,
//! `Schema::create_all`), and shares it with every write: Emulated mode plans over it,
//! and constraint errors are named through it. DDL builds one per call.

use super::meta::ColumnMeta;
use super::meta::{Constraint, RelationKind, RelationMeta, TableMeta};
use super::names::fk_name;
use super::schema::Schema;
use std::collections::{HashMap, HashSet};

/// A foreign key: `child(child_cols)` references `parent(parent_cols)`.
#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub name: String,
    pub relation: &'static str,
    pub child: &'static TableMeta,
    pub child_cols: &'static [&'static str],
    pub parent: &'static TableMeta,
    pub parent_cols: &'static [&'static str],
    pub on_delete: Option<super::meta::Action>,
    pub on_update: Option<super::meta::Action>,
}

/// The foreign keys of a schema, and its tables. See the [module docs](self).
#[derive(Debug, Default)]
pub struct Graph {
    tables: Vec<&'static TableMeta>,
    keys: Vec<ForeignKey>,
    /// The positions in `keys` of each table's own keys (it is their child).
    held: HashMap<&'static str, Vec<usize>>,
    /// The positions in `keys` of the keys that refer to each table (it is their parent).
    referring: HashMap<&'static str, Vec<usize>>,
}

impl Schema {
    /// The foreign-key graph of the schema's relations (see [`Graph`]).
    #[doc(hidden)]
    pub fn graph(&self) -> Graph {
        Graph::new(self)
    }
}

impl Graph {
    /// The graph of `schema`'s relations: every foreign key once, in the order the
    /// tables and their relations first imply them. A key that a query-only relation
    /// (`constraint = none`) describes is none, whichever other relation describes it
    /// too (an inferred `many` follows its `one`, and a one-to-one's two sides are one
    /// key), unless a column's `references` declares it: that is Drizzle's `schema2`, a
    /// key on the column and a relation for queries. Names and actions depend only on
    /// the relation (see [`ForeignKey::between`]), never on that order.
    pub fn new(schema: &Schema) -> Graph {
        let mut graph = Graph {
            tables: schema.tables().to_vec(),
            ..Graph::default()
        };
        let implied_by = |constraint: Constraint| {
            schema.tables().iter().flat_map(move |&table| {
                table
                    .relations
                    .iter()
                    .filter(move |r| r.constraint == constraint)
                    .flat_map(move |rel| implied(table, rel))
            })
        };
        let declared: HashSet<_> = implied_by(Constraint::ColumnKey)
            .map(|fk| fk.identity())
            .collect();
        let mut seen: HashSet<_> = implied_by(Constraint::QueryOnly)
            .map(|fk| fk.identity())
            .filter(|key| !declared.contains(key))
            .collect();
        for &table in schema.tables() {
            for rel in table.relations {
                for fk in implied(table, rel) {
                    if seen.insert(fk.identity()) {
                        graph.add(fk);
                    }
                }
            }
        }
        graph
    }

    fn add(&mut self, fk: ForeignKey) {
        let at = self.keys.len();
        self.held.entry(fk.child.name).or_default().push(at);
        self.referring.entry(fk.parent.name).or_default().push(at);
        self.keys.push(fk);
    }

    /// Every foreign key.
    pub fn keys(&self) -> &[ForeignKey] {
        &self.keys
    }

    /// Whether the schema has a table of this name.
    pub fn has(&self, table: &str) -> bool {
        self.tables.iter().any(|t| t.name == table)
    }

    /// The keys `table` holds (it is their child).
    pub fn held_by<'g>(&'g self, table: &str) -> impl Iterator<Item = &'g ForeignKey> {
        self.at(self.held.get(table))
    }

    /// The keys that refer to `table` (it is their parent), including those declared
    /// only on the referring side.
    pub fn referring_to<'g>(&'g self, table: &str) -> impl Iterator<Item = &'g ForeignKey> {
        self.at(self.referring.get(table))
    }

    /// Whether `table` takes part in any foreign key, at either end.
    pub fn takes_part(&self, table: &str) -> bool {
        self.held.contains_key(table) || self.referring.contains_key(table)
    }

    /// Whether any key refers to `table`.
    pub fn is_referenced(&self, table: &str) -> bool {
        self.referring.contains_key(table)
    }

    /// The index each foreign-key column set needs, unless a key or index starts with
    /// it: in both relation modes, so Emulated mode's checks find their rows by index.
    pub fn key_indexes(&self) -> Vec<(&'static TableMeta, &'static [&'static str])> {
        let mut out: Vec<(&'static TableMeta, &'static [&'static str])> = Vec::new();
        for fk in &self.keys {
            let (table, cols) = (fk.child, fk.child_cols);
            let covered = starts_with(table.primary_key, cols)
                || table
                    .columns
                    .iter()
                    .any(|c| (c.unique || c.index) && starts_with(&[c.name], cols))
                || out
                    .iter()
                    .any(|(t, c)| t.name == table.name && starts_with(c, cols));
            if !covered {
                out.push((table, cols));
            }
        }
        out
    }

    /// Whether a column takes part in a key or index (MySQL cannot index TEXT or BLOB).
    pub fn is_keyed(&self, table: &TableMeta, col: &ColumnMeta) -> bool {
        col.unique
            || col.index
            || table.primary_key.contains(&col.name)
            || self.keys.iter().any(|k| {
                (k.child.name == table.name && k.child_cols.contains(&col.name))
                    || (k.parent.name == table.name && k.parent_cols.contains(&col.name))
            })
    }

    fn at<'g>(&'g self, positions: Option<&'g Vec<usize>>) -> impl Iterator<Item = &'g ForeignKey> {
        positions.into_iter().flatten().map(move |&i| &self.keys[i])
    }
}

/// The foreign keys one relation implies: its own when it holds the key; the target's
/// back to it for a `many` or the inverse side of a one-to-one; both of a junction's.
/// A key is implied only towards a primary key or unique column.
fn implied(table: &'static TableMeta, rel: &RelationMeta) -> Vec<ForeignKey> {
    let target = (rel.target)();
    if let Some(through) = rel.through {
        let junction = (through.table)();
        return [
            (through.from, table, rel.from),
            (through.to, target, rel.to),
        ]
        .into_iter()
        .filter(|(_, parent, cols)| is_unique_key(parent, cols))
        .map(|(cols, parent, parent_cols)| ForeignKey::between(junction, cols, parent, parent_cols))
        .collect();
    }
    if rel.holds_key {
        return vec![ForeignKey::between(table, rel.from, target, rel.to)];
    }
    if is_unique_key(table, rel.from) {
        return vec![ForeignKey::between(target, rel.to, table, rel.from)];
    }
    Vec::new()
}

impl ForeignKey {
    /// The key `child(child_cols)` → `parent(parent_cols)`. It is named after, and takes
    /// its actions from, the child's relation that holds it (`posts_author_fkey`); with
    /// none declared, after its columns (`posts_author_id_key_fkey`), without actions.
    pub fn between(
        child: &'static TableMeta,
        child_cols: &'static [&'static str],
        parent: &'static TableMeta,
        parent_cols: &'static [&'static str],
    ) -> ForeignKey {
        let holder = child.relations.iter().find(|r| {
            r.kind == RelationKind::One
                && r.holds_key
                && r.through.is_none()
                && r.target_name == parent.name
                && r.from == child_cols
                && r.to == parent_cols
        });
        let (name, relation, on_delete, on_update) = match holder {
            Some(r) => (
                fk_name(child.name, r.name),
                r.name,
                r.on_delete,
                r.on_update,
            ),
            None => {
                let mut cols = child_cols.join("_");
                cols.push_str("_key");
                (fk_name(child.name, &cols), "", None, None)
            }
        };
        ForeignKey {
            name,
            relation,
            child,
            child_cols,
            parent,
            parent_cols,
            on_delete,
            on_update,
        }
    }

    /// What makes two keys one: the same columns at both ends.
    fn identity(
        &self,
    ) -> (
        &'static str,
        &'static [&'static str],
        &'static str,
        &'static [&'static str],
    ) {
        (
            self.child.name,
            self.child_cols,
            self.parent.name,
            self.parent_cols,
        )
    }

    /// The foreign keys that point at `parent` which its own relations reveal: what a
    /// refused delete of one of its rows is about, where no graph is known.
    pub fn referencing(parent: &'static TableMeta) -> Vec<ForeignKey> {
        let mut keys: Vec<ForeignKey> = Vec::new();
        for rel in parent.relations {
            for fk in implied(parent, rel) {
                if fk.parent.name == parent.name
                    && !keys.iter().any(|k| k.identity() == fk.identity())
                {
                    keys.push(fk);
                }
            }
        }
        keys
    }

    /// Whether the key runs from a table to itself (a self relation).
    pub fn is_self(&self) -> bool {
        self.child.name == self.parent.name
    }

    /// The relation it belongs to, where one holds it.
    pub fn relation(&self) -> Option<&'static str> {
        Some(self.relation).filter(|r| !r.is_empty())
    }
}

fn is_unique_key(table: &TableMeta, cols: &[&str]) -> bool {
    super::check::is_unique_key(table.columns, table.primary_key, cols)
}

fn starts_with(index: &[&str], cols: &[&str]) -> bool {
    index.len() >= cols.len() && index[..cols.len()] == *cols
}

/// What the schema says of itself: its mode, its tables, each table's constraints (the
/// foreign keys it holds, with their actions) and its query-only relations, which no
/// constraint is behind.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct Author {
///     #[column(primary_key)]
///     id: i64,
/// }
///
/// #[derive(Table)]
/// struct Book {
///     #[column(primary_key)]
///     id: i64,
///     #[column(references = Author::id, on_delete = cascade)]
///     author_id: i64,
///     editor_id: Option<i64>,
///     #[relation(one, from = editor_id, to = Author::id, constraint = none)]
///     editor: One<Option<Author>>,
/// }
///
/// let schema = Schema::new(RelationMode::Emulated).table::<Book>();
/// assert_eq!(
///     schema.to_string(),
///     [
///         "Emulated mode (Rel enforces the constraints), 2 tables",
///         "book",
///         "  constraint book_author_id_fkey: book(author_id) -> author(id), on delete cascade",
///         "  query-only relation editor: book(editor_id) -> author(id), no constraint",
///         "author",
///     ]
///     .join("\n")
/// );
/// ```
impl std::fmt::Display for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::meta::Action;
        use super::schema::RelationMode;
        let action = |a: Action| match a {
            Action::Cascade => "cascade",
            Action::Restrict => "restrict",
            Action::NoAction => "no action",
            Action::SetNull => "set null",
            Action::SetDefault => "set default",
        };
        let mode = match self.mode() {
            RelationMode::ForeignKeys => "ForeignKeys mode (the database enforces the constraints)",
            RelationMode::Emulated => "Emulated mode (Rel enforces the constraints)",
        };
        write!(f, "{mode}, {} tables", self.tables().len())?;
        let graph = self.graph();
        for table in self.tables() {
            write!(f, "\n{}", table.name)?;
            for fk in graph.held_by(table.name) {
                write!(
                    f,
                    "\n  constraint {}: {}({}) -> {}({})",
                    fk.name,
                    fk.child.name,
                    fk.child_cols.join(", "),
                    fk.parent.name,
                    fk.parent_cols.join(", ")
                )?;
                if let Some(a) = fk.on_delete {
                    write!(f, ", on delete {}", action(a))?;
                }
                if let Some(a) = fk.on_update {
                    write!(f, ", on update {}", action(a))?;
                }
            }
            let query_only = table.relations.iter();
            for rel in query_only.filter(|r| r.constraint == Constraint::QueryOnly) {
                write!(
                    f,
                    "\n  query-only relation {}: {}({}) -> {}({}), no constraint",
                    rel.name,
                    table.name,
                    rel.from.join(", "),
                    rel.target_name,
                    rel.to.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

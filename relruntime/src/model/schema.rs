//! `Schema`: a set of tables and a relation mode, and the foreign keys their relations imply.
//!
//! The DDL that renders a schema for a dialect is in `sql::ddl`.

use super::error::{Error, Result};
use super::meta::{Action, ColumnMeta, RelationKind, RelationMeta, TableMeta};
use super::table::Table;

/// Who enforces relations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RelationMode {
    /// The database: the DDL declares foreign keys with their actions.
    #[default]
    ForeignKeys,
    /// Rel itself: the DDL declares no foreign keys (Vitess, PlanetScale and the like).
    Emulated,
}

/// A set of tables and the [`RelationMode`] that governs them.
///
/// Adding a table also adds every table it reaches through its relations, so a schema
/// is always closed: every foreign key points at a table of the schema.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct Author {
///     #[column(primary_key, auto_increment)]
///     id: i64,
///     name: String,
///     #[relation(many)]
///     books: Many<Book>,
/// }
///
/// #[derive(Table)]
/// struct Book {
///     #[column(primary_key, auto_increment)]
///     id: i64,
///     author_id: i64,
///     #[relation(one, from = author_id, to = Author::id, on_delete = cascade)]
///     author: One<Author>,
/// }
///
/// let schema = Schema::new(RelationMode::ForeignKeys).table::<Book>();
/// let names: Vec<_> = schema.tables().iter().map(|t| t.name).collect();
/// assert_eq!(names, ["book", "author"]); // `Author` came along
/// let ddl = schema.ddl(Dialect::Sqlite).unwrap();
/// assert!(ddl[0].sql.contains(r#"REFERENCES "author" ("id") ON DELETE CASCADE"#));
/// ```
#[derive(Clone, Debug)]
pub struct Schema {
    mode: RelationMode,
    tables: Vec<&'static TableMeta>,
    /// Two structs with one SQL name: (name, first struct, second struct).
    conflict: Option<(&'static str, &'static str, &'static str)>,
}

/// A foreign key: `child(child_cols)` references `parent(parent_cols)`.
#[derive(Clone, Debug)]
pub(crate) struct ForeignKey {
    pub name: String,
    pub relation: &'static str,
    pub child: &'static TableMeta,
    pub child_cols: &'static [&'static str],
    pub parent: &'static TableMeta,
    pub parent_cols: &'static [&'static str],
    pub on_delete: Option<Action>,
    pub on_update: Option<Action>,
}

impl Schema {
    /// An empty schema.
    pub fn new(mode: RelationMode) -> Self {
        Schema {
            mode,
            tables: Vec::new(),
            conflict: None,
        }
    }

    /// Adds `T` and every table reachable from it through relations.
    pub fn table<T: Table>(mut self) -> Self {
        self.add_meta(T::META);
        self
    }

    fn add_meta(&mut self, meta: &'static TableMeta) {
        if let Some(known) = self.tables.iter().find(|t| t.name == meta.name) {
            let same_struct = known.type_name == meta.type_name
                && known.columns.len() == meta.columns.len()
                && known
                    .columns
                    .iter()
                    .zip(meta.columns)
                    .all(|(a, b)| a.name == b.name);
            if !same_struct && self.conflict.is_none() {
                self.conflict = Some((meta.name, known.type_name, meta.type_name));
            }
            return;
        }
        self.tables.push(meta);
        for rel in meta.relations {
            self.add_meta((rel.target)());
            if let Some(through) = rel.through {
                self.add_meta((through.table)());
            }
        }
    }

    /// [`Error::DuplicateTable`] when two structs of the schema have the same SQL name
    /// (the first one added would otherwise silently stand for both).
    pub fn check(&self) -> Result<()> {
        match self.conflict {
            Some((table, first, second)) => Err(Error::DuplicateTable {
                table,
                first,
                second,
            }),
            None => Ok(()),
        }
    }

    /// The relation mode.
    pub fn mode(&self) -> RelationMode {
        self.mode
    }

    /// The tables, in the order they were added.
    pub fn tables(&self) -> &[&'static TableMeta] {
        &self.tables
    }

    /// The table with this SQL name.
    pub fn find(&self, name: &str) -> Option<&'static TableMeta> {
        self.tables.iter().copied().find(|t| t.name == name)
    }

    /// Every foreign key the relations imply, once each, in the order the tables and
    /// their relations first imply them. Names and actions depend only on the relation
    /// (see [`ForeignKey::between`]), never on that order.
    pub(crate) fn foreign_keys(&self) -> Vec<ForeignKey> {
        let mut keys: Vec<ForeignKey> = Vec::new();
        for &table in &self.tables {
            for rel in table.relations {
                for fk in implied(table, rel) {
                    if !keys.iter().any(|k| k.same_as(&fk)) {
                        keys.push(fk);
                    }
                }
            }
        }
        keys
    }

    /// The foreign keys of the schema that point at `parent`'s table: what a refused
    /// delete or key change of one of its rows is about, including keys declared only
    /// on the referencing side.
    pub(crate) fn referencing(&self, parent: &TableMeta) -> Vec<ForeignKey> {
        self.foreign_keys()
            .into_iter()
            .filter(|fk| fk.parent.name == parent.name)
            .collect()
    }

    /// The index each foreign-key column set needs, unless a key or index starts with it.
    pub(crate) fn key_indexes(
        &self,
        keys: &[ForeignKey],
    ) -> Vec<(&'static TableMeta, &'static [&'static str])> {
        let mut out: Vec<(&'static TableMeta, &'static [&'static str])> = Vec::new();
        for fk in keys {
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
    pub(crate) fn is_keyed(
        &self,
        table: &TableMeta,
        col: &ColumnMeta,
        keys: &[ForeignKey],
    ) -> bool {
        col.unique
            || col.index
            || table.primary_key.contains(&col.name)
            || keys.iter().any(|k| {
                (k.child.name == table.name && k.child_cols.contains(&col.name))
                    || (k.parent.name == table.name && k.parent_cols.contains(&col.name))
            })
    }

    /// The name of the foreign-key constraint of `relation` on `table`, and the relation
    /// it belongs to, for turning database errors into [`Error::ForeignKey`].
    pub(crate) fn relation_of_constraint(
        table: &TableMeta,
        constraint: &str,
    ) -> Option<&'static str> {
        table
            .relations
            .iter()
            .find(|r| fk_name(table.name, r.name) == constraint)
            .map(|r| r.name)
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
    pub(crate) fn between(
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

    fn same_as(&self, other: &ForeignKey) -> bool {
        self.child.name == other.child.name
            && self.child_cols == other.child_cols
            && self.parent.name == other.parent.name
            && self.parent_cols == other.parent_cols
    }

    /// The foreign keys that point at `parent` which its own relations reveal: what a
    /// refused delete of one of its rows is about.
    pub(crate) fn referencing(parent: &'static TableMeta) -> Vec<ForeignKey> {
        let mut keys: Vec<ForeignKey> = Vec::new();
        for rel in parent.relations {
            for fk in implied(parent, rel) {
                if fk.parent.name == parent.name && !keys.iter().any(|k| k.same_as(&fk)) {
                    keys.push(fk);
                }
            }
        }
        keys
    }
}

/// `{table}_{relation}_fkey`, kept within identifier length limits.
fn fk_name(table: &str, relation: &str) -> String {
    bounded_name(&[table, relation, "fkey"])
}

/// Joins parts with `_`; past 60 bytes (PostgreSQL allows 63, MySQL 64) it keeps a prefix
/// and appends a hash of the whole name, so distinct long names stay distinct.
pub(crate) fn bounded_name(parts: &[&str]) -> String {
    let full = parts.join("_");
    if full.len() <= 60 {
        return full;
    }
    // FNV-1a: stable across builds, unlike the std hasher.
    let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut cut = 51;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{:08x}", &full[..cut], hash as u32)
}

fn starts_with(index: &[&str], cols: &[&str]) -> bool {
    index.len() >= cols.len() && index[..cols.len()] == *cols
}

fn is_unique_key(table: &TableMeta, cols: &[&str]) -> bool {
    super::check::is_unique_key(table.columns, table.primary_key, cols)
}

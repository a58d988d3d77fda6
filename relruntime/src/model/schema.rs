//! `Schema`: a set of tables and a relation mode, and the foreign keys their relations imply.
//!
//! The DDL that renders a schema for a dialect is in `sql::ddl`.

use super::meta::{Action, ColumnMeta, RelationKind, TableMeta};
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
        }
    }

    /// Adds `T` and every table reachable from it through relations.
    pub fn table<T: Table>(mut self) -> Self {
        self.add_meta(T::META);
        self
    }

    fn add_meta(&mut self, meta: &'static TableMeta) {
        if self.tables.iter().any(|t| t.name == meta.name) {
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

    /// Every foreign key the relations imply, once each.
    ///
    /// The side that holds the key declares it with its actions; a `many` or a `through`
    /// whose holder side is not declared still implies one, without actions.
    pub(crate) fn foreign_keys(&self) -> Vec<ForeignKey> {
        let mut keys: Vec<ForeignKey> = Vec::new();
        let mut add = |fk: ForeignKey| {
            let same = |k: &ForeignKey| {
                k.child.name == fk.child.name
                    && k.child_cols == fk.child_cols
                    && k.parent.name == fk.parent.name
                    && k.parent_cols == fk.parent_cols
            };
            match keys.iter_mut().find(|k| same(k)) {
                // A declared key (with actions) wins over an implied one.
                Some(k) if k.on_delete.is_none() && k.on_update.is_none() => {
                    if fk.on_delete.is_some() || fk.on_update.is_some() {
                        *k = fk;
                    }
                }
                Some(_) => {}
                None => keys.push(fk),
            }
        };
        for &table in &self.tables {
            for rel in table.relations {
                let target = (rel.target)();
                if let Some(through) = rel.through {
                    let junction = (through.table)();
                    for (cols, parent, parent_cols) in [
                        (through.from, table, rel.from),
                        (through.to, target, rel.to),
                    ] {
                        if is_unique_key(parent, parent_cols) {
                            add(implied_key(junction, cols, parent, parent_cols));
                        }
                    }
                } else if rel.holds_key {
                    add(ForeignKey {
                        name: fk_name(table.name, rel.name),
                        relation: rel.name,
                        child: table,
                        child_cols: rel.from,
                        parent: target,
                        parent_cols: rel.to,
                        on_delete: rel.on_delete,
                        on_update: rel.on_update,
                    });
                } else if rel.kind == RelationKind::Many && is_unique_key(table, rel.from) {
                    add(implied_key(target, rel.to, table, rel.from));
                }
            }
        }
        keys
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
fn implied_key(
    child: &'static TableMeta,
    child_cols: &'static [&'static str],
    parent: &'static TableMeta,
    parent_cols: &'static [&'static str],
) -> ForeignKey {
    let mut name = child_cols.join("_");
    name.push_str("_key");
    ForeignKey {
        name: fk_name(child.name, &name),
        relation: "",
        child,
        child_cols,
        parent,
        parent_cols,
        on_delete: None,
        on_update: None,
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

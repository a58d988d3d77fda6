//! `Schema`: a set of tables and a relation mode, and the foreign keys their relations imply.
//!
//! The DDL that renders a schema for a dialect is in `sql::ddl`.

use super::error::{Error, Result};
use super::meta::TableMeta;
use super::names::fk_name;
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
/// let names: Vec<_> = schema.table_names().collect();
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

    /// Adds a table by its metadata, and every table reachable from it: for metadata
    /// built at run time (the migration tests' random schemas). Not a public API.
    #[doc(hidden)]
    pub fn table_meta(self, meta: &'static TableMeta) -> Self {
        self.meta(meta)
    }

    /// Adds a table by its metadata, and every table reachable from it.
    #[doc(hidden)]
    pub fn meta(mut self, meta: &'static TableMeta) -> Self {
        self.add_meta(meta);
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

    /// The tables' SQL names, in the order they were added (a table's relations add
    /// the tables they reach).
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// #[table(name = "users")]
    /// struct User {
    ///     #[column(primary_key)]
    ///     id: i64,
    /// }
    ///
    /// let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    /// assert_eq!(schema.table_names().collect::<Vec<_>>(), ["users"]);
    /// ```
    pub fn table_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tables.iter().map(|t| t.name)
    }

    /// The tables' metadata, in the order they were added (generated code's).
    #[doc(hidden)]
    pub fn tables(&self) -> &[&'static TableMeta] {
        &self.tables
    }

    /// The metadata of the table with this SQL name (generated code's).
    #[doc(hidden)]
    pub fn find(&self, name: &str) -> Option<&'static TableMeta> {
        self.tables.iter().copied().find(|t| t.name == name)
    }

    /// The name of the foreign-key constraint of `relation` on `table`, and the relation
    /// it belongs to, for turning database errors into [`Error::ForeignKey`].
    pub fn relation_of_constraint(table: &TableMeta, constraint: &str) -> Option<&'static str> {
        table
            .relations
            .iter()
            .find(|r| fk_name(table.name, r.name) == constraint)
            .map(|r| r.name)
    }
}

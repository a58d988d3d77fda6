//! Every derived table, registered at link time: what a process knows of the schema
//! without being told it.
//!
//! The derive submits each table's metadata to an `inventory` registry
//! (`Registered`), so a `Db` that connects to a database another process created can
//! still enforce its relations: the database records which tables its schema has (see
//! `Schema::create_all`), and the registry gives their metadata. A linker keeps a
//! library's object file only when something of it is used, so a table of the
//! database that this program never names may be missing: a `Db` then finds it
//! missing (`Registry::scoped`), and refuses to write rather than skip its relations.

use super::meta::TableMeta;
use super::schema::{RelationMode, Schema};
use std::sync::OnceLock;

/// One derived table's metadata, as the derive submits it. Not a public API.
#[doc(hidden)]
pub struct Registered(pub fn() -> &'static TableMeta);

inventory::collect!(Registered);

/// The tables registered in this program, by SQL name.
#[derive(Debug)]
pub struct Registry {
    tables: Vec<&'static TableMeta>,
    /// SQL names that two different structs claim.
    ambiguous: Vec<&'static str>,
}

impl Registry {
    /// The tables this program registered, read once.
    pub fn get() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            let mut registry = Registry {
                tables: Vec::new(),
                ambiguous: Vec::new(),
            };
            for entry in inventory::iter::<Registered> {
                let meta = (entry.0)();
                match registry.tables.iter().find(|t| t.name == meta.name) {
                    Some(known) if known.type_name != meta.type_name => {
                        if !registry.ambiguous.contains(&meta.name) {
                            registry.ambiguous.push(meta.name);
                        }
                    }
                    Some(_) => {}
                    None => registry.tables.push(meta),
                }
            }
            registry
        })
    }

    /// Whether two structs of this program claim the SQL name `table`.
    pub fn is_ambiguous(&self, table: &str) -> bool {
        self.ambiguous.contains(&table)
    }

    /// A schema of `mode` with every registered table (for a database whose record
    /// names no tables), or with those of `names`, and the names of `names` no
    /// registered table has.
    pub fn scoped<'n>(
        &self,
        mode: RelationMode,
        names: Option<&'n [String]>,
    ) -> (Schema, Vec<&'n str>) {
        let mut schema = Schema::new(mode);
        let mut missing = Vec::new();
        match names {
            None => {
                for table in &self.tables {
                    schema = schema.meta(table);
                }
            }
            Some(names) => {
                for name in names {
                    match self.tables.iter().find(|t| t.name == name.as_str()) {
                        Some(table) => schema = schema.meta(table),
                        None => missing.push(name.as_str()),
                    }
                }
            }
        }
        (schema, missing)
    }
}

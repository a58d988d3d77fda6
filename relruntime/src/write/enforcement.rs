//! Who enforces a write's relations: decided once, where the write starts (the facade,
//! `db/`), and passed down as a value to every function of the write. Nothing below
//! the facade decides it again, and no connection carries it.

use crate::model::error::{Error, Result};
use crate::model::graph::Graph;
use crate::model::meta::TableMeta;
use crate::model::schema::RelationMode;
use std::sync::Arc;

/// How one write's relations are enforced. See the [module docs](self).
#[derive(Clone, Debug)]
pub(crate) enum Enforcement {
    /// By the database's foreign keys. `graph`, where the connection knows the
    /// database's schema, names the relation of a constraint error (keys declared only
    /// on the referring side included).
    Database { graph: Option<Arc<Graph>> },
    /// By Rel (Emulated mode): existence checks, the five actions and row locks,
    /// planned over the graph.
    Emulated(Emulation),
}

/// What Emulated mode plans and runs a write with.
#[derive(Clone, Debug)]
pub(crate) struct Emulation {
    /// Every foreign key of the schema, whichever side declares it.
    pub graph: Arc<Graph>,
    /// Whether it takes row locks: always, but for a test's switch that shows what
    /// they prevent (`DbBuilder::without_emulation_locks`).
    pub locking: bool,
    /// Whether it writes conflict guards: on a multi-primary cluster, where row locks
    /// stay on their node (see `GuardSql`).
    pub guards: bool,
}

impl Enforcement {
    /// The decision, from what the connection knows of its database: the schema's
    /// mode and graph, if it was told them, and whether its pool takes locks and
    /// writes guards.
    pub(crate) fn decide(
        known: Option<(RelationMode, Arc<Graph>)>,
        locking: bool,
        guards: bool,
    ) -> Enforcement {
        match known {
            Some((RelationMode::Emulated, graph)) => Enforcement::Emulated(Emulation {
                graph,
                locking,
                guards,
            }),
            Some((RelationMode::ForeignKeys, graph)) => {
                Enforcement::Database { graph: Some(graph) }
            }
            None => Enforcement::Database { graph: None },
        }
    }

    /// The relation mode the write runs in.
    pub(crate) fn mode(&self) -> RelationMode {
        match self {
            Enforcement::Database { .. } => RelationMode::ForeignKeys,
            Enforcement::Emulated(_) => RelationMode::Emulated,
        }
    }

    /// The schema's foreign-key graph, where it is known.
    pub(crate) fn graph(&self) -> Option<&Graph> {
        match self {
            Enforcement::Database { graph } => graph.as_deref(),
            Enforcement::Emulated(emulation) => Some(&emulation.graph),
        }
    }

    /// The emulation a write to `table` runs under; `None` where the database enforces.
    ///
    /// In Emulated mode a write to a table the schema does not have is refused: Rel
    /// could not see what refers to it, and would silently skip its checks.
    pub(crate) fn emulation_for(&self, table: &TableMeta) -> Result<Option<&Emulation>> {
        let Enforcement::Emulated(emulation) = self else {
            return Ok(None);
        };
        if !emulation.graph.has(table.name) {
            return Err(Error::Unsupported {
                table: table.name,
                relation: "",
                message: "the Db's schema (Emulated mode) has no such table, so Rel cannot see \
                          the relations that point at it; add it to the Schema given to \
                          create_all or Db::use_schema"
                    .into(),
            });
        }
        Ok(Some(emulation))
    }
}

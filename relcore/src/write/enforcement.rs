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
pub enum Enforcement {
    /// By the database's foreign keys. `graph`, where the connection knows the
    /// database's schema, names the relation of a constraint error (keys declared only
    /// on the referring side included).
    Database { graph: Option<Arc<Graph>> },
    /// By Rel (Emulated mode): existence checks, the five actions and row locks,
    /// planned over the graph.
    Emulated(Emulation),
    /// By nobody, because the program asked so (`Db::unenforced`): the write is sent
    /// as it is, and its trace says so. `graph` names the relation of a constraint
    /// error, where the database has constraints.
    Unenforced { graph: Option<Arc<Graph>> },
    /// By nothing Rel can name: writes are refused with `message` (what to do), those
    /// to a table that takes part in a relation of `scope`, or all of them without a
    /// scope. Tables without relations are written as the database enforces them.
    Refused {
        scope: Option<Arc<Graph>>,
        message: Arc<str>,
    },
}

/// What Emulated mode plans and runs a write with.
#[derive(Clone, Debug)]
pub struct Emulation {
    /// Every foreign key of the schema, whichever side declares it.
    pub graph: Arc<Graph>,
    /// Whether it takes row locks: always, but for a test's switch that shows what
    /// they prevent (`DbBuilder::unsafe_without_emulation_locks`).
    pub locking: bool,
    /// Whether it writes conflict guards: on a multi-primary cluster, where row locks
    /// stay on their node (see `GuardSql`).
    pub guards: bool,
}

impl Enforcement {
    /// The enforcement of a schema of `mode` whose foreign keys are `graph`, with the
    /// switches of the pool (whether it takes locks and writes guards).
    pub fn of(mode: RelationMode, graph: Arc<Graph>, locking: bool, guards: bool) -> Self {
        match mode {
            RelationMode::Emulated => Enforcement::Emulated(Emulation {
                graph,
                locking,
                guards,
            }),
            RelationMode::ForeignKeys => Enforcement::Database { graph: Some(graph) },
        }
    }

    /// The same knowledge, enforcing nothing (`Db::unenforced`).
    pub fn unenforced(self) -> Self {
        let graph = match self {
            Enforcement::Database { graph } | Enforcement::Unenforced { graph } => graph,
            Enforcement::Emulated(emulation) => Some(emulation.graph),
            Enforcement::Refused { .. } => None,
        };
        Enforcement::Unenforced { graph }
    }

    /// Every write refused, with `message`.
    pub fn refuse_all(message: impl Into<Arc<str>>) -> Self {
        Enforcement::Refused {
            scope: None,
            message: message.into(),
        }
    }

    /// The write's relation mode, as its trace names it (`strategy`): `foreign_keys`,
    /// `emulated`, or `refused`.
    pub fn name(&self) -> &'static str {
        match self {
            Enforcement::Database { .. } => "foreign_keys",
            Enforcement::Emulated(_) => "emulated",
            Enforcement::Unenforced { .. } => "unenforced",
            Enforcement::Refused { .. } => "refused",
        }
    }

    /// The schema's foreign-key graph, where it is known.
    pub fn graph(&self) -> Option<&Graph> {
        match self {
            Enforcement::Database { graph } => graph.as_deref(),
            Enforcement::Emulated(emulation) => Some(&emulation.graph),
            Enforcement::Unenforced { graph } => graph.as_deref(),
            Enforcement::Refused { .. } => None,
        }
    }

    /// The emulation a write to `table` runs under; `None` where the database enforces.
    ///
    /// In Emulated mode a write to a table the schema does not have is refused: Rel
    /// could not see what refers to it, and would silently skip its checks. Where
    /// nothing says who enforces the relations, a write to a table that takes part in
    /// one is refused, with what to do.
    pub fn emulation_for(&self, table: &'static TableMeta) -> Result<Option<&Emulation>> {
        match self {
            Enforcement::Database { .. } | Enforcement::Unenforced { .. } => Ok(None),
            Enforcement::Refused { scope, message } => {
                if scope.as_ref().is_some_and(|g| !g.takes_part(table.name)) {
                    return Ok(None);
                }
                Err(Error::Enforcement {
                    table: table.name,
                    message: message.to_string(),
                })
            }
            Enforcement::Emulated(emulation) if !emulation.graph.has(table.name) => {
                Err(Error::Unsupported {
                    table: table.name,
                    relation: "",
                    message: "the Db's schema (Emulated mode) has no such table, so Rel \
                              cannot see the relations that point at it; add it to the \
                              Schema given to create_all or Db::use_schema"
                        .into(),
                })
            }
            Enforcement::Emulated(emulation) => Ok(Some(emulation)),
        }
    }
}

//! What a `Db` knows of the schema its database has, and from where; and the one
//! decision, made from it, of who enforces a write's relations.
//!
//! The mode belongs to the database, not to the process. `Schema::create_all` records
//! it in the database (`rel_schema`: the relation mode and the schema's tables), and
//! every `Db` reads that record once, when it connects. A `Db` may also be told the
//! schema (`Db::use_schema`, which `create_all` does) or declare the mode when it is
//! built (`DbBuilder::relation_mode`, for a database Rel did not create). Where it was
//! not told, the tables' metadata comes from the link-time registry of derived tables
//! (`model/registry.rs`). When none says who enforces the relations, writes to tables
//! with relations are refused; when the sources disagree, or (in Emulated mode) the
//! database has a table this program has no struct for, every write is refused. The
//! typed error says what to do: no forgotten call turns protection off.

use crate::model::graph::Graph;
use crate::model::registry::Registry;
use crate::model::schema::{RelationMode, Schema};
use crate::sql::ddl::mode_text;
use crate::write::Enforcement;
use std::sync::{Arc, OnceLock};

/// A schema a `Db` was told its database has, and its foreign-key graph, built once.
#[derive(Clone)]
pub(super) struct Known {
    pub schema: Arc<Schema>,
    pub graph: Arc<Graph>,
}

impl Known {
    pub(super) fn new(schema: Schema) -> Known {
        Known {
            graph: Arc::new(schema.graph()),
            schema: Arc::new(schema),
        }
    }
}

/// What a database recorded of its schema (`rel_schema`), as read when the `Db`
/// connected.
#[derive(Clone, Debug, Default)]
pub(super) struct Recorded {
    /// The relation mode; `None` where there is no record (a database Rel did not
    /// create, or created before it kept one).
    pub mode: Option<RelationMode>,
    /// The tables of its schema.
    pub tables: Vec<String>,
}

/// The schema learned without being told: the recorded (or declared) mode, the
/// registered metadata of the recorded tables, and the recorded tables this program
/// does not have.
#[derive(Clone)]
struct Learned {
    mode: RelationMode,
    graph: Arc<Graph>,
    missing: Vec<String>,
}

/// What a `Db` knows, shared by its clones. See the [module docs](self).
#[derive(Clone, Default)]
pub(super) struct Knowledge {
    /// Told in this process: `Db::use_schema`, `Schema::create_all`.
    told: Option<Known>,
    /// Declared when the `Db` was built.
    declared: Option<RelationMode>,
    /// What the database recorded.
    recorded: Recorded,
    /// Learned from the declared or recorded mode and the registry; rebuilt when
    /// either changes.
    learned: Option<Learned>,
    /// The told schema's graph, with the recorded tables it lacks taken from the
    /// registry (in Emulated mode, their relations to the told tables are enforced
    /// too); rebuilt when either changes.
    told_graph: Option<Arc<Graph>>,
}

impl Knowledge {
    /// What a `Db` knows when it connects: the mode it declares, and its database's
    /// record.
    pub(super) fn new(declared: Option<RelationMode>, recorded: Recorded) -> Knowledge {
        let mut knowledge = Knowledge {
            declared,
            recorded,
            ..Knowledge::default()
        };
        knowledge.learn();
        knowledge
    }

    /// The schema this process told the `Db`.
    pub(super) fn told(&self) -> Option<&Known> {
        self.told.as_ref()
    }

    /// Tells the `Db` its schema (`Db::use_schema`).
    pub(super) fn tell(&mut self, known: Known) {
        self.told = Some(known);
        self.widen_told();
    }

    /// Declares the relation mode (`Db::relation_mode`).
    pub(super) fn declare(&mut self, mode: RelationMode) {
        self.declared = Some(mode);
        self.learn();
    }

    /// What `create_all` or `push` just recorded in the database: the schema's mode,
    /// and its tables beside those recorded before (the record is added to, not
    /// replaced), less `dropped`.
    pub(super) fn record(&mut self, schema: &Schema, dropped: &[String]) {
        let mut tables = std::mem::take(&mut self.recorded.tables);
        tables.retain(|t| !dropped.contains(t));
        for table in schema.tables() {
            if !tables.iter().any(|t| t == table.name) {
                tables.push(table.name.to_owned());
            }
        }
        self.recorded = Recorded {
            mode: Some(schema.mode()),
            tables,
        };
        self.learn();
        self.widen_told();
    }

    /// What `drop_all` just removed: the database records nothing now.
    pub(super) fn forget(&mut self) {
        self.recorded = Recorded::default();
        self.learn();
        self.widen_told();
    }

    /// The told schema's graph, widened in Emulated mode by the registered tables the
    /// database records and the told schema lacks: a schema told for a part of the
    /// database (`use_schema` or `create_all` of a few tables) must not drop the
    /// relations the other tables hold to it. Recorded tables with no struct here stay
    /// out: telling the schema is the user's word for them (`Db::use_schema`).
    fn widen_told(&mut self) {
        let Some(known) = &self.told else {
            self.told_graph = None;
            return;
        };
        let others: Vec<String> = self
            .recorded
            .tables
            .iter()
            .filter(|t| known.schema.find(t).is_none())
            .cloned()
            .collect();
        if known.schema.mode() != RelationMode::Emulated || others.is_empty() {
            self.told_graph = Some(known.graph.clone());
            return;
        }
        let registry = Registry::get();
        let (extra, _) = registry.scoped(known.schema.mode(), Some(&others));
        let mut schema = (*known.schema).clone();
        for table in extra.tables() {
            if !registry.is_ambiguous(table.name) {
                schema = schema.meta(table);
            }
        }
        self.told_graph = Some(Arc::new(schema.graph()));
    }

    fn learn(&mut self) {
        let Some(mode) = self.declared.or(self.recorded.mode) else {
            self.learned = None;
            return;
        };
        let names = (!self.recorded.tables.is_empty()).then_some(self.recorded.tables.as_slice());
        let registry = Registry::get();
        let (schema, missing) = registry.scoped(mode, names);
        let mut missing: Vec<String> = missing.into_iter().map(str::to_owned).collect();
        // A name two structs of this program claim is as good as missing: which of
        // them is the database's table cannot be told.
        for table in schema.tables() {
            if registry.is_ambiguous(table.name) {
                missing.push(table.name.to_owned());
            }
        }
        // A schema told in this process said so already (`Db::use_schema`).
        if self.told.is_none() {
            super::trace::query_only_relations(&schema);
        }
        self.learned = Some(Learned {
            mode,
            graph: Arc::new(schema.graph()),
            missing,
        });
    }

    /// Who enforces the relations of a write that starts now: the one decision (see
    /// the [module docs](self)), with the pool's switches (locks, cluster guards).
    pub(super) fn enforcement(&self, locking: bool, guards: bool) -> Enforcement {
        let recorded = self.recorded.mode;
        if let Some(known) = &self.told {
            let mode = known.schema.mode();
            if let Some(recorded) = recorded.filter(|r| *r != mode) {
                return Enforcement::refuse_all(mismatch("was told", mode, recorded));
            }
            let graph = self
                .told_graph
                .clone()
                .unwrap_or_else(|| known.graph.clone());
            return Enforcement::of(mode, graph, locking, guards);
        }
        if let (Some(declared), Some(recorded)) = (self.declared, recorded)
            && declared != recorded
        {
            return Enforcement::refuse_all(mismatch("declares", declared, recorded));
        }
        let Some(learned) = &self.learned else {
            return Enforcement::Refused {
                scope: Some(registered_graph()),
                message: UNKNOWN.into(),
            };
        };
        if learned.mode == RelationMode::Emulated && !learned.missing.is_empty() {
            return Enforcement::refuse_all(format!(
                "the database's schema (Emulated mode) has tables this program has no \
                 single struct for ({}), so Rel cannot see every relation; name each in a \
                 Schema given to db.use_schema",
                learned.missing.join(", ")
            ));
        }
        Enforcement::of(learned.mode, learned.graph.clone(), locking, guards)
    }
}

/// What to do when nothing says who enforces the relations.
const UNKNOWN: &str = "the database records no relation mode (Rel did not create or \
    migrate it: Schema::create_all, Schema::push and Rel's migration files record it) \
    and the Db declares none; create or migrate the schema with Rel, or say who \
    enforces the relations: \
    Db::builder(url).relation_mode(RelationMode::ForeignKeys) (or Emulated), or \
    Db::from_pool(pool).await?.relation_mode(..)";

fn mismatch(how: &str, said: RelationMode, recorded: RelationMode) -> String {
    format!(
        "the Db {how} {} mode, and the database records {} mode (Schema::create_all \
         wrote it); use the schema's own mode",
        mode_text(said),
        mode_text(recorded)
    )
}

/// The graph of every table registered in this program: which tables take part in a
/// relation, where nothing else says.
pub(super) fn registered_graph() -> Arc<Graph> {
    static GRAPH: OnceLock<Arc<Graph>> = OnceLock::new();
    GRAPH
        .get_or_init(|| {
            let (schema, _) = Registry::get().scoped(RelationMode::ForeignKeys, None);
            Arc::new(schema.graph())
        })
        .clone()
}

/// What the database recorded of its schema: one statement, when a `Db` connects. No
/// record table (a database Rel did not create) is no record.
pub(super) async fn read_record(
    pool: &crate::driver::Pool,
    statements: &Arc<std::sync::atomic::AtomicU64>,
) -> crate::model::error::Result<Recorded> {
    use crate::model::error::Error;
    use crate::model::value::{SqlType, Value};
    use crate::sql::ddl::{MODE_ROW, TABLE_ROW, record_query};
    use crate::sql::exec::Executor;
    let mut link = pool.acquire(statements).await?;
    let stmt = record_query(pool.dialect());
    let run: &mut dyn Executor = &mut link;
    let rows = match run.fetch(&stmt, &[SqlType::Text, SqlType::Text]).await {
        Ok(rows) => rows,
        Err(Error::MissingTable { .. }) => return Ok(Recorded::default()),
        Err(e) => return Err(e),
    };
    let mut recorded = Recorded::default();
    for row in rows {
        let [Value::Text(name), Value::Text(value)] = row.as_slice() else {
            continue;
        };
        if name == MODE_ROW {
            recorded.mode = [RelationMode::ForeignKeys, RelationMode::Emulated]
                .into_iter()
                .find(|m| mode_text(*m) == value);
        } else if let Some(table) = name.strip_prefix(TABLE_ROW) {
            recorded.tables.push(table.to_owned());
        }
    }
    Ok(recorded)
}

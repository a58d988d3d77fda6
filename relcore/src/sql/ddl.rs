//! DDL: a [`Schema`] rendered as CREATE TABLE, CREATE INDEX and foreign keys for a
//! dialect, and the statements that drop it.

use super::builder::{SqlBuilder, Statement};
use super::dialect::Dialect;
use crate::model::error::{Error, Result};
use crate::model::graph::ForeignKey;
use crate::model::graph::Graph;
use crate::model::meta::{Action, ColumnMeta, TableMeta};
use crate::model::names::index_name;
use crate::model::schema::{RelationMode, Schema};

impl Schema {
    /// The CREATE TABLE and CREATE INDEX statements (and, on PostgreSQL and MySQL, the
    /// ALTER TABLE statements adding foreign keys) for `dialect`.
    ///
    /// Fails only where the backend cannot express the schema: MySQL/MariaDB (InnoDB) has
    /// no `SET DEFAULT` action, so use [`RelationMode::Emulated`] there.
    pub fn ddl(&self, dialect: Dialect) -> Result<Vec<Statement>> {
        self.check()?;
        // SQLite compares table names without case: `Users` and `users` would be one
        // table, and `CREATE TABLE IF NOT EXISTS` would skip the second silently.
        if dialect.syntax().case_blind_tables {
            let tables = self.tables();
            for (i, a) in tables.iter().enumerate() {
                if let Some(b) = tables[..i]
                    .iter()
                    .find(|b| b.name.eq_ignore_ascii_case(a.name))
                {
                    return Err(Error::DuplicateTable {
                        table: a.name,
                        first: b.type_name,
                        second: a.type_name,
                    });
                }
            }
        }
        // Indexes and key-column types follow the relations in both modes; only
        // ForeignKeys mode declares the constraints.
        let graph = self.graph();
        let all_keys = graph.keys();
        let keys: &[ForeignKey] = match self.mode() {
            RelationMode::ForeignKeys => all_keys,
            RelationMode::Emulated => &[],
        };
        let indexes = graph.key_indexes();
        let ddl = dialect.ddl();
        for fk in keys {
            let actions = fk.on_delete.into_iter().chain(fk.on_update);
            if let Some(message) = actions.filter_map(|a| ddl.unsupported_action(a)).next() {
                return Err(Error::Unsupported {
                    table: fk.child.name,
                    relation: fk.relation,
                    message: message.into(),
                });
            }
        }
        let mut out = Vec::new();
        for &table in self.tables() {
            out.push(create_table(dialect, table, table.name, keys, &graph));
            for col in table.columns.iter().filter(|c| c.index && !c.unique) {
                out.push(create_index(
                    dialect,
                    table,
                    std::slice::from_ref(&col.name),
                ));
            }
        }
        for (table, cols) in indexes {
            out.push(create_index(dialect, table, cols));
        }
        if !dialect.syntax().inline_foreign_keys {
            for fk in keys {
                let mut b = SqlBuilder::new(dialect);
                b.push("ALTER TABLE ")
                    .push_ident(fk.child.name)
                    .push(" ADD ");
                foreign_key_clause(&mut b, fk);
                out.push(b.finish());
            }
        }
        Ok(out)
    }

    /// The statements that drop every table of the schema, on one connection.
    ///
    /// Foreign keys between the tables, cycles included, do not get in the way: SQLite and
    /// MySQL turn their checks off for the connection, PostgreSQL drops all in one statement.
    pub fn drop_ddl(&self, dialect: Dialect) -> Vec<Statement> {
        let simple = |sql: &'static str| {
            let mut b = SqlBuilder::new(dialect);
            b.push(sql);
            b.finish()
        };
        let Some((off, on)) = dialect.syntax().foreign_key_checks else {
            let mut b = SqlBuilder::new(dialect);
            b.push("DROP TABLE IF EXISTS ");
            b.push_list(self.tables(), ", ", |b, t| {
                b.push_ident(t.name);
            });
            return vec![b.finish()];
        };
        let mut out = vec![simple(off)];
        for t in self.tables() {
            let mut b = SqlBuilder::new(dialect);
            b.push("DROP TABLE IF EXISTS ").push_ident(t.name);
            out.push(b.finish());
        }
        out.push(simple(on));
        out
    }
}

/// The table in which a database records the schema Rel created in it (see
/// [`Schema::record_ddl`]).
pub const RECORD_TABLE: &str = "rel_schema";

/// The record's row that holds the relation mode.
pub const MODE_ROW: &str = "relation_mode";

/// The prefix of the record's rows that name a table: `table:users`.
pub const TABLE_ROW: &str = "table:";

/// A relation mode as the record writes it.
pub fn mode_text(mode: RelationMode) -> &'static str {
    match mode {
        RelationMode::ForeignKeys => "foreign_keys",
        RelationMode::Emulated => "emulated",
    }
}

impl Schema {
    /// The statements that record the schema in the database, after `create_all`: its
    /// relation mode, and its tables, in [`RECORD_TABLE`] (created if missing; the
    /// rows of other schemas' tables are kept). Every process that connects reads the
    /// record once (`Db::connect`), so none can forget who enforces the relations.
    #[doc(hidden)]
    pub fn record_ddl(&self, dialect: Dialect) -> Vec<Statement> {
        self.record_statements(dialect, &[], Values::Bound)
    }

    /// The same record at the end of a migration, written with literals (a migration
    /// file has no parameters; the values are Rel's own words and the schema's table
    /// names, escaped for the dialect), which also forgets the tables the migration
    /// drops or renames (`forget`): a table left in the record but not in the program
    /// makes every later `Db` refuse to write.
    pub fn record_migration_ddl(&self, dialect: Dialect, forget: &[String]) -> Vec<Statement> {
        self.record_statements(dialect, forget, Values::Literal)
    }

    fn record_statements(
        &self,
        dialect: Dialect,
        forget: &[String],
        values: Values,
    ) -> Vec<Statement> {
        let text = dialect
            .ddl()
            .type_name(crate::model::value::SqlType::Text, true);
        let mut create = SqlBuilder::new(dialect);
        create
            .push("CREATE TABLE IF NOT EXISTS ")
            .push_ident(RECORD_TABLE)
            .push(" (")
            .push_ident("name")
            .push(" ")
            .push(text)
            .push(" NOT NULL PRIMARY KEY, ")
            .push_ident("value")
            .push(" ")
            .push(text)
            .push(" NOT NULL)");
        if let Some(options) = dialect.syntax().table_options {
            create.push(options);
        }
        let rows: Vec<(String, &str)> =
            std::iter::once((MODE_ROW.to_owned(), mode_text(self.mode())))
                .chain(
                    self.tables()
                        .iter()
                        .map(|t| (format!("{TABLE_ROW}{}", t.name), "")),
                )
                .collect();
        let value = |b: &mut SqlBuilder, text: &str| match values {
            Values::Bound => {
                b.push_bind(crate::model::value::Value::Text(text.to_owned()));
            }
            Values::Literal => {
                b.push_text_literal(text);
            }
        };
        let names: Vec<String> = rows
            .iter()
            .map(|(name, _)| name.clone())
            .chain(forget.iter().map(|t| format!("{TABLE_ROW}{t}")))
            .collect();
        let mut delete = SqlBuilder::new(dialect);
        delete
            .push("DELETE FROM ")
            .push_ident(RECORD_TABLE)
            .push(" WHERE ")
            .push_ident("name")
            .push(" IN (");
        delete.push_list(&names, ", ", |b, name| value(b, name));
        delete.push(")");
        let mut insert = SqlBuilder::new(dialect);
        insert
            .push("INSERT INTO ")
            .push_ident(RECORD_TABLE)
            .push(" (")
            .push_idents(&["name", "value"])
            .push(") VALUES ");
        insert.push_list(&rows, ", ", |b, (name, text)| {
            b.push("(");
            value(b, name);
            b.push(", ");
            value(b, text);
            b.push(")");
        });
        vec![create.finish(), delete.finish(), insert.finish()]
    }
}

/// How the record's values are written: bound (`create_all`), or as literals (a
/// migration, which may become a file).
#[derive(Clone, Copy)]
enum Values {
    Bound,
    Literal,
}

/// `SELECT name, value FROM rel_schema`: what a database recorded of its schema.
pub fn record_query(dialect: Dialect) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    b.push("SELECT ")
        .push_idents(&["name", "value"])
        .push(" FROM ")
        .push_ident(RECORD_TABLE);
    b.finish()
}

/// `DROP TABLE IF EXISTS rel_schema`: the record goes with the schema (`drop_all`).
pub fn forget_ddl(dialect: Dialect) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    b.push("DROP TABLE IF EXISTS ").push_ident(RECORD_TABLE);
    b.finish()
}

pub fn foreign_key_clause(b: &mut SqlBuilder, fk: &ForeignKey) {
    b.push("CONSTRAINT ")
        .push_ident(&fk.name)
        .push(" FOREIGN KEY (")
        .push_idents(fk.child_cols)
        .push(") REFERENCES ")
        .push_ident(fk.parent.name)
        .push(" (")
        .push_idents(fk.parent_cols)
        .push(")");
    if let Some(a) = fk.on_delete {
        b.push(" ON DELETE ").push(action_sql(a));
    }
    if let Some(a) = fk.on_update {
        b.push(" ON UPDATE ").push(action_sql(a));
    }
}

pub fn create_index(dialect: Dialect, table: &TableMeta, cols: &[&str]) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let name = index_name(table.name, cols);
    b.push("CREATE INDEX ")
        .push_ident(&name)
        .push(" ON ")
        .push_ident(table.name)
        .push(" (")
        .push_idents(cols)
        .push(")");
    b.finish()
}

pub fn action_sql(action: Action) -> &'static str {
    match action {
        Action::Cascade => "CASCADE",
        Action::Restrict => "RESTRICT",
        Action::NoAction => "NO ACTION",
        Action::SetNull => "SET NULL",
        Action::SetDefault => "SET DEFAULT",
    }
}

/// `CREATE TABLE name (..)` for `table`: its columns, primary key and (where the
/// dialect declares them inline) the foreign keys of `keys` it holds. `name` is the
/// table's own name, or another (SQLite's rebuild creates the new table beside the old).
pub fn create_table(
    dialect: Dialect,
    table: &'static TableMeta,
    name: &str,
    keys: &[ForeignKey],
    graph: &Graph,
) -> Statement {
    let syntax = dialect.syntax();
    let mut b = SqlBuilder::new(dialect);
    b.push("CREATE TABLE ").push_ident(name).push(" (\n  ");
    let generated = table.generated_key();
    b.push_list(table.columns, ",\n  ", |b, col| {
        push_column(b, table, col, graph);
    });
    if generated.is_none() {
        b.push(",\n  PRIMARY KEY (")
            .push_idents(table.primary_key)
            .push(")");
    }
    if syntax.inline_foreign_keys {
        for fk in keys.iter().filter(|k| k.child.name == table.name) {
            b.push(",\n  ");
            foreign_key_clause(&mut b, fk);
        }
    }
    b.push("\n)");
    if let Some(options) = syntax.table_options {
        b.push(options);
    }
    b.finish()
}

/// A column's type as DDL declares it: the one written with `#[column(sql_type)]`, or
/// the dialect's type for its Rust type.
pub fn column_type(
    dialect: Dialect,
    table: &TableMeta,
    col: &ColumnMeta,
    graph: &Graph,
) -> &'static str {
    col.sql_type
        .unwrap_or_else(|| dialect.ddl().type_name(col.ty, graph.is_keyed(table, col)))
}

/// A column's definition as `CREATE TABLE` and `ADD COLUMN` write it: name, type (or
/// the dialect's generated key), `NOT NULL`, `DEFAULT`, `UNIQUE`.
pub fn push_column(b: &mut SqlBuilder, table: &'static TableMeta, col: &ColumnMeta, graph: &Graph) {
    let ddl = b.dialect().ddl();
    b.push_ident(col.name).push(" ");
    if table.generated_key().is_some_and(|g| g.name == col.name) {
        b.push(ddl.identity_column(col.ty));
        return;
    }
    b.push(column_type(b.dialect(), table, col, graph));
    if !col.nullable {
        b.push(" NOT NULL");
    }
    if let Some(default) = &col.default {
        b.push(" DEFAULT ").push_literal(default);
    }
    if col.unique {
        b.push(" UNIQUE");
    }
}

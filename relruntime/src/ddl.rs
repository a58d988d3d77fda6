//! `Schema`: a set of tables and a relation mode, rendered to DDL for each dialect.

use crate::error::{Error, Result};
use crate::meta::{Action, ColumnMeta, RelationKind, Table, TableMeta};
use crate::sql::{Dialect, SqlBuilder, Statement};
use crate::value::SqlType;

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
struct ForeignKey {
    name: String,
    relation: &'static str,
    child: &'static TableMeta,
    child_cols: &'static [&'static str],
    parent: &'static TableMeta,
    parent_cols: &'static [&'static str],
    on_delete: Option<Action>,
    on_update: Option<Action>,
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
    fn foreign_keys(&self) -> Vec<ForeignKey> {
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
    fn key_indexes(
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
    fn is_keyed(&self, table: &TableMeta, col: &ColumnMeta, keys: &[ForeignKey]) -> bool {
        col.unique
            || col.index
            || table.primary_key.contains(&col.name)
            || keys.iter().any(|k| {
                (k.child.name == table.name && k.child_cols.contains(&col.name))
                    || (k.parent.name == table.name && k.parent_cols.contains(&col.name))
            })
    }

    /// The CREATE TABLE and CREATE INDEX statements (and, on PostgreSQL and MySQL, the
    /// ALTER TABLE statements adding foreign keys) for `dialect`.
    ///
    /// Fails only where the backend cannot express the schema: MySQL/MariaDB (InnoDB) has
    /// no `SET DEFAULT` action, so use [`RelationMode::Emulated`] there.
    pub fn ddl(&self, dialect: Dialect) -> Result<Vec<Statement>> {
        // Indexes and key-column types follow the relations in both modes; only
        // ForeignKeys mode declares the constraints.
        let all_keys = self.foreign_keys();
        let keys: &[ForeignKey] = match self.mode {
            RelationMode::ForeignKeys => &all_keys,
            RelationMode::Emulated => &[],
        };
        let indexes = self.key_indexes(&all_keys);
        if dialect == Dialect::MySql {
            for fk in keys {
                if fk.on_delete == Some(Action::SetDefault)
                    || fk.on_update == Some(Action::SetDefault)
                {
                    return Err(Error::Unsupported {
                        table: fk.child.name,
                        relation: fk.relation,
                        message: "MySQL and MariaDB (InnoDB) do not support the SET DEFAULT \
                                  action in foreign keys; use RelationMode::Emulated"
                            .into(),
                    });
                }
            }
        }
        let mut out = Vec::new();
        for &table in &self.tables {
            out.push(self.create_table(dialect, table, keys, &all_keys));
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
        if dialect != Dialect::Sqlite {
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

    fn create_table(
        &self,
        dialect: Dialect,
        table: &'static TableMeta,
        keys: &[ForeignKey],
        all_keys: &[ForeignKey],
    ) -> Statement {
        let mut b = SqlBuilder::new(dialect);
        b.push("CREATE TABLE ")
            .push_ident(table.name)
            .push(" (\n  ");
        let generated = table.generated_key();
        b.push_list(table.columns, ",\n  ", |b, col| {
            let keyed = self.is_keyed(table, col, all_keys);
            b.push_ident(col.name).push(" ");
            if generated.is_some_and(|g| g.name == col.name) {
                b.push(match (dialect, col.ty) {
                    (Dialect::Sqlite, _) => "INTEGER PRIMARY KEY AUTOINCREMENT",
                    (Dialect::Postgres, SqlType::SmallInt) => {
                        "SMALLINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                    }
                    (Dialect::Postgres, SqlType::Integer) => {
                        "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                    }
                    (Dialect::Postgres, _) => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    (Dialect::MySql, SqlType::SmallInt) => {
                        "SMALLINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
                    }
                    (Dialect::MySql, SqlType::Integer) => "INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
                    (Dialect::MySql, _) => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
                });
                return;
            }
            b.push(type_name(dialect, col.ty, keyed));
            if !col.nullable {
                b.push(" NOT NULL");
            }
            if let Some(default) = &col.default {
                b.push(" DEFAULT ").push_literal(default);
            }
            if col.unique {
                b.push(" UNIQUE");
            }
        });
        if generated.is_none() {
            b.push(",\n  PRIMARY KEY (")
                .push_idents(table.primary_key)
                .push(")");
        }
        if dialect == Dialect::Sqlite {
            // SQLite has no ALTER TABLE ... ADD CONSTRAINT, but accepts forward references.
            for fk in keys.iter().filter(|k| k.child.name == table.name) {
                b.push(",\n  ");
                foreign_key_clause(&mut b, fk);
            }
        }
        b.push("\n)");
        if dialect == Dialect::MySql {
            // utf8mb4 holds all of Unicode; the binary collation compares like the others.
            b.push(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
        }
        b.finish()
    }

    /// The statements that drop every table of the schema, on one connection.
    ///
    /// Foreign keys between the tables, cycles included, do not get in the way: SQLite and
    /// MySQL turn their checks off for the connection, PostgreSQL drops all in one statement.
    pub fn drop_ddl(&self, dialect: Dialect) -> Vec<Statement> {
        let mut out = Vec::new();
        let simple = |sql: &'static str| {
            let mut b = SqlBuilder::new(dialect);
            b.push(sql);
            b.finish()
        };
        match dialect {
            Dialect::Postgres => {
                let mut b = SqlBuilder::new(dialect);
                b.push("DROP TABLE IF EXISTS ");
                b.push_list(&self.tables, ", ", |b, t| {
                    b.push_ident(t.name);
                });
                out.push(b.finish());
            }
            Dialect::Sqlite | Dialect::MySql => {
                let (off, on) = if dialect == Dialect::Sqlite {
                    ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")
                } else {
                    ("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1")
                };
                out.push(simple(off));
                for t in &self.tables {
                    let mut b = SqlBuilder::new(dialect);
                    b.push("DROP TABLE IF EXISTS ").push_ident(t.name);
                    out.push(b.finish());
                }
                out.push(simple(on));
            }
        }
        out
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

fn foreign_key_clause(b: &mut SqlBuilder, fk: &ForeignKey) {
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

fn create_index(dialect: Dialect, table: &TableMeta, cols: &[&str]) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let name = bounded_name(&[table.name, &cols.join("_"), "idx"]);
    b.push("CREATE INDEX ")
        .push_ident(&name)
        .push(" ON ")
        .push_ident(table.name)
        .push(" (")
        .push_idents(cols)
        .push(")");
    b.finish()
}

/// `{table}_{relation}_fkey`, kept within identifier length limits.
fn fk_name(table: &str, relation: &str) -> String {
    bounded_name(&[table, relation, "fkey"])
}

/// Joins parts with `_`; past 60 bytes (PostgreSQL allows 63, MySQL 64) it keeps a prefix
/// and appends a hash of the whole name, so distinct long names stay distinct.
fn bounded_name(parts: &[&str]) -> String {
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
    crate::meta::check::is_unique_key(table.columns, table.primary_key, cols)
}

fn action_sql(action: Action) -> &'static str {
    match action {
        Action::Cascade => "CASCADE",
        Action::Restrict => "RESTRICT",
        Action::NoAction => "NO ACTION",
        Action::SetNull => "SET NULL",
        Action::SetDefault => "SET DEFAULT",
    }
}

/// The column type name in `dialect`. `keyed` columns are indexed, which MySQL only
/// allows for bounded types.
fn type_name(dialect: Dialect, ty: SqlType, keyed: bool) -> &'static str {
    use SqlType as T;
    match dialect {
        Dialect::Sqlite => match ty {
            T::SmallInt | T::Integer | T::BigInt => "INTEGER",
            T::Real | T::Double => "REAL",
            T::Boolean => "BOOLEAN",
            T::Blob => "BLOB",
            // Dates, UUIDs, JSON and decimals are stored as text, which keeps them exact
            // and readable.
            T::Text | T::Date | T::DateTime | T::TimestampTz | T::Uuid | T::Json | T::Decimal => {
                "TEXT"
            }
        },
        Dialect::Postgres => match ty {
            T::SmallInt => "SMALLINT",
            T::Integer => "INTEGER",
            T::BigInt => "BIGINT",
            T::Real => "REAL",
            T::Double => "DOUBLE PRECISION",
            T::Boolean => "BOOLEAN",
            T::Text => "TEXT",
            T::Blob => "BYTEA",
            T::Date => "DATE",
            T::DateTime => "TIMESTAMP",
            T::TimestampTz => "TIMESTAMPTZ",
            T::Uuid => "UUID",
            T::Json => "JSONB",
            T::Decimal => "NUMERIC",
        },
        Dialect::MySql => match ty {
            T::SmallInt => "SMALLINT",
            T::Integer => "INT",
            T::BigInt => "BIGINT",
            T::Real => "FLOAT",
            T::Double => "DOUBLE",
            T::Boolean => "BOOLEAN",
            T::Text if keyed => "VARCHAR(255)",
            T::Text => "TEXT",
            T::Blob if keyed => "VARBINARY(255)",
            T::Blob => "BLOB",
            T::Date => "DATE",
            // UTC instants are stored as UTC wall time; TIMESTAMP would convert with the
            // session time zone and end in 2038.
            T::DateTime | T::TimestampTz => "DATETIME(6)",
            T::Uuid => "CHAR(36)",
            T::Json => "JSON",
            T::Decimal => "DECIMAL(65, 30)",
        },
    }
}

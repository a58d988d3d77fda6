//! The statements that carry out a diff's steps on one dialect.
//!
//! PostgreSQL and MySQL/MariaDB alter tables in place. SQLite's `ALTER TABLE` renames
//! and adds columns and little else, so a table with any other change is rebuilt as
//! SQLite's documentation describes (<https://www.sqlite.org/lang_altertable.html>,
//! "Making Other Kinds Of Table Schema Changes"): with foreign keys off, a new table of
//! the new shape is created beside the old, the rows copied by column name, the old
//! table dropped, the new one renamed, its indexes created, and the foreign keys
//! checked before the transaction commits.

use super::diff::Step;
use super::shape::Shape;
use crate::model::error::{Error, Result};
use crate::model::graph::{ForeignKey, Graph};
use crate::model::meta::TableMeta;
use crate::model::schema::{RelationMode, Schema};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::ddl::{column_type, create_index, create_table, foreign_key_clause, push_column};
use crate::sql::dialect::Dialect;

/// The statements, in order, and whether they need SQLite's foreign keys off around
/// them (a rebuild), which no transaction can switch.
pub struct Statements {
    pub statements: Vec<Statement>,
    pub foreign_keys_off: bool,
}

/// A statement of static SQL and quoted identifiers: `[("DROP TABLE ", table)]`, then
/// `tail`.
fn simple(dialect: Dialect, parts: &[(&'static str, &str)], tail: &'static str) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    for (sql, ident) in parts {
        b.push(sql).push_ident(ident);
    }
    b.push(tail);
    b.finish()
}

/// The statements for `steps` (from `diff(live, want)`) on `dialect`.
pub fn statements(
    schema: &Schema,
    graph: &Graph,
    dialect: Dialect,
    live: &Shape,
    steps: &[Step],
) -> Result<Statements> {
    let keys: &[ForeignKey] = match schema.mode() {
        RelationMode::ForeignKeys => graph.keys(),
        RelationMode::Emulated => &[],
    };
    let meta = |name: &str| -> Result<&'static TableMeta> {
        schema.find(name).ok_or_else(|| Error::Unsupported {
            table: "*",
            relation: "*",
            message: format!("the schema has no table `{name}`"),
        })
    };
    let key = |table: &str, name: &str| {
        keys.iter()
            .find(|k| k.child.name == table && (k.name == name || name.is_empty()))
    };
    let alter = dialect.syntax().alter;
    // SQLite rebuilds every table with a change ALTER TABLE cannot make.
    let mut rebuild: Vec<&str> = Vec::new();
    if alter.rebuilds {
        for step in steps {
            let table = match step {
                Step::AddColumn { table, column, .. } => {
                    let m = meta(table)?;
                    let c = m.column(column);
                    // ADD COLUMN takes a nullable column, or one with a default, that is
                    // no key.
                    let plain = c.is_some_and(|c| (c.nullable || c.default.is_some()) && !c.unique)
                        && !keys.iter().any(|k| {
                            k.child.name == table.as_str()
                                && k.child_cols.contains(&column.as_str())
                        });
                    (!plain).then_some(table)
                }
                Step::DropColumn { table, .. }
                | Step::AlterColumn { table, .. }
                | Step::ChangePrimaryKey { table, .. }
                | Step::AddUnique { table, .. }
                | Step::DropUnique { table, .. }
                | Step::AddForeignKey { table, .. }
                | Step::DropForeignKey { table, .. } => Some(table),
                _ => None,
            };
            if let Some(t) = table
                && !rebuild.contains(&t.as_str())
            {
                rebuild.push(t);
            }
        }
    }
    let rebuilt = |t: &str| rebuild.contains(&t);
    let mut first = Vec::new(); // renames
    let mut drop_keys = Vec::new(); // foreign keys that go (before their indexes: MySQL)
    let mut drops = Vec::new(); // uniques and indexes that go
    let mut creates = Vec::new(); // new tables
    let mut changes = Vec::new(); // columns and keys
    // Uniques and indexes that come: on columns the table has, before the drops (MySQL
    // drops no index a foreign key needs until another one serves it); on new columns,
    // after the columns are added.
    let mut early_adds = Vec::new();
    let mut adds = Vec::new();
    let mut add_keys = Vec::new(); // foreign keys that come
    let mut last = Vec::new(); // tables that go
    for step in steps {
        match step {
            Step::RenameTable { from, to } => {
                first.push(simple(
                    dialect,
                    &[("ALTER TABLE ", from), (" RENAME TO ", to)],
                    "",
                ));
            }
            Step::RenameColumn { table, from, to } => first.push(simple(
                dialect,
                &[
                    ("ALTER TABLE ", table),
                    (" RENAME COLUMN ", from),
                    (" TO ", to),
                ],
                "",
            )),
            Step::CreateTable { table } => {
                let m = meta(table)?;
                creates.push(create_table(dialect, m, m.name, keys, graph));
                creates.extend(indexes_of(dialect, m, graph));
                if !dialect.syntax().inline_foreign_keys {
                    for k in keys.iter().filter(|k| k.child.name == m.name) {
                        add_keys.push(add_key(dialect, k));
                    }
                }
            }
            Step::DropTable { table } => {
                last.push(simple(dialect, &[("DROP TABLE ", table)], ""));
            }
            // `rebuild` is empty unless the dialect rebuilds.
            _ if step_table(step).is_some_and(rebuilt) => {}
            Step::AddColumn { table, column, .. } => {
                let m = meta(table)?;
                let Some(c) = m.column(column) else { continue };
                let mut b = SqlBuilder::new(dialect);
                b.push("ALTER TABLE ")
                    .push_ident(table)
                    .push(" ADD COLUMN ");
                push_column(&mut b, m, c, graph);
                changes.push(b.finish());
            }
            Step::DropColumn { table, column } => changes.push(simple(
                dialect,
                &[("ALTER TABLE ", table), (" DROP COLUMN ", column)],
                "",
            )),
            Step::AlterColumn { table, column, .. } => {
                let m = meta(table)?;
                let Some(c) = m.column(column) else { continue };
                if alter.modify_column {
                    let mut b = SqlBuilder::new(dialect);
                    b.push("ALTER TABLE ")
                        .push_ident(table)
                        .push(" MODIFY COLUMN ");
                    let unique_before = live
                        .table(table)
                        .is_some_and(|t| t.uniques.iter().any(|u| u == column));
                    push_column(&mut b, m, c, graph);
                    // MODIFY with UNIQUE adds a second unique index where one exists.
                    let mut s = b.finish();
                    if unique_before && s.sql.ends_with(" UNIQUE") {
                        s.sql.truncate(s.sql.len() - " UNIQUE".len());
                    }
                    changes.push(s);
                } else {
                    let ty = column_type(dialect, m, c, graph);
                    let mut b = SqlBuilder::new(dialect);
                    b.push("ALTER TABLE ")
                        .push_ident(table)
                        .push(" ALTER COLUMN ")
                        .push_ident(column)
                        .push(" TYPE ")
                        .push(ty)
                        .push(" USING ")
                        .push_ident(column)
                        .push("::")
                        .push(ty)
                        .push(", ALTER COLUMN ")
                        .push_ident(column)
                        .push(if c.nullable {
                            " DROP NOT NULL"
                        } else {
                            " SET NOT NULL"
                        })
                        .push(", ALTER COLUMN ")
                        .push_ident(column);
                    match &c.default {
                        Some(d) => {
                            b.push(" SET DEFAULT ").push_literal(d);
                        }
                        None => {
                            b.push(" DROP DEFAULT");
                        }
                    }
                    changes.push(b.finish());
                }
            }
            Step::ChangePrimaryKey { table, to, .. } => {
                let m = meta(table)?;
                let mut b = SqlBuilder::new(dialect);
                b.push("ALTER TABLE ").push_ident(table);
                match alter.drop_primary_key {
                    Some(drop) => b.push(drop),
                    None => b
                        .push(" DROP CONSTRAINT ")
                        .push_ident(&format!("{}_pkey", m.name)),
                };
                let cols: Vec<&str> = to.iter().map(String::as_str).collect();
                b.push(", ADD PRIMARY KEY (").push_idents(&cols).push(")");
                changes.push(b.finish());
            }
            Step::AddUnique { table, column } => {
                let name = format!("{table}_{column}_key");
                let exists = live
                    .table(table)
                    .is_some_and(|t| t.column(column).is_some());
                let adds = if exists { &mut early_adds } else { &mut adds };
                adds.push(simple(
                    dialect,
                    &[
                        ("CREATE UNIQUE INDEX ", &name),
                        (" ON ", table),
                        (" (", column),
                    ],
                    ")",
                ));
            }
            Step::DropUnique { table, column } => {
                let name = live
                    .table(table)
                    .and_then(|t| t.unique_names.iter().find(|(c, _)| c == column))
                    .map_or_else(|| format!("{table}_{column}_key"), |(_, n)| n.clone());
                if alter.indexes_of_tables {
                    drops.push(simple(
                        dialect,
                        &[("ALTER TABLE ", table), (" DROP INDEX ", &name)],
                        "",
                    ));
                } else {
                    // An inline UNIQUE is a constraint; a unique index made later is not.
                    drops.push(simple(
                        dialect,
                        &[
                            ("ALTER TABLE ", table),
                            (" DROP CONSTRAINT IF EXISTS ", &name),
                        ],
                        "",
                    ));
                    drops.push(simple(dialect, &[("DROP INDEX IF EXISTS ", &name)], ""));
                }
            }
            Step::AddIndex { table, columns, .. } => {
                let m = meta(table)?;
                let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
                let exists = live
                    .table(table)
                    .is_some_and(|t| columns.iter().all(|c| t.column(c).is_some()));
                let adds = if exists { &mut early_adds } else { &mut adds };
                adds.push(create_index(dialect, m, &cols));
            }
            Step::DropIndex { table, index } => {
                if alter.indexes_of_tables {
                    drops.push(simple(
                        dialect,
                        &[("DROP INDEX ", index), (" ON ", table)],
                        "",
                    ));
                } else {
                    drops.push(simple(dialect, &[("DROP INDEX ", index)], ""));
                }
            }
            Step::AddForeignKey { table, name, .. } => {
                if let Some(k) = key(table, name) {
                    add_keys.push(add_key(dialect, k));
                }
            }
            Step::DropForeignKey { table, name, .. } => {
                drop_keys.push(simple(
                    dialect,
                    &[("ALTER TABLE ", table), (alter.drop_foreign_key, name)],
                    "",
                ));
            }
        }
    }
    let mut rebuilds = Vec::new();
    for &t in &rebuild {
        let m = meta(t)?;
        let Some(before) = live.table(t) else {
            continue;
        };
        let new_name = format!("rel_new_{t}");
        rebuilds.push(create_table(dialect, m, &new_name, keys, graph));
        let common: Vec<&str> = m
            .columns
            .iter()
            .map(|c| c.name)
            .filter(|c| before.column(c).is_some())
            .collect();
        let mut copy = SqlBuilder::new(dialect);
        copy.push("INSERT INTO ")
            .push_ident(&new_name)
            .push(" (")
            .push_idents(&common)
            .push(") SELECT ")
            .push_idents(&common)
            .push(" FROM ")
            .push_ident(t);
        rebuilds.push(copy.finish());
        rebuilds.push(simple(dialect, &[("DROP TABLE ", t)], ""));
        rebuilds.push(simple(
            dialect,
            &[("ALTER TABLE ", &new_name), (" RENAME TO ", t)],
            "",
        ));
        rebuilds.extend(indexes_of(dialect, m, graph));
    }
    let mut statements = first;
    statements.extend(drop_keys);
    statements.extend(early_adds);
    statements.extend(drops);
    statements.extend(rebuilds);
    statements.extend(creates);
    statements.extend(changes);
    statements.extend(adds);
    statements.extend(add_keys);
    statements.extend(last);
    Ok(Statements {
        statements,
        foreign_keys_off: !rebuild.is_empty(),
    })
}

fn step_table(step: &Step) -> Option<&str> {
    match step {
        Step::AddColumn { table, .. }
        | Step::DropColumn { table, .. }
        | Step::AlterColumn { table, .. }
        | Step::ChangePrimaryKey { table, .. }
        | Step::AddUnique { table, .. }
        | Step::DropUnique { table, .. }
        | Step::AddIndex { table, .. }
        | Step::DropIndex { table, .. }
        | Step::AddForeignKey { table, .. }
        | Step::DropForeignKey { table, .. } => Some(table),
        _ => None,
    }
}

/// The indexes `Schema::ddl` creates for `table`: its columns' `index`, and its
/// foreign keys' columns where no key or index starts with them.
fn indexes_of(dialect: Dialect, table: &'static TableMeta, graph: &Graph) -> Vec<Statement> {
    let mut out: Vec<Statement> = table
        .columns
        .iter()
        .filter(|c| c.index && !c.unique)
        .map(|c| create_index(dialect, table, std::slice::from_ref(&c.name)))
        .collect();
    for (t, cols) in graph.key_indexes() {
        if t.name == table.name {
            out.push(create_index(dialect, t, cols));
        }
    }
    out
}

fn add_key(dialect: Dialect, k: &ForeignKey) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    b.push("ALTER TABLE ")
        .push_ident(k.child.name)
        .push(" ADD ");
    foreign_key_clause(&mut b, k);
    b.finish()
}

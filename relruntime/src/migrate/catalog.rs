//! The shape a live database has, read from its catalog: `sqlite_master` and the
//! `pragma_*` functions on SQLite, `pg_catalog` on PostgreSQL (the current schema),
//! `information_schema` on MySQL and MariaDB (the current database). A few statements
//! for the whole database, not a few per table, so a schema of hundreds of tables
//! reads in one round of each (SQLite, in process, reads per table).

use super::shape::{
    ColumnShape, ForeignKeyShape, IndexShape, Shape, TableShape, canonical_action,
    canonical_default, canonical_type,
};
use crate::model::error::Result;
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::ddl::RECORD_TABLE;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;

/// Tables that are Rel's or sqlx's own bookkeeping, never part of a user's shape.
pub(crate) fn is_bookkeeping(table: &str) -> bool {
    table == RECORD_TABLE || table == "rel_guards" || table == "_sqlx_migrations"
}

/// The live database's shape, without Rel's and sqlx's bookkeeping tables.
pub(crate) async fn read(run: &mut dyn Executor) -> Result<Shape> {
    let dialect = run.dialect();
    let mut shape = match dialect {
        Dialect::Sqlite => read_sqlite(run).await?,
        Dialect::Postgres => read_postgres(run).await?,
        Dialect::MySql | Dialect::MySql8 => read_mysql(run, dialect).await?,
    };
    shape.tables.retain(|t| !is_bookkeeping(&t.name));
    shape.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(shape)
}

fn statement(dialect: Dialect, sql: &'static str, binds: &[&str]) -> Statement {
    let mut b = SqlBuilder::new(dialect);
    let mut parts = sql.split('?');
    b.push(parts.next().unwrap_or_default());
    for (part, bind) in parts.zip(binds) {
        b.push_bind(Value::Text((*bind).to_owned()));
        b.push(part);
    }
    b.finish()
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::I64(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        _ => String::new(),
    }
}

fn opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Null(_) => None,
        v => Some(text(v)),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::I64(n) => *n,
        Value::I32(n) => i64::from(*n),
        Value::Bool(b) => i64::from(*b),
        Value::Text(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn table_mut<'s>(shape: &'s mut Shape, name: &str) -> &'s mut TableShape {
    if let Some(i) = shape.tables.iter().position(|t| t.name == name) {
        return &mut shape.tables[i];
    }
    shape.tables.push(TableShape {
        name: name.to_owned(),
        ..TableShape::default()
    });
    let last = shape.tables.len() - 1;
    &mut shape.tables[last]
}

const T: SqlType = SqlType::Text;
const I: SqlType = SqlType::BigInt;

async fn read_sqlite(run: &mut dyn Executor) -> Result<Shape> {
    let d = Dialect::Sqlite;
    let names = run
        .fetch(
            &statement(
                d,
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                &[],
            ),
            &[T, T],
        )
        .await?;
    let mut shape = Shape::default();
    for row in names {
        let name = text(&row[0]);
        let mut table = TableShape {
            name: name.clone(),
            ..TableShape::default()
        };
        let columns = run
            .fetch(
                &statement(
                    d,
                    "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
                    &[&name],
                ),
                &[T, T, I, T, I],
            )
            .await?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            let ty = canonical_type(d, &text(&c[1]));
            let (col, key) = (text(&c[0]), int(&c[4]));
            if key > 0 {
                pk.push((key, col.clone()));
            }
            table.columns.push(ColumnShape {
                rust: super::pull::rust_type(d, &ty),
                renamed_from: None,
                default: canonical_default(d, &ty, opt_text(&c[3]).as_deref()),
                name: col,
                ty,
                // A primary key column is NOT NULL whatever the pragma says.
                nullable: int(&c[2]) == 0 && key == 0,
                generated: false,
            });
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        // `INTEGER PRIMARY KEY AUTOINCREMENT` is the only generated key Rel creates.
        let autoincrement = text(&row[1]).to_ascii_uppercase().contains("AUTOINCREMENT");
        if autoincrement && let [key] = table.primary_key.as_slice() {
            let key = key.clone();
            if let Some(c) = table.columns.iter_mut().find(|c| c.name == key) {
                c.generated = true;
            }
        }
        let indexes = run
            .fetch(
                &statement(
                    d,
                    "SELECT name, \"unique\", origin FROM pragma_index_list(?) ORDER BY name",
                    &[&name],
                ),
                &[T, I, T],
            )
            .await?;
        for index in &indexes {
            let index_name = text(&index[0]);
            let origin = text(&index[2]);
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> = run
                .fetch(
                    &statement(
                        d,
                        "SELECT name FROM pragma_index_info(?) ORDER BY seqno",
                        &[&index_name],
                    ),
                    &[T],
                )
                .await?
                .iter()
                .map(|r| text(&r[0]))
                .collect();
            add_index(&mut table, index_name, int(&index[1]) != 0, columns);
        }
        let keys = run
            .fetch(
                &statement(
                    d,
                    "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                    &[&name],
                ),
                &[I, T, T, T, T, T],
            )
            .await?;
        let mut last = -1;
        for k in &keys {
            if int(&k[0]) != last {
                last = int(&k[0]);
                table.foreign_keys.push(ForeignKeyShape {
                    name: String::new(),
                    columns: Vec::new(),
                    parent: text(&k[1]),
                    parent_columns: Vec::new(),
                    on_delete: canonical_action(d, opt_text(&k[5]).as_deref()),
                    on_update: canonical_action(d, opt_text(&k[4]).as_deref()),
                });
            }
            if let Some(fk) = table.foreign_keys.last_mut() {
                fk.columns.push(text(&k[2]));
                fk.parent_columns.push(text(&k[3]));
            }
        }
        shape.tables.push(table);
    }
    Ok(shape)
}

/// An index read from the catalog: a one-column unique index is the column's unique
/// key (whatever the backend named it), any other index a plain one.
fn add_index(table: &mut TableShape, name: String, unique: bool, columns: Vec<String>) {
    if unique && columns.len() == 1 {
        table.uniques.push(columns[0].clone());
        table.unique_names.push((columns[0].clone(), name));
    } else if !unique {
        table.indexes.push(IndexShape { name, columns });
    }
}

async fn read_postgres(run: &mut dyn Executor) -> Result<Shape> {
    let d = Dialect::Postgres;
    let mut shape = Shape::default();
    let columns = run
        .fetch(
            &statement(
                d,
                "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                 a.attnotnull::int4::int8, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text \
                 FROM pg_attribute a \
                 JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
                 AND a.attnum > 0 AND NOT a.attisdropped \
                 ORDER BY c.relname, a.attnum",
                &[],
            ),
            &[T, T, T, I, T, T],
        )
        .await?;
    for c in &columns {
        let table = table_mut(&mut shape, &text(&c[0]));
        let ty = canonical_type(d, &text(&c[2]));
        let default = opt_text(&c[4]);
        let serial = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let identity = opt_text(&c[5]).is_some_and(|i| !i.is_empty());
        table.columns.push(ColumnShape {
            rust: super::pull::rust_type(d, &ty),
            renamed_from: None,
            name: text(&c[1]),
            default: if serial {
                None
            } else {
                canonical_default(d, &ty, default.as_deref())
            },
            ty,
            nullable: int(&c[3]) == 0,
            generated: serial || identity,
        });
    }
    let indexes = run
        .fetch(
            &statement(
                d,
                "SELECT t.relname::text, i.relname::text, ix.indisunique::int4::int8, ix.indisprimary::int4::int8, \
                 array_to_string(array(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') \
                 FROM pg_index ix \
                 JOIN pg_class t ON t.oid = ix.indrelid \
                 JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE n.nspname = current_schema() \
                 ORDER BY t.relname, i.relname",
                &[],
            ),
            &[T, T, I, I, T],
        )
        .await?;
    for ix in &indexes {
        let table = table_mut(&mut shape, &text(&ix[0]));
        let columns: Vec<String> = text(&ix[4]).split(',').map(str::to_owned).collect();
        if int(&ix[3]) != 0 {
            table.primary_key = columns;
        } else {
            add_index(table, text(&ix[1]), int(&ix[2]) != 0, columns);
        }
    }
    let keys = run
        .fetch(
            &statement(
                d,
                "SELECT t.relname::text, con.conname::text, p.relname::text, \
                 con.confdeltype::text, con.confupdtype::text, \
                 array_to_string(array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ','), \
                 array_to_string(array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = p.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') \
                 FROM pg_constraint con \
                 JOIN pg_class t ON t.oid = con.conrelid \
                 JOIN pg_class p ON p.oid = con.confrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE con.contype = 'f' AND n.nspname = current_schema() \
                 ORDER BY t.relname, con.conname",
                &[],
            ),
            &[T, T, T, T, T, T, T],
        )
        .await?;
    let action = |code: String| -> String {
        match code.as_str() {
            "c" => "CASCADE",
            "r" => "RESTRICT",
            "n" => "SET NULL",
            "d" => "SET DEFAULT",
            _ => "NO ACTION",
        }
        .to_owned()
    };
    for k in &keys {
        let table = table_mut(&mut shape, &text(&k[0]));
        table.foreign_keys.push(ForeignKeyShape {
            name: text(&k[1]),
            parent: text(&k[2]),
            on_delete: action(text(&k[3])),
            on_update: action(text(&k[4])),
            columns: text(&k[5]).split(',').map(str::to_owned).collect(),
            parent_columns: text(&k[6]).split(',').map(str::to_owned).collect(),
        });
    }
    Ok(shape)
}

async fn read_mysql(run: &mut dyn Executor, d: Dialect) -> Result<Shape> {
    let mut shape = Shape::default();
    let columns = run
        .fetch(
            &statement(
                d,
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                 CAST(IS_NULLABLE AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), CAST(EXTRA AS CHAR) \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                 ORDER BY TABLE_NAME, ORDINAL_POSITION",
                &[],
            ),
            &[T, T, T, T, T, T],
        )
        .await?;
    for c in &columns {
        let table = table_mut(&mut shape, &text(&c[0]));
        let ty = canonical_type(d, &text(&c[2]));
        table.columns.push(ColumnShape {
            rust: super::pull::rust_type(d, &ty),
            renamed_from: None,
            name: text(&c[1]),
            default: canonical_default(d, &ty, opt_text(&c[4]).as_deref()),
            ty,
            nullable: text(&c[3]) == "YES",
            generated: text(&c[5]).to_ascii_lowercase().contains("auto_increment"),
        });
    }
    let indexes = run
        .fetch(
            &statement(
                d,
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), \
                 CAST(COLUMN_NAME AS CHAR) \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
                 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
                &[],
            ),
            &[T, T, I, T],
        )
        .await?;
    let mut grouped: Vec<(String, String, bool, Vec<String>)> = Vec::new();
    for ix in &indexes {
        let (table, name) = (text(&ix[0]), text(&ix[1]));
        match grouped.last_mut() {
            Some((t, n, _, cols)) if *t == table && *n == name => cols.push(text(&ix[3])),
            _ => grouped.push((table, name, int(&ix[2]) == 0, vec![text(&ix[3])])),
        }
    }
    for (table, name, unique, columns) in grouped {
        let table = table_mut(&mut shape, &table);
        if name == "PRIMARY" {
            table.primary_key = columns;
        } else {
            add_index(table, name, unique, columns);
        }
    }
    let keys = run
        .fetch(
            &statement(
                d,
                "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
                 CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(r.DELETE_RULE AS CHAR), \
                 CAST(r.UPDATE_RULE AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
                 CAST(k.REFERENCED_COLUMN_NAME AS CHAR) \
                 FROM information_schema.KEY_COLUMN_USAGE k \
                 JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                 ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                 AND r.TABLE_NAME = k.TABLE_NAME \
                 WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
                 ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
                &[],
            ),
            &[T, T, T, T, T, T, T],
        )
        .await?;
    for k in &keys {
        let table = table_mut(&mut shape, &text(&k[0]));
        let name = text(&k[1]);
        match table.foreign_keys.last_mut() {
            Some(fk) if fk.name == name => {
                fk.columns.push(text(&k[5]));
                fk.parent_columns.push(text(&k[6]));
            }
            _ => table.foreign_keys.push(ForeignKeyShape {
                name,
                parent: text(&k[2]),
                on_delete: canonical_action(d, opt_text(&k[3]).as_deref()),
                on_update: canonical_action(d, opt_text(&k[4]).as_deref()),
                columns: vec![text(&k[5])],
                parent_columns: vec![text(&k[6])],
            }),
        }
    }
    Ok(shape)
}

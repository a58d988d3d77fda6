//! Basic row I/O by primary key: insert, get, list, delete.
//!
//! Every statement goes through [`SqlBuilder`]; `get` and `all` are queries.

use crate::db::Runner;
use crate::ddl::Schema;
use crate::error::{Error, Result};
use crate::meta::{Key, RelationKind, Table, TableMeta};
use crate::query::Query;
use crate::row::RowReader;
use crate::sql::{Dialect, SqlBuilder, Statement};
use crate::value::{SqlType, Value};

/// `"t"."pk1" = ? AND "t"."pk2" = ?`.
fn where_key(b: &mut SqlBuilder, table: &TableMeta, values: Vec<Value>) {
    b.push_list(
        table.primary_key.iter().zip(values),
        " AND ",
        |b, (col, v)| {
            b.push_qualified(table.name, col).push(" = ").push_bind(v);
        },
    );
}

/// The columns an INSERT names: all but a generated key.
fn insert_columns(table: &TableMeta) -> Vec<usize> {
    let generated = table.generated_key().map(|c| c.name);
    (0..table.columns.len())
        .filter(|&i| Some(table.columns[i].name) != generated)
        .collect()
}

/// `INSERT INTO t (cols) VALUES (..), (..) [RETURNING key]` for a chunk of rows.
fn insert_statement<T: Table>(
    dialect: Dialect,
    rows: &[T],
    cols: &[usize],
    returning: bool,
) -> Statement {
    let table = T::META;
    let mut b = SqlBuilder::new(dialect);
    b.push("INSERT INTO ").push_ident(table.name);
    if cols.is_empty() {
        b.push(if dialect == Dialect::MySql {
            " () VALUES ()"
        } else {
            " DEFAULT VALUES"
        });
    } else {
        b.push(" (");
        b.push_list(cols, ", ", |b, &i| {
            b.push_ident(table.columns[i].name);
        });
        b.push(") VALUES ");
        b.push_list(rows, ", ", |b, row| {
            let mut values = row.values();
            b.push("(");
            b.push_list(cols, ", ", |b, &i| {
                b.push_bind(std::mem::replace(
                    &mut values[i],
                    Value::Null(SqlType::Text),
                ));
            });
            b.push(")");
        });
    }
    if returning {
        b.push(" RETURNING ").push_idents(table.primary_key);
    }
    b.finish()
}

fn key_types(table: &TableMeta) -> Vec<SqlType> {
    table
        .primary_key
        .iter()
        .map(|pk| table.column(pk).map_or(SqlType::BigInt, |c| c.ty))
        .collect()
}

fn decode_key<T: Table>(values: Vec<Value>) -> Result<T::Key> {
    T::Key::from_values(&mut RowReader::for_names(
        T::NAME,
        T::META.primary_key,
        values,
    ))
}

pub(crate) async fn insert<T: Table>(run: &mut Runner<'_>, row: &T) -> Result<T::Key> {
    Ok(insert_rows(run, std::slice::from_ref(row)).await?.remove(0))
}

pub(crate) async fn insert_many<T: Table>(run: &mut Runner<'_>, rows: &[T]) -> Result<Vec<T::Key>> {
    insert_rows(run, rows).await
}

async fn insert_rows<T: Table>(run: &mut Runner<'_>, rows: &[T]) -> Result<Vec<T::Key>> {
    let dialect = run.dialect();
    let table = T::META;
    let cols = insert_columns(table);
    let generated = table.generated_key().is_some();
    // MySQL reports only the first generated key of a statement, and a row with no
    // column to name is inserted alone (`DEFAULT VALUES`), so those go row by row.
    let per_statement = if (generated && dialect == Dialect::MySql) || cols.is_empty() {
        1
    } else {
        (dialect.bind_limit() / cols.len().max(1)).max(1)
    };
    let mut keys = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(per_statement) {
        let returning = generated && dialect != Dialect::MySql;
        let stmt = insert_statement(dialect, chunk, &cols, returning);
        if returning {
            let out = run.fetch(&stmt, &key_types(table)).await;
            let out = match out {
                Ok(out) => out,
                Err(e) => return Err(write_error::<T>(run, e, chunk).await),
            };
            for values in out {
                keys.push(decode_key::<T>(values)?);
            }
        } else {
            let done = match run.execute(&stmt).await {
                Ok(done) => done,
                Err(e) => return Err(write_error::<T>(run, e, chunk).await),
            };
            match (generated, done.last_insert_id) {
                (true, Some(id)) => {
                    let id = i64::try_from(id).map_err(|_| {
                        Error::Database(sqlx::Error::Decode(
                            format!("generated key {id} of `{}` does not fit in i64", T::NAME)
                                .into(),
                        ))
                    })?;
                    keys.push(decode_key::<T>(vec![Value::I64(id)])?);
                }
                _ => keys.extend(chunk.iter().map(Table::key)),
            }
        }
    }
    Ok(keys)
}

pub(crate) async fn get<T: Table>(run: &mut Runner<'_>, key: &T::Key) -> Result<Option<T>> {
    Ok(Query::<T>::by_key(key.to_values()).run(run).await?.pop())
}

pub(crate) async fn all<T: Table>(run: &mut Runner<'_>) -> Result<Vec<T>> {
    Query::<T>::new().run(run).await
}

pub(crate) async fn delete<T: Table>(run: &mut Runner<'_>, key: &T::Key) -> Result<bool> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("DELETE FROM ").push_ident(T::NAME).push(" WHERE ");
    where_key(&mut b, T::META, key.to_values());
    match run.execute(&b.finish()).await {
        Ok(done) => Ok(done.rows_affected > 0),
        Err(e) => Err(referenced_error(T::META, e)),
    }
}

fn db_error(e: &Error) -> Option<&dyn sqlx::error::DatabaseError> {
    match e {
        Error::Database(sqlx::Error::Database(d)) => Some(&**d),
        _ => None,
    }
}

/// Whether the database refused a write for a foreign key. SQLite reports `RESTRICT`
/// with SQLITE_CONSTRAINT_TRIGGER (1811), which sqlx does not classify.
fn is_foreign_key_violation(d: &dyn sqlx::error::DatabaseError) -> bool {
    d.is_foreign_key_violation()
        || (d.code().as_deref() == Some("1811") && d.message().contains("FOREIGN KEY"))
}

/// The constraint name a database error reports: PostgreSQL says it; MySQL writes it in
/// the message as ``CONSTRAINT `name` ``; SQLite does not say.
fn constraint_name(d: &dyn sqlx::error::DatabaseError) -> Option<String> {
    if let Some(c) = d.constraint() {
        return Some(c.to_owned());
    }
    let msg = d.message();
    let start = msg.find("CONSTRAINT `")? + "CONSTRAINT `".len();
    let rest = &msg[start..];
    // Backticks inside the name are doubled.
    let mut name = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '`' {
            if chars.peek() == Some(&'`') {
                chars.next();
            } else {
                return Some(name);
            }
        }
        name.push(c);
    }
    None
}

/// Turns a failed insert into a typed error naming the relation whose key points nowhere.
async fn write_error<T: Table>(run: &mut Runner<'_>, e: Error, rows: &[T]) -> Error {
    let Some(d) = db_error(&e) else { return e };
    let message = d.message().to_owned();
    if d.is_unique_violation() {
        return Error::Unique {
            table: T::NAME,
            message,
        };
    }
    if !is_foreign_key_violation(d) {
        return e;
    }
    let mut relation = constraint_name(d).and_then(|c| Schema::relation_of_constraint(T::META, &c));
    if relation.is_none() && run.dialect() == Dialect::Sqlite {
        // SQLite names no constraint; a statement error does not abort its transaction,
        // so ask which referenced row is missing.
        relation = missing_reference::<T>(run, rows).await;
    }
    Error::ForeignKey {
        table: T::NAME,
        relation,
        message,
    }
}

/// The first relation of `T` that holds a key and whose referenced row does not exist.
async fn missing_reference<T: Table>(run: &mut Runner<'_>, rows: &[T]) -> Option<&'static str> {
    for rel in T::META.relations.iter().filter(|r| r.holds_key) {
        let target = (rel.target)();
        for row in rows {
            let values = row.values();
            let key: Vec<Value> = rel
                .from
                .iter()
                .filter_map(|c| T::COLUMNS.iter().position(|m| m.name == *c))
                .map(|i| values[i].clone())
                .collect();
            if key.iter().any(Value::is_null) {
                continue;
            }
            let mut b = SqlBuilder::new(run.dialect());
            b.push("SELECT 1 FROM ")
                .push_ident(target.name)
                .push(" WHERE ");
            b.push_list(rel.to.iter().zip(key), " AND ", |b, (col, v)| {
                b.push_ident(col).push(" = ").push_bind(v);
            });
            match run.fetch(&b.finish(), &[SqlType::BigInt]).await {
                Ok(found) if found.is_empty() => return Some(rel.name),
                _ => {}
            }
        }
    }
    None
}

/// Turns a failed delete of a referenced row into a typed error naming the relation.
fn referenced_error(table: &'static TableMeta, e: Error) -> Error {
    let Some(d) = db_error(&e) else { return e };
    if !is_foreign_key_violation(d) {
        return e;
    }
    let constraint = constraint_name(d);
    // The constraint belongs to the referencing table; name this table's inverse relation.
    let relation = constraint.and_then(|c| {
        table
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::Many)
            .find(|r| {
                let target = (r.target)();
                target.relations.iter().any(|inv| {
                    inv.holds_key
                        && inv.to == r.from
                        && inv.from == r.to
                        && Schema::relation_of_constraint(target, &c) == Some(inv.name)
                })
            })
            .map(|r| r.name)
    });
    Error::ForeignKey {
        table: table.name,
        relation,
        message: d.message().to_owned(),
    }
}

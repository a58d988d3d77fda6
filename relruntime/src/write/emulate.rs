//! Emulated relation mode: Rel enforces every foreign key itself, for databases without
//! them. The write planner.
//!
//! A write is planned over the schema's foreign keys (every relation, whichever side
//! declares it) and runs as set-based statements, whose number grows with the depth of
//! the relation graph, not with the number of rows:
//!
//! - **Existence.** For an insert, per foreign key of the table, Rel counts the
//!   referenced rows of the whole batch that exist: one `SELECT` per key, which also
//!   takes a share lock on them. An update that sets key columns checks the key it
//!   writes the same way. A NULL in any key column skips the check (SQL's MATCH
//!   SIMPLE). The check (and lock) comes before the write, parent before child;
//!   when it fails the write is still sent, so that a unique key it breaks is
//!   reported first, as the database reports it, and then rolled back.
//! - **Actions.** A delete (or a change of a referenced key) first locks the rows it
//!   touches (`FOR UPDATE`), then, for each foreign key that points at them, refuses
//!   (`restrict`, `no_action`), or deletes, sets NULL, sets the default, or carries the
//!   new key to the rows that refer to them, recursively. The rows at each step are
//!   described by a subquery on the step above ([`Rows`]), so no key is held in memory;
//!   a self relation's cascade is its transitive closure, one recursive CTE.
//!
//! Lock order: the parent rows before their children. A child write takes a share lock
//! on its parent; a parent delete or key change takes an exclusive lock on the parent
//! before it looks for children. So the two never both commit: one waits for the
//! other, and then sees what it did. The facade runs each emulated write in one
//! transaction (its own, retried on deadlocks and serialization failures, or the
//! caller's, at a savepoint).

use super::constraint::{Failed, Touched, typed_error};
use crate::model::error::{Error, Result};
use crate::model::key::{KeyOf, KeySet};
use crate::model::meta::{Action, Literal, TableMeta};
use crate::model::schema::{ForeignKey, RelationMode, Schema};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::{Dialect, GUARD_TABLE, ListParameter};
use crate::sql::exec::{BoxFuture, Executor};
use crate::sql::expr::{INLINE_LIST, Node, Scope};
use std::sync::Arc;

/// The schema, when the `Db` enforces relations itself, for a write to `table`.
///
/// A write to a table the schema does not have is refused: Rel cannot see what refers
/// to it, and would silently skip its checks.
pub(super) fn emulating(run: &dyn Executor, table: &TableMeta) -> Result<Option<Arc<Schema>>> {
    let Some(schema) = run.schema() else {
        return Ok(None);
    };
    if schema.mode() != RelationMode::Emulated {
        return Ok(None);
    }
    if schema.find(table.name).is_none() {
        return Err(Error::Unsupported {
            table: table.name,
            relation: "",
            message: "the Db's schema (Emulated mode) has no such table, so Rel cannot see \
                      the relations that point at it; add it to the Schema given to \
                      create_all or Db::use_schema"
                .into(),
        });
    }
    Ok(Some(schema))
}

/// What a column is set to.
#[derive(Clone, Debug)]
pub(super) enum SetTo {
    Value(Value),
    Null,
    Default(Literal),
}

impl SetTo {
    fn write(&self, b: &mut SqlBuilder) {
        match self {
            SetTo::Value(v) => {
                b.push_bind(v.clone());
            }
            SetTo::Null => {
                b.push("NULL");
            }
            SetTo::Default(literal) => {
                b.push_literal(literal);
            }
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, SetTo::Null) || matches!(self, SetTo::Value(v) if v.is_null())
    }
}

/// The rows of one table a step concerns, as a predicate written against an alias.
#[derive(Clone, Debug)]
pub(super) enum Rows {
    /// The row with this primary key.
    Key(Vec<Value>),
    /// The rows with these primary keys.
    Keys(Vec<KeyOf>),
    /// The rows matching a filter; all rows without one.
    Filter(Option<Node>),
    /// The rows of `fk`'s child that refer to `parent` rows of its parent, only those
    /// whose referenced columns change to the given values when there are any.
    Referencing {
        fk: Box<ForeignKey>,
        parent: Box<Rows>,
        changed: Vec<(&'static str, SetTo)>,
    },
    /// `seed` and every row that refers to one of them through the self relation `fk`,
    /// transitively.
    Closure {
        fk: Box<ForeignKey>,
        seed: Box<Rows>,
    },
    /// `rows` but not `except` (of the same table).
    Excluding { rows: Box<Rows>, except: Box<Rows> },
}

/// `alias.a` or `(alias.a, alias.b)`.
fn write_tuple(b: &mut SqlBuilder, alias: &str, cols: &[&str]) {
    if cols.len() > 1 {
        b.push("(");
    }
    b.push_list(cols, ", ", |b, c| {
        b.push_qualified(alias, c);
    });
    if cols.len() > 1 {
        b.push(")");
    }
}

/// Writes the predicate that picks `rows` of `table` under `alias`.
fn write_rows(b: &mut SqlBuilder, table: &'static TableMeta, alias: &str, rows: &Rows) {
    match rows {
        Rows::Key(key) => {
            b.push_list(table.primary_key.iter().zip(key), " AND ", |b, (c, v)| {
                b.push_qualified(alias, c).push(" = ").push_bind(v.clone());
            });
        }
        Rows::Keys(keys) if keys.is_empty() => {
            b.push("1 = 0");
        }
        Rows::Keys(keys) => {
            let width = table.primary_key.len();
            write_tuple(b, alias, table.primary_key);
            if let Some(ListParameter { open, value, close }) = key_list(b.dialect(), table, keys) {
                b.push(open).push_bind(value).push(close);
                return;
            }
            b.push(" IN (");
            b.push_list(keys, ", ", |b, key| {
                if width > 1 {
                    b.push("(");
                }
                b.push_list(key.values(), ", ", |b, v| {
                    b.push_bind(v.clone());
                });
                if width > 1 {
                    b.push(")");
                }
            });
            b.push(")");
        }
        Rows::Filter(None) => {
            b.push("1 = 1");
        }
        Rows::Filter(Some(filter)) => {
            b.push("(");
            filter.write(b, &Scope { table, alias });
            b.push(")");
        }
        Rows::Referencing {
            fk,
            parent,
            changed,
        } => {
            let p = b.fresh_alias();
            write_tuple(b, alias, fk.child_cols);
            b.push(" IN (SELECT ");
            b.push_list(fk.parent_cols, ", ", |b, c| {
                b.push_qualified(&p, c);
            });
            b.push(" FROM ")
                .push_ident(fk.parent.name)
                .push(" AS ")
                .push_ident(&p)
                .push(" WHERE ");
            write_rows(b, fk.parent, &p, parent);
            let changes: Vec<&(&str, SetTo)> = changed
                .iter()
                .filter(|(c, _)| fk.parent_cols.contains(c))
                .collect();
            if !changes.is_empty() {
                // Only the rows whose referenced key changes.
                b.push(" AND (");
                b.push_list(changes, " OR ", |b, (c, to)| {
                    if to.is_null() {
                        b.push_qualified(&p, c).push(" IS NOT NULL");
                    } else {
                        b.push_qualified(&p, c).push(" <> ");
                        to.write(b);
                    }
                });
                b.push(")");
            }
            b.push(")");
        }
        Rows::Closure { fk, seed } => {
            let (cte, s, c, r) = (
                b.fresh_alias(),
                b.fresh_alias(),
                b.fresh_alias(),
                b.fresh_alias(),
            );
            let keys: Vec<String> = (0..fk.parent_cols.len()).map(|i| format!("k{i}")).collect();
            write_tuple(b, alias, fk.parent_cols);
            b.push(" IN (WITH RECURSIVE ").push_ident(&cte).push(" (");
            b.push_list(&keys, ", ", |b, k| {
                b.push_ident(k);
            });
            b.push(") AS (SELECT ");
            b.push_list(fk.parent_cols, ", ", |b, col| {
                b.push_qualified(&s, col);
            });
            b.push(" FROM ")
                .push_ident(table.name)
                .push(" AS ")
                .push_ident(&s)
                .push(" WHERE ");
            write_rows(b, table, &s, seed);
            b.push(" UNION SELECT ");
            b.push_list(fk.parent_cols, ", ", |b, col| {
                b.push_qualified(&c, col);
            });
            b.push(" FROM ")
                .push_ident(table.name)
                .push(" AS ")
                .push_ident(&c)
                .push(" JOIN ")
                .push_ident(&cte)
                .push(" AS ")
                .push_ident(&r)
                .push(" ON ");
            b.push_list(fk.child_cols.iter().zip(&keys), " AND ", |b, (col, k)| {
                b.push_qualified(&c, col).push(" = ").push_qualified(&r, k);
            });
            b.push(") SELECT ");
            b.push_list(&keys, ", ", |b, k| {
                b.push_ident(k);
            });
            b.push(" FROM ").push_ident(&cte).push(")");
        }
        Rows::Excluding { rows, except } => {
            // `IS NOT TRUE`, not `NOT`: a row whose key is NULL is not among `except`,
            // though `NULL IN (..)` is NULL.
            b.push("(");
            write_rows(b, table, alias, rows);
            b.push(") AND (");
            write_rows(b, table, alias, except);
            b.push(") IS NOT TRUE");
        }
    }
}

/// A long list of single-column keys as one parameter, where the dialect takes one.
fn key_list(dialect: Dialect, table: &TableMeta, keys: &[KeyOf]) -> Option<ListParameter> {
    let [col] = table.primary_key else {
        return None;
    };
    if keys.len() <= INLINE_LIST {
        return None;
    }
    let ty = table.column(col)?.ty;
    let values: Vec<Value> = keys.iter().map(|k| k.values()[0].clone()).collect();
    dialect.lists().list_parameter(ty, false, &values)
}

/// How many of a write's `keys` of `table` one pass of the plan takes: all of them
/// where they go as one parameter, else few enough that every statement of the plan
/// stays under the bind limit.
fn keys_per_pass(dialect: Dialect, table: &TableMeta, keys: &[KeyOf]) -> usize {
    if key_list(dialect, table, keys).is_some() {
        return keys.len().max(1);
    }
    (dialect.bind_limit() / table.primary_key.len().max(1) / 8).clamp(1, INLINE_LIST)
}

/// Whether any of `rows` of `table` exists, read with a share lock (a current read,
/// which sees what committed before the locks this write holds).
async fn any(run: &mut dyn Executor, table: &'static TableMeta, rows: &Rows) -> Result<bool> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT 1 FROM ")
        .push_ident(table.name)
        .push(" AS ")
        .push_ident("r")
        .push(" WHERE ");
    write_rows(&mut b, table, "r", rows);
    b.push(" LIMIT 1");
    if run.locking()
        && let Some(lock) = run.dialect().syntax().lock_for_share
    {
        b.push(lock);
    }
    returns_rows(run, &b.finish()).await
}

/// Whether a statement returns any row (its cells unread).
async fn returns_rows(
    run: &mut dyn Executor,
    stmt: &crate::sql::builder::Statement,
) -> Result<bool> {
    let mut found = false;
    run.fetch_each(stmt, &mut |_: &dyn crate::model::row::Cells| {
        found = true;
        Ok(())
    })
    .await?;
    Ok(found)
}

/// Locks `rows` of `table` for a change, without reading them back.
async fn lock(run: &mut dyn Executor, table: &'static TableMeta, rows: &Rows) -> Result<()> {
    let Some(clause) = run.dialect().syntax().lock_for_update else {
        return Ok(());
    };
    if !run.locking() {
        return Ok(());
    }
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT COUNT(*) FROM (SELECT 1 AS ")
        .push_ident("one")
        .push(" FROM ")
        .push_ident(table.name)
        .push(" AS ")
        .push_ident("l")
        .push(" WHERE ");
    write_rows(&mut b, table, "l", rows);
    b.push(clause).push(") AS ").push_ident("locked");
    returns_rows(run, &b.finish()).await.map(drop)
}

fn still_referenced(fk: &ForeignKey) -> Error {
    Error::StillReferenced {
        table: fk.parent.name,
        referencing_table: Some(fk.child.name),
        relation: Some(fk.relation).filter(|r| !r.is_empty()),
        message: format!(
            "rows of `{}` still refer to it (Rel, Emulated mode)",
            fk.child.name
        ),
    }
}

fn points_nowhere(fk: &ForeignKey) -> Error {
    Error::ForeignKey {
        table: fk.child.name,
        relation: Some(fk.relation).filter(|r| !r.is_empty()),
        message: format!(
            "no row of `{}` has the key it refers to (Rel, Emulated mode)",
            fk.parent.name
        ),
    }
}

/// The keys an insert of `rows` (every column's value, in column order) into `table`
/// refers to, per foreign key of the table, distinct and without NULLs (SQL's MATCH
/// SIMPLE). Keys the batch itself provides (a self relation) are left out: any row's,
/// or with `per_row` (see `SqlDialect::checks_foreign_keys_per_row`) the row's own
/// and those of the rows before it.
pub(super) fn referenced_keys(
    per_row: bool,
    schema: &Schema,
    table: &'static TableMeta,
    rows: &[Vec<Value>],
) -> Vec<(ForeignKey, Vec<KeyOf>)> {
    let positions = |cols: &[&str]| -> Vec<usize> {
        cols.iter()
            .filter_map(|c| table.columns.iter().position(|m| m.name == *c))
            .collect()
    };
    let key_at = |row: &[Value], at: &[usize]| match at {
        [i] => KeyOf::One(row[*i].clone()),
        at => KeyOf::Many(at.iter().map(|&i| row[i].clone()).collect()),
    };
    let mut out = Vec::new();
    for fk in schema
        .foreign_keys()
        .into_iter()
        .filter(|fk| fk.child.name == table.name)
    {
        let at = positions(fk.child_cols);
        let own = (fk.parent.name == table.name).then(|| positions(fk.parent_cols));
        // A database that checks row by row sees only the rows before; one that checks
        // at the end of the statement sees the whole batch.
        let mut provided: KeySet = match &own {
            Some(own) if !per_row => rows.iter().map(|row| key_at(row, own)).collect(),
            _ => KeySet::default(),
        };
        let mut seen = KeySet::default();
        let mut wanted = Vec::new();
        for row in rows {
            if let Some(own) = own.as_ref().filter(|_| per_row) {
                provided.insert(key_at(row, own));
            }
            let key = key_at(row, &at);
            if key.values().iter().any(Value::is_null) || provided.contains(&key) {
                continue;
            }
            if seen.insert(key.clone()) {
                wanted.push(key);
            }
        }
        if !wanted.is_empty() {
            out.push((fk, wanted));
        }
    }
    out
}

/// Checks, before an insert, that the keys it refers to (see [`referenced_keys`])
/// exist, and share-locks them: one statement per foreign key (and chunk, where the
/// dialect cannot take the keys as one parameter). The error when one does not: the
/// caller still sends the insert, so that a unique key it breaks is reported first,
/// as the database reports it, and the transaction every emulated write runs in
/// undoes it.
pub(super) async fn check_insert(
    run: &mut dyn Executor,
    referenced: &[(ForeignKey, Vec<KeyOf>)],
) -> Result<Option<Error>> {
    for (fk, keys) in referenced {
        if count_existing(run, fk, keys).await? < keys.len() {
            return Ok(Some(points_nowhere(fk)));
        }
    }
    Ok(None)
}

/// How many of `keys` (distinct) the parent of `fk` has, share-locking them. The
/// referenced columns are unique, so each key matches at most one row.
async fn count_existing(run: &mut dyn Executor, fk: &ForeignKey, keys: &[KeyOf]) -> Result<usize> {
    let dialect = run.dialect();
    let width = fk.parent_cols.len().max(1);
    let lock = dialect.syntax().lock_for_share.filter(|_| run.locking());
    // A single-column key list goes as one parameter where the dialect takes one: as a
    // table joined with the parent's, or in `IN`.
    let one_column = match fk.parent_cols {
        [col] if keys.len() > 1 => fk.parent.column(col).map(|m| {
            let values: Vec<Value> = keys.iter().map(|k| k.values()[0].clone()).collect();
            (col, m.ty, values)
        }),
        _ => None,
    };
    let mut list = None;
    let mut rows = None;
    if let Some((col, ty, values)) = &one_column {
        rows = dialect
            .lists()
            .list_rows(*ty, values)
            .filter(|_| lock.is_none())
            .map(|l| (*col, l));
        if rows.is_none() {
            list = dialect.lists().list_parameter(*ty, false, values);
        }
    }
    let per_chunk = match (&list, &rows) {
        (None, None) => (dialect.bind_limit() / width).max(1),
        _ => keys.len(),
    };
    let list: Option<ListParameter> = list;
    let mut found = 0;
    for chunk in keys.chunks(per_chunk) {
        let mut b = SqlBuilder::new(dialect);
        b.push("SELECT COUNT(*) FROM (SELECT 1 AS ")
            .push_ident("one")
            .push(" FROM ");
        if let Some((col, ListParameter { open, value, close })) = rows.take() {
            b.push(open)
                .push_bind(value)
                .push(close)
                .push(" AS ")
                .push_ident("j");
            b.push(" JOIN ")
                .push_ident(fk.parent.name)
                .push(" AS ")
                .push_ident("p")
                .push(" ON ")
                .push_qualified("p", col)
                .push(" = ")
                .push_qualified("j", "v");
        } else {
            b.push_ident(fk.parent.name)
                .push(" AS ")
                .push_ident("p")
                .push(" WHERE ");
            write_keys_in(&mut b, "p", fk.parent_cols, chunk, list.clone());
        }
        if let Some(lock) = lock {
            b.push(lock);
        }
        b.push(") AS ").push_ident("found");
        let counted = run.fetch(&b.finish(), &[SqlType::BigInt]).await?;
        if let Some(Value::I64(n)) = counted.first().and_then(|row| row.first()) {
            found += usize::try_from(*n).unwrap_or(0);
        }
        // On a multi-primary cluster, the parents' guards too.
        let (cols, list) = (fk.parent_cols, list.clone());
        write_guard(run, fk.parent, cols, |b| {
            write_keys_in(b, "g", cols, chunk, list)
        })
        .await?;
    }
    Ok(found)
}

/// `(alias.a, alias.b) IN ((?, ?), ..)`, or the list as one parameter.
fn write_keys_in(
    b: &mut SqlBuilder,
    alias: &str,
    cols: &[&str],
    keys: &[KeyOf],
    list: Option<ListParameter>,
) {
    let width = cols.len();
    write_tuple(b, alias, cols);
    if let Some(ListParameter { open, value, close }) = list {
        b.push(open).push_bind(value).push(close);
        return;
    }
    b.push(" IN (");
    b.push_list(keys, ", ", |b, key| {
        if width > 1 {
            b.push("(");
        }
        b.push_list(key.values(), ", ", |b, v| {
            b.push_bind(v.clone());
        });
        if width > 1 {
            b.push(")");
        }
    });
    b.push(")");
}

/// On a multi-primary cluster (`Executor::guards`), upserts the conflict guard of each
/// row of `table` that `predicate` picks (written against the alias `g`), for the
/// referenced columns `cols`: one statement. A child write and its parent's delete or
/// key change both write these rows, so the cluster lets only one of them commit
/// (see `GuardSql`).
async fn write_guard(
    run: &mut dyn Executor,
    table: &'static TableMeta,
    cols: &[&'static str],
    predicate: impl FnOnce(&mut SqlBuilder),
) -> Result<()> {
    let Some(sql) = run.dialect().syntax().guards.filter(|_| run.guards()) else {
        return Ok(());
    };
    let mut b = SqlBuilder::new(run.dialect());
    b.push("INSERT INTO ")
        .push_ident(GUARD_TABLE)
        .push(" (")
        .push_ident("tbl")
        .push(", ")
        .push_ident("k")
        .push(") SELECT ");
    b.push_bind(Value::Text(format!("{}({})", table.name, cols.join(","))));
    b.push(", ").push(sql.key.0);
    b.push_list(cols, ", ", |b, c| {
        b.push_qualified("g", c);
    });
    b.push(sql.key.1)
        .push(" FROM ")
        .push_ident(table.name)
        .push(" AS ")
        .push_ident("g")
        .push(" WHERE ");
    predicate(&mut b);
    b.push(sql.bump);
    run.execute(&b.finish()).await.map(drop)
}

/// The guards of `rows` of `table`, which a delete or key change is about to touch, for
/// each set of its columns that the relations picked by `which` refer to.
async fn guard_rows(
    run: &mut dyn Executor,
    fks: &[ForeignKey],
    table: &'static TableMeta,
    rows: &Rows,
    which: impl Fn(&ForeignKey) -> bool,
) -> Result<()> {
    if !run.guards() {
        return Ok(());
    }
    let mut done: Vec<&[&'static str]> = Vec::new();
    for fk in fks
        .iter()
        .filter(|fk| fk.parent.name == table.name && which(fk))
    {
        if done.contains(&fk.parent_cols) {
            continue;
        }
        done.push(fk.parent_cols);
        write_guard(run, table, fk.parent_cols, |b| {
            write_rows(b, table, "g", rows)
        })
        .await?;
    }
    Ok(())
}

/// The column's value as an action sets it: its default, or NULL.
fn action_value(fk: &ForeignKey, col: &'static str, action: Action) -> SetTo {
    match (action, fk.child.column(col).and_then(|m| m.default)) {
        (Action::SetDefault, Some(literal)) => SetTo::Default(literal),
        _ => SetTo::Null,
    }
}

/// Deletes `rows` of `table` and applies every `on_delete` that points at them; how
/// many rows of `table` it deleted.
pub(super) fn delete<'a>(
    run: &'a mut dyn Executor,
    schema: &'a Schema,
    table: &'static TableMeta,
    rows: Rows,
    path: Vec<&'static str>,
) -> BoxFuture<'a, Result<u64>> {
    Box::pin(async move {
        let fks = schema.foreign_keys();
        if path.is_empty() && cascades_around_a_cycle(&fks, table) {
            return delete_keyed(run, schema, table, rows).await;
        }
        let referenced = fks.iter().any(|fk| fk.parent.name == table.name);
        let top = path.is_empty();
        if top && referenced && !matches!(rows, Rows::Keys(_)) {
            // The rows asked for, locked and then named by key: a predicate would also
            // match rows inserted meanwhile (PostgreSQL has no gap locks), whose
            // children no step below would have looked for.
            let keys = keys_of(run, table, &rows).await?;
            let mut deleted = 0;
            for pass in keys.chunks(keys_per_pass(run.dialect(), table, &keys)) {
                let rows = Rows::Keys(pass.to_vec());
                deleted += delete(run, schema, table, rows, Vec::new()).await?;
            }
            return Ok(deleted);
        }
        // A self relation that cascades takes its whole subtree along.
        let seed = rows.clone();
        let rows = match fks.iter().find(|fk| {
            fk.child.name == table.name
                && fk.parent.name == table.name
                && fk.on_delete == Some(Action::Cascade)
        }) {
            Some(fk) => Rows::Closure {
                fk: Box::new(fk.clone()),
                seed: Box::new(rows),
            },
            None => rows,
        };
        // Rows nothing refers to need no lock before the delete: it locks them itself.
        // The rows asked for are locked already (above).
        let locked = top && matches!(rows, Rows::Keys(_));
        if referenced && !locked {
            lock(run, table, &rows).await?;
        }
        if referenced {
            guard_rows(run, &fks, table, &rows, |_| true).await?;
        }
        let mut path = path;
        path.push(table.name);
        // Relations whose `set_default` moved rows to their default key.
        let mut defaults = Vec::new();
        for fk in fks.iter().filter(|fk| fk.parent.name == table.name) {
            let mut children = Rows::Referencing {
                fk: Box::new(fk.clone()),
                parent: Box::new(rows.clone()),
                changed: Vec::new(),
            };
            let same_table = fk.child.name == table.name;
            if same_table {
                // Rows deleted along with their parent do not refer to it any more.
                children = Rows::Excluding {
                    rows: Box::new(children),
                    except: Box::new(rows.clone()),
                };
            }
            match fk.on_delete.unwrap_or(Action::NoAction) {
                Action::Restrict | Action::NoAction => {
                    if any(run, fk.child, &children).await? {
                        return Err(still_referenced(fk));
                    }
                }
                Action::Cascade if same_table => {}
                Action::Cascade => {
                    if path.contains(&fk.child.name) {
                        return Err(cycle(fk, &path));
                    }
                    delete(run, schema, fk.child, children, path.clone()).await?;
                }
                action @ (Action::SetNull | Action::SetDefault) => {
                    let sets: Vec<(&'static str, SetTo)> = fk
                        .child_cols
                        .iter()
                        .map(|c| (*c, action_value(fk, c, action)))
                        .collect();
                    // The default is checked once the rows are gone: it may be one of
                    // them.
                    let skip = (action == Action::SetDefault).then(|| fk.name.clone());
                    let set =
                        update_carrying(run, schema, fk.child, sets, children, path.clone(), skip)
                            .await?;
                    if action == Action::SetDefault && set > 0 {
                        defaults.push(fk);
                    }
                }
            }
        }
        if matches!(rows, Rows::Closure { .. }) {
            // The subtree below the rows asked for goes first, so that the count is of
            // those rows alone, as a database's own cascade reports it.
            let below = Rows::Excluding {
                rows: Box::new(rows),
                except: Box::new(seed.clone()),
            };
            delete_rows(run, table, &below).await?;
        }
        let deleted = delete_rows(run, table, &seed).await?;
        for fk in defaults {
            check_default(run, fk).await?;
        }
        Ok(deleted)
    })
}

/// Checks that the row a `set_default` moved rows to exists (and share-locks it), once
/// the parent's rows are deleted or their keys changed: the database's own action
/// checks the new key at the end of the statement too.
async fn check_default(run: &mut dyn Executor, fk: &ForeignKey) -> Result<()> {
    let defaults: Vec<SetTo> = fk
        .child_cols
        .iter()
        .map(|c| action_value(fk, c, Action::SetDefault))
        .collect();
    if defaults.iter().any(SetTo::is_null) {
        return Ok(()); // MATCH SIMPLE: a NULL part refers to nothing.
    }
    let dialect = run.dialect();
    let mut b = SqlBuilder::new(dialect);
    b.push("SELECT COUNT(*) FROM (SELECT 1 AS ")
        .push_ident("one")
        .push(" FROM ")
        .push_ident(fk.parent.name)
        .push(" AS ")
        .push_ident("p")
        .push(" WHERE ");
    b.push_list(
        fk.parent_cols.iter().zip(&defaults),
        " AND ",
        |b, (c, to)| {
            b.push_qualified("p", c).push(" = ");
            to.write(b);
        },
    );
    if let Some(lock) = dialect.syntax().lock_for_share.filter(|_| run.locking()) {
        b.push(lock);
    }
    b.push(") AS ").push_ident("found");
    let counted = run.fetch(&b.finish(), &[SqlType::BigInt]).await?;
    match counted.first().and_then(|row| row.first()) {
        Some(Value::I64(n)) if *n > 0 => Ok(()),
        // The rows that referred to the parent have nowhere to point: the parent's
        // change is refused, as the database's own action reports it.
        _ => Err(Error::StillReferenced {
            table: fk.parent.name,
            referencing_table: Some(fk.child.name),
            relation: Some(fk.relation).filter(|r| !r.is_empty()),
            message: format!(
                "rows of `{}` still refer to it, and their default key refers to no row \
                 (Rel, Emulated mode)",
                fk.child.name
            ),
        }),
    }
}

/// Whether a cascade delete from `table` can reach a cycle of two or more tables whose
/// relations all cascade on delete (self relations aside: a closure handles them).
fn cascades_around_a_cycle(fks: &[ForeignKey], table: &'static TableMeta) -> bool {
    fn visit(
        fks: &[ForeignKey],
        table: &'static str,
        path: &mut Vec<&'static str>,
        done: &mut Vec<&'static str>,
    ) -> bool {
        if path.contains(&table) {
            return true;
        }
        if done.contains(&table) {
            return false;
        }
        path.push(table);
        let found = fks
            .iter()
            .filter(|fk| {
                fk.parent.name == table
                    && fk.child.name != table
                    && fk.on_delete == Some(Action::Cascade)
            })
            .any(|fk| visit(fks, fk.child.name, path, done));
        path.pop();
        done.push(table);
        found
    }
    visit(fks, table.name, &mut Vec::new(), &mut Vec::new())
}

/// The primary keys of `rows` of `table`, locked for a change.
async fn keys_of(
    run: &mut dyn Executor,
    table: &'static TableMeta,
    rows: &Rows,
) -> Result<Vec<KeyOf>> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("SELECT ");
    b.push_list(table.primary_key, ", ", |b, c| {
        b.push_qualified("k", c);
    });
    b.push(" FROM ")
        .push_ident(table.name)
        .push(" AS ")
        .push_ident("k")
        .push(" WHERE ");
    write_rows(&mut b, table, "k", rows);
    if let Some(lock) = run
        .dialect()
        .syntax()
        .lock_for_update
        .filter(|_| run.locking())
    {
        b.push(lock);
    }
    let stmt = b.finish();
    stmt.check_binds(run.dialect(), table.name)?;
    let types: Vec<SqlType> = table
        .primary_key
        .iter()
        .map(|c| table.column(c).map_or(SqlType::BigInt, |m| m.ty))
        .collect();
    Ok(run
        .fetch(&stmt, &types)
        .await?
        .into_iter()
        .map(|mut key| match key.len() {
            1 => KeyOf::One(key.remove(0)),
            _ => KeyOf::Many(key),
        })
        .collect())
}

/// How many keys of `table` one statement names, under the bind limit with room for
/// the rest of the statement.
fn keys_per_statement(run: &dyn Executor, table: &TableMeta) -> usize {
    (run.dialect().bind_limit().saturating_sub(64) / table.primary_key.len().max(1)).max(1)
}

/// A delete whose cascades go around a cycle of tables (A cascades to B, B to A): the
/// rows' keys are collected first, table by table and locked, until no cascade finds a
/// new row (a fixpoint, which a cycle needs); then the other actions apply to the rows
/// outside that set, and every collected row is deleted by key. Unlike the set-based
/// plan of [`delete`], this holds the keys in memory, and its statements grow with the
/// rows in chunks of the bind limit; it is only used for such cycles.
async fn delete_keyed(
    run: &mut dyn Executor,
    schema: &Schema,
    table: &'static TableMeta,
    rows: Rows,
) -> Result<u64> {
    let fks = schema.foreign_keys();
    // Every table's doomed keys, in the order found.
    let mut doomed: Vec<(&'static TableMeta, KeySet, Vec<KeyOf>)> = Vec::new();
    fn add(
        doomed: &mut Vec<(&'static TableMeta, KeySet, Vec<KeyOf>)>,
        table: &'static TableMeta,
        keys: Vec<KeyOf>,
    ) -> Vec<KeyOf> {
        let i = match doomed.iter().position(|(t, ..)| t.name == table.name) {
            Some(i) => i,
            None => {
                doomed.push((table, KeySet::default(), Vec::new()));
                doomed.len() - 1
            }
        };
        let (_, set, list) = &mut doomed[i];
        let new: Vec<KeyOf> = keys.into_iter().filter(|k| set.insert(k.clone())).collect();
        list.extend(new.iter().cloned());
        new
    }
    let seed = keys_of(run, table, &rows).await?;
    let asked = seed.len() as u64;
    let mut queue = vec![(table, add(&mut doomed, table, seed))];
    while let Some((parent, keys)) = queue.pop() {
        let per = keys_per_statement(run, parent);
        for fk in fks
            .iter()
            .filter(|fk| fk.parent.name == parent.name && fk.on_delete == Some(Action::Cascade))
        {
            for chunk in keys.chunks(per) {
                let children = Rows::Referencing {
                    fk: Box::new(fk.clone()),
                    parent: Box::new(Rows::Keys(chunk.to_vec())),
                    changed: Vec::new(),
                };
                let found = keys_of(run, fk.child, &children).await?;
                let new = add(&mut doomed, fk.child, found);
                if !new.is_empty() {
                    queue.push((fk.child, new));
                }
            }
        }
    }
    // On a multi-primary cluster, every doomed row's guards.
    for (t, _, keys) in &doomed {
        for chunk in keys.chunks(keys_per_statement(run, t)) {
            guard_rows(run, &fks, t, &Rows::Keys(chunk.to_vec()), |_| true).await?;
        }
    }
    // The other actions, on the rows that refer to doomed rows and are not doomed.
    let mut defaults = Vec::new();
    for (parent, _, keys) in &doomed {
        let per = keys_per_statement(run, parent);
        for fk in fks
            .iter()
            .filter(|fk| fk.parent.name == parent.name && fk.on_delete != Some(Action::Cascade))
        {
            let spared = |k: &KeyOf| {
                !doomed
                    .iter()
                    .any(|(t, set, _)| t.name == fk.child.name && set.contains(k))
            };
            for chunk in keys.chunks(per) {
                let children = Rows::Referencing {
                    fk: Box::new(fk.clone()),
                    parent: Box::new(Rows::Keys(chunk.to_vec())),
                    changed: Vec::new(),
                };
                let referring: Vec<KeyOf> = keys_of(run, fk.child, &children)
                    .await?
                    .into_iter()
                    .filter(spared)
                    .collect();
                if referring.is_empty() {
                    continue;
                }
                match fk.on_delete.unwrap_or(Action::NoAction) {
                    action @ (Action::SetNull | Action::SetDefault) => {
                        let sets: Vec<(&'static str, SetTo)> = fk
                            .child_cols
                            .iter()
                            .map(|c| (*c, action_value(fk, c, action)))
                            .collect();
                        let skip = (action == Action::SetDefault).then(|| fk.name.clone());
                        for part in referring.chunks(keys_per_statement(run, fk.child)) {
                            let rows = Rows::Keys(part.to_vec());
                            update_carrying(
                                run,
                                schema,
                                fk.child,
                                sets.clone(),
                                rows,
                                vec![parent.name],
                                skip.clone(),
                            )
                            .await?;
                        }
                        if action == Action::SetDefault {
                            defaults.push(fk);
                        }
                    }
                    _ => return Err(still_referenced(fk)),
                }
            }
        }
    }
    for (t, _, keys) in &doomed {
        for chunk in keys.chunks(keys_per_statement(run, t)) {
            delete_rows(run, t, &Rows::Keys(chunk.to_vec())).await?;
        }
    }
    for fk in defaults {
        check_default(run, fk).await?;
    }
    // The rows asked for, as a database's own cascade counts them (the set of `table`
    // may hold more, reached around the cycle).
    Ok(asked)
}

/// `DELETE FROM table WHERE rows`; how many it deleted.
async fn delete_rows(
    run: &mut dyn Executor,
    table: &'static TableMeta,
    rows: &Rows,
) -> Result<u64> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push("DELETE FROM ")
        .push_ident(table.name)
        .push(" WHERE ");
    write_rows(&mut b, table, table.name, rows);
    let stmt = b.finish();
    stmt.check_binds(run.dialect(), table.name)?;
    Ok(run.execute(&stmt).await?.rows_affected)
}

/// How many steps a chain of key changes may take (each changes a key that another
/// relation refers to); a longer one goes around a cycle of tables.
const MAX_DEPTH: usize = 64;

fn cycle(fk: &ForeignKey, path: &[&'static str]) -> Error {
    Error::Unsupported {
        table: fk.child.name,
        relation: fk.relation,
        message: format!(
            "Emulated mode cannot carry a key change around a cycle of tables more than \
             {MAX_DEPTH} steps ({} -> {})",
            path.join(" -> "),
            fk.child.name
        ),
    }
}

/// Sets `sets` on `rows` of `table`: checks that keys it writes refer to rows that
/// exist, and applies every `on_update` that points at the columns it changes; how
/// many rows matched. `carried` is the key whose `on_update = cascade` this update
/// carries: its new values are the parent's new key, which the parent's own update
/// writes next, so they are not checked.
pub(super) fn update<'a>(
    run: &'a mut dyn Executor,
    schema: &'a Schema,
    table: &'static TableMeta,
    sets: Vec<(&'static str, SetTo)>,
    rows: Rows,
    path: Vec<&'static str>,
) -> BoxFuture<'a, Result<u64>> {
    update_carrying(run, schema, table, sets, rows, path, None)
}

fn update_carrying<'a>(
    run: &'a mut dyn Executor,
    schema: &'a Schema,
    table: &'static TableMeta,
    sets: Vec<(&'static str, SetTo)>,
    rows: Rows,
    path: Vec<&'static str>,
    carried: Option<String>,
) -> BoxFuture<'a, Result<u64>> {
    Box::pin(async move {
        let fks = schema.foreign_keys();
        let set = |c: &str| sets.iter().find(|(s, _)| *s == c).map(|(_, to)| to);
        let changes_referenced = fks.iter().any(|fk| {
            fk.parent.name == table.name && fk.parent_cols.iter().any(|c| set(c).is_some())
        });
        let top = path.is_empty() && carried.is_none();
        if top && changes_referenced && !matches!(rows, Rows::Keys(_)) {
            // A key change of the rows asked for, locked and named by key (see `delete`).
            let keys = keys_of(run, table, &rows).await?;
            let mut changed = 0;
            for pass in keys.chunks(keys_per_pass(run.dialect(), table, &keys)) {
                let rows = Rows::Keys(pass.to_vec());
                changed +=
                    update_carrying(run, schema, table, sets.clone(), rows, Vec::new(), None)
                        .await?;
            }
            return Ok(changed);
        }
        // Keys this update writes must refer to rows that exist: a key set whole is
        // share-locked, then a touched row the update would leave pointing nowhere is
        // looked for. A failed check still lets the update run (below), so that a
        // unique key it breaks is reported first, as the database reports it.
        let mut refused = None;
        for fk in fks.iter().filter(|fk| {
            fk.child.name == table.name
                && fk.child_cols.iter().any(|c| set(c).is_some())
                && carried.as_deref() != Some(fk.name.as_str())
        }) {
            if let Some(Some(key)) = new_key(fk, &sets) {
                count_existing(run, fk, &[key]).await?;
            }
            if !check_update(run, fk, table, &sets, &rows).await? {
                refused = Some(points_nowhere(fk));
                break;
            }
        }
        // Keys this update changes may be referred to.
        let mut referenced: Vec<&ForeignKey> = fks
            .iter()
            .filter(|fk| {
                fk.parent.name == table.name && fk.parent_cols.iter().any(|c| set(c).is_some())
            })
            .collect();
        if refused.is_some() {
            referenced.clear();
        }
        // The rows asked for are locked already (above).
        let locked = top && matches!(rows, Rows::Keys(_));
        if !referenced.is_empty() && !locked {
            lock(run, table, &rows).await?;
        }
        if !referenced.is_empty() {
            let changed = |fk: &ForeignKey| fk.parent_cols.iter().any(|c| set(c).is_some());
            guard_rows(run, &fks, table, &rows, changed).await?;
        }
        let mut path = path;
        path.push(table.name);
        // Relations whose `set_default` moved rows to their default key.
        let mut defaults = Vec::new();
        for fk in referenced {
            let children = Rows::Referencing {
                fk: Box::new(fk.clone()),
                parent: Box::new(rows.clone()),
                changed: sets.clone(),
            };
            let action = fk.on_update.unwrap_or(Action::NoAction);
            let child_sets: Vec<(&'static str, SetTo)> = match action {
                Action::Restrict | Action::NoAction => {
                    if any(run, fk.child, &children).await? {
                        // A database that checks row by row reports this before a
                        // unique key; one that checks at the end of the statement,
                        // after (the update still runs, below).
                        if run.dialect().syntax().checks_foreign_keys_per_row {
                            return Err(still_referenced(fk));
                        }
                        refused = Some(still_referenced(fk));
                        break;
                    }
                    continue;
                }
                // The new key, where it changes, carried to the rows that refer to it.
                Action::Cascade => fk
                    .child_cols
                    .iter()
                    .zip(fk.parent_cols)
                    .filter_map(|(c, p)| set(p).map(|to| (*c, to.clone())))
                    .collect(),
                action @ (Action::SetNull | Action::SetDefault) => fk
                    .child_cols
                    .iter()
                    .map(|c| (*c, action_value(fk, c, action)))
                    .collect(),
            };
            if path.len() > MAX_DEPTH {
                return Err(cycle(fk, &path));
            }
            // A cascade's new key is the parent's, written next; a default is checked
            // once the parent's key has changed (it may be the old key).
            let carried =
                matches!(action, Action::Cascade | Action::SetDefault).then(|| fk.name.clone());
            let set = update_carrying(
                run,
                schema,
                fk.child,
                child_sets,
                children,
                path.clone(),
                carried,
            )
            .await?;
            if action == Action::SetDefault && set > 0 {
                defaults.push(fk);
            }
        }
        if sets.is_empty() {
            return Ok(0);
        }
        let mut b = SqlBuilder::new(run.dialect());
        b.push("UPDATE ").push_ident(table.name).push(" SET ");
        b.push_list(&sets, ", ", |b, (c, to)| {
            b.push_ident(c).push(" = ");
            to.write(b);
        });
        b.push(" WHERE ");
        write_rows(&mut b, table, table.name, &rows);
        let stmt = b.finish();
        stmt.check_binds(run.dialect(), table.name)?;
        let changed = match run.execute(&stmt).await {
            Ok(done) => done.rows_affected,
            Err(e) => {
                // A unique key or a NOT NULL the new values break.
                let values: Vec<(&'static str, Value)> = sets
                    .iter()
                    .filter_map(|(c, to)| match to {
                        SetTo::Value(v) => Some((*c, v.clone())),
                        _ => None,
                    })
                    .collect();
                let failed = Failed {
                    table,
                    rows: &[],
                    sets: &values,
                    touched: Touched::None,
                };
                return Err(typed_error(run, failed, e).await);
            }
        };
        if let Some(refused) = refused {
            return Err(refused);
        }
        for fk in defaults {
            check_default(run, fk).await?;
        }
        Ok(changed)
    })
}

/// The key an update writes through `fk` when it sets every part to a value (to lock
/// it): `Some(None)` when a part is NULL, `None` when a part is left as it is or set
/// to a default.
fn new_key(fk: &ForeignKey, sets: &[(&'static str, SetTo)]) -> Option<Option<KeyOf>> {
    let mut values = Vec::with_capacity(fk.child_cols.len());
    for c in fk.child_cols {
        match sets.iter().find(|(s, _)| s == c).map(|(_, to)| to) {
            Some(SetTo::Null) => return Some(None),
            Some(SetTo::Value(v)) if v.is_null() => return Some(None),
            Some(SetTo::Value(v)) => values.push(v.clone()),
            _ => return None,
        }
    }
    Some(Some(match values.len() {
        1 => KeyOf::One(values.remove(0)),
        _ => KeyOf::Many(values),
    }))
}

/// Whether the keys an update of `rows` writes through `fk` refer to rows that exist:
/// looks for a touched row whose new key has none.
async fn check_update(
    run: &mut dyn Executor,
    fk: &ForeignKey,
    table: &'static TableMeta,
    sets: &[(&'static str, SetTo)],
    rows: &Rows,
) -> Result<bool> {
    let parts: Vec<Option<&SetTo>> = fk
        .child_cols
        .iter()
        .map(|c| sets.iter().find(|(s, _)| s == c).map(|(_, to)| to))
        .collect();
    if parts.iter().flatten().any(|to| to.is_null()) {
        return Ok(true); // MATCH SIMPLE: a NULL part refers to nothing.
    }
    let dialect = run.dialect();
    let (t, p) = ("t", "p");
    let mut b = SqlBuilder::new(dialect);
    b.push("SELECT 1 FROM ")
        .push_ident(table.name)
        .push(" AS ")
        .push_ident(t)
        .push(" WHERE ");
    write_rows(&mut b, table, t, rows);
    let part = |b: &mut SqlBuilder, i: usize| match parts[i] {
        Some(to) => to.write(b),
        None => {
            b.push_qualified(t, fk.child_cols[i]);
        }
    };
    for (i, to) in parts.iter().enumerate() {
        if to.is_none() {
            b.push(" AND ");
            part(&mut b, i);
            b.push(" IS NOT NULL");
        }
    }
    b.push(" AND NOT EXISTS (SELECT 1 FROM ")
        .push_ident(fk.parent.name)
        .push(" AS ")
        .push_ident(p)
        .push(" WHERE ");
    b.push_list(0..fk.parent_cols.len(), " AND ", |b, i| {
        b.push_qualified(p, fk.parent_cols[i]).push(" = ");
        part(b, i);
    });
    b.push(") LIMIT 1");
    if returns_rows(run, &b.finish()).await? {
        return Ok(false);
    }
    if parts.iter().all(|to| matches!(to, Some(SetTo::Value(_)))) {
        return Ok(true); // locked and guarded by the caller (`count_existing`)
    }
    // The parent rows the touched rows will refer to: share-locked, and on a
    // multi-primary cluster guarded (a key set whole takes `count_existing` instead).
    let referred = |b: &mut SqlBuilder, alias: &str| {
        write_tuple(b, alias, fk.parent_cols);
        b.push(" IN (SELECT ");
        b.push_list(0..fk.child_cols.len(), ", ", |b, i| part(b, i));
        b.push(" FROM ")
            .push_ident(table.name)
            .push(" AS ")
            .push_ident(t)
            .push(" WHERE ");
        write_rows(b, table, t, rows);
        b.push(")");
    };
    if let Some(lock) = dialect.syntax().lock_for_share.filter(|_| run.locking()) {
        let mut b = SqlBuilder::new(dialect);
        b.push("SELECT COUNT(*) FROM (SELECT 1 AS ")
            .push_ident("one")
            .push(" FROM ")
            .push_ident(fk.parent.name)
            .push(" AS ")
            .push_ident(p)
            .push(" WHERE ");
        referred(&mut b, p);
        b.push(lock).push(") AS ").push_ident("locked");
        returns_rows(run, &b.finish()).await?;
    }
    write_guard(run, fk.parent, fk.parent_cols, |b| referred(b, "g")).await?;
    Ok(true)
}

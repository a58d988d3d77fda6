//! The rows one step of an emulated write concerns, as a predicate ([`Rows`]), and the
//! SQL that picks them.

use super::Planner;
use crate::model::check;
use crate::model::graph::ForeignKey;
use crate::model::key::KeyOf;
use crate::model::meta::{Literal, TableMeta};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::{Dialect, ListParameter};
use crate::sql::expr::{INLINE_LIST, Node, Scope};

/// What a column is set to.
#[derive(Clone, Debug)]
pub enum SetTo {
    Value(Value),
    Null,
    Default(Literal),
}

impl SetTo {
    pub(super) fn write(&self, b: &mut SqlBuilder) {
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

    pub(super) fn is_null(&self) -> bool {
        matches!(self, SetTo::Null) || matches!(self, SetTo::Value(v) if v.is_null())
    }
}

/// The rows of one table a step concerns, as a predicate written against an alias.
#[derive(Clone, Debug)]
pub enum Rows<'g> {
    /// The row with this primary key.
    Key(Vec<Value>),
    /// The rows with these primary keys.
    Keys(Vec<KeyOf>),
    /// The rows matching a filter; all rows without one.
    Filter(Option<Node>),
    /// The rows of `fk`'s child that refer to `parent` rows of its parent, only those
    /// whose referenced columns change to the given values when there are any.
    Referencing {
        fk: &'g ForeignKey,
        parent: Box<Rows<'g>>,
        changed: Vec<(&'static str, SetTo)>,
    },
    /// `seed` and every row that refers to one of them through the self relation `fk`,
    /// transitively.
    Closure {
        fk: &'g ForeignKey,
        seed: Box<Rows<'g>>,
    },
    /// `rows` but not `except` (of the same table).
    Excluding {
        rows: Box<Rows<'g>>,
        except: Box<Rows<'g>>,
    },
}

impl Rows<'_> {
    /// Whether the rows are named by key (read and locked before).
    pub(super) fn by_keys(&self) -> bool {
        matches!(self, Rows::Keys(_))
    }

    /// Writes the predicate that picks these rows of `table` under `alias`.
    pub(super) fn write(&self, b: &mut SqlBuilder, table: &'static TableMeta, alias: &str) {
        match self {
            Rows::Key(key) => {
                b.push_list(table.primary_key.iter().zip(key), " AND ", |b, (c, v)| {
                    b.push_qualified(alias, c).push(" = ").push_bind(v.clone());
                });
            }
            Rows::Keys(keys) if keys.is_empty() => {
                b.push("1 = 0");
            }
            Rows::Keys(keys) => {
                b.push_tuple(alias, table.primary_key);
                match key_list(b.dialect(), table, keys) {
                    Some(ListParameter { open, value, close }) => {
                        b.push(open).push_bind(value).push(close);
                    }
                    None => {
                        b.push_in_keys(keys.iter().map(KeyOf::values));
                    }
                }
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
                b.push_tuple(alias, fk.child_cols).push(" IN (SELECT ");
                b.push_list(fk.parent_cols, ", ", |b, c| {
                    b.push_qualified(&p, c);
                });
                b.push_from(fk.parent.name, &p).push(" WHERE ");
                parent.write(b, fk.parent, &p);
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
                let keys: Vec<String> =
                    (0..fk.parent_cols.len()).map(|i| format!("k{i}")).collect();
                b.push_tuple(alias, fk.parent_cols)
                    .push(" IN (WITH RECURSIVE ")
                    .push_ident(&cte)
                    .push(" (");
                b.push_list(&keys, ", ", |b, k| {
                    b.push_ident(k);
                });
                b.push(") AS (SELECT ");
                b.push_list(fk.parent_cols, ", ", |b, col| {
                    b.push_qualified(&s, col);
                });
                b.push_from(table.name, &s).push(" WHERE ");
                seed.write(b, table, &s);
                b.push(" UNION SELECT ");
                b.push_list(fk.parent_cols, ", ", |b, col| {
                    b.push_qualified(&c, col);
                });
                b.push_from(table.name, &c)
                    .push(" JOIN ")
                    .push_aliased(&cte, &r)
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
                rows.write(b, table, alias);
                b.push(") AND (");
                except.write(b, table, alias);
                b.push(") IS NOT TRUE");
            }
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
pub(super) fn keys_per_pass(dialect: Dialect, table: &TableMeta, keys: &[KeyOf]) -> usize {
    if key_list(dialect, table, keys).is_some() {
        return keys.len().max(1);
    }
    (dialect.bind_limit() / table.primary_key.len().max(1) / 8).clamp(1, INLINE_LIST)
}

/// How many keys of `table` one statement names, under the bind limit with room for
/// the rest of the statement.
pub(super) fn keys_per_statement(dialect: Dialect, table: &TableMeta) -> usize {
    (dialect.bind_limit().saturating_sub(64) / table.primary_key.len().max(1)).max(1)
}

/// `SELECT key FROM table WHERE rows FOR UPDATE`: the primary keys of `rows`, locked
/// for a change.
pub(super) fn keys_statement(
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
) -> Statement {
    let mut b = SqlBuilder::new(p.dialect);
    b.push("SELECT ");
    b.push_list(table.primary_key, ", ", |b, c| {
        b.push_qualified("k", c);
    });
    b.push_from(table.name, "k").push(" WHERE ");
    rows.write(&mut b, table, "k");
    if let Some(lock) = p.lock_for_update() {
        b.push(lock);
    }
    b.finish()
}

/// The types of `table`'s primary-key columns.
pub(super) fn key_types(table: &TableMeta) -> Vec<SqlType> {
    table
        .primary_key
        .iter()
        .map(|c| table.column(c).map_or(SqlType::BigInt, |m| m.ty))
        .collect()
}

/// `SELECT 1 FROM table AS r WHERE rows LIMIT 1`, with a share lock: whether any of
/// `rows` exists, read as a current read (which sees what committed before the locks
/// this write holds).
pub(super) fn any_statement(
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
) -> Statement {
    let mut b = SqlBuilder::new(p.dialect);
    b.push("SELECT 1")
        .push_from(table.name, "r")
        .push(" WHERE ");
    rows.write(&mut b, table, "r");
    b.push_limit_one();
    if let Some(lock) = p.lock_for_share() {
        b.push(lock);
    }
    b.finish()
}

/// Locks `rows` of `table` for a change, without reading them back; `None` where the
/// dialect or the write takes no locks.
pub(super) fn lock_statement(
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
) -> Option<Statement> {
    let lock = p.lock_for_update()?;
    let mut b = SqlBuilder::new(p.dialect);
    b.push_count_of(table.name, "l", Some(lock), "locked", |b| {
        rows.write(b, table, "l");
    });
    Some(b.finish())
}

/// `DELETE FROM table WHERE rows`; or, through joins (see [`Joined`]),
/// `DELETE t FROM table AS t JOIN parent AS p ON .. WHERE <the parent's rows>`.
pub(super) fn delete_statement(
    p: &Planner<'_>,
    table: &'static TableMeta,
    rows: &Rows<'_>,
) -> Statement {
    let mut b = SqlBuilder::new(p.dialect);
    if let Some(joined) = Joined::of(&mut b, p, table, rows) {
        b.push("DELETE ").push_ident(joined.target()).push(" FROM ");
        joined.write(&mut b, table);
        return b.finish();
    }
    b.push("DELETE FROM ")
        .push_ident(table.name)
        .push(" WHERE ");
    rows.write(&mut b, table, table.name);
    b.finish()
}

/// `UPDATE table SET col = to, .. WHERE rows`; or, through joins (see [`Joined`]),
/// `UPDATE table AS t JOIN parent AS p ON .. SET t.col = to, .. WHERE <the parent's
/// rows>`.
pub(super) fn update_statement(
    p: &Planner<'_>,
    table: &'static TableMeta,
    sets: &[(&'static str, SetTo)],
    rows: &Rows<'_>,
) -> Statement {
    let mut b = SqlBuilder::new(p.dialect);
    let joined = Joined::of(&mut b, p, table, rows);
    b.push("UPDATE ");
    match &joined {
        Some(joined) => joined.write_tables(&mut b, table),
        None => {
            b.push_ident(table.name);
        }
    }
    b.push(" SET ");
    b.push_list(sets, ", ", |b, (c, to)| {
        match &joined {
            Some(joined) => b.push_qualified(joined.target(), c),
            None => b.push_ident(c),
        };
        b.push(" = ");
        to.write(b);
    });
    match &joined {
        Some(joined) => joined.write_where(&mut b),
        None => {
            b.push(" WHERE ");
            rows.write(&mut b, table, table.name);
        }
    }
    b.finish()
}

/// The rows a cascade reaches from other tables' rows, written as joins up to the
/// rows it starts from, where the dialect writes through joins
/// (`Syntax::delete_through_joins`): MariaDB before 11.1 runs a single-table DELETE's
/// or UPDATE's `IN (SELECT ..)` as a dependent subquery over every row of the table
/// (one user's 100 comments out of 100,000: 300 ms), where joins start from the
/// rows named and follow the key's index (0.6 ms).
pub(super) struct Joined<'r, 'g> {
    /// The foreign keys up from the table written, to the table of `base`.
    fks: Vec<&'g ForeignKey>,
    /// The rows the cascade starts from.
    base: &'r Rows<'g>,
    /// The aliases of the table written and of each parent, in order.
    aliases: Vec<String>,
    /// The join that reads the tables in the order written, when the base is every
    /// row of its table and every key up to it takes no NULL: the cascade then
    /// reaches each child whole, which a scan of the child in its key order reads
    /// faster than lookups through its index from the parents (MariaDB 10.11,
    /// 100,000 of 100,000 comments: 230 ms against 305).
    in_order: Option<&'static str>,
}

impl<'r, 'g> Joined<'r, 'g> {
    /// `rows` of `table` through joins, where the dialect writes them so and every
    /// step up is [`Rows::Referencing`] with no changed columns, the rows it starts
    /// from are named by key, and no table comes twice (a multi-table
    /// write may not read the table it writes again).
    fn of(
        b: &mut SqlBuilder,
        p: &Planner<'_>,
        table: &'static TableMeta,
        rows: &'r Rows<'g>,
    ) -> Option<Self> {
        if !p.dialect.syntax().delete_through_joins {
            return None;
        }
        let mut fks = Vec::new();
        let mut tables = vec![table.name];
        let mut base = rows;
        while let Rows::Referencing {
            fk,
            parent,
            changed,
        } = base
        {
            if !changed.is_empty() || tables.contains(&fk.parent.name) {
                return None;
            }
            tables.push(fk.parent.name);
            fks.push(*fk);
            base = parent;
        }
        // A filter may read other tables in subqueries, the written one among them,
        // which a multi-table write refuses (MySQL's error 1093); rows named by key
        // read none. (A delete of referenced rows names them by key before its
        // cascades, so that is the cascades' base.)
        if fks.is_empty() || !matches!(base, Rows::Key(_) | Rows::Keys(_)) {
            return None;
        }
        let aliases = tables.iter().map(|_| b.fresh_alias()).collect();
        // Every row of each child is reached when the base is every row of its table
        // and every key up to it takes no NULL (a row with a NULL key, or under one,
        // is not; a few rows found by a scan of the whole child would cost what the
        // joins from the keys avoid).
        let whole = p
            .whole
            .is_some_and(|t| fks.last().is_some_and(|fk| fk.parent.name == t))
            && fks
                .iter()
                .all(|fk| check::all_required(fk.child.columns, fk.child_cols));
        let in_order = p.dialect.syntax().join_in_written_order.filter(|_| whole);
        Some(Joined {
            fks,
            base,
            aliases,
            in_order,
        })
    }

    /// The alias of the table written.
    fn target(&self) -> &str {
        &self.aliases[0]
    }

    /// `table AS t JOIN parent AS p ON t.key = p.key ..`.
    fn write_tables(&self, b: &mut SqlBuilder, table: &'static TableMeta) {
        b.push_aliased(table.name, self.target());
        for (fk, aliases) in self.fks.iter().zip(self.aliases.windows(2)) {
            let (child, parent) = (&aliases[0], &aliases[1]);
            b.push(self.in_order.unwrap_or(" JOIN "))
                .push_aliased(fk.parent.name, parent)
                .push(" ON ");
            b.push_list(
                fk.child_cols.iter().zip(fk.parent_cols),
                " AND ",
                |b, (c, pc)| {
                    b.push_qualified(child, c)
                        .push(" = ")
                        .push_qualified(parent, pc);
                },
            );
        }
    }

    /// ` WHERE <the rows the cascade starts from>`.
    fn write_where(&self, b: &mut SqlBuilder) {
        let (fk, alias) = (self.fks[self.fks.len() - 1], &self.aliases[self.fks.len()]);
        b.push(" WHERE ");
        self.base.write(b, fk.parent, alias);
    }

    /// The tables and the `WHERE`.
    fn write(&self, b: &mut SqlBuilder, table: &'static TableMeta) {
        self.write_tables(b, table);
        self.write_where(b);
    }
}

//! Filter expressions and orderings: a small typed AST rendered through [`SqlBuilder`].
//!
//! Nodes name columns without a table; they are rendered against a [`Scope`] (a table
//! and its alias in the statement), so the same filter works at the root of a query, in
//! a nested load, and inside an `EXISTS` subquery, self relations included.

use super::builder::{SqlBuilder, Statement};
use super::dialect::{Dialect, ListParameter};
use super::raw::{Raw, RawValues};
use super::scalar::Scalar;
use crate::model::meta::{RelationMeta, TableMeta};
use crate::model::table::Table;
use crate::model::value::{SqlType, Value};
use std::marker::PhantomData;

/// Where a node is rendered: the table its columns belong to, under which alias.
pub struct Scope<'a> {
    pub table: &'static TableMeta,
    pub alias: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CompareOp {
    fn sql(self) -> &'static str {
        match self {
            CompareOp::Eq => " = ",
            CompareOp::Ne => " <> ",
            CompareOp::Gt => " > ",
            CompareOp::Gte => " >= ",
            CompareOp::Lt => " < ",
            CompareOp::Lte => " <= ",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Node {
    Compare {
        column: &'static str,
        op: CompareOp,
        value: Value,
    },
    IsNull {
        column: &'static str,
        negated: bool,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
        negated: bool,
    },
    Like {
        column: &'static str,
        pattern: String,
        case_insensitive: bool,
    },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// `[NOT] EXISTS` a related row matching the relation's own filter.
    Exists {
        rel: &'static RelationMeta,
        filter: Option<Box<Node>>,
        negated: bool,
    },
    /// A value read through a relation, compared: `User::posts().count().gt(5)`.
    CompareScalar {
        scalar: Box<Scalar>,
        op: CompareOp,
        value: Value,
    },
    /// A value read through a relation, `IS [NOT] NULL`.
    ScalarIsNull {
        scalar: Box<Scalar>,
        negated: bool,
    },
    /// A raw SQL fragment with its values bound.
    Raw(Box<Raw>),
    /// A value of a table joined to the root (`Scalar::write_joined`), compared: its `v`
    /// column, a count's NULL read as 0.
    JoinedCompare {
        alias: String,
        count: bool,
        op: CompareOp,
        value: Value,
    },
    /// The same, `IS [NOT] NULL`.
    JoinedIsNull {
        alias: String,
        count: bool,
        negated: bool,
    },
    /// A column compared with a named value given later: a prepared query's
    /// placeholder (`read/prepared.rs`), replaced by a `Compare` when it is bound. One
    /// left unbound is written with NULL bound in its place and marks the statement,
    /// which is then refused before it is sent (`Error::Unbound`).
    Placeholder {
        table: &'static str,
        column: &'static str,
        op: CompareOp,
        name: &'static str,
        ty: SqlType,
    },
    /// The rows related through `rel` to the parent whose `from` key is `key`: the
    /// scope is the relation's target.
    RelatedTo {
        rel: &'static RelationMeta,
        key: Vec<Value>,
    },
}

/// A boolean SQL expression over the columns of table `T`.
///
/// Build it from column handles (`User::name.eq("Ada")`) and relation handles
/// (`User::posts().exists()`), and combine with [`and`](Expr::and), [`or`](Expr::or)
/// and [`not`](Expr::not). Only a query on `T` accepts it.
pub struct Expr<T> {
    pub(crate) node: Node,
    _table: PhantomData<fn() -> T>,
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<T> std::fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<T> Expr<T> {
    #[doc(hidden)]
    pub fn new(node: Node) -> Self {
        Expr {
            node,
            _table: PhantomData,
        }
    }

    /// Both hold.
    pub fn and(self, other: Expr<T>) -> Expr<T> {
        Expr::new(Node::And(Box::new(self.node), Box::new(other.node)))
    }

    /// Either holds.
    pub fn or(self, other: Expr<T>) -> Expr<T> {
        Expr::new(Node::Or(Box::new(self.node), Box::new(other.node)))
    }

    /// Does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<T> {
        Expr::new(Node::Not(Box::new(self.node)))
    }
}

impl<T: Table> Expr<T> {
    /// A condition written in SQL, for what the typed builders do not say: `{column}`
    /// names a column of `T` (written qualified, so the fragment works in nested loads
    /// and relation filters too), each `?` is the next of `values`, bound as a
    /// parameter, and `??`, `{{` and `}}` are a literal `?`, `{` and `}`. `values` is
    /// `()`, one value, a tuple of values, or an array or `Vec`.
    ///
    /// The text is a `&'static str`: part of your program, so text built at run time
    /// does not compile here (unless the program leaks it on purpose, with
    /// `String::leak`, which defeats the point). Input reaches the statement as a bound
    /// value. A `?` without a
    /// value, a value without a `?` or an unknown column is [`Error::RawSql`](crate::model::error::Error::RawSql),
    /// before anything is sent. The SQL itself is yours: it must be valid on the
    /// backends you run.
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct Post {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     score: i32,
    ///     title: String,
    /// }
    ///
    /// let filter = Expr::<Post>::raw("{score} * 2 > ? AND length({title}) < ?", (10, 40))?;
    /// assert_eq!(
    ///     filter.to_sql(Dialect::Postgres).sql,
    ///     r#"("post"."score" * 2 > $1 AND length("post"."title") < $2)"#
    /// );
    /// let unknown = Expr::<Post>::raw("{body} <> ''", ());
    /// assert!(matches!(unknown, Err(rel::Error::RawSql { .. })));
    /// # Ok::<(), rel::Error>(())
    /// ```
    pub fn raw(sql: &'static str, values: impl RawValues) -> crate::model::error::Result<Expr<T>> {
        Raw::parse(T::META, sql, values.into_values())
            .map(|raw| Expr::new(Node::Raw(Box::new(raw))))
    }

    /// The expression alone, as SQL for `dialect`, with columns qualified by the table name.
    pub fn to_sql(&self, dialect: Dialect) -> Statement {
        let mut b = SqlBuilder::new(dialect);
        let scope = Scope {
            table: T::META,
            alias: T::NAME,
        };
        self.node.write(&mut b, &scope);
        b.finish()
    }
}

/// `alias.v`, or `COALESCE(alias.v, 0)` for a count (no rows joined is 0).
fn write_joined_value(b: &mut SqlBuilder, alias: &str, count: bool) {
    if count {
        b.push("COALESCE(").push_qualified(alias, "v").push(", 0)");
    } else {
        b.push_qualified(alias, "v");
    }
}

impl Node {
    /// The node with each value read through a relation (outside `EXISTS`) computed
    /// by a table joined to `scope`, which this writes (`Scalar::write_joined`): for
    /// the root, where one grouped table beats a subquery per row.
    pub fn joined(&self, b: &mut SqlBuilder, scope: &Scope<'_>) -> Node {
        let join = |b: &mut SqlBuilder, scalar: &Scalar| {
            let alias = b.fresh_alias();
            scalar.write_joined(b, &alias, scope);
            (alias, scalar.is_count())
        };
        match self {
            Node::CompareScalar { scalar, op, value } => {
                let (alias, count) = join(b, scalar);
                Node::JoinedCompare {
                    alias,
                    count,
                    op: *op,
                    value: value.clone(),
                }
            }
            Node::ScalarIsNull { scalar, negated } => {
                let (alias, count) = join(b, scalar);
                Node::JoinedIsNull {
                    alias,
                    count,
                    negated: *negated,
                }
            }
            Node::And(l, r) => {
                Node::And(Box::new(l.joined(b, scope)), Box::new(r.joined(b, scope)))
            }
            Node::Or(l, r) => Node::Or(Box::new(l.joined(b, scope)), Box::new(r.joined(b, scope))),
            Node::Not(e) => Node::Not(Box::new(e.joined(b, scope))),
            other => other.clone(),
        }
    }

    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        match self {
            Node::Compare { column, op, value } => {
                b.push_qualified(scope.alias, column).push(op.sql());
                b.push_bind(value.clone());
            }
            Node::Placeholder {
                table,
                column,
                op,
                name,
                ty,
            } => {
                b.push_qualified(scope.alias, column).push(op.sql());
                b.push_unbound(table, column, name, *ty);
            }
            Node::CompareScalar { scalar, op, value } => {
                scalar.write(b, scope);
                b.push(op.sql()).push_bind(value.clone());
            }
            Node::Raw(raw) => raw.write(b, scope),
            Node::JoinedCompare {
                alias,
                count,
                op,
                value,
            } => {
                write_joined_value(b, alias, *count);
                b.push(op.sql()).push_bind(value.clone());
            }
            Node::JoinedIsNull {
                alias,
                count,
                negated,
            } => {
                write_joined_value(b, alias, *count);
                b.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::RelatedTo { rel, key } => match rel.through {
                None => {
                    b.push_list(rel.to.iter().zip(key), " AND ", |b, (column, value)| {
                        b.push_qualified(scope.alias, column).push(" = ");
                        b.push_bind(value.clone());
                    });
                }
                Some(through) => {
                    let j = b.fresh_alias();
                    b.push("EXISTS (SELECT 1 FROM ")
                        .push_aliased((through.table)().name, &j);
                    b.push(" WHERE ");
                    b.push_list(through.to.iter().zip(rel.to), " AND ", |b, (jc, tc)| {
                        b.push_qualified(&j, jc)
                            .push(" = ")
                            .push_qualified(scope.alias, tc);
                    });
                    for (column, value) in through.from.iter().zip(key) {
                        b.push(" AND ").push_qualified(&j, column).push(" = ");
                        b.push_bind(value.clone());
                    }
                    b.push(")");
                }
            },
            Node::ScalarIsNull { scalar, negated } => {
                scalar.write(b, scope);
                b.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::IsNull { column, negated } => {
                b.push_qualified(scope.alias, column).push(if *negated {
                    " IS NOT NULL"
                } else {
                    " IS NULL"
                });
            }
            // An empty list is a constant, not the invalid `IN ()`.
            Node::In {
                values, negated, ..
            } if values.is_empty() => {
                b.push(if *negated { "(1 = 1)" } else { "(1 = 0)" });
            }
            Node::In {
                column,
                values,
                negated,
            } => {
                b.push_qualified(scope.alias, column);
                // A long list goes as one parameter, where the dialect takes one: any
                // length then fits under the bind limit.
                let ty = scope.table.column(column).map(|c| c.ty);
                let list = ty
                    .filter(|_| values.len() > INLINE_LIST)
                    .and_then(|ty| b.dialect().lists().list_parameter(ty, *negated, values));
                if let Some(ListParameter { open, value, close }) = list {
                    b.push(open).push_bind(value).push(close);
                    return;
                }
                b.push(if *negated { " NOT IN (" } else { " IN (" });
                b.push_list(values, ", ", |b, v| {
                    b.push_bind(v.clone());
                });
                b.push(")");
            }
            Node::Like {
                column,
                pattern,
                case_insensitive,
            } => {
                let d = b.dialect().syntax();
                if d.like_as_glob && !*case_insensitive {
                    b.push_qualified(scope.alias, column).push(" GLOB ");
                    b.push_like_pattern(column, glob_pattern(pattern));
                    return;
                }
                let (open, close) = if *case_insensitive {
                    d.lowercase
                } else {
                    ("", "")
                };
                b.push(open).push_qualified(scope.alias, column).push(close);
                b.push(" LIKE ").push(open);
                b.push_like_pattern(column, like_pattern(pattern));
                b.push(close).push(d.like_escape);
            }
            Node::And(l, r) | Node::Or(l, r) => {
                b.push("(");
                l.write(b, scope);
                b.push(if matches!(self, Node::And(..)) {
                    " AND "
                } else {
                    " OR "
                });
                r.write(b, scope);
                b.push(")");
            }
            Node::Not(e) => {
                b.push("NOT (");
                e.write(b, scope);
                b.push(")");
            }
            Node::Exists {
                rel,
                filter,
                negated,
            } => {
                b.push(if *negated {
                    "NOT EXISTS (SELECT 1"
                } else {
                    "EXISTS (SELECT 1"
                });
                super::related::write_related_from(b, rel, filter.as_deref(), scope);
                let limit = b.dialect().syntax().exists_limit;
                b.push(limit).push(")");
            }
        }
    }
}

/// The longest `in_list` bound value by value; a longer one goes as one parameter
/// where the dialect takes one (see `Lists::list_parameter` in `sql/dialect/parts.rs`).
pub const INLINE_LIST: usize = 1_000;

/// The escape character of `like` and `ilike` patterns.
pub const LIKE_ESCAPE: char = '\\';

/// A pattern as every dialect reads it alike: `\` followed by a character matches that
/// character (the escape is dropped where the character is not special), and a `\` at
/// the end matches a backslash. PostgreSQL rejects a trailing escape, and SQLite reads
/// an escape before an ordinary character its own way.
/// A `like` pattern as a `GLOB` pattern, which is case-sensitive: `%` is `*`, `_` is
/// `?`, and a character GLOB reads specially (`*`, `?`, `[`), written as a one-character
/// class (`[*]`); an escaped `%`, `_` or `\\` is itself.
fn glob_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let literal = |out: &mut String, c: char| match c {
        '*' => out.push_str("[*]"),
        '?' => out.push_str("[?]"),
        '[' => out.push_str("[[]"),
        c => out.push(c),
    };
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            LIKE_ESCAPE => match chars.next() {
                Some(next) => literal(&mut out, next),
                None => out.push(LIKE_ESCAPE),
            },
            c => literal(&mut out, c),
        }
    }
    out
}

fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 1);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != LIKE_ESCAPE {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(next @ ('%' | '_' | LIKE_ESCAPE)) => {
                out.push(LIKE_ESCAPE);
                out.push(next);
            }
            Some(next) => out.push(next),
            None => {
                out.push(LIKE_ESCAPE);
                out.push(LIKE_ESCAPE);
            }
        }
    }
    out
}

/// Where NULLs sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nulls {
    First,
    Last,
}

/// One ordering term over table `T`: `User::name.asc()`, `Post::id.desc().nulls_last()`.
pub struct Order<T> {
    pub(crate) term: OrderTerm,
    _table: PhantomData<fn() -> T>,
}

#[derive(Clone, Debug)]
pub struct OrderTerm {
    pub key: OrderKey,
    pub desc: bool,
    pub nulls: Nulls,
}

/// What a term orders by.
#[derive(Clone, Debug)]
pub enum OrderKey {
    /// A column of the scope's table.
    Column(&'static str),
    /// A value read through a relation (`Post::author().col(User::name)`, an aggregate).
    Related(Box<Scalar>),
    /// The same, computed for every row by a joined table (`Scalar::write_joined`)
    /// under `alias`: its `v` column, a count's NULL read as 0.
    Joined { alias: String, count: bool },
}

impl<T> Clone for Order<T> {
    fn clone(&self) -> Self {
        Order {
            term: self.term.clone(),
            _table: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Order<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.term.fmt(f)
    }
}

impl<T> Order<T> {
    pub(crate) fn new(column: &'static str, desc: bool) -> Self {
        Order::by(OrderKey::Column(column), desc)
    }

    pub(crate) fn scalar(scalar: Scalar, desc: bool) -> Self {
        Order::by(OrderKey::Related(Box::new(scalar)), desc)
    }

    fn by(key: OrderKey, desc: bool) -> Self {
        Order {
            term: OrderTerm {
                key,
                desc,
                // PostgreSQL's default: NULL is larger than any value.
                nulls: if desc { Nulls::First } else { Nulls::Last },
            },
            _table: PhantomData,
        }
    }

    /// NULLs before all values.
    pub fn nulls_first(mut self) -> Self {
        self.term.nulls = Nulls::First;
        self
    }

    /// NULLs after all values.
    pub fn nulls_last(mut self) -> Self {
        self.term.nulls = Nulls::Last;
        self
    }
}

impl OrderTerm {
    /// Writes `alias.col ASC NULLS LAST`, or where the dialect has no `NULLS FIRST/LAST`,
    /// `alias.col IS NULL, alias.col ASC`. Non-nullable columns skip the NULL handling.
    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        let nullable = match &self.key {
            OrderKey::Column(column) => scope.table.column(column).is_some_and(|c| c.nullable),
            OrderKey::Related(scalar) => scalar.nullable(),
            OrderKey::Joined { count, .. } => !count,
        };
        let dir = if self.desc { " DESC" } else { " ASC" };
        if nullable && !b.dialect().syntax().orders_nulls {
            self.write_key(b, scope);
            b.push(if self.nulls == Nulls::First {
                " IS NULL DESC, "
            } else {
                " IS NULL ASC, "
            });
            self.write_key(b, scope);
            b.push(dir);
            return;
        }
        self.write_key(b, scope);
        b.push(dir);
        if nullable {
            b.push(if self.nulls == Nulls::First {
                " NULLS FIRST"
            } else {
                " NULLS LAST"
            });
        }
    }
}

impl OrderTerm {
    fn write_key(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        match &self.key {
            OrderKey::Column(column) => {
                b.push_qualified(scope.alias, column);
            }
            OrderKey::Related(scalar) => scalar.write(b, scope),
            OrderKey::Joined { alias, count: true } => {
                b.push("COALESCE(").push_qualified(alias, "v").push(", 0)");
            }
            OrderKey::Joined {
                alias,
                count: false,
            } => {
                b.push_qualified(alias, "v");
            }
        }
    }
}

/// Writes `ORDER BY` terms followed by the primary key as a tiebreak, so that every
/// level of every query has one deterministic order.
pub fn write_order(b: &mut SqlBuilder, scope: &Scope<'_>, terms: &[OrderTerm]) {
    let tiebreak = scope
        .table
        .primary_key
        .iter()
        .filter(|pk| {
            !terms
                .iter()
                .any(|t| matches!(t.key, OrderKey::Column(c) if c == **pk))
        })
        .map(|pk| OrderTerm {
            key: OrderKey::Column(pk),
            desc: false,
            nulls: Nulls::Last,
        });
    let all: Vec<OrderTerm> = terms.iter().cloned().chain(tiebreak).collect();
    b.push_list(all, ", ", |b, t| t.write(b, scope));
}

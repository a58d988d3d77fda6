//! Typed column handles and the filter expressions built from them.
//!
//! `User::name` is a `Column<User, String>`. Its comparisons take values that convert
//! into `String` and produce an `Expr<User>`, which only a query on `User` accepts: a
//! filter on another table's column, or a value of the wrong type, does not compile.

use crate::sql::SqlBuilder;
use crate::value::{ColumnValue, SqlType, Value};
use std::marker::PhantomData;

/// A column of table `T` holding values of type `V`.
///
/// The derive generates one as an associated constant per field: `User::id`.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     #[column(name = "display_name")]
///     name: String,
/// }
///
/// assert_eq!(User::name.name(), "display_name");
/// let filter = User::id.gt(10).and(User::name.eq("Ada"));
/// assert_eq!(filter.to_sql(Dialect::Postgres).sql, r#"("user"."id" > $1 AND "user"."display_name" = $2)"#);
/// ```
pub struct Column<T, V> {
    table: &'static str,
    name: &'static str,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Clone for Column<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, V> Copy for Column<T, V> {}

impl<T, V> std::fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.name)
    }
}

impl<T, V> Column<T, V> {
    /// A handle on column `name` of table `table`. Called by the derive.
    #[doc(hidden)]
    pub const fn new(table: &'static str, name: &'static str) -> Self {
        Column {
            table,
            name,
            _types: PhantomData,
        }
    }
}

impl<T, V: ColumnValue> Column<T, V> {
    /// The SQL column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The SQL table name.
    pub const fn table(&self) -> &'static str {
        self.table
    }

    /// The SQL type, which relation keys must share (nullability aside).
    pub const fn sql_type(&self) -> SqlType {
        V::SQL_TYPE
    }

    /// Whether the column is nullable.
    pub const fn nullable(&self) -> bool {
        V::NULLABLE
    }

    fn compare(self, op: CompareOp, value: Value) -> Expr<T> {
        Expr::new(Node::Compare {
            table: self.table,
            column: self.name,
            op,
            value,
        })
    }

    /// `column = value`.
    pub fn eq(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Eq, value.into().to_value())
    }
    /// `column <> value`.
    pub fn ne(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Ne, value.into().to_value())
    }
    /// `column > value`.
    pub fn gt(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Gt, value.into().to_value())
    }
    /// `column >= value`.
    pub fn gte(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Gte, value.into().to_value())
    }
    /// `column < value`.
    pub fn lt(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Lt, value.into().to_value())
    }
    /// `column <= value`.
    pub fn lte(self, value: impl Into<V>) -> Expr<T> {
        self.compare(CompareOp::Lte, value.into().to_value())
    }
}

impl<T, V: ColumnValue> Column<T, Option<V>> {
    /// `column IS NULL`. Only nullable columns have it.
    pub fn is_null(self) -> Expr<T> {
        Expr::new(Node::IsNull {
            table: self.table,
            column: self.name,
            negated: false,
        })
    }
    /// `column IS NOT NULL`. Only nullable columns have it.
    pub fn is_not_null(self) -> Expr<T> {
        Expr::new(Node::IsNull {
            table: self.table,
            column: self.name,
            negated: true,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CompareOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Compare {
        table: &'static str,
        column: &'static str,
        op: CompareOp,
        value: Value,
    },
    IsNull {
        table: &'static str,
        column: &'static str,
        negated: bool,
    },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
}

/// A boolean SQL expression over the columns of table `T`.
pub struct Expr<T> {
    node: Node,
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
    fn new(node: Node) -> Self {
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

    /// Writes the expression into `b`.
    pub fn write(&self, b: &mut SqlBuilder) {
        self.node.write(b);
    }

    /// The expression alone, as SQL for `dialect`.
    pub fn to_sql(&self, dialect: crate::Dialect) -> crate::Statement {
        let mut b = SqlBuilder::new(dialect);
        self.write(&mut b);
        b.finish()
    }
}

impl Node {
    fn write(&self, b: &mut SqlBuilder) {
        match self {
            Node::Compare {
                table,
                column,
                op,
                value,
            } => {
                b.push_qualified(table, column).push(match op {
                    CompareOp::Eq => " = ",
                    CompareOp::Ne => " <> ",
                    CompareOp::Gt => " > ",
                    CompareOp::Gte => " >= ",
                    CompareOp::Lt => " < ",
                    CompareOp::Lte => " <= ",
                });
                b.push_bind(value.clone());
            }
            Node::IsNull {
                table,
                column,
                negated,
            } => {
                b.push_qualified(table, column).push(if *negated {
                    " IS NOT NULL"
                } else {
                    " IS NULL"
                });
            }
            Node::And(l, r) | Node::Or(l, r) => {
                b.push("(");
                l.write(b);
                b.push(if matches!(self, Node::And(..)) {
                    " AND "
                } else {
                    " OR "
                });
                r.write(b);
                b.push(")");
            }
            Node::Not(e) => {
                b.push("NOT (");
                e.write(b);
                b.push(")");
            }
        }
    }
}

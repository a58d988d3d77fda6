//! Values of a row read through its relations: a `one` relation's column, and the
//! count, sum, average, minimum and maximum over a `many` relation's rows. Each is a
//! correlated subquery written against the row's [`Scope`], so it filters and orders
//! the same at the root and at every nested level, in both strategies (Join writes it
//! inside its aggregate, Batch inside its statement or window).

use super::builder::SqlBuilder;
use super::expr::{CompareOp, Expr, Node, Order, Scope};
use super::related;
pub use crate::model::meta::AggFunc;
use crate::model::meta::RelationMeta;
use crate::model::value::{ColumnValue, Value};
use std::marker::PhantomData;

/// One value per row of the scope's table, through relation `rel` and the rows of it
/// that match `filter`.
#[derive(Clone, Debug)]
pub struct Scalar {
    pub rel: &'static RelationMeta,
    pub filter: Option<Box<Node>>,
    pub kind: ScalarKind,
    /// How an aggregate is stored on a parent's `Many` field when it is loaded
    /// (`.with(User::posts().sum(Post::score))`); `None` for what does not load.
    pub store: Option<Store>,
}

/// Sets and reads an aggregate on a relation field of the target's type.
#[derive(Clone, Copy, Debug)]
pub struct Store {
    pub set: fn(&mut dyn std::any::Any, AggFunc, &'static str, crate::model::value::Value) -> bool,
    pub get: fn(&dyn std::any::Any, AggFunc, &'static str) -> Option<crate::model::value::Value>,
}

impl Store {
    pub fn of<C: 'static>() -> Store {
        Store {
            set: crate::model::fields::put_aggregate_on::<C>,
            get: crate::model::fields::aggregate_of::<C>,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum ScalarKind {
    /// A `one` relation's column: NULL where there is no related row.
    Column(&'static str),
    /// An aggregate over the related rows; `None` counts rows.
    Aggregate(AggFunc, Option<&'static str>),
}

impl Scalar {
    /// Whether it can be NULL: all but a count can (no related row, or none to
    /// aggregate).
    pub fn nullable(&self) -> bool {
        !matches!(self.kind, ScalarKind::Aggregate(AggFunc::Count, _))
    }

    /// Writes `(SELECT <value> FROM <target> WHERE <link> AND <filter>)`. A sum is cast
    /// to the dialect's 64-bit integer or double (PostgreSQL sums a `bigint` as
    /// `numeric`, MariaDB any integer as `DECIMAL`); an average is the sum as a double
    /// divided by the count, the same correctly rounded double on every backend
    /// (MariaDB's `AVG` keeps only four more decimal digits).
    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        b.push("(SELECT ");
        let related = related::allocate(b, self.rel);
        match self.kind {
            ScalarKind::Column(column) => {
                b.push_qualified(&related.alias, column);
            }
            ScalarKind::Aggregate(func, column) => write_aggregate(b, func, column, &related),
        }
        related::write_from(b, self.rel, &related);
        related::write_link(b, self.rel, self.filter.as_deref(), &related, scope);
        b.push(")");
    }
}

impl Scalar {
    /// Writes ` LEFT JOIN (SELECT key AS k0, .., value AS v FROM target WHERE filter
    /// [GROUP BY key]) AS alias ON alias.k0 = parent.from0 ...`: the value of every
    /// parent at once, where the parent is the root of a query. A planner computes the
    /// grouped table once (a hash aggregate), where the correlated subquery runs once
    /// per parent row: ordering 10,000 users by a count over 1,000,000 posts took 5x
    /// as long that way on PostgreSQL. `OrderKey::Joined` reads `alias.v` (a count of
    /// no rows, NULL here, as 0).
    pub fn write_joined(&self, b: &mut SqlBuilder, alias: &str, parent: &Scope<'_>) {
        b.push(" LEFT JOIN (SELECT ");
        let related = related::allocate(b, self.rel);
        let keys = self.rel.from.len();
        for i in 0..keys {
            related.write_key(b, self.rel, i);
            b.push_as(&format!("k{i}")).push(", ");
        }
        match self.kind {
            ScalarKind::Column(column) => {
                b.push_qualified(&related.alias, column);
            }
            ScalarKind::Aggregate(func, column) => write_aggregate(b, func, column, &related),
        }
        b.push_as("v");
        related::write_from(b, self.rel, &related);
        if let Some(filter) = &self.filter {
            b.push(" WHERE (");
            filter.write(b, &related.scope());
            b.push(")");
        }
        if matches!(self.kind, ScalarKind::Aggregate(..)) {
            b.push(" GROUP BY ");
            b.push_list(0..keys, ", ", |b, i| related.write_key(b, self.rel, i));
        }
        b.push(")").push_as(alias).push(" ON ");
        b.push_list(0..keys, " AND ", |b, i| {
            b.push_qualified(alias, &format!("k{i}"))
                .push(" = ")
                .push_qualified(parent.alias, self.rel.from[i]);
        });
    }

    /// Whether it is a count (0, not NULL, for no rows).
    pub fn is_count(&self) -> bool {
        matches!(self.kind, ScalarKind::Aggregate(AggFunc::Count, _))
    }
}

/// Writes an aggregate over the rows of `related` (`COUNT(*)` where `column` is
/// `None`), as the select list of a subquery or of Batch's grouped statement.
pub fn write_aggregate(
    b: &mut SqlBuilder,
    func: AggFunc,
    column: Option<&'static str>,
    related: &related::Related,
) {
    let casts = b.dialect().syntax().casts;
    let Some(column) = column.filter(|_| func != AggFunc::Count) else {
        b.push("COUNT(*)");
        return;
    };
    let float = related
        .target
        .column(column)
        .is_some_and(|c| c.ty.is_float());
    // Floats are summed as doubles (PostgreSQL sums a `real` in single precision);
    // integers exactly, then cast.
    match func {
        AggFunc::Sum if float => {
            b.push("SUM(CAST(").push_qualified(&related.alias, column);
            b.push(" AS ").push(casts.double).push("))");
        }
        AggFunc::Sum => {
            b.push("CAST(SUM(").push_qualified(&related.alias, column);
            b.push(") AS ").push(casts.integer).push(")");
        }
        AggFunc::Avg if float => {
            b.push("SUM(CAST(").push_qualified(&related.alias, column);
            b.push(" AS ").push(casts.double).push(")) / NULLIF(COUNT(");
            b.push_qualified(&related.alias, column).push("), 0)");
        }
        AggFunc::Avg => {
            b.push("CAST(SUM(").push_qualified(&related.alias, column);
            b.push(") AS ").push(casts.double).push(") / NULLIF(COUNT(");
            b.push_qualified(&related.alias, column).push("), 0)");
        }
        AggFunc::Min | AggFunc::Max | AggFunc::Count => {
            b.push(if func == AggFunc::Min { "MIN(" } else { "MAX(" });
            b.push_qualified(&related.alias, column).push(")");
        }
    }
}

/// A value of each row of `T`, read through one of its relations: a `one` relation's
/// column (`Post::author().col(User::name)`), or an aggregate of a `many` relation's
/// rows that match its filter (`User::posts().count()`, `.sum(Post::score)`,
/// `.avg(..)`, `.min(..)`, `.max(..)`). `V` is the value's type where there is one.
///
/// It orders (`.asc()`, `.desc()`, or as it is in `order_by`, ascending) and filters
/// (`.gt(5)`, `.eq(..)`) the rows of `T`, at the root of a query and in any nested
/// load, in both strategies. A count of no rows is 0; a sum, average, minimum or
/// maximum of no rows, and a column with no related row, is NULL: no comparison matches
/// it (`.is_null()` does), and it orders as NULLs do (last when ascending, first when
/// descending).
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     name: String,
///     #[relation(many)]
///     posts: Many<Post>,
/// }
///
/// #[derive(Table)]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     user_id: i64,
///     score: i32,
///     #[relation(one, from = user_id, to = User::id)]
///     user: One<User>,
/// }
///
/// // Users with more than 5 posts, by their posts' total score.
/// let query = User::query()
///     .filter(User::posts().count().gt(5))
///     .order_by(User::posts().sum(Post::score).desc());
/// let sql = query.to_sql(Dialect::Postgres).sql;
/// // At the root, each joins a table of every user's value, computed once.
/// assert!(sql.contains(r#"LEFT JOIN (SELECT "t2"."user_id" AS "k0", CAST(SUM("t2"."score") AS BIGINT) AS "v" FROM "post" AS "t2" GROUP BY "t2"."user_id") AS "t1" ON "t1"."k0" = "t0"."id""#), "{sql}");
/// assert!(sql.contains(r#"WHERE COALESCE("t3"."v", 0) > $1"#), "{sql}");
/// assert!(sql.contains(r#"ORDER BY "t1"."v" DESC NULLS FIRST"#), "{sql}");
/// // Inside a nested load, each is a subquery on the related row.
/// let nested = Post::query().with(Post::user().filter(User::posts().count().gt(5)));
/// let sql = nested.strategy(Strategy::Join).to_sql(Dialect::Postgres).sql;
/// assert!(sql.contains(r#"(SELECT COUNT(*) FROM "post" AS "t2" WHERE "t2"."user_id" = "t1"."id") > $1"#), "{sql}");
/// // Posts by their author's name.
/// let posts = Post::query().order_by(Post::user().col(User::name));
/// # let _ = posts;
/// ```
pub struct RelatedValue<T, V> {
    pub(crate) scalar: Scalar,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Clone for RelatedValue<T, V> {
    fn clone(&self) -> Self {
        RelatedValue::new(self.scalar.clone())
    }
}

impl<T, V> std::fmt::Debug for RelatedValue<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.scalar.fmt(f)
    }
}

impl<T, V> RelatedValue<T, V> {
    pub(crate) fn new(scalar: Scalar) -> Self {
        RelatedValue {
            scalar,
            _types: PhantomData,
        }
    }

    /// Ascending order by the value (NULLs last, as on PostgreSQL, on every backend).
    pub fn asc(self) -> Order<T> {
        Order::scalar(self.scalar, false)
    }

    /// Descending order by the value (NULLs first, as on PostgreSQL, on every backend).
    pub fn desc(self) -> Order<T> {
        Order::scalar(self.scalar, true)
    }
}

impl<T, V: ColumnValue> RelatedValue<T, V> {
    fn compare(self, op: CompareOp, value: impl super::column::ValueOf<V>) -> Expr<T> {
        let scalar = Box::new(self.scalar);
        Expr::new(match value.into_column_value().to_value() {
            // `eq(None)` is `IS NULL` and `ne(None)` `IS NOT NULL`, as on a column.
            Value::Null(_) if matches!(op, CompareOp::Eq | CompareOp::Ne) => Node::ScalarIsNull {
                scalar,
                negated: op == CompareOp::Ne,
            },
            value => Node::CompareScalar { scalar, op, value },
        })
    }

    /// `value = x`; `eq(None)` is `IS NULL` (on a nullable type), as on a column.
    /// Otherwise, like every comparison, it does not match NULL: see
    /// [`is_null`](Self::is_null).
    pub fn eq(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Eq, value)
    }
    /// `value <> x`.
    pub fn ne(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Ne, value)
    }
    /// `value > x`.
    pub fn gt(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Gt, value)
    }
    /// `value >= x`.
    pub fn gte(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Gte, value)
    }
    /// `value < x`.
    pub fn lt(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Lt, value)
    }
    /// `value <= x`.
    pub fn lte(self, value: impl super::column::ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Lte, value)
    }
}

impl<T, V> RelatedValue<T, V> {
    /// The value is NULL: no related row (or the column is NULL in it), or no rows to
    /// aggregate (a count is never NULL).
    pub fn is_null(self) -> Expr<T> {
        Expr::new(Node::ScalarIsNull {
            scalar: Box::new(self.scalar),
            negated: false,
        })
    }
    /// The value is not NULL.
    pub fn is_not_null(self) -> Expr<T> {
        Expr::new(Node::ScalarIsNull {
            scalar: Box::new(self.scalar),
            negated: true,
        })
    }
}

impl<T, V> From<RelatedValue<T, V>> for Order<T> {
    /// Ascending.
    fn from(value: RelatedValue<T, V>) -> Order<T> {
        value.asc()
    }
}

/// A column type that sums and averages: the integers (summed as `i64`) and the
/// floats (as `f64`), nullable or not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be summed or averaged",
    label = "not a number Rel sums",
    note = "`sum` and `avg` take integer (i16, i32, i64) and float (f32, f64) columns, nullable or not"
)]
pub trait Summable: ColumnValue {
    /// The sum's type: `i64` or `f64`.
    type Sum: ColumnValue;
}

/// A column type with an order that every backend shares, so it has a minimum and a
/// maximum: the integers, floats, text and the dates and times, nullable or not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no minimum or maximum that every backend agrees on",
    label = "not ordered alike everywhere",
    note = "`min` and `max` take integer, float, text, date and time columns, nullable or not"
)]
pub trait Extremum: ColumnValue {
    /// The value's type without `Option`.
    type Value: ColumnValue;
}

macro_rules! summable {
    ($sum:ty: $($ty:ty),*) => {$(
        impl Summable for $ty {
            type Sum = $sum;
        }
        impl Extremum for $ty {
            type Value = $ty;
        }
    )*};
}
summable!(i64: i16, i32, i64);
summable!(f64: f32, f64);
impl<X: Summable> Summable for Option<X> {
    type Sum = X::Sum;
}
impl<X: Extremum> Extremum for Option<X> {
    type Value = X::Value;
}
impl Extremum for String {
    type Value = String;
}
#[cfg(feature = "chrono")]
impl Extremum for chrono::NaiveDate {
    type Value = chrono::NaiveDate;
}
#[cfg(feature = "chrono")]
impl Extremum for chrono::NaiveDateTime {
    type Value = chrono::NaiveDateTime;
}
#[cfg(feature = "chrono")]
impl Extremum for chrono::DateTime<chrono::Utc> {
    type Value = chrono::DateTime<chrono::Utc>;
}

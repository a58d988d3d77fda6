//! Typed column handles and the filter expressions built from them.
//!
//! `User::name` is a `Column<User, String>`. Its comparisons take values that convert
//! into `String` and produce an `Expr<User>`, which only a query on `User` accepts: a
//! filter on another table's column, or a value of the wrong type, does not compile.

use super::expr::{CompareOp, Expr, LIKE_ESCAPE, Node, Order};
use crate::model::value::{ColumnValue, SqlType, Value};
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
/// let filter = User::id.in_list([1, 2]).or(User::name.ilike("a%").not());
/// assert_eq!(
///     filter.to_sql(Dialect::MySql).sql,
///     r"(`user`.`id` IN (?, ?) OR NOT (LOWER(`user`.`display_name`) LIKE LOWER(?) ESCAPE '\\'))"
/// );
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

    /// The SQL column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The SQL table name.
    pub const fn table(&self) -> &'static str {
        self.table
    }
}

impl<T, V: ColumnValue> Column<T, V> {
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
            column: self.name,
            op,
            value,
        })
    }

    /// `column = value`; `eq(None)` is `column IS NULL`, as Prisma's `equals: null`
    /// (SQL's `= NULL` would match nothing).
    pub fn eq(self, value: impl ValueOf<V>) -> Expr<T> {
        match value.into_column_value().to_value() {
            Value::Null(_) => self.null(false),
            value => self.compare(CompareOp::Eq, value),
        }
    }
    /// `column <> value`; `ne(None)` is `column IS NOT NULL`. Like SQL's `<>`, `ne(x)`
    /// does not match NULL.
    pub fn ne(self, value: impl ValueOf<V>) -> Expr<T> {
        match value.into_column_value().to_value() {
            Value::Null(_) => self.null(true),
            value => self.compare(CompareOp::Ne, value),
        }
    }

    fn null(self, negated: bool) -> Expr<T> {
        Expr::new(Node::IsNull {
            column: self.name,
            negated,
        })
    }

    /// `IN` or `NOT IN` over `values`, where a `None` among them means the NULL rows:
    /// included by `in_list`, left out by `not_in`.
    fn list(self, values: Vec<Value>, negated: bool) -> Expr<T> {
        let (nulls, values): (Vec<Value>, Vec<Value>) =
            values.into_iter().partition(Value::is_null);
        let list = Node::In {
            column: self.name,
            values,
            negated,
        };
        if nulls.is_empty() {
            return Expr::new(list);
        }
        let null = self.null(negated).node;
        Expr::new(if negated {
            Node::And(Box::new(list), Box::new(null))
        } else {
            Node::Or(Box::new(list), Box::new(null))
        })
    }
    /// `column > value`.
    pub fn gt(self, value: impl ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Gt, value.into_column_value().to_value())
    }
    /// `column >= value`.
    pub fn gte(self, value: impl ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Gte, value.into_column_value().to_value())
    }
    /// `column < value`.
    pub fn lt(self, value: impl ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Lt, value.into_column_value().to_value())
    }
    /// `column <= value`.
    pub fn lte(self, value: impl ValueOf<V>) -> Expr<T> {
        self.compare(CompareOp::Lte, value.into_column_value().to_value())
    }

    fn placeholder(self, op: CompareOp, placeholder: Placeholder<V>) -> Expr<T> {
        Expr::new(Node::Placeholder {
            table: self.table,
            column: self.name,
            op,
            name: placeholder.name,
            ty: V::SQL_TYPE,
        })
    }
    /// `column = ` the value a [prepared query](crate::read::prepared::Prepared) binds to `placeholder`
    /// when it runs; a `None` bound matches the NULL rows, as [`eq`](Self::eq)'s does.
    pub fn eq_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Eq, placeholder)
    }
    /// `column <> ` the value bound to `placeholder` (see [`ne`](Self::ne)).
    pub fn ne_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Ne, placeholder)
    }
    /// `column > ` the value bound to `placeholder`.
    pub fn gt_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Gt, placeholder)
    }
    /// `column >= ` the value bound to `placeholder`.
    pub fn gte_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Gte, placeholder)
    }
    /// `column < ` the value bound to `placeholder`.
    pub fn lt_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Lt, placeholder)
    }
    /// `column <= ` the value bound to `placeholder`.
    pub fn lte_placeholder(self, placeholder: Placeholder<V>) -> Expr<T> {
        self.placeholder(CompareOp::Lte, placeholder)
    }

    /// `column IN (values)`. An empty list matches nothing; a `None` in it matches the
    /// NULL rows (SQL's `IN` would miss them).
    pub fn in_list<I>(self, values: I) -> Expr<T>
    where
        I: IntoIterator,
        I::Item: ValueOf<V>,
    {
        self.list(
            values
                .into_iter()
                .map(|v| v.into_column_value().to_value())
                .collect(),
            false,
        )
    }

    /// `column NOT IN (values)`. An empty list matches everything; a `None` in it
    /// leaves the NULL rows out (SQL's `NOT IN` with a NULL would match nothing). Like
    /// SQL's, `not_in` without a `None` does not match NULL rows either.
    pub fn not_in<I>(self, values: I) -> Expr<T>
    where
        I: IntoIterator,
        I::Item: ValueOf<V>,
    {
        self.list(
            values
                .into_iter()
                .map(|v| v.into_column_value().to_value())
                .collect(),
            true,
        )
    }

    /// Ascending order on this column (NULLs last, as on PostgreSQL, on every backend).
    pub fn asc(self) -> Order<T> {
        Order::new(self.name, false)
    }

    /// Descending order on this column (NULLs first, as on PostgreSQL, on every backend).
    pub fn desc(self) -> Order<T> {
        Order::new(self.name, true)
    }
}

/// A named value of type `V` that a [prepared query](crate::read::prepared::Prepared) is given each
/// time it runs (Drizzle's `sql.placeholder`): compare a column with it
/// (`Post::author_id.eq_placeholder(AUTHOR)`), then bind it
/// (`prepared.bind(AUTHOR, 7)`). Its type is the column's, so a placeholder compared
/// with a column of another type, or bound to a value of another type, does not
/// compile. The name tells it apart from the query's other placeholders and names it
/// in [`Error::Unbound`](crate::model::error::Error::Unbound).
///
/// (The comparisons are methods of their own, `eq_placeholder` beside `eq`: `eq` takes
/// any value that converts into the column's type, and Rust cannot tell a placeholder
/// apart from such a value in one method.)
///
/// ```compile_fail
/// # use rel::prelude::*;
/// # #[derive(Table)]
/// # struct User { #[column(primary_key)] id: i64, name: String }
/// const NAME: Placeholder<String> = Placeholder::new("name");
/// // error: the column holds `i64`, the placeholder `String`
/// let _ = User::id.eq_placeholder(NAME);
/// ```
///
/// ```compile_fail
/// # use rel::prelude::*;
/// # #[derive(Table)]
/// # struct User { #[column(primary_key)] id: i64, name: String }
/// const ID: Placeholder<i64> = Placeholder::new("id");
/// let by_id = User::query().filter(User::id.eq_placeholder(ID)).prepare();
/// // error: this value is `&str`, but the column holds `i64`
/// let _ = by_id.bind(ID, "seven");
/// ```
pub struct Placeholder<V> {
    name: &'static str,
    _type: PhantomData<fn() -> V>,
}

impl<V> Placeholder<V> {
    /// A placeholder named `name`; a `const`, so it can be declared once beside the
    /// queries that use it.
    pub const fn new(name: &'static str) -> Self {
        Placeholder {
            name,
            _type: PhantomData,
        }
    }

    /// Its name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<V> Clone for Placeholder<V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V> Copy for Placeholder<V> {}

impl<V> std::fmt::Debug for Placeholder<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Placeholder({})", self.name)
    }
}

/// A value that a column holding `V` takes: a `V`, or anything that converts into one
/// with `Into` (`&str` for a `String` column, an `i32` for an `i64` one, `5` for an
/// `Option<i64>` one). Filters and `Update::set` take it, so that a value of another
/// type is an error that names both types.
///
/// ```compile_fail
/// # use rel::prelude::*;
/// # #[derive(Table)]
/// # struct User { #[column(primary_key)] id: i64, age: i32 }
/// // error: this value is `&str`, but the column holds `i32`
/// let _ = User::age.eq("old");
/// ```
#[diagnostic::on_unimplemented(
    message = "this value is `{Self}`, but the column holds `{V}`",
    label = "expected `{V}`, or a value that converts into it",
    note = "a column takes a value of its own type, or one with `Into<{V}>`"
)]
pub trait ValueOf<V> {
    /// The value as the column's type.
    fn into_column_value(self) -> V;
}

// The error for a value of another type names `ValueOf`, with the message above, and
// not the `From` impls of unrelated crates that `Into` would list.
#[diagnostic::do_not_recommend]
impl<V, X: Into<V>> ValueOf<V> for X {
    fn into_column_value(self) -> V {
        self.into()
    }
}

/// Text columns, nullable or not, can be matched with `LIKE`.
pub trait TextColumn {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

/// `text` as a `like` / `ilike` pattern that matches it literally: `%`, `_` and the
/// escape character `\` are escaped with `\`.
///
/// ```
/// use rel::escape_like;
/// assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
/// // Find names that start with the user's input, whatever it holds.
/// let pattern = format!("{}%", escape_like("a_b"));
/// assert_eq!(pattern, r"a\_b%");
/// ```
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

impl<T, V: ColumnValue + TextColumn> Column<T, V> {
    /// `column LIKE pattern`, case-sensitive, the same on every backend: `%` matches
    /// any run of characters, `_` one character, and `\` escapes the character after it
    /// (a `\` at the end matches a backslash). See [`escape_like`].
    pub fn like(self, pattern: impl Into<String>) -> Expr<T> {
        Expr::new(Node::Like {
            column: self.name,
            pattern: pattern.into(),
            case_insensitive: false,
        })
    }

    /// Case-insensitive [`like`](Self::like), the same on every backend: both sides are
    /// lowercased with Unicode's rules (`LOWER(column) LIKE LOWER(pattern)`; on SQLite,
    /// whose `LOWER` folds ASCII only, through a function Rel registers).
    pub fn ilike(self, pattern: impl Into<String>) -> Expr<T> {
        Expr::new(Node::Like {
            column: self.name,
            pattern: pattern.into(),
            case_insensitive: true,
        })
    }
}

impl<T, V: ColumnValue> Column<T, Option<V>> {
    /// `column IS NULL`. Only nullable columns have it.
    pub fn is_null(self) -> Expr<T> {
        Expr::new(Node::IsNull {
            column: self.name,
            negated: false,
        })
    }
    /// `column IS NOT NULL`. Only nullable columns have it.
    pub fn is_not_null(self) -> Expr<T> {
        Expr::new(Node::IsNull {
            column: self.name,
            negated: true,
        })
    }
}

//! Computed values: a typed expression per row (arithmetic, text functions, `CASE`,
//! a value read through a relation, or a raw fragment), loaded beside the columns of a
//! partial struct (`#[partial(computed = ..)]`).
//!
//! An expression is a small tree (`Calc`) rendered against a [`Scope`] like a filter.
//! Its Rust type is in [`Computed`]'s `V`, and the loaded value is cast to that type's
//! SQL type on every backend, so it decodes the same everywhere: integer arithmetic
//! is done in 64 bits (PostgreSQL's `int + int` would overflow at 2^31), a division
//! by zero is NULL (PostgreSQL raises, SQLite and MariaDB return NULL), and a text's
//! length counts characters.

use super::builder::SqlBuilder;
use super::column::Column;
use super::expr::{Expr, Node, Scope};
use super::raw::{Raw, RawValues};
use super::scalar::{RelatedValue, Scalar};
use crate::model::error::Result;
use crate::model::table::Table;
use crate::model::value::{ColumnValue, SqlType, Value};
use std::marker::PhantomData;

/// A value of type `V` computed from each row of table `T`: load it beside the
/// columns of a `#[derive(Partial)]` struct with `#[partial(computed = ..)]`.
///
/// Build it from column handles, values and relation values with `+`, `-`, `*` and
/// `/`, the text functions of [`Compute`] (`lower`, `upper`, `length`, `concat`),
/// `coalesce` and `abs`, a [`Case`], or a raw fragment ([`Computed::raw`]).
///
/// - Integers compute as `i64` and floats as `f64`, whatever the column's width; an
///   integer and a float do not mix (cast in a raw fragment).
/// - Anything with a nullable operand is an `Option`, and so is a division: a division
///   by zero is NULL on every backend. An integer division truncates toward zero.
/// - A value read through a relation ([`RelatedValue`]) is an `Option` too (NULL where
///   there is no related row); a count is never NULL.
/// - Text functions map case character by character (Unicode's simple mapping, as
///   PostgreSQL and MariaDB do: `ß` stays `ß`) and count characters.
/// - Where a result leaves `i64`, PostgreSQL and MariaDB raise an error; SQLite computes
///   it as a float, which the cast to `i64` then clamps.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table)]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     title: String,
///     score: i32,
///     views: Option<i64>,
/// }
///
/// #[derive(Partial, Debug, PartialEq)]
/// #[partial(of = Post)]
/// struct PostCard {
///     id: i64,
///     #[partial(computed = Post::title.upper().concat("!"))]
///     shout: String,
///     #[partial(computed = Post::score * 2 + 1)]
///     doubled: i64,
///     #[partial(computed = Post::views / Post::score)]
///     views_per_point: Option<i64>,
///     #[partial(computed = Case::when(Post::score.gte(10), "hot").otherwise("cold"))]
///     heat: String,
///     #[partial(computed = Computed::<Post, i64>::raw("{score} % ?", 7)?)]
///     rest: i64,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Post>().create_all(&db).await?;
/// db.insert(&Post { id: 1, title: "rel".into(), score: 12, views: Some(30) }).await?;
/// db.insert(&Post { id: 2, title: "sql".into(), score: 0, views: None }).await?;
/// let cards = Post::query().select::<PostCard>().all(&db).await?;
/// assert_eq!(cards[0], PostCard {
///     id: 1,
///     shout: "REL!".into(),
///     doubled: 25,
///     views_per_point: Some(2),
///     heat: "hot".into(),
///     rest: 5,
/// });
/// assert_eq!((cards[1].views_per_point, cards[1].heat.as_str()), (None, "cold"));
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Computed<T, V> {
    pub(crate) calc: Calc,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Clone for Computed<T, V> {
    fn clone(&self) -> Self {
        Computed::new(self.calc.clone())
    }
}

impl<T, V> std::fmt::Debug for Computed<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.calc.fmt(f)
    }
}

impl<T, V> Computed<T, V> {
    pub(crate) fn new(calc: Calc) -> Self {
        Computed {
            calc,
            _types: PhantomData,
        }
    }
}

impl<T: Table, V: ComputedValue> Computed<T, V> {
    /// A raw SQL fragment of declared type `V`, written as in [`Expr::raw`]: `?` is the
    /// next of `values` (always bound), `{column}` a column of `T`. The value is cast to
    /// `V`'s SQL type. A `?` without a value, a value without a `?` or an unknown column
    /// is [`Error::RawSql`](crate::model::error::Error::RawSql).
    ///
    /// The fragment's SQL is the backends' own, so its arithmetic is theirs: a float
    /// cast to an integer is truncated on SQLite and rounded on PostgreSQL and MariaDB,
    /// and MariaDB's `/` of two integers is a decimal (`DIV` truncates).
    pub fn raw(sql: &'static str, values: impl RawValues) -> Result<Computed<T, V>> {
        let raw = Raw::parse(T::META, sql, values.into_values())?;
        Ok(Computed::new(Calc::Raw(Box::new(raw))))
    }
}

/// The expression tree of a [`Computed`].
#[derive(Clone, Debug)]
pub enum Calc {
    Column(&'static str),
    /// An integer column narrower than 64 bits, cast to 64 bits before arithmetic.
    Widened(&'static str),
    Value(Value),
    Related(Box<Scalar>),
    /// A narrow integer value, cast to 64 bits before arithmetic.
    Widen(Box<Calc>),
    Arith(ArithOp, Box<Calc>, Box<Calc>),
    /// `l / NULLIF(r, 0)`: `integer` picks the dialect's integer division.
    Div {
        left: Box<Calc>,
        right: Box<Calc>,
        integer: bool,
    },
    Call(Function, Box<Calc>),
    Concat(Box<Calc>, Box<Calc>),
    Coalesce(Box<Calc>, Box<Calc>),
    Case {
        whens: Vec<(Node, Calc)>,
        otherwise: Option<Box<Calc>>,
    },
    Raw(Box<Raw>),
}

#[derive(Clone, Copy, Debug)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
}

#[derive(Clone, Copy, Debug)]
pub enum Function {
    Lower,
    Upper,
    Length,
    Abs,
}

impl Calc {
    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        let syntax = b.dialect().syntax();
        match self {
            Calc::Column(column) => {
                b.push_qualified(scope.alias, column);
            }
            Calc::Widened(column) => {
                b.push("CAST(").push_qualified(scope.alias, column);
                b.push(" AS ").push(syntax.casts.integer).push(")");
            }
            Calc::Value(value) => {
                b.push_bind(value.clone());
            }
            Calc::Related(scalar) => scalar.write(b, scope),
            Calc::Widen(value) => {
                b.push("CAST(");
                value.write(b, scope);
                b.push(" AS ").push(syntax.casts.integer).push(")");
            }
            Calc::Arith(op, left, right) => {
                b.push("(");
                left.write(b, scope);
                b.push(match op {
                    ArithOp::Add => " + ",
                    ArithOp::Sub => " - ",
                    ArithOp::Mul => " * ",
                });
                right.write(b, scope);
                b.push(")");
            }
            Calc::Div {
                left,
                right,
                integer,
            } => {
                b.push("(");
                left.write(b, scope);
                b.push(if *integer {
                    syntax.integer_division
                } else {
                    " / "
                });
                b.push("NULLIF(");
                right.write(b, scope);
                b.push(", 0))");
            }
            Calc::Call(function, arg) => {
                let (open, close) = match function {
                    Function::Lower => syntax.lowercase,
                    Function::Upper => syntax.uppercase,
                    Function::Length => (syntax.char_length, ""),
                    Function::Abs => ("ABS", ""),
                };
                b.push(open);
                if close.is_empty() {
                    b.push("(");
                }
                arg.write(b, scope);
                b.push(if close.is_empty() { ")" } else { close });
            }
            Calc::Concat(left, right) => {
                let (open, between, close) = syntax.concat;
                b.push(open);
                left.write(b, scope);
                b.push(between);
                right.write(b, scope);
                b.push(close);
            }
            Calc::Coalesce(value, default) => {
                b.push("COALESCE(");
                value.write(b, scope);
                b.push(", ");
                default.write(b, scope);
                b.push(")");
            }
            Calc::Case { whens, otherwise } => {
                b.push("CASE");
                for (when, then) in whens {
                    b.push(" WHEN ");
                    when.write(b, scope);
                    b.push(" THEN ");
                    then.write(b, scope);
                }
                if let Some(otherwise) = otherwise {
                    b.push(" ELSE ");
                    otherwise.write(b, scope);
                }
                b.push(" END");
            }
            Calc::Raw(raw) => raw.write(b, scope),
        }
    }
}

/// A computed field of a partial struct, its type erased: what the derive hands over.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct AnyComputed {
    calc: Calc,
    cast: Cast,
}

impl AnyComputed {
    /// The SQL type it is read as.
    pub fn sql_type(&self) -> SqlType {
        match self.cast {
            Cast::Integer => SqlType::BigInt,
            Cast::Double => SqlType::Double,
            Cast::Text => SqlType::Text,
        }
    }

    /// Writes the value, cast to its Rust type's SQL type.
    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        let casts = b.dialect().syntax().casts;
        let to = match self.cast {
            Cast::Integer => casts.integer,
            Cast::Double => casts.double,
            Cast::Text => casts.text,
        };
        b.push("CAST(");
        self.calc.write(b, scope);
        b.push(" AS ").push(to).push(")");
    }
}

/// The computed field of type `V` that `value` makes, for the derive: the type check of
/// `#[partial(computed = ..)]` against its field.
#[doc(hidden)]
pub fn computed_field<T, V: ComputedValue, O: Operand<T, Value = V>>(value: O) -> AnyComputed {
    AnyComputed {
        calc: value.computed().calc,
        cast: V::CAST,
    }
}

/// What a loaded value is cast to.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Cast {
    Integer,
    Double,
    Text,
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type a [`Computed`] value has: `i64`, `f64` and `String`, nullable or not.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a type Rel computes values as",
    label = "not a computed value's type",
    note = "integers compute as `i64`, floats as `f64`, text as `String` (each may be an `Option`)"
)]
pub trait ComputedValue: ColumnValue + sealed::Sealed {
    #[doc(hidden)]
    const CAST: Cast;
    /// The type without `Option`.
    type Inner: ComputedValue;
    /// The type with `Option`.
    type Nullable: ComputedValue;
}

macro_rules! computed_values {
    ($($ty:ty => $cast:ident),*) => {$(
        impl sealed::Sealed for $ty {}
        impl sealed::Sealed for Option<$ty> {}
        impl ComputedValue for $ty {
            const CAST: Cast = Cast::$cast;
            type Inner = $ty;
            type Nullable = Option<$ty>;
        }
        impl ComputedValue for Option<$ty> {
            const CAST: Cast = Cast::$cast;
            type Inner = $ty;
            type Nullable = Option<$ty>;
        }
    )*};
}
computed_values!(i64 => Integer, f64 => Double, String => Text);

/// What a [`Computed`] is built from: a column of `T` (an integer as `i64`, a float as
/// `f64`), a [`Computed`], a [`RelatedValue`] of `T`, or a value (`i64`, `i32`,
/// `f64`, `&str`, `String`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value computed from rows of `{T}`",
    label = "not a column, computed value or plain value of `{T}`",
    note = "computed values are built from `{T}`'s columns, relation values and plain values"
)]
pub trait Operand<T> {
    /// The value's type.
    type Value: ComputedValue;
    /// As a [`Computed`].
    fn computed(self) -> Computed<T, Self::Value>;
}

impl<T, V: ComputedValue> Operand<T> for Computed<T, V> {
    type Value = V;
    fn computed(self) -> Computed<T, V> {
        self
    }
}

/// A relation value as its column would be: widened where the column is.
macro_rules! related {
    (Widened, $calc:expr) => {
        Calc::Widen(Box::new($calc))
    };
    (Column, $calc:expr) => {
        $calc
    };
}

macro_rules! column_operands {
    ($($ty:ty => $value:ty, $calc:ident);*) => {$(
        impl<T> Operand<T> for Column<T, $ty> {
            type Value = $value;
            fn computed(self) -> Computed<T, $value> {
                Computed::new(Calc::$calc(self.name()))
            }
        }
        impl<T> Operand<T> for RelatedValue<T, $ty> {
            type Value = Option<<$value as ComputedValue>::Inner>;
            fn computed(self) -> Computed<T, Self::Value> {
                // A narrow integer's minimum, maximum or column, in 64 bits too.
                Computed::new(related!($calc, Calc::Related(Box::new(self.scalar))))
            }
        }
    )*};
}
column_operands! {
    i16 => i64, Widened; i32 => i64, Widened; i64 => i64, Column;
    Option<i16> => Option<i64>, Widened; Option<i32> => Option<i64>, Widened;
    Option<i64> => Option<i64>, Column;
    f32 => f64, Column; f64 => f64, Column;
    Option<f32> => Option<f64>, Column; Option<f64> => Option<f64>, Column;
    String => String, Column; Option<String> => Option<String>, Column
}

macro_rules! value_operands {
    ($($ty:ty => $value:ty),*) => {$(
        impl<T> Operand<T> for $ty {
            type Value = $value;
            fn computed(self) -> Computed<T, $value> {
                Computed::new(Calc::Value(<$value>::from(self).to_value()))
            }
        }
    )*};
}
value_operands!(i64 => i64, i32 => i64, f64 => f64, String => String);

impl<T> Operand<T> for &str {
    type Value = String;
    fn computed(self) -> Computed<T, String> {
        Computed::new(Calc::Value(Value::Text(self.to_owned())))
    }
}

/// The type of arithmetic on two values: `i64` with `i64`, `f64` with `f64`, an
/// `Option` when either is one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` and `{R}` do not compute together",
    label = "no arithmetic between these types",
    note = "integers (as `i64`) go with integers and floats (as `f64`) with floats; cast one in `Computed::raw` to mix them"
)]
pub trait Arith<R>: ComputedValue {
    /// The result's type.
    type Output: ComputedValue;
    /// Whether it divides integers.
    #[doc(hidden)]
    const INTEGER: bool;
}

macro_rules! arith {
    ($($ty:ty: $integer:literal),*) => {$(
        impl Arith<$ty> for $ty { type Output = $ty; const INTEGER: bool = $integer; }
        impl Arith<Option<$ty>> for $ty { type Output = Option<$ty>; const INTEGER: bool = $integer; }
        impl Arith<$ty> for Option<$ty> { type Output = Option<$ty>; const INTEGER: bool = $integer; }
        impl Arith<Option<$ty>> for Option<$ty> { type Output = Option<$ty>; const INTEGER: bool = $integer; }
    )*};
}
arith!(i64: true, f64: false);

/// The type of `L op R` (`+ - *`) on rows of `T`.
pub type ArithOutput<T, L, R> =
    Computed<T, <<L as Operand<T>>::Value as Arith<<R as Operand<T>>::Value>>::Output>;

/// The type of `L / R`: nullable, as a division by zero is NULL.
pub type DivOutput<T, L, R> = Computed<
    T,
    <<<L as Operand<T>>::Value as Arith<<R as Operand<T>>::Value>>::Output as ComputedValue>::Nullable,
>;

/// `L / R`.
pub fn divide<T, L: Operand<T>, R: Operand<T>>(left: L, right: R) -> Calc
where
    L::Value: Arith<R::Value>,
{
    Calc::Div {
        left: Box::new(left.computed().calc),
        right: Box::new(right.computed().calc),
        integer: <L::Value as Arith<R::Value>>::INTEGER,
    }
}

/// The operators `+ - * /` for each left-hand side type: a column, a computed value,
/// a relation value (and, in `read/relation.rs`, a count). A division is NULL where
/// it divides by zero, so always an `Option`; integers truncate toward zero.
macro_rules! operators {
    ($([$($generics:tt)*] $left:ty;)*) => {$(
        operators!(@one [$($generics)*] $left, Add, add, $crate::sql::computed::ArithOp::Add);
        operators!(@one [$($generics)*] $left, Sub, sub, $crate::sql::computed::ArithOp::Sub);
        operators!(@one [$($generics)*] $left, Mul, mul, $crate::sql::computed::ArithOp::Mul);
        impl<T, $($generics)*, R> std::ops::Div<R> for $left
        where
            $left: $crate::sql::computed::Operand<T>,
            R: $crate::sql::computed::Operand<T>,
            <$left as $crate::sql::computed::Operand<T>>::Value:
                $crate::sql::computed::Arith<R::Value>,
        {
            type Output = $crate::sql::computed::DivOutput<T, $left, R>;
            fn div(self, right: R) -> Self::Output {
                $crate::sql::computed::Computed::new($crate::sql::computed::divide(self, right))
            }
        }
    )*};
    (@one [$($generics:tt)*] $left:ty, $trait:ident, $method:ident, $op:expr) => {
        impl<T, $($generics)*, R> std::ops::$trait<R> for $left
        where
            $left: $crate::sql::computed::Operand<T>,
            R: $crate::sql::computed::Operand<T>,
            <$left as $crate::sql::computed::Operand<T>>::Value:
                $crate::sql::computed::Arith<R::Value>,
        {
            type Output = $crate::sql::computed::ArithOutput<T, $left, R>;
            fn $method(self, right: R) -> Self::Output {
                $crate::sql::computed::arith($op, self, right)
            }
        }
    };
}
pub(crate) use operators;
operators! {
    [V] Column<T, V>;
    [V] Computed<T, V>;
    [V] RelatedValue<T, V>;
}

pub fn arith<T, L: Operand<T>, R: Operand<T>, O>(op: ArithOp, left: L, right: R) -> Computed<T, O> {
    Computed::new(Calc::Arith(
        op,
        Box::new(left.computed().calc),
        Box::new(right.computed().calc),
    ))
}

/// A text value: `String`, nullable or not.
pub trait Text: ComputedValue {
    /// Its length's type: `i64`, or `Option<i64>` for a nullable text.
    type Length: ComputedValue;
}
impl Text for String {
    type Length = i64;
}
impl Text for Option<String> {
    type Length = Option<i64>;
}

/// A number: `i64` or `f64`, nullable or not.
pub trait Number: ComputedValue {}
impl Number for i64 {}
impl Number for Option<i64> {}
impl Number for f64 {}
impl Number for Option<f64> {}

/// The functions of computed values, on anything that computes ([`Operand`]): columns,
/// computed values and relation values.
pub trait Compute<T>: Operand<T> + Sized {
    /// The text in lowercase, character by character, the same on every backend.
    fn lower(self) -> Computed<T, Self::Value>
    where
        Self::Value: Text,
    {
        call(Function::Lower, self)
    }

    /// The text in uppercase, character by character, the same on every backend.
    fn upper(self) -> Computed<T, Self::Value>
    where
        Self::Value: Text,
    {
        call(Function::Upper, self)
    }

    /// The number of characters of the text (not its bytes).
    fn length(self) -> Computed<T, <Self::Value as Text>::Length>
    where
        Self::Value: Text,
    {
        call(Function::Length, self)
    }

    /// The absolute value of the number.
    fn abs(self) -> Computed<T, Self::Value>
    where
        Self::Value: Number,
    {
        call(Function::Abs, self)
    }

    /// The text followed by `other`: NULL when either is NULL.
    fn concat<R: Operand<T>>(
        self,
        other: R,
    ) -> Computed<T, <Self::Value as Joined<R::Value>>::Output>
    where
        Self::Value: Joined<R::Value>,
    {
        Computed::new(Calc::Concat(
            Box::new(self.computed().calc),
            Box::new(other.computed().calc),
        ))
    }

    /// The value, or `default` where it is NULL.
    fn coalesce<R: Operand<T, Value = <Self::Value as ComputedValue>::Inner>>(
        self,
        default: R,
    ) -> Computed<T, <Self::Value as ComputedValue>::Inner> {
        Computed::new(Calc::Coalesce(
            Box::new(self.computed().calc),
            Box::new(default.computed().calc),
        ))
    }
}

impl<T, O: Operand<T>> Compute<T> for O {}

fn call<T, O: Operand<T>, V>(function: Function, value: O) -> Computed<T, V> {
    Computed::new(Calc::Call(function, Box::new(value.computed().calc)))
}

/// The type of two texts joined: `String`, or `Option<String>` when either is one.
pub trait Joined<R>: Text {
    /// The result's type.
    type Output: ComputedValue;
}
impl Joined<String> for String {
    type Output = String;
}
impl Joined<Option<String>> for String {
    type Output = Option<String>;
}
impl Joined<String> for Option<String> {
    type Output = Option<String>;
}
impl Joined<Option<String>> for Option<String> {
    type Output = Option<String>;
}

/// A `CASE` expression: the value of the first condition that holds, else the
/// `otherwise` value (or NULL, with [`or_null`](Case::or_null)).
///
/// ```
/// use rel::prelude::*;
/// # #[derive(Table)]
/// # struct Post { #[column(primary_key)] id: i64, score: i32 }
/// let heat: Computed<Post, String> = Case::when(Post::score.gte(100), "hot")
///     .or_when(Post::score.gte(10), "warm")
///     .otherwise("cold");
/// # let _ = heat;
/// ```
pub struct Case<T, V> {
    whens: Vec<(Node, Calc)>,
    _types: PhantomData<fn() -> (T, V)>,
}

impl<T, V: ComputedValue> Case<T, V> {
    /// `value` where `condition` holds.
    pub fn when(condition: Expr<T>, value: impl Operand<T, Value = V>) -> Case<T, V> {
        Case {
            whens: vec![(condition.node, value.computed().calc)],
            _types: PhantomData,
        }
    }

    /// Else `value` where `condition` holds.
    pub fn or_when(mut self, condition: Expr<T>, value: impl Operand<T, Value = V>) -> Case<T, V> {
        self.whens.push((condition.node, value.computed().calc));
        self
    }

    /// Else `value`.
    pub fn otherwise(self, value: impl Operand<T, Value = V>) -> Computed<T, V> {
        Computed::new(Calc::Case {
            whens: self.whens,
            otherwise: Some(Box::new(value.computed().calc)),
        })
    }

    /// Else NULL.
    pub fn or_null(self) -> Computed<T, V::Nullable> {
        Computed::new(Calc::Case {
            whens: self.whens,
            otherwise: None,
        })
    }
}

impl<T, V> std::fmt::Debug for Case<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case").field("whens", &self.whens).finish()
    }
}

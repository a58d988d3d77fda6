//! Raw SQL fragments in filters: the one place a user writes SQL text. The text is a
//! `&'static str`, so it is part of the program and never built from input at run
//! time; every value goes as a bound parameter (`?`), and every column is named as
//! `{column}` and written qualified by the dialect, so the fragment works at the root,
//! in a nested load and inside an `EXISTS` alike.

use super::builder::SqlBuilder;
use super::expr::Scope;
use crate::model::error::{Error, Result};
use crate::model::meta::TableMeta;
use crate::model::value::{ColumnValue, Value};

/// A parsed fragment.
#[derive(Clone, Debug)]
pub struct Raw {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    /// A piece of the fragment's own text.
    Text(&'static str),
    /// `{column}`: a column of the scope's table.
    Column(&'static str),
    /// `?`: the next value.
    Bind(Value),
}

impl Raw {
    /// Parses `sql` for `table`: `?` is the next of `values`, `??` a literal `?`,
    /// `{name}` the column `name`, `{{` and `}}` literal braces. Every `?` needs a value
    /// and every value a `?`, and every column must be the table's.
    pub fn parse(table: &'static TableMeta, sql: &'static str, values: Vec<Value>) -> Result<Raw> {
        let error = |message: String| Error::RawSql {
            table: table.name,
            sql,
            message,
        };
        let count = values.len();
        let mut values = values.into_iter();
        let mut parts = Vec::new();
        let bytes = sql.as_bytes();
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            let doubled = bytes.get(i + 1) == Some(&bytes[i]);
            let (part, next) = match bytes[i] {
                b'?' | b'{' | b'}' if doubled => (Part::Text(&sql[i..=i]), i + 2),
                b'?' => match values.next() {
                    Some(v) => (Part::Bind(v), i + 1),
                    None => {
                        return Err(error(format!(
                            "it has more `?` than the {count} value(s) given"
                        )));
                    }
                },
                b'{' => {
                    let Some(len) = sql[i + 1..].find('}') else {
                        return Err(error("a `{` has no `}`; write `{{` for a brace".into()));
                    };
                    let name = &sql[i + 1..i + 1 + len];
                    let Some(column) = table.column(name.trim()) else {
                        let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                        return Err(error(format!(
                            "`{{{name}}}` is not a column of `{}` (its columns: {})",
                            table.name,
                            names.join(", ")
                        )));
                    };
                    (Part::Column(column.name), i + len + 2)
                }
                b'}' => return Err(error("a `}` has no `{`; write `}}` for a brace".into())),
                _ => {
                    i += 1;
                    continue;
                }
            };
            if start < i {
                parts.push(Part::Text(&sql[start..i]));
            }
            parts.push(part);
            (start, i) = (next, next);
        }
        if start < sql.len() {
            parts.push(Part::Text(&sql[start..]));
        }
        let left = values.count();
        if left > 0 {
            return Err(error(format!(
                "{count} value(s) were given for {} `?`",
                count - left
            )));
        }
        Ok(Raw { parts })
    }

    /// Writes `(fragment)`, its columns qualified by the scope's alias and its values
    /// bound.
    pub fn write(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        b.push("(");
        for part in &self.parts {
            match part {
                Part::Text(text) => {
                    b.push(text);
                }
                Part::Column(column) => {
                    b.push_qualified(scope.alias, column);
                }
                Part::Bind(value) => {
                    b.push_bind(value.clone());
                }
            }
        }
        b.push(")");
    }
}

/// One value of a raw fragment: a value of any column type, or a `&str`.
pub trait RawValue {
    /// The value, to bind.
    fn into_value(self) -> Value;
}

impl<V: ColumnValue> RawValue for V {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl RawValue for &str {
    fn into_value(self) -> Value {
        self.to_owned().to_value()
    }
}

/// The values of a raw fragment, one per `?`, in order: `()`, one value, a tuple of
/// values of any column types (up to 8), or an array or `Vec` of one type.
pub trait RawValues {
    /// The values, bound in order.
    fn into_values(self) -> Vec<Value>;
}

impl RawValues for () {
    fn into_values(self) -> Vec<Value> {
        Vec::new()
    }
}

impl<V: RawValue> RawValues for V {
    fn into_values(self) -> Vec<Value> {
        vec![self.into_value()]
    }
}

impl<V: RawValue, const N: usize> RawValues for [V; N] {
    fn into_values(self) -> Vec<Value> {
        self.into_iter().map(RawValue::into_value).collect()
    }
}

impl<V: RawValue> RawValues for Vec<V> {
    fn into_values(self) -> Vec<Value> {
        self.into_iter().map(RawValue::into_value).collect()
    }
}

macro_rules! tuples {
    ($(($($name:ident),+))*) => {$(
        impl<$($name: RawValue),+> RawValues for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_values(self) -> Vec<Value> {
                let ($($name,)+) = self;
                vec![$($name.into_value()),+]
            }
        }
    )*};
}
tuples! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}

//! A level's rows, erased: what a nested insert asks of the rows of one table, so that
//! its steps (async, and long) are compiled once in this crate rather than once per
//! table in the user's. They were: `GraphSteps::<C>::STEPS` names the insert of every
//! relation target, so a 50-table schema compiled the whole nested insert 50 times,
//! and that was two thirds of its debug build, whether it ever called
//! `insert_graph` or not.

use super::steps::{Steps, steps_of};
use crate::model::error::Result;
use crate::model::meta::TableMeta;
use crate::model::table::Table;
use crate::model::value::Value;
use std::any::Any;

/// The rows of one level, of one table: the caller's (`&mut [T]`) at the root, a
/// relation's target rows (`Vec<C>`) below it. Row `at` is the `at`-th row.
pub trait LevelRows: Send + Sync {
    /// The rows' table.
    fn table(&self) -> &'static TableMeta;
    /// How many rows there are.
    fn len(&self) -> usize;
    /// Every column's value of row `at`, in column order.
    fn values(&self, at: usize) -> Vec<Value>;
    /// Column `column`'s value of row `at`.
    fn column_value(&self, at: usize, column: usize) -> Option<Value>;
    /// Sets column `column` of row `at`.
    fn set_column_value(&mut self, at: usize, column: usize, value: Value) -> Result<()>;
    /// Relation `i`'s field of row `at`.
    fn relation(&self, at: usize, i: usize) -> Option<&dyn Any>;
    /// Relation `i`'s field of row `at`, to take rows from or put them back.
    fn relation_field(&mut self, at: usize, i: usize) -> Option<&mut dyn Any>;
    /// The steps of relation `i`'s target; `None` for a relation without a field.
    fn steps(&self, i: usize) -> Option<&'static Steps>;
}

/// [`LevelRows`] for a type that indexes as a slice of rows: one body for the
/// caller's slice and for a `Vec` of a relation's rows.
macro_rules! level_rows {
    ($($ty:ty),*) => {$(
        impl<T: Table> LevelRows for $ty {
            fn table(&self) -> &'static TableMeta {
                T::META
            }
            fn len(&self) -> usize {
                <[T]>::len(self)
            }
            fn values(&self, at: usize) -> Vec<Value> {
                self[at].values()
            }
            fn column_value(&self, at: usize, column: usize) -> Option<Value> {
                self[at].column_value(column)
            }
            fn set_column_value(&mut self, at: usize, column: usize, value: Value) -> Result<()> {
                self[at].set_column_value(column, value)
            }
            fn relation(&self, at: usize, i: usize) -> Option<&dyn Any> {
                self[at].relation(i)
            }
            fn relation_field(&mut self, at: usize, i: usize) -> Option<&mut dyn Any> {
                self[at].relation_field(i)
            }
            fn steps(&self, i: usize) -> Option<&'static Steps> {
                steps_of::<T>(i)
            }
        }
    )*};
}

level_rows!(&mut [T], Vec<T>);

//! The `Table` and `Key` traits: what the derive implements and every layer reads.

use super::error::Result;
use super::meta::{ColumnMeta, RelationMeta, TableMeta};
use super::row::RowReader;
use super::value::{ColumnValue, Value};

/// A table: a struct with `#[derive(Table)]`.
///
/// The derive implements it; the runtime reads it. Implementing it by hand is not supported.
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct Tag {
///     #[column(primary_key, auto_increment)]
///     id: i64,
///     #[column(unique)]
///     label: String,
/// }
///
/// assert_eq!(Tag::NAME, "tag");
/// assert_eq!(Tag::META.primary_key, ["id"]);
/// assert_eq!(Tag::META.columns[1].name, "label");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table",
    label = "not a table",
    note = "add `#[derive(Table)]` to `{Self}` to use it in a relation or a query"
)]
pub trait Table: Sized + Send + Sync + Unpin + 'static {
    /// The primary key: the key column's type, or a tuple for a composite key.
    type Key: Key;
    /// The SQL table name.
    const NAME: &'static str;
    /// The columns, in field order.
    const COLUMNS: &'static [ColumnMeta];
    /// SQL names of the primary-key columns, in key order.
    const PRIMARY_KEY: &'static [&'static str];
    /// The relations that name both ends explicitly. Inferred relations read these.
    #[doc(hidden)]
    const DECLARED_RELATIONS: &'static [RelationMeta];
    /// Everything about the table.
    const META: &'static TableMeta;
    /// The Rust type's name (`META.type_name`), on its own so that a check reading it
    /// does not evaluate `META`.
    #[doc(hidden)]
    const TYPE_NAME: &'static str;
    /// Whether the derive failed (and reported why): the checks of other structs that
    /// read this one are skipped, so that one mistake is one error.
    #[doc(hidden)]
    const DERIVE_FAILED: bool = false;

    /// The primary key of this row.
    fn key(&self) -> Self::Key;
    /// The values of all columns, in `COLUMNS` order.
    fn values(&self) -> Vec<Value> {
        (0..Self::COLUMNS.len())
            .filter_map(|i| self.column_value(i))
            .collect()
    }
    /// Builds a row from its columns, read in `COLUMNS` order. Its relations are not
    /// loaded; the loaders set them afterwards, through `relation_field`.
    fn decode(row: &mut RowReader<'_>) -> Result<Self>;
    /// The value of column `column` (in `COLUMNS` order).
    #[doc(hidden)]
    fn column_value(&self, column: usize) -> Option<Value>;
    /// The field of relation `index` (in `META.relations` order).
    #[doc(hidden)]
    fn relation(&self, index: usize) -> Option<&dyn std::any::Any>;
    /// The field of relation `index`, to set it.
    #[doc(hidden)]
    fn relation_field(&mut self, index: usize) -> Option<&mut dyn std::any::Any>;
    /// Sets column `column` (in `COLUMNS` order) to `value`: a key generated for the
    /// row, or a foreign key taken from a related row (nested inserts).
    #[doc(hidden)]
    fn set_column_value(&mut self, column: usize, value: Value) -> Result<()>;
    /// The nested-insert steps of relation `index`'s target, erased (see
    /// `write/graph/steps.rs`). Generic only so that it is compiled where a nested
    /// insert is (`Deferred` is `()`), not with every table: a crate that never calls
    /// `insert_graph` compiles no steps.
    #[doc(hidden)]
    fn graph_steps<Deferred: ?Sized>(index: usize) -> Option<&'static dyn std::any::Any> {
        let _ = index;
        None
    }
}

/// A primary-key value: one column value or a tuple of them.
///
/// ```
/// use rel::{Key, Value};
/// assert_eq!(5i64.to_values(), vec![Value::I64(5)]);
/// assert_eq!((1i32, "a".to_string()).to_values(), vec![Value::I32(1), Value::Text("a".into())]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key: it is not a column type",
    label = "not a column type",
    note = "a newtype of a column type, such as `struct UserId(i64)`, becomes one with one line: `rel::column_newtype!(UserId(i64));`"
)]
pub trait Key: Sized + Send + Sync {
    /// The key's values in primary-key order.
    fn to_values(&self) -> Vec<Value>;
    /// Builds a key from values read in primary-key order.
    fn from_values(values: &mut RowReader<'_>) -> Result<Self>;
}

// A type that is not a column type is reported as not a key, with the line that
// makes it one, rather than through `ColumnValue`'s list of every column type.
#[diagnostic::do_not_recommend]
impl<V: ColumnValue> Key for V {
    fn to_values(&self) -> Vec<Value> {
        vec![self.to_value()]
    }
    fn from_values(values: &mut RowReader<'_>) -> Result<Self> {
        values.next()
    }
}

/// The key of a table whose derive failed; never used at run time.
#[doc(hidden)]
impl Key for () {
    fn to_values(&self) -> Vec<Value> {
        Vec::new()
    }
    fn from_values(_: &mut RowReader<'_>) -> Result<Self> {
        Ok(())
    }
}

macro_rules! tuple_key {
    ($($name:ident)+) => {
        impl<$($name: ColumnValue),+> Key for ($($name,)+) {
            #[allow(non_snake_case)]
            fn to_values(&self) -> Vec<Value> {
                let ($($name,)+) = self;
                vec![$($name.to_value()),+]
            }
            fn from_values(values: &mut RowReader<'_>) -> Result<Self> {
                Ok(($(values.next::<$name>()?,)+))
            }
        }
    };
}
tuple_key!(A B);
tuple_key!(A B C);
tuple_key!(A B C D);
tuple_key!(A B C D E);
tuple_key!(A B C D E F);

//! Reading decoded rows into structs.

use crate::error::{Error, Result};
use crate::meta::ColumnMeta;
use crate::value::{ColumnValue, Value};

/// The values of one row, read in column order by the derive's generated `decode`.
///
/// Decode failures become [`Error::Decode`] naming the table, the column and the
/// relation path.
pub struct RowReader<'a> {
    table: &'static str,
    columns: Columns<'a>,
    path: &'a str,
    values: std::vec::IntoIter<Value>,
    position: usize,
}

/// The names of the columns a reader walks through.
enum Columns<'a> {
    Meta(&'static [ColumnMeta]),
    Names(&'a [&'static str]),
}

impl<'a> RowReader<'a> {
    /// A reader over `values`, which belong to `columns` of `table`, reached by `path`.
    pub(crate) fn new(
        table: &'static str,
        columns: &'static [ColumnMeta],
        path: &'a str,
        values: Vec<Value>,
    ) -> Self {
        RowReader {
            table,
            columns: Columns::Meta(columns),
            path,
            values: values.into_iter(),
            position: 0,
        }
    }

    /// A reader over the values of the named columns (a key) of `table`.
    pub(crate) fn for_names(
        table: &'static str,
        names: &'a [&'static str],
        values: Vec<Value>,
    ) -> Self {
        RowReader {
            table,
            columns: Columns::Names(names),
            path: "",
            values: values.into_iter(),
            position: 0,
        }
    }

    /// Decodes the next value as `V`.
    #[allow(clippy::should_implement_trait)]
    pub fn next<V: ColumnValue>(&mut self) -> Result<V> {
        let column = match self.columns {
            Columns::Meta(c) => c.get(self.position).map(|c| c.name),
            Columns::Names(n) => n.get(self.position).copied(),
        }
        .unwrap_or("?");
        self.position += 1;
        let value = self.values.next().unwrap_or(Value::Null(V::SQL_TYPE));
        V::from_value(value).map_err(|source| Error::Decode {
            table: self.table,
            column,
            path: self.path.to_owned(),
            source,
        })
    }
}

//! Reading rows, with their loaded relations, into structs.

use crate::error::{Error, Result};
use crate::meta::{ColumnMeta, RelationMeta, Table, TableMeta};
use crate::relation::{Many, One};
use crate::value::{ColumnValue, Value};

/// One row as the loaders produce it: column values in column order, and for each
/// relation of the table what was loaded through it.
#[derive(Clone, Debug)]
pub(crate) struct RowData {
    pub values: Vec<Value>,
    pub relations: Vec<Option<Loaded>>,
}

/// What a relation of one row loaded.
#[derive(Clone, Debug)]
pub(crate) enum Loaded {
    Rows(Vec<RowData>),
    Count(u64),
}

impl RowData {
    pub(crate) fn new(table: &TableMeta, values: Vec<Value>) -> Self {
        RowData {
            values,
            relations: vec![None; table.relations.len()],
        }
    }
}

/// The values of one row, read in column order by the derive's generated `decode`,
/// and its loaded relations, read by the generated `attach`.
///
/// Decode failures become [`Error::Decode`] naming the table, the column and the
/// relation path from the query root.
pub struct RowReader<'a> {
    table: &'static str,
    columns: Columns<'a>,
    relations: &'static [RelationMeta],
    path: &'a str,
    values: std::vec::IntoIter<Value>,
    position: usize,
    loaded: Vec<Option<Loaded>>,
}

/// The names of the columns a reader walks through.
enum Columns<'a> {
    Meta(&'static [ColumnMeta]),
    Names(&'a [&'static str]),
}

impl<'a> RowReader<'a> {
    /// A reader over one row of `table`, reached by the relation `path`.
    pub(crate) fn new(table: &'static TableMeta, path: &'a str, row: RowData) -> Self {
        RowReader {
            table: table.name,
            columns: Columns::Meta(table.columns),
            relations: table.relations,
            path,
            values: row.values.into_iter(),
            position: 0,
            loaded: row.relations,
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
            relations: &[],
            path: "",
            values: values.into_iter(),
            position: 0,
            loaded: Vec::new(),
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

    /// The path of relation `index` below this row.
    fn child_path(&self, index: usize) -> String {
        let name = self.relations.get(index).map_or("?", |r| r.name);
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn rows<T: Table>(&mut self, index: usize) -> Result<Option<Vec<T>>> {
        match self.loaded.get_mut(index).and_then(Option::take) {
            None => Ok(None),
            Some(Loaded::Count(_)) => Ok(Some(Vec::new())),
            Some(Loaded::Rows(rows)) => {
                let path = self.child_path(index);
                rows.into_iter()
                    .map(|row| T::decode(&mut RowReader::new(T::META, &path, row)))
                    .collect::<Result<Vec<T>>>()
                    .map(Some)
            }
        }
    }

    /// The relation at `index` as a `Many`, if it was loaded.
    pub fn many<T: Table>(&mut self, index: usize) -> Result<Option<Many<T>>> {
        if let Some(Some(Loaded::Count(n))) = self.loaded.get(index) {
            let n = *n;
            self.loaded[index] = None;
            return Ok(Some(Many::Counted(n)));
        }
        Ok(self.rows(index)?.map(Many::Loaded))
    }

    /// The relation at `index` as a `One<Option<T>>`, if it was loaded.
    pub fn optional_one<T: Table>(&mut self, index: usize) -> Result<Option<One<Option<T>>>> {
        Ok(self.rows(index)?.map(|mut rows| One::loaded(rows.pop())))
    }

    /// The relation at `index` as a `One<T>`, if it was loaded. A required relation
    /// whose row is missing is [`Error::MissingRelated`].
    pub fn one<T: Table>(&mut self, index: usize) -> Result<Option<One<T>>> {
        let path = self.child_path(index);
        match self.rows(index)? {
            None => Ok(None),
            Some(mut rows) => match rows.pop() {
                Some(row) => Ok(Some(One::loaded(row))),
                None => Err(Error::MissingRelated {
                    table: self.table,
                    path,
                }),
            },
        }
    }
}

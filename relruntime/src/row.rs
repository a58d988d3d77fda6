//! Reading rows, with their loaded relations, into structs.

use crate::backend::Cells;
use crate::error::{Error, Result};
use crate::meta::{ColumnMeta, RelationMeta, Table, TableMeta};
use crate::relation::{Many, One};
use crate::value::{ColumnValue, SqlType, Value};

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
    /// A row with nothing loaded yet. Relation slots are allocated on first use, so
    /// leaf rows cost no second allocation.
    pub(crate) fn new(values: Vec<Value>) -> Self {
        RowData {
            values,
            relations: Vec::new(),
        }
    }

    pub(crate) fn set_relation(&mut self, index: usize, loaded: Loaded) {
        if self.relations.len() <= index {
            self.relations.resize(index + 1, None);
        }
        self.relations[index] = Some(loaded);
    }
}

/// Where a row sits below the query root, rendered only for error messages.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    /// A path rendered already.
    At(&'a str),
    Child(&'a Path<'a>, &'static str),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::At(path) => (*path).to_owned(),
            Path::Child(Path::Root | Path::At(""), name) => (*name).to_owned(),
            Path::Child(parent, name) => format!("{}.{name}", parent.render()),
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
    path: Path<'a>,
    source: Source<'a>,
    position: usize,
    loaded: Vec<Option<Loaded>>,
}

/// Where a reader's values come from.
enum Source<'a> {
    /// Values read already (the Join strategy's JSON, keys).
    Values(std::vec::IntoIter<Value>),
    /// A row as the driver returned it, read cell by cell.
    Cells(Cells<'a>),
}

/// The names of the columns a reader walks through.
enum Columns<'a> {
    Meta(&'static [ColumnMeta]),
    Names(&'a [&'static str]),
}

impl<'a> RowReader<'a> {
    /// A reader over one row of `table`, reached by the relation `path`.
    pub(crate) fn new(table: &'static TableMeta, path: Path<'a>, row: RowData) -> Self {
        Self::of_table(
            table,
            path,
            Source::Values(row.values.into_iter()),
            row.relations,
        )
    }

    /// A reader over a fetched row of `table`, whose first cells are its columns.
    pub(crate) fn from_cells(table: &'static TableMeta, path: Path<'a>, cells: Cells<'a>) -> Self {
        Self::of_table(table, path, Source::Cells(cells), Vec::new())
    }

    fn of_table(
        table: &'static TableMeta,
        path: Path<'a>,
        source: Source<'a>,
        loaded: Vec<Option<Loaded>>,
    ) -> Self {
        RowReader {
            table: table.name,
            columns: Columns::Meta(table.columns),
            relations: table.relations,
            path,
            source,
            position: 0,
            loaded,
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
            path: Path::Root,
            source: Source::Values(values.into_iter()),
            position: 0,
            loaded: Vec::new(),
        }
    }

    /// Decodes the next value as `V`.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next<V: ColumnValue>(&mut self) -> Result<V> {
        let position = self.position;
        let value = self.next_value(V::SQL_TYPE)?;
        V::from_value(value).map_err(|source| self.decode_error(position, source))
    }

    #[cold]
    fn decode_error(&self, position: usize, source: crate::error::DecodeError) -> Error {
        let column = match self.columns {
            Columns::Meta(c) => c.get(position).map(|c| c.name),
            Columns::Names(n) => n.get(position).copied(),
        };
        Error::Decode {
            table: self.table,
            column: column.unwrap_or("?"),
            path: self.path.render(),
            source,
        }
    }

    /// Reads the next cell as a value of type `ty`: a column, or past the table's
    /// columns, a key selected along with the row. NULL where a `RowData` ran out.
    #[inline]
    pub(crate) fn next_value(&mut self, ty: SqlType) -> Result<Value> {
        let value = match &mut self.source {
            Source::Values(values) => values.next().unwrap_or(Value::Null(ty)),
            Source::Cells(cells) => cells.read(self.position, ty)?,
        };
        self.position += 1;
        Ok(value)
    }

    fn relation_name(&self, index: usize) -> &'static str {
        self.relations.get(index).map_or("?", |r| r.name)
    }

    fn rows<T: Table>(&mut self, index: usize) -> Result<Option<Vec<T>>> {
        match self.loaded.get_mut(index).and_then(Option::take) {
            None => Ok(None),
            Some(Loaded::Count(_)) => Ok(Some(Vec::new())),
            Some(Loaded::Rows(rows)) => {
                let path = Path::Child(&self.path, self.relation_name(index));
                rows.into_iter()
                    .map(|row| T::decode(&mut RowReader::new(T::META, path, row)))
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
        match self.rows(index)? {
            None => Ok(None),
            Some(mut rows) => match rows.pop() {
                Some(row) => Ok(Some(One::loaded(row))),
                None => Err(Error::MissingRelated {
                    table: self.table,
                    path: Path::Child(&self.path, self.relation_name(index)).render(),
                }),
            },
        }
    }
}

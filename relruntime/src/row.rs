//! Reading rows, with their loaded relations, into structs.

use crate::backend::{Cells, Native};
use crate::error::{DecodeError, Error, Result};
use crate::json_cursor::Cursor;
use crate::meta::{ColumnMeta, TableMeta};
use crate::value::{ColumnValue, SqlType, Value};
use std::any::{Any, TypeId};

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

/// The values of one row, read in column order by the derive's generated `decode`.
///
/// Decode failures become [`Error::Decode`] naming the table, the column and the
/// relation path from the query root.
pub struct RowReader<'a> {
    table: &'static str,
    columns: Columns<'a>,
    path: Path<'a>,
    source: Source<'a>,
    position: usize,
}

/// Where a reader's values come from.
enum Source<'a> {
    /// Values read already (keys, and rows being copied).
    Values(std::vec::IntoIter<Value>),
    /// A row as the driver returned it, read cell by cell.
    Cells(Cells<'a>),
    /// A row inside the Join strategy's JSON: a JSON array, entered already.
    Json(Cursor<'a>),
}

/// The names of the columns a reader walks through.
enum Columns<'a> {
    Meta(&'static [ColumnMeta]),
    Names(&'a [&'static str]),
}

impl<'a> RowReader<'a> {
    /// A reader over the values of one row of `table`, reached by the relation `path`.
    pub(crate) fn new(table: &'static TableMeta, path: Path<'a>, values: Vec<Value>) -> Self {
        Self::of_table(table, path, Source::Values(values.into_iter()))
    }

    /// A reader over a fetched row of `table`, whose first cells are its columns.
    pub(crate) fn from_cells(table: &'static TableMeta, path: Path<'a>, cells: Cells<'a>) -> Self {
        Self::of_table(table, path, Source::Cells(cells))
    }

    /// A reader over a row in the Join strategy's JSON, whose first cells are the
    /// columns of `table`. The cursor is just inside the row's array.
    pub(crate) fn from_json(table: &'static TableMeta, path: Path<'a>, json: Cursor<'a>) -> Self {
        Self::of_table(table, path, Source::Json(json))
    }

    /// Where the JSON cursor of a reader made by [`RowReader::from_json`] stopped.
    pub(crate) fn json_cursor(&self) -> Option<&Cursor<'a>> {
        match &self.source {
            Source::Json(cursor) => Some(cursor),
            _ => None,
        }
    }

    fn of_table(table: &'static TableMeta, path: Path<'a>, source: Source<'a>) -> Self {
        RowReader {
            table: table.name,
            columns: Columns::Meta(table.columns),
            path,
            source,
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
            path: Path::Root,
            source: Source::Values(values.into_iter()),
            position: 0,
        }
    }

    /// Decodes the next value as `V`.
    #[allow(clippy::should_implement_trait)]
    #[inline(always)]
    pub fn next<V: ColumnValue>(&mut self) -> Result<V> {
        if let Source::Cells(cells) = self.source {
            // The common types skip `Value`; the checks fold away per `V`.
            if let Some(read) = self.next_native::<V, i64>(cells) {
                return read;
            }
            if let Some(read) = self.next_native::<V, String>(cells) {
                return read;
            }
            if let Some(read) = self.next_native::<V, f64>(cells) {
                return read;
            }
            if let Some(read) = self.next_native::<V, bool>(cells) {
                return read;
            }
        }
        let position = self.position;
        let value = self.next_value(V::SQL_TYPE)?;
        V::from_value(value).map_err(|source| self.decode_error(position, source))
    }

    /// Reads the next cell of a driver's row straight into `V`, when `V` is `N` or
    /// `Option<N>`; `None`, reading nothing, for any other `V`.
    #[inline(always)]
    fn next_native<V: 'static, N: Native>(&mut self, cells: Cells<'a>) -> Option<Result<V>> {
        let (plain, optional) = (
            TypeId::of::<V>() == TypeId::of::<N>(),
            TypeId::of::<V>() == TypeId::of::<Option<N>>(),
        );
        if !plain && !optional {
            return None;
        }
        let position = self.position;
        self.position += 1;
        let cell = match N::get(cells, position) {
            Ok(cell) => cell,
            Err(e) => return Some(Err(e.into())),
        };
        let mut out: Option<V> = None;
        let slot: &mut dyn Any = &mut out;
        if let Some(slot) = slot.downcast_mut::<Option<N>>() {
            match cell {
                Some(value) => *slot = Some(value),
                None => return Some(Err(self.decode_error(position, DecodeError::UnexpectedNull))),
            }
        } else if let Some(slot) = slot.downcast_mut::<Option<Option<N>>>() {
            *slot = Some(cell);
        }
        // Both branches above set `out`; a `V` that is neither was turned away first.
        Some(out.ok_or_else(|| self.decode_error(position, DecodeError::UnexpectedNull)))
    }

    #[cold]
    fn decode_error(&self, position: usize, source: DecodeError) -> Error {
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
    /// columns, a key selected along with the row. NULL where the values ran out.
    /// Always inlined, so that the cell read's match over `ty` folds away in the
    /// derive's `decode`, where `ty` is a constant.
    #[inline(always)]
    pub(crate) fn next_value(&mut self, ty: SqlType) -> Result<Value> {
        let value = match &mut self.source {
            Source::Values(values) => values.next().unwrap_or(Value::Null(ty)),
            Source::Cells(cells) => cells.read(self.position, ty)?,
            Source::Json(json) => match json_cell(json, ty) {
                Ok(value) => value,
                Err(source) => return Err(self.decode_error(self.position, source)),
            },
        };
        self.position += 1;
        Ok(value)
    }
}

/// The next cell of a row in JSON, read as `ty`.
fn json_cell(json: &mut Cursor<'_>, ty: SqlType) -> Result<Value, DecodeError> {
    if json.next_item()? {
        crate::join::cell(json, ty)
    } else {
        Err(DecodeError::Invalid {
            expected: "one cell per column and relation",
            message: "the row's JSON array ended early".into(),
        })
    }
}

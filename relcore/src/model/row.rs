//! Reading a row's columns into a struct: the `RowReader` that the derive's `decode`
//! walks, and the sources it reads from.
//!
//! The sources are traits, so that this bottom layer knows neither sqlx's row types
//! (the connection layer implements [`Cells`] for each backend's row) nor the Join
//! strategy's JSON (the reading layer implements [`CellStream`]).

use super::error::{DecodeError, Error, Result};
use super::meta::{ColumnMeta, TableMeta};
use super::value::{ColumnValue, SqlType, Value};
use std::any::{Any, TypeId};

/// The cells of one row as a driver returned it, read in place, by position. Each
/// backend's row implements it in the connection layer.
pub trait Cells {
    /// Cell `i` as a value of type `ty`; SQL NULL becomes `Value::Null`.
    fn read(&self, i: usize, ty: SqlType) -> Result<Value, sqlx::Error>;
    /// Cell `i` as text borrowed from the row (the Join strategy's JSON).
    fn text(&self, i: usize) -> Result<Option<&str>, sqlx::Error>;
    /// Cell `i` as an `i64`, with no `Value` in between (see [`Native`]).
    fn i64(&self, i: usize) -> Result<Option<i64>, sqlx::Error>;
    /// Cell `i` as an `f64`.
    fn f64(&self, i: usize) -> Result<Option<f64>, sqlx::Error>;
    /// Cell `i` as a `bool`.
    fn bool(&self, i: usize) -> Result<Option<bool>, sqlx::Error>;
    /// Cell `i` as a `String`.
    fn string(&self, i: usize) -> Result<Option<String>, sqlx::Error>;
}

/// Cells that arrive one after another, each read as the type asked for: a row inside
/// the Join strategy's JSON.
pub trait CellStream {
    /// The next cell, as a value of type `ty`.
    fn next_cell(&mut self, ty: SqlType) -> Result<Value, DecodeError>;
}

/// The column types read straight from a driver's row into a struct's field, with no
/// `Value` in between (see `RowReader::next`): the common ones, which every backend
/// reads as the same Rust type (`Cells::read` reads them the same way).
pub trait Native: Sized + 'static {
    /// The type's name, for errors.
    const NAME: &'static str;
    fn get(cells: &dyn Cells, i: usize) -> Result<Option<Self>, sqlx::Error>;
}

macro_rules! native {
    ($($ty:ty => $read:ident),*) => {$(
        impl Native for $ty {
            const NAME: &'static str = stringify!($ty);
            #[inline(always)]
            fn get(cells: &dyn Cells, i: usize) -> Result<Option<Self>, sqlx::Error> {
                cells.$read(i)
            }
        }
    )*};
}

native!(i64 => i64, f64 => f64, bool => bool, String => string);

/// Where a row sits below the query root, rendered only for error messages.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Root,
    /// A path rendered already.
    At(&'a str),
    Child(&'a Path<'a>, &'static str),
}

impl Path<'_> {
    pub fn render(&self) -> String {
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
    Cells(&'a dyn Cells),
    /// Cells read in order: a row inside the Join strategy's JSON.
    Stream(&'a mut dyn CellStream),
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
    pub fn from_cells(table: &'static TableMeta, path: Path<'a>, cells: &'a dyn Cells) -> Self {
        Self::of_table(table, path, Source::Cells(cells))
    }

    /// A reader over cells that arrive in order (a row of the Join strategy's JSON),
    /// whose first cells are the columns of `table`.
    pub(crate) fn from_stream(
        table: &'static TableMeta,
        path: Path<'a>,
        cells: &'a mut dyn CellStream,
    ) -> Self {
        Self::of_table(table, path, Source::Stream(cells))
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

    /// The same reader, naming its cells `names` in errors where they are given (a
    /// partial struct's fields) instead of the table's columns.
    pub(crate) fn with_names(mut self, names: Option<&'static [&'static str]>) -> Self {
        if let Some(names) = names {
            self.columns = Columns::Names(names);
        }
        self
    }

    /// A reader over the values of the named columns (a key) of `table`.
    pub fn for_names(table: &'static str, names: &'a [&'static str], values: Vec<Value>) -> Self {
        RowReader {
            table,
            columns: Columns::Names(names),
            path: Path::Root,
            source: Source::Values(values.into_iter()),
            position: 0,
        }
    }

    /// Decodes the next value as `V`.
    ///
    /// Always inlined in an optimized build, so that the type checks below fold away
    /// per `V`; an ordinary call where debug assertions are on (a debug build), where
    /// nothing folds and every column of every table would carry all of them: the
    /// derive's `decode`s were most of a 50-table schema's debug build.
    #[allow(clippy::should_implement_trait)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn next<V: ColumnValue>(&mut self) -> Result<V> {
        if let Source::Cells(cells) = &self.source {
            let cells: &'a dyn Cells = *cells;
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
    /// `Option<N>`; `None`, reading nothing, for any other `V`. Inlined as
    /// [`next`](Self::next) is.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn next_native<V: 'static, N: Native>(&mut self, cells: &dyn Cells) -> Option<Result<V>> {
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
            Err(e) => return Some(Err(self.driver_error(position, N::NAME, e))),
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

    /// A cell the driver could not read as `expected`: a type mismatch, an integer
    /// out of range, or text that does not parse.
    #[cold]
    fn driver_error(&self, position: usize, expected: &'static str, e: sqlx::Error) -> Error {
        let message = match e {
            sqlx::Error::ColumnDecode { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        self.decode_error(position, DecodeError::Invalid { expected, message })
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

    /// Reads the next cells as values of `types`, in order (keys read after a row).
    pub(crate) fn next_values(&mut self, types: &[SqlType]) -> Result<Vec<Value>> {
        types.iter().map(|t| self.next_value(*t)).collect()
    }

    /// Reads the next cell as a value of type `ty`: a column, or past the table's
    /// columns, a key selected along with the row. NULL where the values ran out.
    /// Always inlined in an optimized build, so that the cell read's match over `ty`
    /// folds away in the derive's `decode`, where `ty` is a constant (see
    /// [`next`](Self::next) for a debug build).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(crate) fn next_value(&mut self, ty: SqlType) -> Result<Value> {
        let value = match &mut self.source {
            Source::Values(values) => values.next().unwrap_or(Value::Null(ty)),
            Source::Cells(cells) => match cells.read(self.position, ty) {
                Ok(value) => value,
                Err(e) => return Err(self.driver_error(self.position, ty.rust_name(), e)),
            },
            Source::Stream(cells) => match cells.next_cell(ty) {
                Ok(value) => value,
                Err(source) => return Err(self.decode_error(self.position, source)),
            },
        };
        self.position += 1;
        Ok(value)
    }
}

//! Partial selection: `User::query().select::<UserName>()` loads only the columns a
//! `#[derive(Partial)]` struct names, into that struct. The derive checks each field
//! against the table's column of the same name and type at compile time.

use super::query::Query;
use super::relation::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::row::Cells;
use crate::model::row::RowReader;
use crate::model::table::Table;
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::computed::AnyComputed;
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;

/// Some of a table's columns, as a struct of their own: `#[derive(Partial)]
/// #[partial(of = User)]` on a struct whose fields are columns of `User`, with their
/// types (a field `User` has not, or of another type, does not compile). Read with
/// [`Query::select`].
///
/// ```
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// #[table(name = "users")]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     name: String,
///     bio: String,
/// }
///
/// #[derive(Partial, Debug, PartialEq)]
/// #[partial(of = User)]
/// struct UserName {
///     id: i64,
///     name: String,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
/// db.insert(&User { id: 1, name: "Ada".into(), bio: "a long text".into() }).await?;
/// let names = User::query().select::<UserName>();
/// assert_eq!(
///     names.to_sql(Dialect::Sqlite)?.sql,
///     r#"SELECT "t0"."id", "t0"."name" FROM "users" AS "t0" ORDER BY "t0"."id" ASC"#
/// );
/// assert_eq!(names.all(&db).await?, [UserName { id: 1, name: "Ada".into() }]);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub trait Partial: Sized + Send + 'static {
    /// The table the columns are of.
    type Of: Table;
    /// The columns' SQL names, in field order; a computed field's name stands for it.
    const COLUMNS: &'static [&'static str];
    /// The computed fields (`#[partial(computed = ..)]`), by their position among the
    /// fields.
    #[doc(hidden)]
    fn computed() -> Result<Vec<(usize, AnyComputed)>> {
        Ok(Vec::new())
    }
    /// Reads the fields from a row of [`COLUMNS`](Self::COLUMNS), in order.
    fn decode(row: &mut RowReader<'_>) -> Result<Self>;
}

/// A query that loads a [`Partial`] struct: [`Query::select`].
#[derive(Debug)]
pub struct Select<P: Partial> {
    query: Query<P::Of>,
}

impl<T: Table> Query<T> {
    /// Loads only the columns of `P` (a `#[derive(Partial)]` struct of `T`), with this
    /// query's filter, order and window. It loads no relations: one it was given is
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    pub fn select<P: Partial<Of = T>>(self) -> Select<P> {
        Select { query: self }
    }
}

impl<P: Partial> Select<P> {
    /// The statement, without running it. A computed field's raw fragment that does
    /// not parse is [`Error::RawSql`].
    pub fn to_sql(&self, dialect: Dialect) -> Result<Statement> {
        let computed = P::computed()?;
        let mut b = SqlBuilder::new(dialect);
        self.query
            .write_select_of(&mut b, false, P::COLUMNS, &computed);
        Ok(b.finish())
    }

    /// Reads the rows on `run`.
    pub(crate) async fn run(&self, run: &mut dyn Executor) -> Result<Vec<P>> {
        if let Some(spec) = self.query.specs().first() {
            return Err(refused(<P::Of as Table>::NAME, spec));
        }
        let stmt = self.to_sql(run.dialect())?;
        stmt.check_binds(run.dialect(), <P::Of as Table>::NAME)?;
        let mut rows = Vec::new();
        run.fetch_each(&stmt, &mut |cells: &dyn Cells| {
            let mut reader = RowReader::from_named_cells(<P::Of as Table>::NAME, P::COLUMNS, cells);
            rows.push(P::decode(&mut reader)?);
            Ok(())
        })
        .await?;
        Ok(rows)
    }
}

fn refused(table: &'static str, spec: &LoadSpec) -> Error {
    Error::Unsupported {
        table,
        relation: spec.rel.name,
        message: "a partial selection loads no relations yet: load the full rows, or select without `.with(..)`".into(),
    }
}

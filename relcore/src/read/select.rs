//! Partial selection: `User::query().select::<UserName>()` loads only the columns a
//! `#[derive(Partial)]` struct names, into that struct, with its computed fields and
//! its relation fields (see `record.rs` for how the loads reach them). The derive
//! checks each field against the table's column or relation of the same name, and each
//! computed value against its field's type, at compile time.

use super::plan::Plan;
use super::query::Query;
use super::record::{Record, Selection, retarget};
#[cfg(doc)]
use crate::model::error::Error;
use crate::model::error::Result;
use crate::model::table::Table;
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;

/// Some of a table's columns, as a struct of their own: `#[derive(Partial)]
/// #[partial(of = User)]` on a struct whose fields are
///
/// - columns of `User`, with their types (a field `User` has not, or of another type,
///   does not compile);
/// - values computed per row, `#[partial(computed = ..)]` with a
///   [`Computed`](crate::sql::computed::Computed) of the field's type;
/// - relations of `User` by their names, `Many<..>` or `One<..>` of the related table's
///   struct or of a partial struct of it, filled by the query's `.with(..)`.
///
/// Read with [`Query::select`]. It has at least one column or computed field.
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
pub trait Partial: Record {}

/// A query that loads a [`Partial`] struct: [`Query::select`].
#[derive(Debug)]
pub struct Select<P: Partial> {
    query: Query<P::Of>,
}

impl<T: Table> Query<T> {
    /// Loads only the fields of `P` (a `#[derive(Partial)]` struct of `T`), with this
    /// query's filter, order, window and loads: each relation it loads goes into `P`'s
    /// field of that name, whose rows may be partial structs in turn. A loaded relation
    /// `P` has no field for is [`Error::Unsupported`](crate::model::error::Error::Unsupported).
    pub fn select<P: Partial + Record<Of = T>>(self) -> Select<P> {
        Select { query: self }
    }
}

impl<P: Partial> Select<P> {
    /// The query with its loads made for `P`'s fields, and the root's selection.
    fn prepared(&self) -> Result<(Query<P::Of>, Option<Selection>)> {
        let mut query = self.query.clone();
        retarget::<P>(query.specs_mut())?;
        let root = Selection::of::<P>(query.specs())?;
        Ok((query, root))
    }

    /// The root statement, without running it (with Batch, each relation follows in
    /// a statement of its own). A computed field's raw fragment that does not parse is
    /// [`Error::RawSql`], and a loaded relation `P` has no field for is
    /// [`Error::Unsupported`].
    pub fn to_sql(&self, dialect: Dialect) -> Result<Statement> {
        let (query, root) = self.prepared()?;
        let mut b = SqlBuilder::new(dialect);
        let join = query.strategy_name(dialect) == "join";
        query.write_select_as(&mut b, join, root.as_ref());
        Ok(b.finish())
    }

    /// Every statement it sends on `dialect`, in order, without running it: see
    /// [`Query::plan`].
    pub fn plan(&self, dialect: Dialect) -> Result<Plan> {
        let (query, root) = self.prepared()?;
        Ok(query.plan_as(dialect, root.as_ref()))
    }

    /// How it runs on `dialect`, as its trace says.
    #[doc(hidden)]
    pub fn strategy_name(&self, dialect: Dialect) -> &'static str {
        self.query.strategy_name(dialect)
    }

    /// Reads the rows on `run`.
    #[doc(hidden)]
    pub async fn run(&self, run: &mut dyn Executor) -> Result<Vec<P>> {
        let (query, root) = self.prepared()?;
        query.run_records::<P>(run, root.as_ref()).await
    }
}

//! UPDATE: a row by its primary key, or set columns of the rows matching a filter.

use super::constraint::{Failed, Touched, typed_error};
use super::delete::{where_filter, where_key};
use super::emulate::{self, Rows, SetTo};
use super::enforcement::Enforcement;
use super::insert::{storable, storable_value};
use super::{AllRows, ColumnsSet, Filtered, HasSets, NoSets, RowsChosen, TakesFilter, Unfiltered};
use crate::model::error::Result;
use crate::model::table::{Key, Table};
use crate::model::value::{ColumnValue, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::column::{Column, ValueOf};
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;
use crate::sql::expr::{Expr, Node};
use std::marker::PhantomData;

/// Writes every column of `row` but its primary key to the row with its key; whether a
/// row matched. Relation fields are not columns, and are ignored.
pub async fn update_row<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    row: &T,
) -> Result<bool> {
    let table = T::META;
    let dialect = run.dialect();
    let values = row.values();
    storable(dialect, table, &values)?;
    let sets: Vec<(&'static str, Value)> = table
        .columns
        .iter()
        .zip(values)
        .filter(|(c, _)| !table.primary_key.contains(&c.name))
        .map(|(c, v)| (c.name, v))
        .collect();
    let key = row.key().to_values();
    // A row that is all key changes nothing, and has nothing to enforce.
    if let Some(emulation) = enforcement
        .emulation_for(table)?
        .filter(|_| !sets.is_empty())
    {
        let sets = sets
            .into_iter()
            .map(|(c, v)| (c, SetTo::Value(v)))
            .collect();
        let rows = Rows::Key(key);
        return Ok(emulate::update(run, emulation, table, sets, rows).await? > 0);
    }
    let mut b = SqlBuilder::new(dialect);
    b.push("UPDATE ").push_ident(T::NAME).push(" SET ");
    if sets.is_empty() {
        // Every column is the key: set one to itself, so that the count says whether
        // the row exists.
        let pk = table.primary_key[0];
        b.push_ident(pk).push(" = ").push_ident(pk);
    } else {
        b.push_list(&sets, ", ", |b, (c, v)| {
            b.push_ident(c).push(" = ").push_bind(v.clone());
        });
    }
    b.push(" WHERE ");
    where_key(&mut b, table, key.clone());
    match run.execute(&b.finish()).await {
        Ok(done) => Ok(done.rows_affected > 0),
        Err(e) => {
            let failed = Failed {
                table,
                rows: &[],
                sets: &sets,
                touched: Touched::Key(&key),
            };
            Err(typed_error(run, enforcement.graph(), failed, e).await)
        }
    }
}

/// An update of the rows of `T` that match a filter:
/// `User::update().set(User::name, "Ada").filter(User::id.gt(10)).run(&db)`.
///
/// Start one with `TableExt::update` (in the prelude). `set` takes a column of `T`
/// and a value of its type; setting a key column is allowed (that is how `on_update`
/// actions fire). It runs only once it has a filter, or says
/// [`all_rows`](Update::all_rows), and returns how many rows matched.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     name: String,
///     score: i32,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
/// for id in 1..=3 {
///     db.insert(&User { id, name: format!("u{id}"), score: 0 }).await?;
/// }
/// let update = User::update().set(User::name, "Ada").set(User::score, 3).filter(User::id.gt(1));
/// assert_eq!(
///     update.to_sql(Dialect::Postgres).sql,
///     r#"UPDATE "user" SET "name" = $1, "score" = $2 WHERE "user"."id" > $3"#
/// );
/// assert_eq!(update.run(&db).await?, 2);
/// assert_eq!(db.get::<User>(&3).await?.unwrap().name, "Ada");
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Update<T, F = Unfiltered, S = NoSets> {
    sets: Vec<(&'static str, Value)>,
    filter: Option<Node>,
    _state: State<T, F, S>,
}

/// The table and the typestate: no value of either is held.
type State<T, F, S> = PhantomData<fn() -> (T, F, S)>;

impl<T: Table> Default for Update<T, Unfiltered> {
    fn default() -> Self {
        Update::new()
    }
}

impl<T: Table> Update<T, Unfiltered, NoSets> {
    /// An update that sets nothing yet, with no filter yet.
    pub fn new() -> Self {
        Update {
            sets: Vec::new(),
            filter: None,
            _state: PhantomData,
        }
    }
}

impl<T: Table, S> Update<T, Unfiltered, S> {
    /// Updates every row of the table: the explicit form of an update with no filter.
    /// A filter after it does not compile.
    pub fn all_rows(self) -> Update<T, AllRows, S> {
        self.into_state()
    }
}

impl<T: Table, F, S> Update<T, F, S> {
    /// Sets `column` to `value` (a later `set` of the same column wins).
    pub fn set<V: ColumnValue>(
        self,
        column: Column<T, V>,
        value: impl ValueOf<V>,
    ) -> Update<T, F, HasSets> {
        let value = value.into_column_value().to_value();
        let mut update = self.into_state();
        update.sets.retain(|(c, _)| *c != column.name());
        update.sets.push((column.name(), value));
        update
    }

    /// Updates the rows matching `filter` (several calls combine with AND).
    pub fn filter(self, filter: Expr<T>) -> Update<T, Filtered, S>
    where
        F: TakesFilter,
    {
        let mut update = self.into_state();
        update.filter = Some(match update.filter.take() {
            Some(f) => Node::And(Box::new(f), Box::new(filter.node)),
            None => filter.node,
        });
        update
    }

    /// The statement on `dialect`, without running it. It has one only once it says
    /// which rows (`.filter(..)` or `.all_rows()`) and sets a column: a compile error
    /// otherwise.
    pub fn to_sql(&self, dialect: Dialect) -> Statement
    where
        F: RowsChosen,
        S: ColumnsSet,
    {
        self.statement(dialect)
    }

    /// The statement; only a state that can run asks for it.
    fn statement(&self, dialect: Dialect) -> Statement {
        let mut b = SqlBuilder::new(dialect);
        b.push("UPDATE ").push_ident(T::NAME).push(" SET ");
        b.push_list(&self.sets, ", ", |b, (c, v)| {
            b.push_ident(c).push(" = ").push_bind(v.clone());
        });
        where_filter(&mut b, T::META, self.filter.as_ref());
        b.finish()
    }

    /// The same update in another state: the typestate is all that changes.
    pub(crate) fn into_state<G, R>(self) -> Update<T, G, R> {
        Update {
            sets: self.sets,
            filter: self.filter,
            _state: PhantomData,
        }
    }
}

impl<T: Table> Update<T, Filtered, HasSets> {
    /// Runs the update on a connection already held; how many rows matched.
    pub async fn run_on(&self, run: &mut dyn Executor, enforcement: &Enforcement) -> Result<u64> {
        let dialect = run.dialect();
        for (column, value) in &self.sets {
            storable_value(dialect, T::NAME, column, value)?;
        }
        if let Some(emulation) = enforcement.emulation_for(T::META)? {
            let sets = self
                .sets
                .iter()
                .map(|(c, v)| (*c, SetTo::Value(v.clone())))
                .collect();
            let rows = Rows::Filter(self.filter.clone());
            return emulate::update(run, emulation, T::META, sets, rows).await;
        }
        let stmt = self.statement(dialect);
        stmt.check_binds(dialect, T::NAME)?;
        match run.execute(&stmt).await {
            Ok(done) => Ok(done.rows_affected),
            Err(e) => {
                let failed = Failed {
                    table: T::META,
                    rows: &[],
                    sets: &self.sets,
                    touched: Touched::Filter(self.filter.as_ref()),
                };
                Err(typed_error(run, enforcement.graph(), failed, e).await)
            }
        }
    }
}

impl<T, F, S> Clone for Update<T, F, S> {
    fn clone(&self) -> Self {
        Update {
            sets: self.sets.clone(),
            filter: self.filter.clone(),
            _state: PhantomData,
        }
    }
}

impl<T, F, S> std::fmt::Debug for Update<T, F, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("sets", &self.sets)
            .field("filter", &self.filter)
            .finish()
    }
}

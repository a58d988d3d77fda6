//! DELETE: by primary key, or of the rows matching a filter.

use super::constraint::{Failed, Touched, typed_error};
use super::emulate::{self, Rows};
use super::enforcement::Enforcement;
use super::{AllRows, Filtered, RowsChosen, TakesFilter, Unfiltered};
use crate::model::error::Result;
use crate::model::meta::TableMeta;
use crate::model::table::{Key, Table};
use crate::model::value::Value;
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::exec::Executor;
use crate::sql::expr::{Expr, Node, Scope};
use std::marker::PhantomData;

/// `"t"."pk1" = ? AND "t"."pk2" = ?`.
pub(super) fn where_key(b: &mut SqlBuilder, table: &TableMeta, values: Vec<Value>) {
    b.push_list(
        table.primary_key.iter().zip(values),
        " AND ",
        |b, (col, v)| {
            b.push_qualified(table.name, col).push(" = ").push_bind(v);
        },
    );
}

/// ` WHERE (filter)`, rendered against the table under its own name, when there is one.
pub(super) fn where_filter(b: &mut SqlBuilder, table: &'static TableMeta, filter: Option<&Node>) {
    if let Some(filter) = filter {
        b.push(" WHERE ");
        filter.write(
            b,
            &Scope {
                table,
                alias: table.name,
            },
        );
    }
}

/// Deletes the row with this primary key; whether there was one.
pub async fn delete<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    key: &T::Key,
) -> Result<bool> {
    if let Some(emulation) = enforcement.emulation_for(T::META)? {
        let rows = Rows::Key(key.to_values());
        return Ok(emulate::delete(run, emulation, T::META, rows).await? > 0);
    }
    let mut b = SqlBuilder::new(run.dialect());
    b.push("DELETE FROM ").push_ident(T::NAME).push(" WHERE ");
    let key = key.to_values();
    where_key(&mut b, T::META, key.clone());
    match run.execute(&b.finish()).await {
        Ok(done) => Ok(done.rows_affected > 0),
        Err(e) => {
            let failed = Failed {
                table: T::META,
                rows: &[],
                sets: &[],
                touched: Touched::Key(&key),
            };
            Err(typed_error(run, enforcement.graph(), failed, e).await)
        }
    }
}

/// A delete of the rows of `T` that match a filter: `Post::delete().filter(..).run(&db)`.
///
/// Start one with `TableExt::delete` (in the prelude). It runs only once it has a
/// filter, or says [`all_rows`](Delete::all_rows): a delete of every row is never the
/// default. The filter takes relation filters (`exists`) like a query's.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use rel::prelude::*;
///
/// #[derive(Table, Debug)]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     published: bool,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<Post>().create_all(&db).await?;
/// for (id, published) in [(1, true), (2, false), (3, false)] {
///     db.insert(&Post { id, published }).await?;
/// }
/// let drafts = Post::delete().filter(Post::published.eq(false));
/// assert_eq!(drafts.to_sql(Dialect::Postgres).sql, r#"DELETE FROM "post" WHERE "post"."published" = $1"#);
/// assert_eq!(drafts.run(&db).await?, 2);
/// assert_eq!(db.all::<Post>().await?.len(), 1);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Delete<T, F = Unfiltered> {
    filter: Option<Node>,
    _state: PhantomData<fn() -> (T, F)>,
}

impl<T: Table> Default for Delete<T, Unfiltered> {
    fn default() -> Self {
        Delete::new()
    }
}

impl<T: Table> Delete<T, Unfiltered> {
    /// A delete with no filter yet.
    pub fn new() -> Self {
        Delete {
            filter: None,
            _state: PhantomData,
        }
    }

    /// Deletes every row of the table: the explicit form of a delete with no filter. A
    /// filter after it does not compile.
    pub fn all_rows(self) -> Delete<T, AllRows> {
        self.into_state()
    }
}

impl<T: Table, F> Delete<T, F> {
    /// Deletes the rows matching `filter` (several calls combine with AND).
    pub fn filter(self, filter: Expr<T>) -> Delete<T, Filtered>
    where
        F: TakesFilter,
    {
        Delete {
            filter: Some(match self.filter {
                Some(f) => Node::And(Box::new(f), Box::new(filter.node)),
                None => filter.node,
            }),
            _state: PhantomData,
        }
    }

    /// The statement on `dialect`, without running it. It has one only once it says
    /// which rows (`.filter(..)` or `.all_rows()`): a compile error otherwise.
    pub fn to_sql(&self, dialect: Dialect) -> Statement
    where
        F: RowsChosen,
    {
        self.statement(dialect)
    }

    fn statement(&self, dialect: Dialect) -> Statement {
        let mut b = SqlBuilder::new(dialect);
        b.push("DELETE FROM ").push_ident(T::NAME);
        where_filter(&mut b, T::META, self.filter.as_ref());
        b.finish()
    }

    /// The same delete in another state: the typestate is all that changes.
    pub(crate) fn into_state<G>(self) -> Delete<T, G> {
        Delete {
            filter: self.filter,
            _state: PhantomData,
        }
    }
}

impl<T: Table> Delete<T, Filtered> {
    /// Runs the delete on a connection already held; how many rows it deleted.
    pub async fn run_on(&self, run: &mut dyn Executor, enforcement: &Enforcement) -> Result<u64> {
        if let Some(emulation) = enforcement.emulation_for(T::META)? {
            let rows = Rows::Filter(self.filter.clone());
            return emulate::delete(run, emulation, T::META, rows).await;
        }
        let stmt = self.statement(run.dialect());
        stmt.check_binds(run.dialect(), T::NAME)?;
        match run.execute(&stmt).await {
            Ok(done) => Ok(done.rows_affected),
            Err(e) => {
                let failed = Failed {
                    table: T::META,
                    rows: &[],
                    sets: &[],
                    touched: Touched::Filter(self.filter.as_ref()),
                };
                Err(typed_error(run, enforcement.graph(), failed, e).await)
            }
        }
    }
}

impl<T, F> Clone for Delete<T, F> {
    fn clone(&self) -> Self {
        Delete {
            filter: self.filter.clone(),
            _state: PhantomData,
        }
    }
}

impl<T, F> std::fmt::Debug for Delete<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delete")
            .field("filter", &self.filter)
            .finish()
    }
}

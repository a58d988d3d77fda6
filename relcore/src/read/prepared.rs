//! Prepared queries: a query built once, with named placeholders where its values go,
//! and run many times with new values (Drizzle's `.prepare()` and `sql.placeholder`).
//!
//! What "prepared" buys: the query is built once, and the SQL text it sends is the same
//! on every run, so each connection prepares it once and reuses it (sqlx's statement
//! cache on PostgreSQL and MySQL, Rel's own on SQLite: `DbBuilder::statement_cache`).
//! Each run binds its values into a copy of the query's filters and orders (a
//! `Compare` in place of each `Node::Placeholder` of the value's name and type) and writes the SQL text again, which costs a few
//! microseconds; caching that text too would save them, but Batch's later statements
//! depend on the rows read, so only the first could be kept.

use super::query::Query;
use super::spec::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::table::Table;
use crate::model::value::{ColumnValue, SqlType, Value};
use crate::sql::column::{Placeholder, ValueOf};
use crate::sql::expr::{Node, OrderTerm};

/// A query built once and run many times with values bound to its placeholders
/// ([`Placeholder`]): `Query::prepare`, then [`bind`](Prepared::bind) and run.
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
///     #[relation(many)]
///     posts: Many<Post>,
/// }
///
/// #[derive(Table, Debug)]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     author_id: i64,
///     score: i32,
///     #[relation(one, from = author_id, to = User::id)]
///     author: One<User>,
/// }
///
/// const AUTHOR: Placeholder<i64> = Placeholder::new("author");
/// const MIN_SCORE: Placeholder<i32> = Placeholder::new("min_score");
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().table::<Post>().create_all(&db).await?;
/// db.insert(&User { id: 1, name: "Ada".into(), posts: Many::default() }).await?;
/// for (id, score) in [(1, 5), (2, 9)] {
///     db.insert(&Post { id, author_id: 1, score, author: One::default() }).await?;
/// }
///
/// // Built once...
/// let with_good_posts = User::query()
///     .filter(User::id.eq_placeholder(AUTHOR))
///     .with(User::posts().filter(Post::score.gte_placeholder(MIN_SCORE)))
///     .prepare();
/// // ...run with new values.
/// let users = with_good_posts.bind(AUTHOR, 1).bind(MIN_SCORE, 8).all(&db).await?;
/// assert_eq!(users[0].posts.get()?.len(), 1);
/// let users = with_good_posts.bind(AUTHOR, 1).bind(MIN_SCORE, 0).all(&db).await?;
/// assert_eq!(users[0].posts.get()?.len(), 2);
///
/// // A placeholder left without a value is an error, and nothing is sent.
/// let err = with_good_posts.bind(AUTHOR, 1).all(&db).await.unwrap_err();
/// assert!(matches!(err, rel::Error::Unbound { placeholder: "min_score", .. }));
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Prepared<T> {
    query: Query<T>,
}

impl<T> Clone for Prepared<T> {
    fn clone(&self) -> Self {
        Prepared {
            query: self.query.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Prepared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("query", &self.query)
            .finish()
    }
}

impl<T: Table> Query<T> {
    /// Binds `value` to the placeholders named `name` of type `ty`, in the filter, the
    /// order and each relation's (see `read/prepared.rs`).
    pub(crate) fn fill(&mut self, name: &str, ty: SqlType, value: &Value) {
        if let Some(filter) = &mut self.filter {
            filter.fill(name, ty, value);
        }
        for term in &mut self.order {
            term.fill(name, ty, value);
        }
        for spec in &mut self.with {
            spec.fill(name, ty, value);
        }
    }

    /// [`Error::Unbound`] when a placeholder is left in the filter, the order or a
    /// relation's,
    /// checked before the query runs, so that a load sends none of its statements.
    #[doc(hidden)]
    pub fn check_bound(&self) -> Result<()> {
        let unbound = (self.filter.as_ref().and_then(Node::unbound))
            .or_else(|| self.order.iter().find_map(OrderTerm::unbound))
            .or_else(|| self.with.iter().find_map(LoadSpec::unbound));
        match unbound {
            Some((table, column, placeholder)) => Err(Error::Unbound {
                table,
                column,
                placeholder,
            }),
            None => Ok(()),
        }
    }

    /// The query, prepared to run many times with values bound to its placeholders
    /// (see [`Prepared`]).
    pub fn prepare(self) -> Prepared<T> {
        Prepared { query: self }
    }
}

impl<T: Table> Prepared<T> {
    /// A run of the query with `value` bound to `placeholder` (and to every use of
    /// its name); bind the others on what it returns, then run it with
    /// [`all`](Bound::all), [`first`](Bound::first) or [`count`](Bound::count).
    pub fn bind<V: ColumnValue>(
        &self,
        placeholder: Placeholder<V>,
        value: impl ValueOf<V>,
    ) -> Bound<T> {
        self.unbound().bind(placeholder, value)
    }

    /// A run of the query with no value bound yet: for a prepared query without
    /// placeholders, or to bind them one by one.
    pub fn unbound(&self) -> Bound<T> {
        Bound {
            query: self.query.clone(),
            values: Vec::new(),
        }
    }
}

/// One run of a [`Prepared`] query, with values bound to its placeholders.
pub struct Bound<T> {
    query: Query<T>,
    /// Each placeholder's name and type, and its value.
    values: Vec<(&'static str, SqlType, Value)>,
}

impl<T> std::fmt::Debug for Bound<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("query", &self.query)
            .field("values", &self.values)
            .finish()
    }
}

impl<T: Table> Bound<T> {
    /// Binds `value` to `placeholder` too; bound again, the last value holds. Only
    /// the placeholders of its name and type take it (a placeholder of the same name
    /// and another type stays unbound).
    pub fn bind<V: ColumnValue>(
        mut self,
        placeholder: Placeholder<V>,
        value: impl ValueOf<V>,
    ) -> Self {
        let (name, ty) = (placeholder.name(), V::SQL_TYPE);
        let value = value.into_column_value().to_value();
        self.values.retain(|(n, t, _)| (*n, *t) != (name, ty));
        self.values.push((name, ty, value));
        self
    }

    /// The query with the values in place of their placeholders.
    pub(crate) fn filled(self) -> Query<T> {
        let mut query = self.query;
        for (name, ty, value) in &self.values {
            query.fill(name, *ty, value);
        }
        query
    }
}

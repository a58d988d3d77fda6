//! Reading the aggregates a query loaded onto a `Many` field:
//! `user.posts.sum(Post::score)` after `.with(User::posts().sum(Post::score))`.

use crate::model::error::{Error, Result};
use crate::model::fields::Many;
use crate::model::meta::AggFunc;
use crate::model::value::ColumnValue;
use crate::read::record::{self, Record};
use crate::sql::column::Column;
use crate::sql::scalar::{Extremum, Summable};

impl<T: Record> Many<T> {
    /// The sum loaded with `.with(User::posts().sum(Post::score))`: `None` where the
    /// parent has no related rows (or all their values are NULL).
    /// [`Error::NotLoaded`] where it was not loaded.
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "users")]
    /// struct User {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     #[relation(many)]
    ///     posts: Many<Post>,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "posts")]
    /// struct Post {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     user_id: i64,
    ///     score: i32,
    ///     #[relation(one, from = user_id, to = User::id)]
    ///     user: One<User>,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
    /// db.insert(&User { id: 1, posts: Many::default() }).await?;
    /// db.insert(&User { id: 2, posts: Many::default() }).await?;
    /// for (id, score) in [(1, 5), (2, 7)] {
    ///     db.insert(&Post { id, user_id: 1, score, user: One::default() }).await?;
    /// }
    /// let users = User::query()
    ///     .with(User::posts().sum(Post::score))
    ///     .with(User::posts().avg(Post::score))
    ///     .with(User::posts().count())
    ///     .all(&db)
    ///     .await?;
    /// assert_eq!(users[0].posts.sum(Post::score)?, Some(12));
    /// assert_eq!(users[0].posts.avg(Post::score)?, Some(6.0));
    /// assert_eq!(users[0].posts.count()?, 2);
    /// // No posts: a count of 0, and no sum.
    /// assert_eq!((users[1].posts.count()?, users[1].posts.sum(Post::score)?), (0, None));
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn sum<V: Summable>(&self, column: Column<T::Of, V>) -> Result<Option<V::Sum>> {
        self.read(AggFunc::Sum, column.name())
    }

    /// The average loaded with `.with(User::posts().avg(Post::score))`: `None` where
    /// there are no values to average.
    pub fn avg<V: Summable>(&self, column: Column<T::Of, V>) -> Result<Option<f64>> {
        self.read(AggFunc::Avg, column.name())
    }

    /// The smallest value loaded with `.with(User::posts().min(Post::score))`: `None`
    /// where there are none.
    pub fn min<V: Extremum>(&self, column: Column<T::Of, V>) -> Result<Option<V::Value>> {
        self.read(AggFunc::Min, column.name())
    }

    /// The largest value loaded with `.with(User::posts().max(Post::score))`: `None`
    /// where there are none.
    pub fn max<V: Extremum>(&self, column: Column<T::Of, V>) -> Result<Option<V::Value>> {
        self.read(AggFunc::Max, column.name())
    }

    fn read<V: ColumnValue>(&self, func: AggFunc, column: &'static str) -> Result<Option<V>> {
        let value = self.aggregate(func, column)?.clone();
        Option::<V>::from_value(value).map_err(|source| Error::Decode {
            table: record::name::<T>(),
            column,
            path: String::new(),
            source,
        })
    }
}

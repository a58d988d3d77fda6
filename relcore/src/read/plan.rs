//! `Plan`: every statement a query will send, in order, without running it.

use super::batch;
use super::query::Query;
use super::record::Selection;
use crate::model::table::Table;
use crate::sql::builder::SqlBuilder;
use crate::sql::builder::Statement;
use crate::sql::dialect::Dialect;
use std::fmt;

/// Every statement a query sends, in the order it sends them: what
/// [`Query::plan`] returns.
///
/// With the Join strategy that is one statement. With Batch it is the root statement
/// and then one per relation per level, depth first, as the loader runs them. A level's
/// statement is shown for one chunk of parent keys, with a single placeholder key
/// (a bound `NULL`) where the keys of the rows fetched before go: the note of its
/// [`PlanStep`] says which. Where those rows are every row of their table (an
/// unfiltered root) and the level's rows point at them through a constraint, the level
/// sends no keys and reads its whole table. `Display` prints the steps with those
/// notes as SQL comments.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The query's table.
    pub table: &'static str,
    /// The statements, in order.
    pub steps: Vec<PlanStep>,
}

/// One statement of a [`Plan`].
#[derive(Clone, Debug)]
pub struct PlanStep {
    /// The relation path whose rows the statement fetches: `""` for the root rows,
    /// `"posts"`, `"posts.comments"`.
    pub path: String,
    /// The statement. A Batch level's parent keys are a placeholder (see [`Plan`]).
    pub statement: Statement,
    /// Where a Batch level's keys come from, and how they are sent; `None` for a
    /// statement that stands alone.
    pub keys: Option<String>,
}

impl<T: Table> Query<T> {
    /// Every statement the query sends on `dialect`, in order, without running it:
    /// with Batch, the root statement and each relation's after it, with a note on
    /// where its keys come from.
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table)]
    /// struct User {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     #[relation(many)]
    ///     posts: Many<Post>,
    /// }
    ///
    /// #[derive(Table)]
    /// struct Post {
    ///     #[column(primary_key)]
    ///     id: i64,
    ///     user_id: i64,
    ///     #[relation(one, from = user_id, to = User::id)]
    ///     user: One<User>,
    /// }
    ///
    /// let some = User::query().filter(User::id.lt(100)).with(User::posts());
    /// let plan = some.strategy(Strategy::Batch).plan(Dialect::Sqlite);
    /// assert_eq!(plan.steps.len(), 2);
    /// assert_eq!(plan.to_string(), [
    ///     r#"-- 1: user"#,
    ///     r#"SELECT "t0"."id" FROM "user" AS "t0" WHERE "t0"."id" < ? ORDER BY "t0"."id" ASC;"#,
    ///     r#"-- 2: posts, keys ("id") of the rows of step 1, in IN lists of up to 32764 keys"#,
    ///     r#"SELECT "t1"."id" AS "c0", "t1"."user_id" AS "c1" FROM "post" AS "t1" WHERE "t1"."user_id" IN (?);"#,
    /// ].join("\n"));
    ///
    /// // Every user: every post points at one of them, so the posts are read whole.
    /// let all = User::query().with(User::posts()).strategy(Strategy::Batch);
    /// assert_eq!(all.plan(Dialect::Sqlite).steps[1].statement.sql,
    ///     r#"SELECT "t1"."id" AS "c0", "t1"."user_id" AS "c1" FROM "post" AS "t1""#);
    /// ```
    pub fn plan(&self, dialect: Dialect) -> Plan {
        self.plan_as(dialect, None)
    }

    /// The plan of the query read into a partial struct whose fields are `root`.
    pub(crate) fn plan_as(&self, dialect: Dialect, root: Option<&Selection>) -> Plan {
        let mut b = SqlBuilder::new(dialect);
        self.write_select_as(&mut b, self.strategy_name(dialect) == "join", root);
        let root = PlanStep {
            path: String::new(),
            statement: b.finish(),
            keys: None,
        };
        let mut steps = vec![root];
        if self.strategy_name(dialect) == "batch" {
            let reach = self.reach();
            batch::plan(dialect, T::META, self.specs(), "", 1, reach, &mut steps);
        }
        Plan {
            table: T::NAME,
            steps,
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let what = if step.path.is_empty() {
                self.table
            } else {
                &step.path
            };
            match &step.keys {
                Some(keys) => writeln!(f, "-- {}: {what}, {keys}", i + 1)?,
                None => writeln!(f, "-- {}: {what}", i + 1)?,
            }
            write!(f, "{};", step.statement.sql)?;
        }
        Ok(())
    }
}

//! The query builder: `User::query().filter(..).order_by(..).with(..).all(&db)`.

use super::batch;
use super::join;
use super::record::{Record, Selection};
use super::relation::Load;
use super::spec::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::row::{Cells, Path, RowReader};
use crate::model::table::{Key, Table};
use crate::model::value::{SqlType, Value};
use crate::sql::builder::{SqlBuilder, Statement};
use crate::sql::dialect::Dialect;
use crate::sql::exec::{BoxFuture, Executor};
use crate::sql::expr::{CompareOp, Expr, Node, Order, OrderKey, OrderTerm, Scope, write_order};
use std::marker::PhantomData;

/// A query on table `T`. Start one with `T::query()`.
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
///     user_id: i64,
///     #[relation(one, from = user_id, to = User::id)]
///     user: One<User>,
/// }
///
/// let db = Db::connect("sqlite::memory:").await?;
/// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
/// for (id, name) in [(1, "Ada"), (2, "Alan"), (3, "Grace")] {
///     db.insert(&User { id, name: name.into(), posts: Many::default() }).await?;
/// }
/// for (id, user_id) in [(10, 1), (11, 1), (12, 3)] {
///     db.insert(&Post { id, user_id, user: One::default() }).await?;
/// }
///
/// let users = User::query()
///     .filter(User::name.like("A%"))
///     .order_by(User::name.desc())
///     .with(User::posts().order_by(Post::id.desc()).limit(1))
///     .all(&db)
///     .await?;
/// assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Alan", "Ada"]);
/// assert!(users[0].posts.get()?.is_empty());
/// assert_eq!(users[1].posts.get()?[0].id, 11); // the newest post of each user
///
/// assert_eq!(User::query().filter(User::posts().exists()).count(&db).await?, 2);
/// # Ok::<(), rel::Error>(())
/// # }).unwrap();
/// ```
pub struct Query<T> {
    strategy: Strategy,
    pub(super) filter: Option<Node>,
    pub(super) order: Vec<OrderTerm>,
    limit: Option<u64>,
    offset: Option<u64>,
    pub(super) with: Vec<LoadSpec>,
    _table: PhantomData<fn() -> T>,
}

impl<T> Clone for Query<T> {
    fn clone(&self) -> Self {
        Query {
            strategy: self.strategy,
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            with: self.with.clone(),
            _table: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("strategy", &self.strategy)
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("with", &self.with)
            .finish()
    }
}

impl<T: Table> Default for Query<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// How a query loads its relations. Both give the same results.
///
/// - `Join`: exactly one statement, whatever the depth and number of relations. Each
///   relation is a correlated subquery aggregating JSON, ordered inside the aggregate.
///   On MySQL it needs MariaDB 10.5+ (`JSON_ARRAYAGG` with `ORDER BY` and `LIMIT`);
///   MySQL proper reports [`Error::Unsupported`](crate::model::error::Error::Unsupported). On SQLite
///   it needs SQLite 3.44 (`ORDER BY` inside `json_group_array`): the bundled library
///   is newer; with an older system library (`sqlite-system`), Join is
///   `Error::Unsupported` and `Auto` picks Batch.
/// - `Batch`: one statement per relation per level, with the parents' keys in `IN`
///   lists chunked under the bind limit, and per-parent windows by `ROW_NUMBER()`.
/// - `Auto` (the default): the faster strategy for the query where it runs, as
///   measured by `benches/strategies.rs` (1, 10 and 100 users with their posts and
///   comments) and `benches/load.rs` (61,000 rows; see `BENCHMARKS.md`):
///   - `Join` for at most one root row (a filter fixing the key or a unique column
///     with `=`, or a limit of 1) on PostgreSQL, where one statement beats one round
///     trip per level;
///   - `Join` on SQLite read through sqlx's worker thread (a pool of yours, or a
///     journal mode without direct reads), which hands each statement over a channel;
///   - `Batch` otherwise: PostgreSQL and MySQL servers build JSON more slowly than they
///     send plain rows, and Rel's direct SQLite reads make Batch 2.8x faster than
///     Join at 61,000 rows.
///
///   `to_sql` and `plan` show the choice for a pool of Rel's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Chosen by the dialect.
    #[default]
    Auto,
    /// One statement with JSON aggregation.
    Join,
    /// One statement per relation per level.
    Batch,
}

impl Strategy {
    /// The strategy `Auto` stands for on `dialect`, for a load of many root rows on a
    /// pool of Rel's own (SQLite reading directly); other strategies stay as they are.
    pub fn resolve(self, dialect: Dialect) -> Strategy {
        self.resolve_where(dialect, true, false)
    }

    /// `Auto` on `dialect`, where reads are `direct` or not, for a load of at most one
    /// root row (`one_row`) or more.
    fn resolve_where(self, dialect: Dialect, direct: bool, one_row: bool) -> Strategy {
        let syntax = dialect.syntax();
        let join = (one_row && syntax.join_for_one_row) || (syntax.join_through_driver && !direct);
        match self {
            Strategy::Auto if join && dialect.server().join_unsupported_here().is_none() => {
                Strategy::Join
            }
            Strategy::Auto => Strategy::Batch,
            s => s,
        }
    }
}

/// The root alias of every query.
const ROOT: &str = "t0";

/// The columns a filter fixes with `=`, through ANDs.
fn equal_columns(node: &Node, out: &mut Vec<&'static str>) {
    match node {
        Node::Compare {
            column,
            op: CompareOp::Eq,
            ..
        } => out.push(column),
        Node::And(a, b) => {
            equal_columns(a, out);
            equal_columns(b, out);
        }
        _ => {}
    }
}

impl<T: Table> Query<T> {
    /// All rows of `T`.
    pub fn new() -> Self {
        Query {
            strategy: Strategy::Auto,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            with: Vec::new(),
            _table: PhantomData,
        }
    }

    /// Chooses how relations load (see [`Strategy`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Keeps rows matching `filter` (several calls combine with AND).
    pub fn filter(mut self, filter: Expr<T>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(f) => Node::And(Box::new(f), Box::new(filter.node)),
            None => filter.node,
        });
        self
    }

    /// The order terms given (without the primary key's tiebreak).
    pub(crate) fn order_terms(&self) -> &[OrderTerm] {
        &self.order
    }

    /// The filter given.
    pub(crate) fn filter_node(&self) -> Option<&Node> {
        self.filter.as_ref()
    }

    /// The query with `node` ANDed to its filter.
    pub(crate) fn and_where(self, node: Node) -> Self {
        self.filter(Expr::new(node))
    }

    /// The query with this order instead of its own.
    pub(crate) fn with_order(mut self, order: Vec<OrderTerm>) -> Self {
        self.order = order;
        self
    }

    /// The query without its limit and offset.
    pub(crate) fn unwindowed(mut self) -> Self {
        self.limit = None;
        self.offset = None;
        self
    }

    /// Orders the rows (several calls add keys): by a column (`User::name.asc()`), or
    /// by a value read through a relation ([`RelatedValue`](crate::sql::scalar::RelatedValue):
    /// `Post::author().col(User::name)`, `User::posts().count().desc()`). The primary
    /// key always breaks ties.
    pub fn order_by(mut self, order: impl Into<Order<T>>) -> Self {
        self.order.push(order.into().term);
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Also loads `relation`, with its own filter, order, limit and nested loads.
    ///
    /// A relation loaded twice (`.with(User::posts()).with(User::posts())`) is
    /// [`Error::DuplicateLoad`] when the query runs: give one `.with` the filter,
    /// order and nested loads.
    pub fn with(mut self, load: impl Into<Load<T>>) -> Self {
        self.with.push(load.into().into_spec());
        self
    }

    /// The SQL and binds of the query on `dialect`, without running it. With the Join
    /// strategy this is the whole query; with Batch it is the root statement, and each
    /// relation follows in a statement built from the root rows' keys: see
    /// [`Query::plan`] for all of them.
    pub fn to_sql(&self, dialect: Dialect) -> Statement {
        let mut b = SqlBuilder::new(dialect);
        self.write_select(&mut b, self.chosen(dialect, true) == Strategy::Join);
        b.finish()
    }

    fn write_select(&self, b: &mut SqlBuilder, join: bool) {
        self.write_select_as(b, join, None);
    }

    /// Writes the root statement: the table's columns, or a partial struct's fields
    /// (`root`: its columns and computed values, then the keys its relations need), and
    /// with Join each relation's column.
    pub(crate) fn write_select_as(&self, b: &mut SqlBuilder, join: bool, root: Option<&Selection>) {
        let table = T::META;
        let scope = Scope { table, alias: ROOT };
        let aggregates = join && !self.with.is_empty();
        if let Some(prefix) = b.dialect().syntax().join_prefix.filter(|_| aggregates) {
            b.push(prefix);
        }
        b.push("SELECT ");
        match root {
            None => {
                b.push_list(table.columns, ", ", |b, c| {
                    b.push_qualified(ROOT, c.name);
                });
            }
            Some(select) => {
                b.push_list(
                    select.columns.iter().enumerate(),
                    ", ",
                    |b, (i, c)| match select.computed_at(i) {
                        Some(value) => value.write(b, &scope),
                        None => {
                            b.push_qualified(ROOT, c);
                        }
                    },
                );
                // Batch's keys; Join's subqueries are correlated in SQL.
                if !join {
                    for column in &select.hidden {
                        b.push(", ").push_qualified(ROOT, column);
                    }
                }
            }
        }
        if join {
            join::write_root_relations(b, &scope, &self.with);
        }
        // The root's order by values read through relations joins each as a table of
        // all parents' values (see `Scalar::write_joined`).
        b.push_from(table.name, ROOT);
        let order: Vec<OrderTerm> = self
            .order
            .iter()
            .map(|term| match &term.key {
                OrderKey::Related(scalar) => {
                    let alias = b.fresh_alias();
                    scalar.write_joined(b, &alias, &scope);
                    OrderTerm {
                        key: OrderKey::Joined {
                            alias,
                            count: scalar.is_count(),
                        },
                        ..term.clone()
                    }
                }
                _ => term.clone(),
            })
            .collect();
        // So does its filter by such values (outside its `EXISTS` subqueries, whose
        // values belong to the related rows).
        self.write_where(b, &scope);
        b.push(" ORDER BY ");
        write_order(b, &scope, &order);
        write_limit(b, self.limit, self.offset);
    }

    fn write_from_where(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        b.push_from(scope.table.name, ROOT);
        self.write_where(b, scope);
    }

    /// ` [LEFT JOIN ..] WHERE filter`, the filter's values read through relations
    /// joined as tables (see `Node::joined`).
    fn write_where(&self, b: &mut SqlBuilder, scope: &Scope<'_>) {
        if let Some(filter) = &self.filter {
            let filter = filter.joined(b, scope);
            b.push(" WHERE ");
            filter.write(b, scope);
        }
    }

    /// The relations the query loads.
    pub(super) fn specs(&self) -> &[LoadSpec] {
        &self.with
    }

    /// The same, to point them at a partial struct's fields.
    pub(super) fn specs_mut(&mut self) -> &mut [LoadSpec] {
        &mut self.with
    }

    /// The strategy the query runs with on `dialect`, where reads are `direct` or not:
    /// `Auto` decided from what the query says (at most one root row, or more).
    fn chosen(&self, dialect: Dialect, direct: bool) -> Strategy {
        self.strategy
            .resolve_where(dialect, direct, self.reads_one_root_row())
    }

    /// Whether the query reads at most one root row: a limit of 1, or a filter whose
    /// `=` comparisons (joined by AND) fix the primary key or a unique column.
    fn reads_one_root_row(&self) -> bool {
        if self.limit.is_some_and(|n| n <= 1) {
            return true;
        }
        let mut fixed = Vec::new();
        if let Some(filter) = &self.filter {
            equal_columns(filter, &mut fixed);
        }
        let table = T::META;
        (!fixed.is_empty() && table.primary_key.iter().all(|pk| fixed.contains(pk)))
            || fixed
                .iter()
                .any(|c| table.column(c).is_some_and(|m| m.unique))
    }

    /// Which rows of `T` the root rows are, for the Batch levels below them: all of
    /// them when nothing filters or limits the query.
    pub(super) fn reach(&self) -> batch::Reach {
        let all = self.filter.is_none() && self.limit.is_none() && self.offset.is_none();
        if all {
            batch::Reach::Table
        } else {
            batch::Reach::Listed
        }
    }

    /// How the query runs on `dialect`, as its trace says: `"join"`, `"batch"`, or
    /// `"single"` when it loads no relation.
    #[doc(hidden)]
    pub fn strategy_name(&self, dialect: Dialect) -> &'static str {
        match self.chosen(dialect, true) {
            _ if self.with.is_empty() => "single",
            Strategy::Join => "join",
            _ => "batch",
        }
    }

    /// The rows with this primary key (at most one): the query behind `Db::get`.
    #[doc(hidden)]
    pub fn by_key(key: &T::Key) -> Self {
        let mut q = Query::new();
        for (column, value) in T::META.primary_key.iter().zip(key.to_values()) {
            q = q.filter(Expr::new(Node::Compare {
                column,
                op: CompareOp::Eq,
                value,
            }));
        }
        q
    }

    /// Runs the query on a connection already held.
    #[doc(hidden)]
    pub async fn run(&self, run: &mut dyn Executor) -> Result<Vec<T>> {
        self.run_records::<T>(run, None).await
    }

    /// Runs the query, reading its rows into records `R`: the table's own struct, or
    /// a partial struct of it whose fields are `root` (and the query's specs made for
    /// its fields: see `read/record.rs`).
    pub(crate) async fn run_records<R: Record<Of = T>>(
        &self,
        run: &mut dyn Executor,
        root: Option<&Selection>,
    ) -> Result<Vec<R>> {
        LoadSpec::check_unique(T::NAME, &self.with)?;
        let join = self.chosen(run.dialect(), run.reads_directly()) == Strategy::Join;
        let mut b = SqlBuilder::new(run.dialect());
        self.write_select_as(&mut b, join, root);
        let stmt = b.finish();
        stmt.check_binds(run.dialect(), T::NAME)?;
        if join {
            // The library linked here cannot run Join's SQL (an old system SQLite).
            if let (Some(spec), Some(message)) = (
                self.with.first(),
                run.dialect().server().join_unsupported_here(),
            ) {
                return Err(Error::Unsupported {
                    table: T::NAME,
                    relation: spec.rel.name,
                    message,
                });
            }
            return self.run_join(run, &stmt, root).await;
        }
        self.run_batch(run, &stmt, root).await
    }

    /// Batch: rows decoded straight from the driver, then each relation in turn.
    async fn run_batch<R: Record<Of = T>>(
        &self,
        run: &mut dyn Executor,
        stmt: &Statement,
        root: Option<&Selection>,
    ) -> Result<Vec<R>> {
        let mut rows = Vec::new();
        // A partial struct's keys for its relations, read after its fields.
        let hidden_types: Vec<SqlType> = root.map_or_else(Vec::new, |select| {
            select
                .hidden
                .iter()
                .map(|c| T::META.column(c).map_or(SqlType::BigInt, |m| m.ty))
                .collect()
        });
        let mut hidden: Vec<Vec<Value>> = Vec::new();
        run.fetch_each(stmt, &mut |cells: &dyn Cells| {
            let mut reader =
                RowReader::from_cells(T::META, Path::Root, cells).with_names(R::SELECTED);
            rows.push(R::decode_record(&mut reader)?);
            if !hidden_types.is_empty() {
                hidden.push(reader.next_values(&hidden_types)?);
            }
            Ok(())
        })
        .await?;
        let hidden = root.map(|select| batch::Hidden {
            select,
            values: &hidden,
        });
        batch::load(run, &mut rows, hidden, &self.with, "", self.reach()).await?;
        Ok(rows)
    }

    /// Join: one statement, whose trailing columns hold each relation as JSON, read
    /// straight into the rows' relation fields.
    async fn run_join<R: Record<Of = T>>(
        &self,
        run: &mut dyn Executor,
        stmt: &Statement,
        root: Option<&Selection>,
    ) -> Result<Vec<R>> {
        let columns = root.map_or(T::META.columns.len(), |select| select.columns.len());
        let mut rows = Vec::new();
        let fetched = run
            .fetch_each(stmt, &mut |cells: &dyn Cells| {
                let mut reader =
                    RowReader::from_cells(T::META, Path::Root, cells).with_names(R::SELECTED);
                let mut row = R::decode_record(&mut reader)?;
                join::attach_root(&mut row, &self.with, cells, columns)?;
                rows.push(row);
                Ok(())
            })
            .await;
        let version_query = run.dialect().syntax().version_query;
        match (fetched, self.with.first(), version_query) {
            (Ok(()), _, _) => Ok(rows),
            (Err(e @ Error::Decode { .. }), Some(first), _)
                if run.dialect().syntax().join_cut_warns =>
            {
                // A cell of JSON that does not parse, or a value missing from it: ask
                // whether the server cut the JSON at its packet size. Only this
                // failure pays for the question.
                let Some(packet) = cut_at_packet(run).await else {
                    return Err(e);
                };
                let relation = match &e {
                    Error::Decode { path, .. } => self
                        .with
                        .iter()
                        .find(|s| path.split('.').next() == Some(s.rel.name))
                        .unwrap_or(first),
                    _ => first,
                };
                Err(Error::Unsupported {
                    table: T::NAME,
                    relation: relation.rel.name,
                    message: format!(
                        "the related rows do not fit in one JSON value on this server: \
                         it cut them at its max_allowed_packet ({packet} bytes); load \
                         this relation with Strategy::Batch, or raise max_allowed_packet"
                    ),
                })
            }
            (Err(Error::Database(sqlx::Error::Database(e))), _, _)
                if run.dialect().errors().is_value_json_cannot_hold(&*e) =>
            {
                // A value the JSON cannot hold: Batch reads the same rows cell by cell,
                // and its decode error names the table and the column (or, where it
                // reads them, it has the rows). Only this failure pays for it.
                let mut b = SqlBuilder::new(run.dialect());
                self.write_select_as(&mut b, false, root);
                self.run_batch(run, &b.finish(), root).await
            }
            (Err(Error::Database(e)), Some(spec), Some(query)) => {
                // Some servers of the dialect (MySQL proper) reject the SQL Join needs.
                // Ask which server this is only now, so the usual path costs nothing.
                let unsupported = server_version(run, query)
                    .await
                    .and_then(|version| run.dialect().server().join_unsupported(&version));
                match unsupported {
                    Some(message) => Err(Error::Unsupported {
                        table: T::NAME,
                        relation: spec.rel.name,
                        message,
                    }),
                    None => Err(Error::Database(e)),
                }
            }
            (Err(e), _, _) => Err(e),
        }
    }

    /// How many rows match (after limit and offset, when given), on a connection
    /// already held.
    #[doc(hidden)]
    pub async fn run_count(&self, run: &mut dyn Executor) -> Result<u64> {
        let mut b = SqlBuilder::new(run.dialect());
        let scope = Scope {
            table: T::META,
            alias: ROOT,
        };
        if self.limit.is_some() || self.offset.is_some() {
            b.push("SELECT COUNT(*) FROM (SELECT 1").push_as("one");
            self.write_from_where(&mut b, &scope);
            b.push(" ORDER BY ");
            write_order(&mut b, &scope, &self.order);
            write_limit(&mut b, self.limit, self.offset);
            b.push(")").push_as("counted");
        } else {
            b.push("SELECT COUNT(*)");
            self.write_from_where(&mut b, &scope);
        }
        let stmt = b.finish();
        stmt.check_binds(run.dialect(), T::NAME)?;
        let rows = run.fetch(&stmt, &[SqlType::BigInt]).await?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(Value::I64(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        })
    }
}

/// Whether the server cut the last statement's JSON at its `max_allowed_packet` (its
/// warnings 1260, "Row N was cut by JSON_ARRAYAGG()", and 1301, "Result of
/// json_array() was larger than max_allowed_packet"): the packet size if so. The
/// statements the server cut are forgotten, so that the connection prepares them
/// again: MariaDB keeps returning `[null]` from a prepared statement once it cut one
/// of its results. Boxed by a plain function (as `server_version`), so that it is
/// compiled here, not where the generic query polls it (ARCHITECTURE.md, "Compiled
/// once").
fn cut_at_packet(run: &mut dyn Executor) -> BoxFuture<'_, Option<i64>> {
    Box::pin(async move {
        let mut b = SqlBuilder::new(run.dialect());
        b.push("SHOW WARNINGS");
        // `Level`, `Code` (an unsigned integer) and `Message`: the message says it.
        let mut cut = false;
        run.fetch_each(&b.finish(), &mut |cells: &dyn Cells| {
            if let Ok(Some(message)) = cells.text(2) {
                cut |= message.contains("was cut by") || message.contains("max_allowed_packet");
            }
            Ok(())
        })
        .await
        .ok()?;
        if !cut {
            return None;
        }
        let _ = run.forget_statements().await;
        let packet = "SELECT CAST(@@max_allowed_packet AS SIGNED)";
        match one_value(run, packet, SqlType::BigInt).await? {
            Value::I64(packet) => Some(packet),
            _ => None,
        }
    })
}

/// The server's version, asked by `query`, if it answers.
fn server_version<'r>(
    run: &'r mut dyn Executor,
    query: &'static str,
) -> BoxFuture<'r, Option<String>> {
    Box::pin(async move {
        match one_value(run, query, SqlType::Text).await? {
            Value::Text(version) => Some(version),
            _ => None,
        }
    })
}

/// The first cell of the first row `sql` returns, read as `ty`, if it answers.
async fn one_value(run: &mut dyn Executor, sql: &'static str, ty: SqlType) -> Option<Value> {
    let mut b = SqlBuilder::new(run.dialect());
    b.push(sql);
    run.fetch(&b.finish(), &[ty]).await.ok()?.pop()?.pop()
}

fn bound(n: u64) -> Value {
    Value::I64(i64::try_from(n).unwrap_or(i64::MAX))
}

/// ` LIMIT ? OFFSET ?`. An offset alone needs a limit on most dialects.
fn write_limit(b: &mut SqlBuilder, limit: Option<u64>, offset: Option<u64>) {
    match (limit, offset) {
        (None, None) => {}
        (Some(l), o) => {
            b.push(" LIMIT ").push_bind(bound(l));
            if let Some(o) = o {
                b.push(" OFFSET ").push_bind(bound(o));
            }
        }
        (None, Some(o)) => {
            let d = b.dialect().syntax();
            if !d.offset_alone {
                b.push(" LIMIT ").push(d.unlimited);
            }
            b.push(" OFFSET ").push_bind(bound(o));
        }
    }
}

//! Keyset pagination: `query.page(20).after(&cursor)`. A page is the rows after (or
//! before) a cursor in the query's full order (its terms, then the primary key), read
//! with a predicate on the ordering columns, not an `OFFSET`: an index range scan, and
//! rows inserted between pages neither repeat nor go missing. The cursor is opaque: a
//! fingerprint of the query and the boundary row's ordering values.

use super::query::Query;
use super::record::{self, Record};
use super::spec::LoadSpec;
use crate::model::error::{Error, Result};
use crate::model::fields::Many;
use crate::model::meta::TableMeta;
use crate::model::table::Table;
use crate::model::value::Value;
use crate::sql::builder::SqlBuilder;
use crate::sql::dialect::Dialect;
use crate::sql::expr::{CompareOp, Node, Nulls, OrderKey, OrderTerm, Scope, write_order};

/// A position in a paged query's order: where a page ended (`Page::next`) or began
/// (`Page::prev`). Opaque text, safe in a URL (`as_str`, `Display`), read back with
/// [`Cursor::parse`]. It holds the ordering values of one row, so treat it as you would
/// those values (it is not encrypted).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from text it gave before. Anything else is
    /// [`Error::Cursor`](crate::model::error::Error::Cursor) when the page is read.
    pub fn parse(text: impl Into<String>) -> Cursor {
        Cursor(text.into())
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One page of rows, and the cursors around it.
#[derive(Debug)]
pub struct Page<T> {
    /// The rows, in the query's order.
    pub rows: Vec<T>,
    /// Where the next page starts: `Some` exactly when rows follow this page (Rel read
    /// one row more than the page to know).
    pub next: Option<Cursor>,
    /// Where the previous page ends: `Some` when rows come before this page (exactly,
    /// for a page read `before` a cursor; for a page read `after` one, when it was).
    pub prev: Option<Cursor>,
}

/// A query read a page at a time: [`Query::page`].
#[derive(Debug)]
pub struct PagedQuery<T> {
    query: Query<T>,
    size: u64,
    from: Option<(Cursor, bool)>,
}

impl<T: Table> Query<T> {
    /// Reads the query `size` rows at a time, by keyset: the first page, or with
    /// [`after`](PagedQuery::after) / [`before`](PagedQuery::before) the page next to a
    /// cursor. The order is the query's `order_by` terms on columns, then the primary
    /// key, so every row has one place; the query's own `limit` and `offset` are not
    /// used.
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
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// let schema = Schema::new(RelationMode::ForeignKeys).table::<User>();
    /// schema.create_all(&db).await?;
    /// for (id, name) in [(1, "Cy"), (2, "Ada"), (3, "Bob")] {
    ///     db.insert(&User { id, name: name.into() }).await?;
    /// }
    /// let by_name = || User::query().order_by(User::name.asc());
    /// let first = by_name().page(2).all(&db).await?;
    /// assert_eq!(first.rows.iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
    /// let next = first.next.expect("a third user follows");
    /// // The cursor travels as text, in a URL say.
    /// let cursor = Cursor::parse(next.to_string());
    /// let second = by_name().page(2).after(&cursor).all(&db).await?;
    /// assert_eq!(second.rows.iter().map(|u| u.id).collect::<Vec<_>>(), [1]);
    /// assert!(second.next.is_none());
    /// let back = by_name().page(2).before(&second.prev.unwrap()).all(&db).await?;
    /// assert_eq!(back.rows.iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn page(self, size: u64) -> PagedQuery<T> {
        PagedQuery {
            query: self,
            size: size.max(1),
            from: None,
        }
    }
}

impl<T: Table> PagedQuery<T> {
    /// The page of rows after `cursor` (a `next` of this query).
    pub fn after(mut self, cursor: &Cursor) -> Self {
        self.from = Some((cursor.clone(), true));
        self
    }

    /// The page of rows before `cursor` (a `prev` of this query).
    pub fn before(mut self, cursor: &Cursor) -> Self {
        self.from = Some((cursor.clone(), false));
        self
    }

    /// The page from the rows its query read (see `PagedQuery::all` in `db/ext.rs`).
    pub(crate) fn finish(prepared: Prepared, mut rows: Vec<T>) -> Page<T> {
        let size = prepared.size;
        let more = rows.len() as u64 > size;
        rows.truncate(size as usize);
        if !prepared.forward {
            rows.reverse();
        }
        let cursor_of = |row: &T| {
            let values: Vec<Value> = prepared
                .positions
                .iter()
                .map(|&i| {
                    row.column_value(i)
                        .unwrap_or(Value::Null(T::META.columns[i].ty))
                })
                .collect();
            Cursor(encode(prepared.print, &values))
        };
        let (first, last) = (rows.first().map(cursor_of), rows.last().map(cursor_of));
        let (next, prev) = match (prepared.from, prepared.forward) {
            (false, _) => (last.filter(|_| more), None),
            (true, true) => (last.filter(|_| more), first),
            (true, false) => (last, first.filter(|_| more)),
        };
        Page { rows, next, prev }
    }

    /// The root statement of the page on `dialect` (one row more than the page, in the
    /// query's order or, before a cursor, the reverse), without running it; nested
    /// loads follow as [`Query::to_sql`] shows them.
    pub fn to_sql(
        self,
        dialect: crate::sql::dialect::Dialect,
    ) -> Result<crate::sql::builder::Statement> {
        Ok(self.prepare()?.0.to_sql(dialect))
    }

    /// The query a page runs, and what reading its rows needs.
    pub(crate) fn prepare(self) -> Result<(Query<T>, Prepared)> {
        let error = |message: &str| Error::Cursor {
            table: T::NAME,
            message: message.to_owned(),
        };
        let mut query = self.query;
        let (terms, positions) = page_terms(T::META, query.order_terms()).map_err(error)?;
        let print = fingerprint(T::META, &terms, query.filter_node());
        let forward = self.from.as_ref().is_none_or(|(_, after)| *after);
        if let Some((cursor, after)) = &self.from {
            let values = decode(cursor.as_str(), print, terms.len())
                .filter(|values| fits(T::META, &positions, values))
                .ok_or_else(|| error("the cursor is not one of this query's (another table, order or filter, or not a cursor)"))?;
            query = query.and_where(keyset(T::META, &terms, &values, *after));
        }
        // Backward: the reverse order, then the rows turned around.
        let order: Vec<OrderTerm> = if forward {
            terms.clone()
        } else {
            terms
                .iter()
                .map(|t| OrderTerm {
                    key: t.key.clone(),
                    desc: !t.desc,
                    nulls: if t.nulls == Nulls::First {
                        Nulls::Last
                    } else {
                        Nulls::First
                    },
                })
                .collect()
        };
        let query = query
            .with_order(order)
            .unwindowed()
            .limit(self.size.saturating_add(1));
        let prepared = Prepared {
            size: self.size,
            positions,
            print,
            forward,
            from: self.from.is_some(),
        };
        Ok((query, prepared))
    }
}

/// A page's full order: the `order` terms, which must be columns of `table`, then the
/// primary key's columns not among them, so that every row has one place; and the
/// positions of their columns in the table.
fn page_terms(
    table: &'static TableMeta,
    order: &[OrderTerm],
) -> std::result::Result<(Vec<OrderTerm>, Vec<usize>), &'static str> {
    let mut terms: Vec<OrderTerm> = order.to_vec();
    let mut positions = Vec::with_capacity(terms.len());
    for term in &terms {
        match &term.key {
            OrderKey::Column(c) => {
                positions.push(table.columns.iter().position(|m| m.name == *c));
            }
            OrderKey::Related(_) | OrderKey::Joined { .. } => {
                return Err(
                    "a page's order is by columns of the table (an order by a related value has no place in a cursor)",
                );
            }
        }
    }
    for pk in table.primary_key {
        if !terms
            .iter()
            .any(|t| matches!(t.key, OrderKey::Column(c) if c == *pk))
        {
            terms.push(OrderTerm {
                key: OrderKey::Column(pk),
                desc: false,
                nulls: Nulls::Last,
            });
            positions.push(table.columns.iter().position(|m| m.name == *pk));
        }
    }
    let positions = positions
        .into_iter()
        .collect::<Option<_>>()
        .ok_or("an ordering column is not a column of the table")?;
    Ok((terms, positions))
}

/// Refuses a relation loaded by page whose order is not by the target's columns (the
/// same as a root page would be refused), or with a limit or offset given after it.
pub fn check_nested_page(spec: &LoadSpec) -> Result<()> {
    let Some(size) = spec.page else {
        return Ok(());
    };
    let error = |message: &str| Error::Cursor {
        table: spec.rel.target_name,
        message: message.to_owned(),
    };
    // A limit or offset given after the page would cut or shift it, and its cursor.
    if spec.limit != Some(size.saturating_add(1)) || spec.offset.is_some() {
        return Err(error(
            "a page replaces a limit and an offset: give `.page(n)` alone, after them",
        ));
    }
    page_terms((spec.rel.target)(), &spec.order)
        .map(|_| ())
        .map_err(error)
}

/// The cursor after `last`, the last row of a page of relation `spec` loaded for the
/// parent whose key is `key`: the same cursor as a page of `Relation::of(parent)`, with
/// the relation's filter and order, would give, so that the next page is read that way.
pub fn nested_cursor<C: Record>(spec: &LoadSpec, key: Vec<Value>, last: &C) -> Result<String> {
    let table = record::meta::<C>();
    let (terms, positions) = page_terms(table, &spec.order).map_err(|message| Error::Cursor {
        table: table.name,
        message: message.to_owned(),
    })?;
    let mut filter = Node::RelatedTo { rel: spec.rel, key };
    if let Some(own) = &spec.filter {
        filter = and(filter, own.clone());
    }
    let print = fingerprint(table, &terms, Some(&filter));
    let values: Vec<Value> = positions
        .iter()
        .map(|&i| {
            last.record_column(i)
                .unwrap_or(Value::Null(table.columns[i].ty))
        })
        .collect();
    Ok(encode(print, &values))
}

impl<T: Record> Many<T> {
    /// Where the next page of rows starts, when the relation was loaded by page
    /// (`.with(User::posts().order_by(..).page(10))`) and more rows follow: read it
    /// with `User::posts().of(&user)`, the relation's filter and order, `.page(n)` and
    /// `.after(&cursor)`. `None` when no rows follow, or they were not loaded by page.
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
    ///     #[relation(one, from = user_id, to = User::id)]
    ///     user: One<User>,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
    /// for id in [1, 2] {
    ///     db.insert(&User { id, posts: Many::default() }).await?;
    /// }
    /// for (id, user_id) in [(1, 1), (2, 1), (3, 1), (4, 2)] {
    ///     db.insert(&Post { id, user_id, user: One::default() }).await?;
    /// }
    /// // Every user with their two newest posts.
    /// let newest = || User::posts().order_by(Post::id.desc());
    /// let users = User::query().with(newest().page(2)).all(&db).await?;
    /// let ids = |posts: &[Post]| posts.iter().map(|p| p.id).collect::<Vec<_>>();
    /// assert_eq!(ids(users[0].posts.get()?), [3, 2]);
    /// assert!(users[1].posts.next_page().is_none(), "user 2 has one post");
    /// // The next page of user 1's posts alone.
    /// let next = users[0].posts.next_page().expect("user 1 has a third post");
    /// let more = User::posts()
    ///     .of(&users[0])
    ///     .order_by(Post::id.desc())
    ///     .page(2)
    ///     .after(&next)
    ///     .all(&db)
    ///     .await?;
    /// assert_eq!(ids(&more.rows), [1]);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn next_page(&self) -> Option<Cursor> {
        self.next_page_text().map(|text| Cursor(text.to_owned()))
    }
}

/// What reading a page's rows needs besides its query.
pub struct Prepared {
    size: u64,
    /// The ordering columns' positions among the table's columns.
    positions: Vec<usize>,
    print: u64,
    forward: bool,
    /// Whether it starts at a cursor.
    from: bool,
}

/// Rows after (or before) `values` in the order of `terms`: the first term that
/// differs decides, `(a > x) OR (a = x AND (b > y OR (b = y AND ...)))`, with NULL
/// placed where the term places it. Row values are not used: directions may differ
/// term by term, and NULL takes part.
fn keyset(table: &TableMeta, terms: &[OrderTerm], values: &[Value], after: bool) -> Node {
    let nullable = |column: &str| table.column(column).is_none_or(|c| c.nullable);
    let mut node: Option<Node> = None;
    for (term, value) in terms.iter().zip(values).rev() {
        let OrderKey::Column(column) = &term.key else {
            continue;
        };
        let column: &'static str = column;
        let beyond = beyond(column, term, value, after, nullable(column));
        node = Some(match node {
            None => beyond,
            Some(rest) => or(beyond, and(equal(column, value), rest)),
        });
    }
    let node = node.unwrap_or(FALSE);
    // The first term bounds the range outright (`a >= x AND (...)`), so that an index
    // on it is read as a range scan: planners do not find the range inside the OR.
    match (terms.first(), values.first()) {
        (Some(term), Some(value)) if !value.is_null() => {
            let OrderKey::Column(column) = &term.key else {
                return node;
            };
            let larger = term.desc != after;
            let bound = Node::Compare {
                column,
                op: if larger {
                    CompareOp::Gte
                } else {
                    CompareOp::Lte
                },
                value: value.clone(),
            };
            let nulls_beyond = (term.nulls == Nulls::Last) == after && nullable(column);
            if nulls_beyond {
                and(
                    or(
                        bound,
                        Node::IsNull {
                            column,
                            negated: false,
                        },
                    ),
                    node,
                )
            } else {
                and(bound, node)
            }
        }
        _ => node,
    }
}

/// Matches nothing.
const FALSE: Node = Node::In {
    column: "",
    values: Vec::new(),
    negated: false,
};

/// The rows of one term strictly beyond `value`, in the direction asked.
fn beyond(
    column: &'static str,
    term: &OrderTerm,
    value: &Value,
    after: bool,
    nullable: bool,
) -> Node {
    // Going forward, NULLs placed last come after every value; going backward, NULLs
    // placed first come before. A column without NULLs has none to place.
    let nulls_beyond = (term.nulls == Nulls::Last) == after && nullable;
    if value.is_null() {
        // Past a NULL are the values, where NULLs come before them.
        return if nulls_beyond {
            FALSE
        } else {
            Node::IsNull {
                column,
                negated: true,
            }
        };
    }
    // Forward on an ascending term, or backward on a descending one: larger values.
    let larger = term.desc != after;
    let compare = Node::Compare {
        column,
        op: if larger { CompareOp::Gt } else { CompareOp::Lt },
        value: value.clone(),
    };
    if nulls_beyond {
        or(
            compare,
            Node::IsNull {
                column,
                negated: false,
            },
        )
    } else {
        compare
    }
}

fn equal(column: &'static str, value: &Value) -> Node {
    if value.is_null() {
        Node::IsNull {
            column,
            negated: false,
        }
    } else {
        Node::Compare {
            column,
            op: CompareOp::Eq,
            value: value.clone(),
        }
    }
}

fn and(a: Node, b: Node) -> Node {
    Node::And(Box::new(a), Box::new(b))
}

fn or(a: Node, b: Node) -> Node {
    Node::Or(Box::new(a), Box::new(b))
}

/// What a cursor must match: the table, the full order and the filter. A 64-bit
/// FNV-1a of their description, written here rather than taken from a hashing crate
/// because a cursor outlives a process: the hash must not change with a seed or a
/// crate's version.
/// The description is the filter and the order as SQL of one fixed dialect, and the
/// filter's values: nothing in it depends on the process (a `Debug` of the metadata
/// would print function pointers, whose addresses change from run to run).
fn fingerprint(table: &'static TableMeta, terms: &[OrderTerm], filter: Option<&Node>) -> u64 {
    let mut b = SqlBuilder::new(Dialect::DESCRIBED);
    let scope = Scope { table, alias: "t0" };
    if let Some(filter) = filter {
        filter.write(&mut b, &scope);
    }
    b.push(" ORDER BY ");
    write_order(&mut b, &scope, terms);
    let statement = b.finish();
    let text = format!("{}|{}|{:?}", table.name, statement.sql, statement.binds);
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether each of a cursor's values is of its column's type, and NULL only where the
/// column is nullable: a cursor is text a client may have edited.
fn fits(table: &TableMeta, positions: &[usize], values: &[Value]) -> bool {
    use crate::model::value::SqlType as T;
    positions.iter().zip(values).all(|(&i, value)| {
        let column = &table.columns[i];
        let ty = match value {
            Value::Null(_) => return column.nullable,
            Value::I16(_) => T::SmallInt,
            Value::I32(_) => T::Integer,
            Value::I64(_) => T::BigInt,
            Value::F32(_) => T::Real,
            Value::F64(_) => T::Double,
            Value::Bool(_) => T::Boolean,
            Value::Text(_) => T::Text,
            Value::Bytes(_) => T::Blob,
            #[cfg(feature = "chrono")]
            Value::Date(_) => T::Date,
            #[cfg(feature = "chrono")]
            Value::DateTime(_) => T::DateTime,
            #[cfg(feature = "chrono")]
            Value::TimestampTz(_) => T::TimestampTz,
            #[cfg(feature = "uuid")]
            Value::Uuid(_) => T::Uuid,
            #[cfg(feature = "serde_json")]
            Value::Json(_) => T::Json,
            #[cfg(feature = "rust_decimal")]
            Value::Decimal(_) => T::Decimal,
            Value::Array(..) => return false,
        };
        ty == column.ty
    })
}

/// Version 1: the fingerprint, then each value (a tag and its bytes), as hex.
fn encode(print: u64, values: &[Value]) -> String {
    let mut bytes = vec![1u8];
    bytes.extend_from_slice(&print.to_le_bytes());
    for value in values {
        write_value(&mut bytes, value);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode(text: &str, print: u64, count: usize) -> Option<Vec<Value>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect::<Option<_>>()?;
    let (&version, rest) = bytes.split_first()?;
    let (stamp, mut rest) = rest.split_at_checked(8)?;
    if version != 1 || u64::from_le_bytes(stamp.try_into().ok()?) != print {
        return None;
    }
    let mut values = Vec::with_capacity(count);
    while !rest.is_empty() {
        values.push(read_value(&mut rest)?);
    }
    (values.len() == count).then_some(values)
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    let text = |out: &mut Vec<u8>, tag: u8, bytes: &[u8]| {
        out.push(tag);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    match value {
        Value::I16(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::I32(v) => {
            out.push(2);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::I64(v) => {
            out.push(3);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::F32(v) => {
            out.push(4);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::F64(v) => {
            out.push(5);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::Bool(v) => out.extend_from_slice(&[6, u8::from(*v)]),
        Value::Text(v) => text(out, 7, v.as_bytes()),
        Value::Bytes(v) => text(out, 8, v),
        #[cfg(feature = "chrono")]
        Value::Date(v) => text(out, 9, v.to_string().as_bytes()),
        #[cfg(feature = "chrono")]
        Value::DateTime(v) => text(out, 10, v.format(DATE_TIME).to_string().as_bytes()),
        #[cfg(feature = "chrono")]
        Value::TimestampTz(v) => text(
            out,
            11,
            v.naive_utc().format(DATE_TIME).to_string().as_bytes(),
        ),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => text(out, 12, v.as_bytes()),
        #[cfg(feature = "serde_json")]
        Value::Json(v) => text(out, 13, v.to_string().as_bytes()),
        #[cfg(feature = "rust_decimal")]
        Value::Decimal(v) => text(out, 14, &v.serialize()),
        // NULL, and what no column holds.
        Value::Null(_) | Value::Array(..) => out.push(0),
    }
}

#[cfg(feature = "chrono")]
const DATE_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// The next `n` bytes.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = rest.split_at_checked(n)?;
    *rest = tail;
    Some(head)
}

fn read_value(rest: &mut &[u8]) -> Option<Value> {
    let (&tag, tail) = rest.split_first()?;
    *rest = tail;
    let mut take = |n: usize| take(rest, n);
    Some(match tag {
        0 => Value::Null(crate::model::value::SqlType::Text),
        1 => Value::I16(i16::from_le_bytes(take(2)?.try_into().ok()?)),
        2 => Value::I32(i32::from_le_bytes(take(4)?.try_into().ok()?)),
        3 => Value::I64(i64::from_le_bytes(take(8)?.try_into().ok()?)),
        4 => Value::F32(f32::from_le_bytes(take(4)?.try_into().ok()?)),
        5 => Value::F64(f64::from_le_bytes(take(8)?.try_into().ok()?)),
        6 => Value::Bool(take(1)?[0] != 0),
        tag => {
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            let bytes = take(len)?;
            let text = || std::str::from_utf8(bytes).ok();
            match tag {
                7 => Value::Text(text()?.to_owned()),
                8 => Value::Bytes(bytes.to_vec()),
                #[cfg(feature = "chrono")]
                9 => Value::Date(text()?.parse().ok()?),
                #[cfg(feature = "chrono")]
                10 => {
                    Value::DateTime(chrono::NaiveDateTime::parse_from_str(text()?, DATE_TIME).ok()?)
                }
                #[cfg(feature = "chrono")]
                11 => Value::TimestampTz(
                    chrono::NaiveDateTime::parse_from_str(text()?, DATE_TIME)
                        .ok()?
                        .and_utc(),
                ),
                #[cfg(feature = "uuid")]
                12 => Value::Uuid(uuid::Uuid::from_slice(bytes).ok()?),
                #[cfg(feature = "serde_json")]
                13 => Value::Json(serde_json::from_str(text()?).ok()?),
                #[cfg(feature = "rust_decimal")]
                14 => Value::Decimal(rust_decimal::Decimal::deserialize(bytes.try_into().ok()?)),
                _ => return None,
            }
        }
    })
}

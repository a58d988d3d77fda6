//! Nested inserts as the user builds them (`db.insert_graph(&mut user)`, an
//! [`InsertGraph`] to await), and updating a parent's related rows as a whole:
//! `db.append_related(&user, User::posts(), &mut posts)` and
//! `db.replace_related(..)`. Each reads and writes
//! through the public operations (`Relation::of`, a filtered delete, `insert_graph`) in
//! one transaction, so each step keeps its own guarantees: the delete honours the
//! relation's `on_delete` (by the database, or by Rel in Emulated mode), and the insert
//! is set-based.

use super::conn::Conn;
use super::database::Db;
use super::transaction::Transaction;
use super::write::InsertGraphOp;
use crate::model::error::{Error, Result};
use crate::model::meta::RelationMeta;
use crate::model::table::{Key, Table};
use crate::model::value::Value;
use crate::read::relation::{Fresh, Relation, ToMany};
use crate::sql::column::Column;
use crate::sql::exec::BoxFuture;
use crate::sql::expr::{CompareOp, Expr, Node};
use crate::write::{Delete, GraphPlan};
use std::future::IntoFuture;

/// A nested insert, made by [`Db::insert_graph`] (or a [`Transaction`]'s, or a
/// [`Conn`]'s), which runs when awaited. Before that, name the tables whose rows are
/// connected when they exist already, with
/// [`connect_or_create`](InsertGraph::connect_or_create).
#[must_use = "a nested insert does nothing until it is awaited"]
pub struct InsertGraph<'a, T: Table> {
    conn: Conn<'a>,
    rows: &'a mut [T],
    plan: GraphPlan,
    /// A `connect_or_create` that cannot be, returned when awaited.
    refused: Option<Error>,
}

impl<'a, T: Table> InsertGraph<'a, T> {
    pub(super) fn new(conn: Conn<'a>, rows: &'a mut [T]) -> Self {
        InsertGraph {
            conn,
            rows,
            plan: GraphPlan::default(),
            refused: None,
        }
    }

    /// Connects rather than creates, as Prisma's `connectOrCreate`: each row of
    /// `column`'s table in the graph, at any level, whose `column` value is stored
    /// already takes that row's key and is not inserted; the rows loaded under it
    /// are inserted under it all the same. Rows of one insert with the same value are
    /// inserted once and share its key (two posts tagged `rust` get one tag). The
    /// others are inserted.
    ///
    /// - The column must be `#[column(unique)]`, or the whole primary key; otherwise
    ///   awaiting is [`Error::Unsupported`](crate::Error::Unsupported), and nothing is
    ///   sent.
    /// - A row found is not updated: its other fields stay as stored (on the struct
    ///   too, only its key is set). A `One` loaded in it whose key it holds is
    ///   [`Error::Unsupported`](crate::Error::Unsupported), as nothing would point at
    ///   that row.
    /// - The lookup is one statement per 500 distinct values, with the database's
    ///   own comparison (a case-insensitive collation finds `rust` for `Rust`).
    /// - Under a concurrent insert of the same value, the graph fails with
    ///   [`Error::Unique`](crate::Error::Unique) and nothing is stored; running it
    ///   again connects. (Prisma documents the same race.)
    ///
    /// ```
    /// use rel::prelude::*;
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "posts")]
    /// struct Post {
    ///     #[column(primary_key, auto_increment)]
    ///     id: i64,
    ///     title: String,
    ///     #[relation(many, through = PostTag(post_id, tag_id))]
    ///     tags: Many<Tag>,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "tags")]
    /// struct Tag {
    ///     #[column(primary_key, auto_increment)]
    ///     id: i64,
    ///     #[column(unique)]
    ///     name: String,
    /// }
    ///
    /// #[derive(Table, Debug)]
    /// #[table(name = "post_tags", primary_key(post_id, tag_id))]
    /// struct PostTag {
    ///     post_id: i64,
    ///     tag_id: i64,
    ///     #[relation(one, from = post_id, to = Post::id)]
    ///     post: One<Post>,
    ///     #[relation(one, from = tag_id, to = Tag::id)]
    ///     tag: One<Tag>,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<Post>().create_all(&db).await?;
    /// db.insert(&Tag { id: 0, name: "rust".into() }).await?;
    /// let tag = |name: &str| Tag { id: 0, name: name.into() };
    /// let post = |title: &str, tags| Post { id: 0, title: title.into(), tags: Many::loaded(tags) };
    /// let mut posts = [
    ///     post("Ownership", vec![tag("rust"), tag("memory")]),
    ///     post("Arenas", vec![tag("memory")]),
    /// ];
    /// // Two posts, one new tag ("memory", once), three junction rows.
    /// let inserted = db.insert_graph_many(&mut posts).connect_or_create(Tag::name).await?;
    /// assert_eq!(inserted, 6);
    /// assert_eq!(posts[0].tags.get()?[0].id, 1); // "rust", found
    /// assert_eq!(posts[0].tags.get()?[1].id, posts[1].tags.get()?[0].id); // "memory", shared
    /// assert_eq!(Tag::query().count(&db).await?, 2);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn connect_or_create<C: Table, V>(mut self, column: Column<C, V>) -> Self {
        if self.refused.is_none()
            && let Err(e) = self.plan.connect_or_create(C::META, column.name())
        {
            self.refused = Some(e);
        }
        self
    }
}

impl<'a, T: Table> IntoFuture for InsertGraph<'a, T> {
    type Output = Result<u64>;
    type IntoFuture = BoxFuture<'a, Result<u64>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if let Some(e) = self.refused {
                return Err(e);
            }
            super::write::run(self.conn, InsertGraphOp::new(self.rows, self.plan)).await
        })
    }
}

impl Db {
    /// Adds `rows` (and every row loaded in them) to `parent`'s related rows through
    /// `relation`: each gets the parent's key in its foreign-key columns, then they
    /// are inserted as by [`insert_graph_many`](Db::insert_graph_many); how many rows
    /// were inserted. A relation through a junction is
    /// [`Error::Unsupported`](crate::Error::Unsupported) for now.
    pub async fn append_related<P: Table, C: Table>(
        &self,
        parent: &P,
        relation: Relation<P, C, ToMany, Fresh>,
        rows: &mut [C],
    ) -> Result<u64> {
        let rel = relation.spec.rel;
        let key = parent_key(parent, rel)?;
        for row in rows.iter_mut() {
            set_key(row, rel.to, &key)?;
        }
        super::write::run(Conn::Db(self), InsertGraphOp::under(rows, rel.to)).await
    }

    /// Makes `rows` exactly `parent`'s related rows through `relation`, in one
    /// transaction, as Prisma's nested `set` with `deleteMany` of the others:
    ///
    /// - a related row whose key is not among `rows` is deleted, with the relation's
    ///   `on_delete` for what refers to it (the database's, or Rel's in Emulated mode);
    /// - a row of `rows` whose key is a related row's is left as it is in the database
    ///   (it is not updated: use [`update`](Db::update) for that);
    /// - the other rows get the parent's key and are inserted, with everything loaded
    ///   in them (see [`insert_graph`](Db::insert_graph)).
    ///
    /// How many rows it deleted and inserted. A failure undoes all of it. A relation
    /// through a junction is [`Error::Unsupported`](crate::Error::Unsupported) for now.
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
    ///     #[relation(one, from = user_id, to = User::id, on_delete = cascade)]
    ///     user: One<User>,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = Db::connect("sqlite::memory:").await?;
    /// Schema::new(RelationMode::ForeignKeys).table::<User>().create_all(&db).await?;
    /// let post = |id| Post { id, user_id: 0, user: One::default() };
    /// let mut ada = User { id: 1, posts: Many::loaded(vec![post(1), post(2)]) };
    /// db.insert_graph(&mut ada).await?;
    /// // Keep post 2, drop post 1, add post 3.
    /// let (deleted, inserted) = db.replace_related(&ada, User::posts(), &mut [post(2), post(3)]).await?;
    /// assert_eq!((deleted, inserted), (1, 1));
    /// let ids: Vec<i64> = User::posts().of(&ada).all(&db).await?.iter().map(|p| p.id).collect();
    /// assert_eq!(ids, [2, 3]);
    /// # Ok::<(), rel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn replace_related<P: Table, C: Table>(
        &self,
        parent: &P,
        relation: Relation<P, C, ToMany, Fresh>,
        rows: &mut [C],
    ) -> Result<(u64, u64)> {
        let rel = relation.spec.rel;
        let key = parent_key(parent, rel)?;
        let mut tx = self.begin().await?;
        let result = async {
            let existing = relation.of(parent).all(&mut tx).await?;
            let existing: Vec<Vec<Value>> = existing.iter().map(|r| r.key().to_values()).collect();
            let wanted: Vec<Vec<Value>> = rows.iter().map(|r| r.key().to_values()).collect();
            // The related rows not wanted any more, deleted by key, a few hundred a
            // statement, and only while they are still the parent's.
            let stale: Vec<&Vec<Value>> = existing.iter().filter(|k| !wanted.contains(k)).collect();
            let mut deleted = 0;
            for chunk in stale.chunks(KEYS_PER_DELETE) {
                if let Some(filter) = keys_filter::<C>(chunk) {
                    let still_related = Expr::<C>::new(Node::RelatedTo {
                        rel,
                        key: key.clone(),
                    });
                    deleted += Delete::<C>::new()
                        .filter(still_related.and(filter))
                        .run(&mut tx)
                        .await?;
                }
            }
            // The rows not related yet: the parent's key, then inserted.
            let new: Vec<usize> = (0..rows.len())
                .filter(|&i| !existing.contains(&wanted[i]))
                .collect();
            for &i in &new {
                set_key(&mut rows[i], rel.to, &key)?;
            }
            let inserted = insert_some(&mut tx, rows, &new, rel.to).await?;
            Ok::<_, Error>((deleted, inserted))
        }
        .await;
        match result {
            Ok(counts) => {
                tx.commit().await?;
                Ok(counts)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
}

/// Inserts the rows of `rows` at positions `at` (in order) with everything loaded in
/// them, at a savepoint of `tx`. The rows are written in place.
async fn insert_some<C: Table>(
    tx: &mut Transaction,
    rows: &mut [C],
    at: &[usize],
    set_by_parent: &'static [&'static str],
) -> Result<u64> {
    if at.len() == rows.len() {
        return under(tx, rows, set_by_parent).await;
    }
    // Each run of consecutive positions in one call; the rows stay where they are.
    let mut inserted = 0;
    let mut start = 0;
    while start < at.len() {
        let mut end = start + 1;
        while end < at.len() && at[end] == at[end - 1] + 1 {
            end += 1;
        }
        inserted += under(tx, &mut rows[at[start]..=at[end - 1]], set_by_parent).await?;
        start = end;
    }
    Ok(inserted)
}

/// Inserts `rows` as a graph under a parent that set their `set_by_parent` columns, at
/// a savepoint of `tx`.
async fn under<C: Table>(
    tx: &mut Transaction,
    rows: &mut [C],
    set_by_parent: &'static [&'static str],
) -> Result<u64> {
    super::write::run(Conn::Tx(tx), InsertGraphOp::under(rows, set_by_parent)).await
}

/// The values of `parent`'s columns that `rel` joins on.
fn parent_key<P: Table>(parent: &P, rel: &'static RelationMeta) -> Result<Vec<Value>> {
    if rel.through.is_some() {
        return Err(Error::Unsupported {
            table: P::NAME,
            relation: rel.name,
            message: "replacing or appending rows through a junction is not built yet: write the junction's rows with insert_many and a filtered delete".into(),
        });
    }
    rel.from
        .iter()
        .map(|c| {
            P::META
                .columns
                .iter()
                .position(|m| m.name == *c)
                .and_then(|i| parent.column_value(i))
                .ok_or_else(|| Error::Unsupported {
                    table: P::NAME,
                    relation: rel.name,
                    message: format!("the parent has no column `{c}`"),
                })
        })
        .collect()
}

/// Sets `columns` of `row` (the relation's `to` side) to the parent's `key`.
fn set_key<C: Table>(row: &mut C, columns: &[&str], key: &[Value]) -> Result<()> {
    for (column, value) in columns.iter().zip(key) {
        if let Some(i) = C::META.columns.iter().position(|m| m.name == *column) {
            row.set_column_value(i, value.clone())?;
        }
    }
    Ok(())
}

/// Keys per delete statement: under every bind limit, and a composite key's `OR` of
/// `AND`s shallow enough for SQLite's expression depth (1,000).
const KEYS_PER_DELETE: usize = 500;

/// `pk IN (..)`, or for a composite key `(a = .. AND b = ..) OR ..`: the rows with
/// these keys; `None` for none.
fn keys_filter<C: Table>(keys: &[&Vec<Value>]) -> Option<Expr<C>> {
    let pk = C::META.primary_key;
    let node = match pk {
        [column] => Node::In {
            column,
            values: keys.iter().filter_map(|k| k.first().cloned()).collect(),
            negated: false,
        },
        columns => keys
            .iter()
            .map(|k| {
                columns
                    .iter()
                    .zip(k.iter())
                    .map(|(column, value)| Node::Compare {
                        column,
                        op: CompareOp::Eq,
                        value: value.clone(),
                    })
                    .reduce(|a, b| Node::And(Box::new(a), Box::new(b)))
            })
            .collect::<Option<Vec<Node>>>()?
            .into_iter()
            .reduce(|a, b| Node::Or(Box::new(a), Box::new(b)))?,
    };
    if keys.is_empty() {
        return None;
    }
    Some(Expr::new(node))
}

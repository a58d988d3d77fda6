//! Nested inserts: `db.insert_graph(&mut user)` inserts a row and every row loaded in
//! its relation fields, at any depth, level by level and set-based: one `insert_many`
//! per table per level (chunked under the bind limit, with `RETURNING` where the
//! backend has it), whatever the number of rows.
//!
//! A level runs in three steps, for all its rows at once:
//! 1. the rows its rows point to (`One` fields of relations whose key this side
//!    holds, such as a post's author) are inserted first, as a level of their own, and
//!    each row's foreign key is set from its target's key;
//! 2. the rows are inserted, and generated keys are set on them;
//! 3. the rows that point to them (`Many` fields, and `One` fields whose key the other
//!    side holds) get their foreign key from their parent's key and are inserted, as
//!    one level below.
//!
//! A `One` that holds its key and is not loaded is left alone: its foreign-key column
//! says which existing row it points to (a connect by key). A relation through a
//! junction inserts its targets as rows below, then one junction row per parent and
//! target. Relations that are not loaded are left alone. The rows are written in place: keys and foreign keys are set
//! on the caller's structs.
//!
//! The typed steps for a relation's target are reached through the derive's
//! `Table::graph_steps`, as function pointers monomorphized for the target
//! (`GraphSteps::<C>::STEPS`), the way the loaders reach theirs through `Ops`.

use super::enforcement::Enforcement;
use super::insert::{insert_many, insert_values};
use crate::model::error::{Error, Result};
use crate::model::fields::{Many, One};
use crate::model::meta::RelationMeta;
use crate::model::table::Table;
use crate::model::value::Value;
use crate::sql::exec::{BoxFuture, Executor};
use std::any::Any;
use std::marker::PhantomData;

/// The steps of a nested insert for a relation whose target is `C`: see [`Steps`].
#[doc(hidden)]
pub struct GraphSteps<C> {
    _target: PhantomData<fn() -> C>,
}

/// Finds the steps of a relation's target for the derive, without a second error when
/// the target is not a table (its own error says so): `(&&Probe::<C>::NEW).graph_steps()`
/// is [`ViaTable`]'s where `C` is a table, else [`NotATable`]'s `None` (method lookup
/// tries the receiver `&&Probe<C>` before `&Probe<C>`).
#[doc(hidden)]
pub struct Probe<C>(PhantomData<fn() -> C>);

impl<C> Probe<C> {
    /// The probe.
    pub const NEW: Probe<C> = Probe(PhantomData);
}

/// See [`Probe`].
#[doc(hidden)]
pub trait ViaTable {
    /// The target's steps.
    fn graph_steps(&self) -> Option<&'static dyn Any>;
}

impl<C: Table> ViaTable for &Probe<C> {
    fn graph_steps(&self) -> Option<&'static dyn Any> {
        Some(&GraphSteps::<C>::STEPS)
    }
}

/// See [`Probe`].
#[doc(hidden)]
pub trait NotATable {
    /// None.
    fn graph_steps(&self) -> Option<&'static dyn Any>;
}

impl<C> NotATable for Probe<C> {
    fn graph_steps(&self) -> Option<&'static dyn Any> {
        None
    }
}

/// The same steps, erased: each works on a relation field of the target's type
/// (`&mut dyn Any`) or on a `Vec` of its rows (`Box<dyn Any + Send>`), so that the
/// parent's side, which holds only its own rows across an await, needs no `C`.
#[doc(hidden)]
pub struct Steps {
    /// Takes the rows a field holds (see [`take_rows`]).
    take: fn(&mut dyn Any) -> Result<Option<Rows>>,
    /// Puts rows back into a field, loaded.
    put: fn(&mut dyn Any, Rows),
    /// Whether a field holds rows to write.
    holds: fn(&dyn Any) -> bool,
    /// Sets columns of every row to the same values.
    set: fn(&mut Rows, &[&'static str], &[Value]) -> Result<()>,
    /// The values of columns of each row.
    keys: fn(&Rows, &[&'static str]) -> Vec<Vec<Value>>,
    /// Joins groups of rows into one, and how many each had.
    join: fn(Vec<Rows>) -> (Rows, Vec<usize>),
    /// Splits rows back into groups of these sizes.
    split: fn(Rows, &[usize]) -> Vec<Rows>,
    /// Inserts the rows as one level, and everything loaded in them; the columns
    /// their parent set are given.
    insert: InsertRows,
}

/// A `Vec<C>` of a relation's target rows, erased.
type Rows = Box<dyn Any + Send>;

/// Inserts erased rows as one level, under a parent that set the given columns.
type InsertRows = for<'a> fn(
    &'a mut dyn Executor,
    &'a Enforcement,
    &'a mut Rows,
    &'a str,
    &'static [&'static str],
) -> BoxFuture<'a, Result<u64>>;

impl<C: Table> GraphSteps<C> {
    /// The steps for target `C`. For the derive.
    pub const STEPS: Steps = Steps {
        take: |field| Ok(take_rows::<C>(field)?.map(|rows| Box::new(rows) as Rows)),
        put: |field, rows| put_rows::<C>(field, vec_of::<C>(rows)),
        holds: holds_rows::<C>,
        set: |rows, columns, values| {
            rows.downcast_mut::<Vec<C>>().map_or(Ok(()), |rows| {
                rows.iter_mut()
                    .try_for_each(|row| set_columns(row, columns, values.to_vec()))
            })
        },
        keys: |rows, columns| {
            let positions: Vec<Option<usize>> = columns
                .iter()
                .map(|c| C::META.columns.iter().position(|m| m.name == *c))
                .collect();
            rows.downcast_ref::<Vec<C>>()
                .map(|rows| {
                    rows.iter()
                        .map(|row| {
                            positions
                                .iter()
                                .map(|p| {
                                    p.and_then(|p| row.column_value(p)).unwrap_or(Value::Null(
                                        crate::model::value::SqlType::BigInt,
                                    ))
                                })
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default()
        },
        join: |groups| {
            let mut counts = Vec::with_capacity(groups.len());
            let mut all: Vec<C> = Vec::new();
            for group in groups {
                let group = vec_of::<C>(group);
                counts.push(group.len());
                all.extend(group);
            }
            (Box::new(all) as Rows, counts)
        },
        split: |rows, counts| {
            let mut rows = vec_of::<C>(rows).into_iter();
            counts
                .iter()
                .map(|&n| Box::new(rows.by_ref().take(n).collect::<Vec<C>>()) as Rows)
                .collect()
        },
        insert: |run, enforcement, rows, path, set_by_parent| {
            Box::pin(async move {
                match rows.downcast_mut::<Vec<C>>() {
                    Some(rows) => insert_graph(run, enforcement, rows, path, set_by_parent).await,
                    None => Ok(0),
                }
            })
        },
    };
}

/// The `Vec<C>` in `rows` (empty if it is not one, which the steps never make).
fn vec_of<C: Table>(rows: Rows) -> Vec<C> {
    rows.downcast::<Vec<C>>()
        .map(|rows| *rows)
        .unwrap_or_default()
}

/// Inserts `rows` and everything loaded in them, in place: see the module docs; how
/// many rows it inserted. `path` is where the rows sit below the root, for errors;
/// `set_by_parent`, the columns their parent set (its key), which a loaded `One` of
/// theirs must not set again.
pub(crate) fn insert_graph<'a, T: Table>(
    run: &'a mut dyn Executor,
    enforcement: &'a Enforcement,
    rows: &'a mut [T],
    path: &'a str,
    set_by_parent: &'static [&'static str],
) -> BoxFuture<'a, Result<u64>> {
    Box::pin(async move {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut inserted = rows.len() as u64;
        let relations = T::META.relations;
        // 1. What the rows point to, first; each row's foreign key from it.
        for (i, rel) in relations.iter().enumerate() {
            if !rel.holds_key || rel.through.is_some() {
                continue;
            }
            // A relation without a field (a column's `references`) holds no rows.
            let Some(steps) = steps_of::<T>(i) else {
                continue;
            };
            if !set_by_parent.is_empty()
                && rel.from == set_by_parent
                && rows
                    .iter()
                    .any(|row| row.relation(i).is_some_and(|f| (steps.holds)(f)))
            {
                return Err(unsupported::<T>(
                    rel,
                    "this relation is loaded, and its key is also set by the parent the rows are inserted under: the row would be inserted twice; leave it not loaded",
                ));
            }
            let (taken, mut result) =
                take_and_insert(run, enforcement, rows, i, rel, steps, path, &[], |_, _| {
                    Ok(())
                })
                .await;
            for (at, part) in taken {
                let key = (steps.keys)(&part, rel.to).into_iter().next();
                let row = &mut rows[at];
                if let (Some(key), true) = (key, result.is_ok())
                    && let Err(e) = set_columns(row, rel.from, key)
                {
                    result = Err(e);
                }
                (steps.put)(field_of(row, i, rel)?, part);
            }
            inserted += result?;
        }
        // 2. The rows, and their generated keys.
        let keys = insert_many(run, enforcement, rows).await?;
        if let Some(generated) = T::META.generated_key() {
            let at = column_index::<T>(generated.name)?;
            for (row, key) in rows.iter_mut().zip(keys) {
                let mut values = crate::model::table::Key::to_values(&key);
                if let Some(value) = values.pop() {
                    row.set_column_value(at, value)?;
                }
            }
        }
        // 3. What points to the rows, below them, with their keys.
        for (i, rel) in relations.iter().enumerate() {
            if rel.holds_key {
                continue;
            }
            let Some(steps) = steps_of::<T>(i) else {
                continue;
            };
            let positions: Vec<usize> = rel
                .from
                .iter()
                .map(|c| column_index::<T>(c))
                .collect::<Result<_>>()?;
            let keys: Vec<Vec<Value>> = rows
                .iter()
                .map(|row| {
                    positions
                        .iter()
                        .map(|&p| {
                            row.column_value(p)
                                .unwrap_or(Value::Null(T::META.columns[p].ty))
                        })
                        .collect()
                })
                .collect();
            if let Some(through) = rel.through {
                // Through a junction: the targets are rows of their own, then one
                // junction row per parent and target.
                let (taken, result) =
                    take_and_insert(run, enforcement, rows, i, rel, steps, path, &[], |_, _| {
                        Ok(())
                    })
                    .await;
                let mut junction = Vec::new();
                if result.is_ok() {
                    for (at, part) in &taken {
                        for target in (steps.keys)(part, rel.to) {
                            junction.push(junction_row::<T>(rel, through, &keys[*at], &target));
                        }
                    }
                }
                for (at, part) in taken {
                    (steps.put)(field_of(&mut rows[at], i, rel)?, part);
                }
                inserted += result?;
                let junction: Vec<Vec<Value>> = junction.into_iter().collect::<Result<_>>()?;
                inserted += junction.len() as u64;
                insert_values(run, enforcement, (through.table)(), junction).await?;
                continue;
            }
            let set = |at: usize, part: &mut Rows| (steps.set)(part, rel.to, &keys[at]);
            let (taken, result) =
                take_and_insert(run, enforcement, rows, i, rel, steps, path, rel.to, set).await;
            for (at, part) in taken {
                (steps.put)(field_of(&mut rows[at], i, rel)?, part);
            }
            inserted += result?;
        }
        Ok(inserted)
    })
}

/// Takes the rows of relation `i` from every row that holds some, readies each group
/// with `ready` (its position among `rows`), and inserts them all as one level. The
/// groups, by row position, go back to the caller to put back whatever happened.
#[allow(clippy::too_many_arguments)]
async fn take_and_insert<T: Table>(
    run: &mut dyn Executor,
    enforcement: &Enforcement,
    rows: &mut [T],
    i: usize,
    rel: &'static RelationMeta,
    steps: &'static Steps,
    path: &str,
    set_by_parent: &'static [&'static str],
    ready: impl Fn(usize, &mut Rows) -> Result<()>,
) -> (Vec<(usize, Rows)>, Result<u64>) {
    let mut positions = Vec::new();
    let mut groups = Vec::new();
    for (at, row) in rows.iter_mut().enumerate() {
        let taken = match row.relation_field(i).ok_or_else(|| internal::<T>(rel)) {
            Ok(field) => (steps.take)(field),
            Err(e) => Err(e),
        };
        match taken {
            Ok(Some(mut group)) => {
                let readied = ready(at, &mut group);
                positions.push(at);
                groups.push(group);
                if let Err(e) = readied {
                    return (positions.into_iter().zip(groups).collect(), Err(e));
                }
            }
            Ok(None) => {}
            Err(e) => return (positions.into_iter().zip(groups).collect(), Err(e)),
        }
    }
    if groups.is_empty() {
        return (Vec::new(), Ok(0));
    }
    // Held by a guard across the await: if the future is dropped there (a timeout, a
    // cancelled request), the rows go back to their fields all the same.
    let mut taken = Taken {
        held: Some((steps.join)(groups)),
        rows,
        i,
        steps,
        positions,
    };
    let here = child_path(path, rel.name);
    let result = match taken.held.as_mut() {
        Some((all, _)) => (steps.insert)(run, enforcement, all, &here, set_by_parent).await,
        None => Ok(0),
    };
    let positions = std::mem::take(&mut taken.positions);
    let groups = match taken.held.take() {
        Some((all, counts)) => (steps.split)(all, &counts),
        None => Vec::new(),
    };
    (positions.into_iter().zip(groups).collect(), result)
}

/// Rows taken from their parents' fields while they are inserted: put back on drop,
/// unless handed back first.
struct Taken<'r, T: Table> {
    /// All the groups joined, and each one's size.
    held: Option<(Rows, Vec<usize>)>,
    rows: &'r mut [T],
    i: usize,
    steps: &'static Steps,
    /// The parent of each group.
    positions: Vec<usize>,
}

impl<T: Table> Drop for Taken<'_, T> {
    fn drop(&mut self) {
        let Some((all, counts)) = self.held.take() else {
            return;
        };
        for (&at, part) in self.positions.iter().zip((self.steps.split)(all, &counts)) {
            if let Some(field) = self
                .rows
                .get_mut(at)
                .and_then(|row| row.relation_field(self.i))
            {
                (self.steps.put)(field, part);
            }
        }
    }
}

/// The junction row linking a parent (its `from` values, `parent`) and a target (its
/// `to` values, `target`), in the junction's column order. A junction with columns
/// besides the two keys is refused: Rel would not know their values.
fn junction_row<T: Table>(
    rel: &'static RelationMeta,
    through: crate::model::meta::Through,
    parent: &[Value],
    target: &[Value],
) -> Result<Vec<Value>> {
    let junction = (through.table)();
    junction
        .columns
        .iter()
        .map(|c| {
            if let Some(at) = through.from.iter().position(|f| *f == c.name) {
                return Ok(parent[at].clone());
            }
            if let Some(at) = through.to.iter().position(|t| *t == c.name) {
                return Ok(target[at].clone());
            }
            Err(unsupported::<T>(
                rel,
                &format!(
                    "the junction `{}` has a column besides its keys (`{}`): insert_graph would not know its value; insert the junction's rows with insert_many",
                    junction.name, c.name
                ),
            ))
        })
        .collect()
}

fn field_of<'r, T: Table>(
    row: &'r mut T,
    i: usize,
    rel: &'static RelationMeta,
) -> Result<&'r mut dyn Any> {
    row.relation_field(i).ok_or_else(|| internal::<T>(rel))
}

/// Takes the rows loaded in a relation field of target `C`, leaving it not loaded
/// until [`put_rows`] puts them back; `None`, leaving the field alone, where it holds
/// no rows to write (not loaded, or a `One<Option<C>>` loaded as `None`).
fn take_rows<C: Table>(field: &mut dyn Any) -> Result<Option<Vec<C>>> {
    if !holds_rows::<C>(field) {
        return Ok(None);
    }
    if let Some(many) = field.downcast_mut::<Many<C>>() {
        return Ok(std::mem::take(many).into_vec().ok());
    }
    if let Some(one) = field.downcast_mut::<One<Option<C>>>() {
        return Ok(std::mem::take(one)
            .into_inner()
            .ok()
            .flatten()
            .map(|row| vec![row]));
    }
    if let Some(one) = field.downcast_mut::<One<C>>() {
        return Ok(std::mem::take(one).into_inner().ok().map(|row| vec![row]));
    }
    Err(Error::Unsupported {
        table: C::NAME,
        relation: "",
        message: "internal error in insert_graph: a relation field of another type".into(),
    })
}

/// Puts rows taken by [`take_rows`] back, loaded.
fn put_rows<C: Table>(field: &mut dyn Any, rows: Vec<C>) {
    if let Some(many) = field.downcast_mut::<Many<C>>() {
        *many = Many::loaded(rows);
    } else if let Some(one) = field.downcast_mut::<One<Option<C>>>() {
        *one = One::loaded(rows.into_iter().next());
    } else if let Some(one) = field.downcast_mut::<One<C>>()
        && let Some(row) = rows.into_iter().next()
    {
        *one = One::loaded(row);
    }
}

/// Whether a relation field of target `C` holds rows to write: loaded, and not a
/// `One<Option<C>>` loaded as `None` (a `Many` loaded with no rows holds none either,
/// but is put back as it was).
fn holds_rows<C: Table>(field: &dyn Any) -> bool {
    if let Some(many) = field.downcast_ref::<Many<C>>() {
        many.is_loaded()
    } else if let Some(one) = field.downcast_ref::<One<Option<C>>>() {
        matches!(one.get(), Ok(Some(_)))
    } else if let Some(one) = field.downcast_ref::<One<C>>() {
        one.is_loaded()
    } else {
        false
    }
}

/// Sets `columns` of `row` to `values`.
fn set_columns<T: Table>(row: &mut T, columns: &[&str], values: Vec<Value>) -> Result<()> {
    for (column, value) in columns.iter().zip(values) {
        row.set_column_value(column_index::<T>(column)?, value)?;
    }
    Ok(())
}

fn column_index<T: Table>(column: &str) -> Result<usize> {
    T::META
        .columns
        .iter()
        .position(|c| c.name == column)
        .ok_or_else(|| Error::Unsupported {
            table: T::NAME,
            relation: "",
            message: format!("internal error in insert_graph: no column `{column}`"),
        })
}

/// The steps of relation `index`'s target; `None` for a relation without a field.
fn steps_of<T: Table>(index: usize) -> Option<&'static Steps> {
    T::graph_steps(index).and_then(|steps| steps.downcast_ref::<Steps>())
}

fn child_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn unsupported<T: Table>(rel: &RelationMeta, message: &str) -> Error {
    Error::Unsupported {
        table: T::NAME,
        relation: rel.name,
        message: message.to_owned(),
    }
}

fn internal<T: Table>(rel: &RelationMeta) -> Error {
    unsupported::<T>(
        rel,
        "internal error in insert_graph: relation field not found",
    )
}

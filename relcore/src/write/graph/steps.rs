//! The typed steps of a nested insert for one relation target, erased so that the
//! parent's level, which holds only its own rows across an await, needs no type of
//! the target's: the derive's `Table::graph_steps` hands out
//! `GraphSteps::<C>::STEPS`, function pointers monomorphized for the target `C`, the
//! way the loaders reach theirs through `Ops`. They are few and short (taking rows
//! out of fields, putting them back, joining and splitting groups): the insert itself
//! runs on the rows as a level (`rows.rs`), compiled once.

use super::LevelRows;
use crate::model::error::{Error, Result};
use crate::model::fields::{Many, One};
use crate::model::table::Table;
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
    pub(super) take: fn(&mut dyn Any) -> Result<Option<Rows>>,
    /// Puts rows back into a field, loaded.
    pub(super) put: fn(&mut dyn Any, Rows),
    /// Whether a field holds rows to write.
    pub(super) holds: fn(&dyn Any) -> bool,
    /// The rows as a level, to insert them (nested, with the steps in `mod.rs`), set
    /// their columns or read their keys.
    pub(super) rows: fn(&mut Rows) -> Option<&mut dyn LevelRows>,
    /// Joins groups of rows into one, and how many each had.
    pub(super) join: fn(Vec<Rows>) -> (Rows, Vec<usize>),
    /// Splits rows back into groups of these sizes.
    pub(super) split: fn(Rows, &[usize]) -> Vec<Rows>,
}

/// A `Vec<C>` of a relation's target rows, erased.
pub(super) type Rows = Box<dyn Any + Send>;

impl<C: Table> GraphSteps<C> {
    /// The steps for target `C`. For the derive.
    pub const STEPS: Steps = Steps {
        take: |field| Ok(take_rows::<C>(field)?.map(|rows| Box::new(rows) as Rows)),
        put: |field, rows| put_rows::<C>(field, vec_of::<C>(rows)),
        holds: holds_rows::<C>,
        rows: |rows| {
            let rows: &mut dyn LevelRows = rows.downcast_mut::<Vec<C>>()?;
            Some(rows)
        },
        // `append` and `split_off` rather than iterator adaptors: these are compiled
        // once per table of the user's, and are the larger part of what is.
        join: |groups| {
            let mut counts = Vec::with_capacity(groups.len());
            let mut all: Vec<C> = Vec::new();
            for group in groups {
                let mut group = vec_of::<C>(group);
                counts.push(group.len());
                all.append(&mut group);
            }
            (Box::new(all) as Rows, counts)
        },
        split: |rows, counts| {
            let mut rows = vec_of::<C>(rows);
            let mut groups = Vec::with_capacity(counts.len());
            for &n in counts.iter().rev() {
                let at = rows.len().saturating_sub(n);
                groups.push(Box::new(rows.split_off(at)) as Rows);
            }
            groups.reverse();
            groups
        },
    };
}

/// The `Vec<C>` in `rows` (empty if it is not one, which the steps never make).
pub(super) fn vec_of<C: Table>(rows: Rows) -> Vec<C> {
    rows.downcast::<Vec<C>>()
        .map(|rows| *rows)
        .unwrap_or_default()
}

/// Takes the rows loaded in a relation field of target `C`, leaving it not loaded
/// until [`put_rows`] puts them back; `None`, leaving the field alone, where it holds
/// no rows to write (not loaded, or a `One<Option<C>>` loaded as `None`).
pub(super) fn take_rows<C: Table>(field: &mut dyn Any) -> Result<Option<Vec<C>>> {
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
pub(super) fn put_rows<C: Table>(field: &mut dyn Any, rows: Vec<C>) {
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
pub(super) fn holds_rows<C: Table>(field: &dyn Any) -> bool {
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

/// The steps of relation `index`'s target; `None` for a relation without a field.
pub(super) fn steps_of<T: Table>(index: usize) -> Option<&'static Steps> {
    T::graph_steps::<()>(index).and_then(|steps| steps.downcast_ref::<Steps>())
}

//! Relation fields: `One<T>` and `Many<T>`, either not loaded or loaded.
//!
//! Both hold their rows type-erased (`Box<dyn Any + Send + Sync>`), typed again on
//! every read by a downcast to the one type they can hold. That keeps the related
//! table out of the field's structure: `Send`, `Sync`, `Unpin` and drop checking
//! of a table then stop at its own relation fields instead of walking every table
//! reachable from it, which overflows rustc's recursion limit in a chain of relations
//! more than about 25 tables long (E0275, E0320). The cost is a type check per read
//! and, for a loaded `Many`, one more allocation.

use super::error::{Error, Result};
use super::meta::AggFunc;
use super::value::Value;
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;

/// What a relation field holds when loaded: `T` for `One<T>`, `Vec<T>` for `Many<T>`.
type Erased = Box<dyn Any + Send + Sync>;

/// A relation to at most one row: `One<User>`, or `One<Option<User>>` when the key
/// is nullable or the row may be missing.
///
/// It is either not loaded or loaded. Reading one that was not loaded is an error,
/// never a `None` that looks like data.
///
/// ```
/// use rel::One;
/// let not_loaded: One<String> = One::default();
/// assert!(not_loaded.get().is_err());
/// let loaded = One::loaded("Ada".to_string());
/// assert_eq!(loaded.get().unwrap(), "Ada");
/// assert_eq!(loaded.into_inner().unwrap(), "Ada");
/// ```
pub struct One<T> {
    /// The row, a `T`, when loaded.
    value: Option<Erased>,
    /// `fn() -> T`: `One<T>` is `Send`, `Sync` and `Unpin` whatever `T` is, since it
    /// can only hold a `T` that is `Send + Sync` (see [`One::loaded`]).
    _row: PhantomData<fn() -> T>,
}

/// A relation to any number of rows: `Many<Post>`.
///
/// It is either not loaded, loaded, or counted (`User::posts().count()`). Reading one
/// that was not loaded is an error, never an empty `Vec` that looks like data.
///
/// ```
/// use rel::Many;
/// let not_loaded: Many<i32> = Many::default();
/// assert!(not_loaded.get().is_err());
/// assert_eq!(Many::loaded(vec![1, 2]).get().unwrap(), &[1, 2]);
/// assert_eq!(Many::<i32>::counted(7).count().unwrap(), 7);
/// ```
pub struct Many<T> {
    state: ManyState,
    /// Per-parent aggregates loaded with `.with(User::posts().sum(Post::score))`,
    /// beside the rows or the count or neither.
    aggregates: Vec<Aggregated>,
    /// Where the next page of rows starts, when they were loaded a page at a time
    /// (`User::posts().page(10)`) and more follow: a cursor's text.
    next_page: Option<String>,
    /// As for `One`.
    _rows: PhantomData<fn() -> T>,
}

/// One loaded aggregate of a `Many`: what it computed, of which column, and its value
/// (NULL for none).
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregated {
    pub func: AggFunc,
    pub column: &'static str,
    pub value: Value,
}

enum ManyState {
    NotLoaded,
    /// A `Vec<T>`.
    Loaded(Erased),
    Counted(u64),
}

fn not_loaded<T>() -> Error {
    Error::NotLoaded {
        target: std::any::type_name::<T>(),
    }
}

impl<T: Send + Sync + 'static> One<T> {
    /// A loaded relation.
    pub fn loaded(value: T) -> Self {
        One {
            value: Some(Box::new(value)),
            _row: PhantomData,
        }
    }
}

impl<T: 'static> One<T> {
    /// The related row, or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<&T> {
        self.value
            .as_ref()
            .and_then(|v| v.downcast_ref())
            .ok_or_else(not_loaded::<T>)
    }

    /// The related row, mutably, or [`Error::NotLoaded`].
    pub fn get_mut(&mut self) -> Result<&mut T> {
        self.value
            .as_mut()
            .and_then(|v| v.downcast_mut())
            .ok_or_else(not_loaded::<T>)
    }

    /// The related row, owned, or [`Error::NotLoaded`].
    pub fn into_inner(self) -> Result<T> {
        match self.value.map(|v| v.downcast::<T>()) {
            Some(Ok(v)) => Ok(*v),
            _ => Err(not_loaded::<T>()),
        }
    }
}

impl<T> One<T> {
    /// Whether it was loaded.
    pub fn is_loaded(&self) -> bool {
        self.value.is_some()
    }

    /// Whether it was not loaded: the predicate for
    /// `#[serde(skip_serializing_if = "One::is_not_loaded", default)]`, so that a row
    /// serializes without the relations its query did not load (`#[rel::skip_unloaded]`
    /// adds it to every relation field).
    pub fn is_not_loaded(&self) -> bool {
        !self.is_loaded()
    }
}

impl<T: Send + Sync + 'static> Many<T> {
    /// Loaded rows.
    pub fn loaded(rows: Vec<T>) -> Self {
        Many {
            state: ManyState::Loaded(Box::new(rows)),
            aggregates: Vec::new(),
            next_page: None,
            _rows: PhantomData,
        }
    }
}

impl<T: 'static> Many<T> {
    /// The related rows, or [`Error::NotLoaded`] (also when only the count was loaded).
    pub fn get(&self) -> Result<&[T]> {
        match &self.state {
            ManyState::Loaded(v) => v.downcast_ref::<Vec<T>>().map(Vec::as_slice),
            _ => None,
        }
        .ok_or_else(not_loaded::<T>)
    }

    /// The related rows, mutably, or [`Error::NotLoaded`].
    pub fn get_mut(&mut self) -> Result<&mut Vec<T>> {
        match &mut self.state {
            ManyState::Loaded(v) => v.downcast_mut::<Vec<T>>(),
            _ => None,
        }
        .ok_or_else(not_loaded::<T>)
    }

    /// The related rows, owned, or [`Error::NotLoaded`].
    pub fn into_vec(self) -> Result<Vec<T>> {
        match self.state {
            ManyState::Loaded(v) => v.downcast::<Vec<T>>().map(|v| *v).ok(),
            _ => None,
        }
        .ok_or_else(not_loaded::<T>)
    }

    /// How many related rows there are: loaded, or counted. [`Error::NotLoaded`] otherwise.
    pub fn count(&self) -> Result<u64> {
        match &self.state {
            ManyState::Counted(n) => Ok(*n),
            _ => self.get().map(|rows| rows.len() as u64),
        }
    }
}

impl<T> Many<T> {
    /// Only the number of related rows, as `User::posts().count()` loads it.
    pub fn counted(n: u64) -> Self {
        Many {
            state: ManyState::Counted(n),
            aggregates: Vec::new(),
            next_page: None,
            _rows: PhantomData,
        }
    }

    /// Whether the rows were loaded (not only counted).
    pub fn is_loaded(&self) -> bool {
        matches!(self.state, ManyState::Loaded(_))
    }

    /// Whether neither rows nor a count were loaded: the predicate for
    /// `#[serde(skip_serializing_if = "Many::is_not_loaded", default)]`
    /// (`#[rel::skip_unloaded]` adds it to every relation field).
    pub fn is_not_loaded(&self) -> bool {
        matches!(self.state, ManyState::NotLoaded)
    }
}

impl<T> Default for One<T> {
    /// Not loaded.
    fn default() -> Self {
        One {
            value: None,
            _row: PhantomData,
        }
    }
}

impl<T> Many<T> {
    /// Sets the rows, keeping the aggregates.
    pub(crate) fn put_rows(&mut self, rows: Vec<T>)
    where
        T: Send + Sync + 'static,
    {
        self.state = ManyState::Loaded(Box::new(rows));
    }

    /// Sets where the next page of rows starts (a cursor's text), or that none follow.
    pub(crate) fn put_next_page(&mut self, cursor: Option<String>) {
        self.next_page = cursor;
    }

    /// Where the next page of rows starts, if they were loaded by page and more follow.
    pub(crate) fn next_page_text(&self) -> Option<&str> {
        self.next_page.as_deref()
    }

    /// Sets the count, keeping the aggregates.
    pub(crate) fn put_count(&mut self, n: u64) {
        self.state = ManyState::Counted(n);
    }

    /// Sets one aggregate.
    pub(crate) fn put_aggregate(&mut self, func: AggFunc, column: &'static str, value: Value) {
        self.aggregates
            .retain(|a| !(a.func == func && a.column == column));
        self.aggregates.push(Aggregated {
            func,
            column,
            value,
        });
    }

    /// A loaded aggregate's value, or [`Error::NotLoaded`].
    pub(crate) fn aggregate(&self, func: AggFunc, column: &'static str) -> Result<&Value> {
        self.aggregates
            .iter()
            .find(|a| a.func == func && a.column == column)
            .map(|a| &a.value)
            .ok_or_else(not_loaded::<T>)
    }
}

/// Sets an aggregate on a relation field that is a `Many<C>`; false for another type.
pub fn put_aggregate_on<C: 'static>(
    field: &mut dyn Any,
    func: AggFunc,
    column: &'static str,
    value: Value,
) -> bool {
    match field.downcast_mut::<Many<C>>() {
        Some(many) => {
            many.put_aggregate(func, column, value);
            true
        }
        None => false,
    }
}

/// An aggregate of a relation field that is a `Many<C>`, if loaded.
pub fn aggregate_of<C: 'static>(
    field: &dyn Any,
    func: AggFunc,
    column: &'static str,
) -> Option<Value> {
    field
        .downcast_ref::<Many<C>>()
        .and_then(|many| many.aggregate(func, column).ok().cloned())
}

impl<T> Default for Many<T> {
    /// Not loaded.
    fn default() -> Self {
        Many {
            state: ManyState::NotLoaded,
            aggregates: Vec::new(),
            next_page: None,
            _rows: PhantomData,
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Clone for One<T> {
    fn clone(&self) -> Self {
        match self.get() {
            Ok(v) => One::loaded(v.clone()),
            Err(_) => One::default(),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Clone for Many<T> {
    fn clone(&self) -> Self {
        let mut copy = match (&self.state, self.get()) {
            (_, Ok(rows)) => Many::loaded(rows.to_vec()),
            (ManyState::Counted(n), _) => Many::counted(*n),
            _ => Many::default(),
        };
        copy.aggregates = self.aggregates.clone();
        copy.next_page = self.next_page.clone();
        copy
    }
}

/// `NotLoaded` or `Loaded(row)`.
impl<T: fmt::Debug + 'static> fmt::Debug for One<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Ok(v) => f.debug_tuple("Loaded").field(v).finish(),
            Err(_) => f.write_str("NotLoaded"),
        }
    }
}

/// `NotLoaded`, `Loaded([rows])` or `Counted(n)`.
impl<T: fmt::Debug + 'static> fmt::Debug for Many<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.state, self.get()) {
            (_, Ok(rows)) => f.debug_tuple("Loaded").field(&rows).finish(),
            (ManyState::Counted(n), _) => f.debug_tuple("Counted").field(n).finish(),
            _ => f.write_str("NotLoaded"),
        }?;
        if !self.aggregates.is_empty() {
            f.debug_list()
                .entries(self.aggregates.iter().map(|a| (a.func, a.column, &a.value)))
                .finish()?;
        }
        Ok(())
    }
}

/// Equal when both are not loaded, or both loaded with equal rows.
impl<T: PartialEq + 'static> PartialEq for One<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self.get(), other.get()) {
            (Ok(a), Ok(b)) => a == b,
            (a, b) => a.is_err() && b.is_err(),
        }
    }
}

/// Equal when both are in the same state with equal rows or counts, and equal
/// aggregates (the next page's cursor aside).
impl<T: PartialEq + 'static> PartialEq for Many<T> {
    fn eq(&self, other: &Self) -> bool {
        if self.aggregates != other.aggregates {
            return false;
        }
        match (&self.state, &other.state) {
            (ManyState::NotLoaded, ManyState::NotLoaded) => true,
            (ManyState::Counted(a), ManyState::Counted(b)) => a == b,
            (ManyState::Loaded(_), ManyState::Loaded(_)) => self.get().ok() == other.get().ok(),
            _ => false,
        }
    }
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize + 'static> serde::Serialize for One<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.get() {
            Ok(v) => v.serialize(s),
            Err(_) => Err(not_loaded_ser::<T, S::Error>()),
        }
    }
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize + 'static> serde::Serialize for Many<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match (&self.state, self.get()) {
            (_, Ok(rows)) => rows.serialize(s),
            (ManyState::Counted(n), _) => s.serialize_u64(*n),
            _ => Err(not_loaded_ser::<T, S::Error>()),
        }
    }
}

#[cfg(feature = "serde")]
fn not_loaded_ser<T, E: serde::ser::Error>() -> E {
    E::custom(format!(
        "relation to `{}` was not loaded; load it, or leave relations not loaded out with \
         #[rel::skip_unloaded] above the struct's #[derive(..)]",
        std::any::type_name::<T>()
    ))
}

/// With the `serde` feature: a value deserializes into a loaded relation (for round
/// trips in tests and caches); a missing field, with `#[serde(default)]`, is not
/// loaded.
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de> + Send + Sync + 'static> serde::Deserialize<'de> for One<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        T::deserialize(d).map(One::loaded)
    }
}

/// With the `serde` feature: an array deserializes into loaded rows, a number into a
/// count (the two shapes `Many` serializes to; this needs a self-describing format,
/// such as JSON).
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de> + Send + Sync + 'static> serde::Deserialize<'de> for Many<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Rows<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de> + Send + Sync + 'static> serde::de::Visitor<'de> for Rows<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of related rows, or their count")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
                Ok(Many::counted(n))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(row) = seq.next_element()? {
                    rows.push(row);
                }
                Ok(Many::loaded(rows))
            }
        }
        d.deserialize_any(Rows(std::marker::PhantomData))
    }
}

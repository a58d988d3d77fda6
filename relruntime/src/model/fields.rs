//! Relation fields: `One<T>` and `Many<T>`, either not loaded or loaded.

use super::error::{Error, Result};

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
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum One<T> {
    /// Not loaded by the query that produced the row.
    #[default]
    NotLoaded,
    /// Loaded. Boxed, so that a table can relate to itself.
    Loaded(Box<T>),
}

/// A relation to any number of rows: `Many<Post>`.
///
/// It is either not loaded or loaded. Reading one that was not loaded is an error,
/// never an empty `Vec` that looks like data.
///
/// ```
/// use rel::Many;
/// let not_loaded: Many<i32> = Many::default();
/// assert!(not_loaded.get().is_err());
/// assert_eq!(Many::loaded(vec![1, 2]).get().unwrap(), &[1, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Many<T> {
    /// Not loaded by the query that produced the row.
    #[default]
    NotLoaded,
    /// Loaded.
    Loaded(Vec<T>),
    /// Only the number of related rows was loaded (`User::posts().count()`).
    Counted(u64),
}

impl<T> One<T> {
    /// A loaded relation.
    pub fn loaded(value: T) -> Self {
        One::Loaded(Box::new(value))
    }

    /// The related row, or [`Error::NotLoaded`].
    pub fn get(&self) -> Result<&T> {
        match self {
            One::Loaded(v) => Ok(v),
            One::NotLoaded => Err(Error::NotLoaded {
                target: std::any::type_name::<T>(),
            }),
        }
    }

    /// Whether it was loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self, One::Loaded(_))
    }
}

impl<T> Many<T> {
    /// A loaded relation.
    pub fn loaded(rows: Vec<T>) -> Self {
        Many::Loaded(rows)
    }

    /// The related rows, or [`Error::NotLoaded`] (also when only the count was loaded).
    pub fn get(&self) -> Result<&[T]> {
        match self {
            Many::Loaded(v) => Ok(v),
            Many::NotLoaded | Many::Counted(_) => Err(Error::NotLoaded {
                target: std::any::type_name::<T>(),
            }),
        }
    }

    /// How many related rows there are: loaded, or counted. [`Error::NotLoaded`] otherwise.
    pub fn count(&self) -> Result<u64> {
        match self {
            Many::Loaded(v) => Ok(v.len() as u64),
            Many::Counted(n) => Ok(*n),
            Many::NotLoaded => Err(Error::NotLoaded {
                target: std::any::type_name::<T>(),
            }),
        }
    }

    /// Whether it was loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self, Many::Loaded(_))
    }
}

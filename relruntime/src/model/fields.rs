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

impl<T> One<T> {
    /// Whether it was not loaded: the predicate for
    /// `#[serde(skip_serializing_if = "One::is_not_loaded", default)]`, so that a row
    /// serializes without the relations its query did not load.
    pub fn is_not_loaded(&self) -> bool {
        !self.is_loaded()
    }
}

impl<T> Many<T> {
    /// Whether neither rows nor a count were loaded: the predicate for
    /// `#[serde(skip_serializing_if = "Many::is_not_loaded", default)]`.
    pub fn is_not_loaded(&self) -> bool {
        matches!(self, Many::NotLoaded)
    }
}

/// With the `serde` feature: a loaded relation serializes as its value (an object, or
/// `null` for a `One<Option<T>>` with no row), `Many` as an array, a counted `Many` as
/// its count. A relation that was not loaded is an error (it has no value to show,
/// and `null` or `[]` would look like data), unless the field skips it:
///
/// ```
/// use rel::prelude::*;
/// use serde::Serialize;
///
/// #[derive(Table, Serialize)]
/// struct User {
///     #[column(primary_key)]
///     id: i64,
///     #[relation(many)]
///     #[serde(skip_serializing_if = "Many::is_not_loaded", default)]
///     posts: Many<Post>,
/// }
///
/// #[derive(Table, Serialize)]
/// struct Post {
///     #[column(primary_key)]
///     id: i64,
///     user_id: i64,
///     #[relation(one, from = user_id, to = User::id)]
///     user: One<User>,
/// }
///
/// let user = User { id: 1, posts: Many::loaded(vec![]) };
/// assert_eq!(serde_json::to_string(&user).unwrap(), r#"{"id":1,"posts":[]}"#);
/// let user = User { id: 1, posts: Many::default() };
/// assert_eq!(serde_json::to_string(&user).unwrap(), r#"{"id":1}"#);
/// // Not skipped and not loaded: an error, not a silent `null`.
/// let post = Post { id: 2, user_id: 1, user: One::default() };
/// assert!(serde_json::to_string(&post).is_err());
/// ```
#[cfg(feature = "serde")]
impl<T: serde::Serialize> serde::Serialize for One<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            One::Loaded(v) => v.serialize(s),
            One::NotLoaded => Err(not_loaded::<T, S::Error>()),
        }
    }
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize> serde::Serialize for Many<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Many::Loaded(rows) => rows.serialize(s),
            Many::Counted(n) => s.serialize_u64(*n),
            Many::NotLoaded => Err(not_loaded::<T, S::Error>()),
        }
    }
}

#[cfg(feature = "serde")]
fn not_loaded<T, E: serde::ser::Error>() -> E {
    E::custom(format!(
        "relation to `{}` was not loaded; load it, or skip it with \
         #[serde(skip_serializing_if = \"Many::is_not_loaded\")] (or One::is_not_loaded)",
        std::any::type_name::<T>()
    ))
}

/// With the `serde` feature: a value deserializes into a loaded relation (for round
/// trips in tests and caches); a missing field, with `#[serde(default)]`, is not
/// loaded.
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for One<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        T::deserialize(d).map(One::loaded)
    }
}

/// With the `serde` feature: an array deserializes into loaded rows, a number into a
/// count (the two shapes `Many` serializes to; this needs a self-describing format,
/// such as JSON).
#[cfg(feature = "serde")]
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Many<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Rows<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Rows<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of related rows, or their count")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
                Ok(Many::Counted(n))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(row) = seq.next_element()? {
                    rows.push(row);
                }
                Ok(Many::Loaded(rows))
            }
        }
        d.deserialize_any(Rows(std::marker::PhantomData))
    }
}

//! A key's values as a hashable whole (`KeyOf`), and the map keyed by them (`KeyMap`):
//! what Batch loading groups rows by and what Emulated mode's existence checks count.

use crate::model::value::Value;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// A key's values, hashable (floats by bits, decimals normalized). Single-column keys,
/// the common case, need no allocation of their own.
#[derive(Clone, Debug)]
pub enum KeyOf {
    One(Value),
    Many(Vec<Value>),
}

impl KeyOf {
    /// The key's values, one per column.
    pub fn values(&self) -> &[Value] {
        match self {
            KeyOf::One(v) => std::slice::from_ref(v),
            KeyOf::Many(v) => v,
        }
    }
}

impl PartialEq for KeyOf {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        #[cfg(test)]
        COMPARISONS.with(|n| n.set(n.get() + 1));
        match (self, other) {
            (KeyOf::One(a), KeyOf::One(b)) => a == b,
            _ => self.values() == other.values(),
        }
    }
}
impl Eq for KeyOf {}

impl Hash for KeyOf {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        // The common key, hashed without the general walk. Equal keys still hash alike:
        // every one-column `I64` key takes this branch.
        if let KeyOf::One(Value::I64(x)) = self {
            return h.write_i64(*x);
        }
        for v in self.values() {
            std::mem::discriminant(v).hash(h);
            match v {
                Value::Null(_) => {}
                Value::I16(x) => x.hash(h),
                Value::I32(x) => x.hash(h),
                Value::I64(x) => x.hash(h),
                // -0.0 equals 0.0, so both hash as 0.0.
                Value::F32(x) => (x + 0.0).to_bits().hash(h),
                Value::F64(x) => (x + 0.0).to_bits().hash(h),
                Value::Bool(x) => x.hash(h),
                Value::Text(x) => x.hash(h),
                Value::Bytes(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::Date(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::DateTime(x) => x.hash(h),
                #[cfg(feature = "chrono")]
                Value::TimestampTz(x) => x.hash(h),
                #[cfg(feature = "uuid")]
                Value::Uuid(x) => x.hash(h),
                #[cfg(feature = "serde_json")]
                Value::Json(x) => x.to_string().hash(h),
                #[cfg(feature = "rust_decimal")]
                Value::Decimal(x) => x.normalize().hash(h),
                Value::Array(_, items) => items.len().hash(h),
            }
        }
    }
}

/// The parents' keys come from the database, where anyone who can write a row can
/// choose them: an unkeyed hasher would let crafted keys collide and make Batch loading
/// quadratic. foldhash's fast hasher is seeded at random per map, and about as quick as
/// the Fx mix it replaces; integer keys in a narrow range skip hashing altogether.
pub type KeyMap<V> = HashMap<KeyOf, V, foldhash::fast::RandomState>;

/// A set of keys, seeded like [`KeyMap`].
pub type KeySet = std::collections::HashSet<KeyOf, foldhash::fast::RandomState>;

#[cfg(test)]
thread_local! {
    /// How many times two keys were compared on this thread.
    pub static COMPARISONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

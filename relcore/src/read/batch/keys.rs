//! The index that numbers the parents' distinct keys and finds a fetched row's parent
//! group (`KeyIndex`), and reading keys from rows.

use super::super::spec::LoadSpec;
use crate::model::error::Result;
use crate::model::key::KeyMap;
pub use crate::model::key::KeyOf;
use crate::model::meta::TableMeta;
use crate::model::row::RowReader;
use crate::model::value::{SqlType, Value};

/// The distinct keys of a relation's parents, numbered in first-seen order, and the
/// lookup from a key to its number, which every fetched child goes through.
pub struct KeyIndex {
    pub(super) keys: Vec<KeyOf>,
    lookup: Lookup,
}

enum Lookup {
    /// One integer column whose values lie in a range at most a few times the number
    /// of parents (sequential ids, the common case): a key's number sits at
    /// `key - min`, with no hashing. `u32::MAX` marks a key no parent holds.
    Dense {
        min: i64,
        numbers: Vec<u32>,
    },
    Hashed(KeyMap<usize>),
}

impl KeyIndex {
    /// An empty index, dense when all of `keys` (the parents' keys, repeats included)
    /// are integers in a narrow range.
    pub(super) fn for_keys<'k>(keys: impl Iterator<Item = &'k KeyOf> + Clone) -> Self {
        let (mut min, mut max, mut count) = (i64::MAX, i64::MIN, 0usize);
        let all_integers = keys.clone().all(|k| match k {
            KeyOf::One(Value::I64(n)) => {
                (min, max, count) = (min.min(*n), max.max(*n), count + 1);
                true
            }
            _ => false,
        });
        let span = max.checked_sub(min).and_then(|s| usize::try_from(s).ok());
        let lookup = match span {
            Some(span) if all_integers && span < count.saturating_mul(4).max(64) => Lookup::Dense {
                min,
                numbers: vec![u32::MAX; span + 1],
            },
            _ => Lookup::Hashed(KeyMap::default()),
        };
        KeyIndex {
            keys: Vec::new(),
            lookup,
        }
    }

    /// The number of `key`, which is given the next number when it is new.
    pub(super) fn number(&mut self, key: KeyOf) -> usize {
        let next = self.keys.len();
        let slot = match (&mut self.lookup, &key) {
            (Lookup::Dense { min, numbers }, KeyOf::One(Value::I64(n))) => n
                .checked_sub(*min)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| numbers.get_mut(i)),
            _ => None,
        };
        match slot {
            Some(number) if *number != u32::MAX => *number as usize,
            Some(number) if u32::try_from(next).is_ok_and(|n| n != u32::MAX) => {
                *number = next as u32;
                self.keys.push(key);
                next
            }
            _ => self.number_hashed(key),
        }
    }

    /// The general case, and the dense index's fallback (a key out of its range
    /// cannot happen for keys it was made for, but must not be lost either).
    fn number_hashed(&mut self, key: KeyOf) -> usize {
        let next = self.keys.len();
        let mut map = match std::mem::replace(&mut self.lookup, Lookup::Hashed(KeyMap::default())) {
            Lookup::Hashed(map) => map,
            Lookup::Dense { .. } => self.keys.iter().cloned().zip(0..).collect(),
        };
        let number = *map.entry(key).or_insert_with_key(|key| {
            self.keys.push(key.clone());
            next
        });
        self.lookup = Lookup::Hashed(map);
        number
    }

    /// The number of `key`, if a parent holds it.
    #[inline]
    pub(super) fn get(&self, key: &KeyOf) -> Option<usize> {
        match (&self.lookup, key) {
            (Lookup::Dense { min, numbers }, KeyOf::One(Value::I64(n))) => {
                let i = usize::try_from(n.checked_sub(*min)?).ok()?;
                numbers
                    .get(i)
                    .filter(|&&number| number != u32::MAX)
                    .map(|&number| number as usize)
            }
            (Lookup::Dense { .. }, _) => None,
            (Lookup::Hashed(map), key) => map.get(key).copied(),
        }
    }
}

/// Positions of a relation's parent-side key columns in the parent's values.
pub(super) fn key_positions(table: &TableMeta, cols: &[&str]) -> Vec<Option<usize>> {
    cols.iter()
        .map(|c| table.columns.iter().position(|m| m.name == *c))
        .collect()
}

/// The key at `positions`, read by `value`, or `None` when part of it is NULL (such a
/// row relates to nothing).
pub(super) fn key_of(
    value: impl Fn(usize) -> Option<Value>,
    positions: &[Option<usize>],
) -> Option<KeyOf> {
    let value = |p: &Option<usize>| p.and_then(&value).filter(|v| !v.is_null());
    match positions {
        [p] => value(p).map(KeyOf::One),
        ps => ps
            .iter()
            .map(value)
            .collect::<Option<Vec<Value>>>()
            .map(KeyOf::Many),
    }
}

/// The parent key's column types, as a statement reads them back.
pub(super) fn key_types(spec: &LoadSpec, parent: &TableMeta) -> Vec<SqlType> {
    spec.rel
        .from
        .iter()
        .map(|c| parent.column(c).map_or(SqlType::BigInt, |m| m.ty))
        .collect()
}

/// Reads the key that follows a row's other cells (a junction's key, or a count's).
pub(super) fn trailing_key(reader: &mut RowReader<'_>, types: &[SqlType]) -> Result<KeyOf> {
    let mut values = reader.next_values(types)?;
    Ok(match values.len() {
        1 => KeyOf::One(values.pop().unwrap_or(Value::Null(SqlType::BigInt))),
        _ => KeyOf::Many(values),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::COMPARISONS;
    use std::cell::Cell;
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hash, Hasher};

    fn int(n: i64) -> KeyOf {
        KeyOf::One(Value::I64(n))
    }

    /// Numbers keys in first-seen order, and finds each again; `None` for the others.
    fn check(index: &mut KeyIndex, keys: &[KeyOf], absent: &[KeyOf]) {
        let numbers: Vec<usize> = keys.iter().map(|k| index.number(k.clone())).collect();
        let mut distinct: Vec<&KeyOf> = Vec::new();
        for (key, number) in keys.iter().zip(&numbers) {
            let expected = distinct.iter().position(|d| *d == key).unwrap_or_else(|| {
                distinct.push(key);
                distinct.len() - 1
            });
            assert_eq!(*number, expected, "{key:?}");
            assert_eq!(index.get(key), Some(expected), "{key:?}");
        }
        assert_eq!(index.keys.len(), distinct.len());
        for key in absent {
            assert_eq!(index.get(key), None, "{key:?}");
        }
    }

    #[test]
    fn sequential_integer_keys_are_looked_up_densely() {
        let keys: Vec<KeyOf> = [5, 3, 5, 4, 9, 3].into_iter().map(int).collect();
        let mut index = KeyIndex::for_keys(keys.iter());
        assert!(matches!(index.lookup, Lookup::Dense { .. }));
        let absent = [
            int(6),
            int(2),
            int(10),
            int(i64::MIN),
            KeyOf::One(Value::I32(5)),
        ];
        check(&mut index, &keys, &absent);
    }

    #[test]
    fn sparse_composite_and_text_keys_are_hashed() {
        let sparse: Vec<KeyOf> = [i64::MIN, 0, i64::MAX, 0].into_iter().map(int).collect();
        let text: Vec<KeyOf> = ["b", "a", "b"]
            .into_iter()
            .map(|s| KeyOf::One(Value::Text(s.into())))
            .collect();
        let composite: Vec<KeyOf> = [(1, 2), (2, 1), (1, 2)]
            .into_iter()
            .map(|(a, b)| KeyOf::Many(vec![Value::I64(a), Value::I64(b)]))
            .collect();
        for keys in [sparse, text, composite] {
            let mut index = KeyIndex::for_keys(keys.iter());
            assert!(matches!(index.lookup, Lookup::Hashed(_)));
            check(&mut index, &keys, &[int(7)]);
        }
    }

    #[test]
    fn a_key_outside_the_dense_range_is_still_numbered() {
        let mut index = KeyIndex::for_keys([int(1), int(2)].iter());
        let keys = [int(1), int(1_000_000), int(2), int(1_000_000)];
        check(&mut index, &keys, &[int(3)]);
        assert!(matches!(index.lookup, Lookup::Hashed(_)));
    }

    /// The unkeyed Fx-style hasher the key index used before: what an attacker can
    /// craft collisions for, because its every step is known and invertible.
    #[derive(Default)]
    struct Unkeyed(u64);

    const FX: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    impl Hasher for Unkeyed {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for chunk in bytes.chunks(8) {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                self.write_u64(u64::from_le_bytes(word));
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(FX);
        }
        fn write_usize(&mut self, n: usize) {
            self.write_u64(n as u64);
        }
    }

    fn unkeyed_hash(key: &KeyOf) -> u64 {
        let mut h = Unkeyed::default();
        key.hash(&mut h);
        h.finish()
    }

    /// `n` distinct 16-byte keys that all hash alike under `Unkeyed`: the last word of
    /// each is chosen to cancel what the first made of the state.
    fn colliding_keys(n: u64) -> Vec<KeyOf> {
        let bytes = |first: u64, last: u64| {
            let mut b = first.to_le_bytes().to_vec();
            b.extend(last.to_le_bytes());
            KeyOf::One(Value::Bytes(b))
        };
        // The inverse of FX modulo 2^64 (Newton's iteration; FX is odd).
        let mut inverse = FX;
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(FX.wrapping_mul(inverse)));
        }
        (0..n)
            .map(|i| {
                // With a last word of 0, the final state is rotl(s, 5) * FX.
                let rotated = unkeyed_hash(&bytes(i, 0)).wrapping_mul(inverse);
                bytes(i, rotated ^ 0x5eed)
            })
            .collect()
    }

    /// Numbers `keys` into a map with hasher `S`; how many key comparisons it took.
    fn comparisons<S: std::hash::BuildHasher + Default>(keys: &[KeyOf]) -> u64 {
        let before = COMPARISONS.with(Cell::get);
        let mut map: HashMap<KeyOf, usize, S> = HashMap::default();
        for (i, key) in keys.iter().enumerate() {
            let next = map.len();
            assert_eq!(*map.entry(key.clone()).or_insert(next), i);
        }
        COMPARISONS.with(Cell::get) - before
    }

    #[test]
    fn crafted_colliding_keys_stay_linear() {
        let n = 2_000;
        let keys = colliding_keys(n);
        let first = unkeyed_hash(&keys[0]);
        assert!(
            keys.iter().all(|k| unkeyed_hash(k) == first),
            "the keys collide"
        );
        // The protection switched off: the unkeyed hasher compares each key with
        // every one before it.
        let unkeyed = comparisons::<BuildHasherDefault<Unkeyed>>(&keys);
        assert!(
            unkeyed > n * n / 4,
            "{unkeyed} comparisons with the unkeyed hasher"
        );
        // The key index's own map.
        let seeded = comparisons::<foldhash::fast::RandomState>(&keys);
        assert!(seeded < 4 * n, "{seeded} comparisons for {n} keys");
        // And through the index itself, numbering every key and finding it again.
        let before = COMPARISONS.with(Cell::get);
        let mut index = KeyIndex::for_keys(keys.iter());
        assert!(matches!(index.lookup, Lookup::Hashed(_)));
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(index.number(key.clone()), i);
        }
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(index.get(key), Some(i));
        }
        let through_index = COMPARISONS.with(Cell::get) - before;
        assert!(
            through_index < 8 * n,
            "{through_index} comparisons through the index"
        );
    }
}

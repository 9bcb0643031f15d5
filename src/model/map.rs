//! A YAML mapping: entries in insertion order in one vector.
//!
//! Small mappings (almost every Kubernetes mapping) are searched in order:
//! no hashing and no second allocation. A mapping that grows past
//! [`INDEX_FROM`] entries also keeps a hash index of positions, so reading,
//! merging and patching a mapping of many keys stays linear overall.
//!
//! Semantics follow serde_json's order-preserving map, which the rules of
//! every stage were written against: `insert` of a present key replaces the
//! value in place, `remove` moves the last entry into the hole
//! (`swap_remove`), `shift_remove` keeps the order, equality ignores order.

use std::fmt;
use std::sync::LazyLock;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use std::hash::BuildHasher;

use super::value::Value;

pub use super::key::Key;

/// Mappings with more entries than this are indexed.
pub const INDEX_FROM: usize = 16;

/// One random seed per process: keys from untrusted input cannot be
/// chosen to collide.
static HASHER: LazyLock<DefaultHashBuilder> = LazyLock::new(DefaultHashBuilder::default);

/// Key equality for the in-order search. Keys of one mapping often share
/// a length (`kind`, `spec`, `name`), so the first and last bytes are
/// compared before calling out to `memcmp`.
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && match (a.first(), b.first()) {
            (Some(x), Some(y)) => x == y && a.last() == b.last() && a == b,
            _ => true,
        }
}

fn hash(key: &str) -> u64 {
    HASHER.hash_one(key)
}

/// The entries, and for a big mapping the index: a mapping is 24 bytes
/// either way, so a document node is 32.
#[derive(Clone)]
pub struct Map(Repr);

#[derive(Clone)]
enum Repr {
    Small(Vec<(Key, Value)>),
    Indexed(Box<Indexed>),
}

#[derive(Clone)]
struct Indexed {
    entries: Vec<(Key, Value)>,
    /// Positions in `entries`, by the hash of their key.
    index: HashTable<usize>,
}

impl Default for Map {
    fn default() -> Self {
        Map(Repr::Small(Vec::new()))
    }
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Map(Repr::Small(Vec::with_capacity(n)))
    }

    fn entries(&self) -> &Vec<(Key, Value)> {
        match &self.0 {
            Repr::Small(entries) => entries,
            Repr::Indexed(big) => &big.entries,
        }
    }

    /// The entries, to change values in place; whoever moves, adds or
    /// removes entries through it calls `reindex` after.
    fn entries_mut(&mut self) -> &mut Vec<(Key, Value)> {
        match &mut self.0 {
            Repr::Small(entries) => entries,
            Repr::Indexed(big) => &mut big.entries,
        }
    }

    /// Drops spare capacity (a mapping that will not grow).
    pub fn shrink_to_fit(&mut self) {
        self.entries_mut().shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// The position of `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        match &self.0 {
            Repr::Small(entries) => {
                let key = key.as_bytes();
                entries
                    .iter()
                    .position(|(k, _)| same_key(k.as_bytes(), key))
            }
            Repr::Indexed(big) => big
                .index
                .find(hash(key), |&i| big.entries[i].0 == key)
                .copied(),
        }
    }

    /// The position of an interned key: keys are unique per text, so
    /// entries are compared by pointer, not by their bytes.
    fn position_of(&self, key: Key) -> Option<usize> {
        match &self.0 {
            Repr::Small(entries) => entries.iter().position(|(k, _)| *k == key),
            Repr::Indexed(big) => big
                .index
                .find(hash(key.as_str()), |&i| big.entries[i].0 == key)
                .copied(),
        }
    }

    /// Whether the interned `key` is present (see `position_of`).
    pub fn contains(&self, key: Key) -> bool {
        self.position_of(key).is_some()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.entries()[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).map(|i| &mut self.entries_mut()[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key`; a present key keeps its place and the old value is
    /// returned.
    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        match self.position_of(key) {
            Some(i) => Some(std::mem::replace(&mut self.entries_mut()[i].1, value)),
            None => {
                self.push(key, value);
                None
            }
        }
    }

    /// Appends an entry whose key is known to be absent.
    fn push(&mut self, key: Key, value: Value) -> usize {
        match &mut self.0 {
            Repr::Small(entries) => {
                // Small mappings grow one entry at a time: objects gain a
                // label or two after loading, and doubling would leave most
                // of the mapping spare for the whole build.
                if entries.len() == entries.capacity() && entries.len() < 8 {
                    entries.reserve_exact(1);
                }
                entries.push((key, value));
                let i = entries.len() - 1;
                if entries.len() > INDEX_FROM {
                    self.reindex();
                }
                i
            }
            Repr::Indexed(big) => {
                let Indexed { entries, index } = &mut **big;
                let i = entries.len();
                index.insert_unique(hash(&key), i, |&j| hash(&entries[j].0));
                entries.push((key, value));
                i
            }
        }
    }

    /// Rebuilds the index after positions moved; a mapping that became
    /// small again is searched in order.
    fn reindex(&mut self) {
        let entries = std::mem::take(self.entries_mut());
        if entries.len() <= INDEX_FROM {
            self.0 = Repr::Small(entries);
            return;
        }
        let mut index = HashTable::with_capacity(entries.len());
        for (i, (k, _)) in entries.iter().enumerate() {
            index.insert_unique(hash(k), i, |&j| hash(&entries[j].0));
        }
        self.0 = Repr::Indexed(Box::new(Indexed { entries, index }));
    }

    fn is_indexed(&self) -> bool {
        matches!(self.0, Repr::Indexed(_))
    }

    /// Removes `key`, moving the last entry into its place (serde_json's
    /// `remove` on an order-preserving map).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.swap_remove(key)
    }

    pub fn swap_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        let (_, v) = self.entries_mut().swap_remove(i);
        if self.is_indexed() {
            self.reindex();
        }
        Some(v)
    }

    /// Removes `key`, keeping the order of the rest.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.shift_remove_entry(key).map(|(_, v)| v)
    }

    pub fn shift_remove_entry(&mut self, key: &str) -> Option<(Key, Value)> {
        let i = self.position(key)?;
        let entry = self.entries_mut().remove(i);
        if self.is_indexed() {
            self.reindex();
        }
        Some(entry)
    }

    pub fn entry<K: Into<Key> + AsRef<str>>(&mut self, key: K) -> Entry<'_> {
        match self.position(key.as_ref()) {
            Some(i) => Entry::Occupied(OccupiedEntry { map: self, i }),
            None => Entry::Vacant(VacantEntry {
                map: self,
                key: key.into(),
            }),
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        let before = self.len();
        self.entries_mut().retain_mut(|(k, v)| keep(k, v));
        if self.is_indexed() && self.len() != before {
            self.reindex();
        }
    }

    pub fn clear(&mut self) {
        self.0 = Repr::Small(Vec::new());
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries().iter())
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries_mut().iter_mut())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.entries().iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries().iter().map(|(_, v)| v)
    }

    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries_mut().iter_mut().map(|(_, v)| v)
    }
}

pub enum Entry<'a> {
    Occupied(OccupiedEntry<'a>),
    Vacant(VacantEntry<'a>),
}

pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    i: usize,
}

pub struct VacantEntry<'a> {
    map: &'a mut Map,
    key: Key,
}

impl<'a> Entry<'a> {
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }

    pub fn or_insert_with(self, default: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(default()),
        }
    }
}

impl<'a> OccupiedEntry<'a> {
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries_mut()[self.i].1
    }
}

impl<'a> VacantEntry<'a> {
    pub fn insert(self, value: Value) -> &'a mut Value {
        let i = self.map.push(self.key, value);
        &mut self.map.entries_mut()[i].1
    }
}

/// Order-insensitive, as serde_json's order-preserving map compares.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Map {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Map {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Object(m) => Ok(m),
            _ => Err(D::Error::custom("expected a mapping")),
        }
    }
}

impl<K: Into<Key> + AsRef<str>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<Key> + AsRef<str>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}

pub struct Iter<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

pub struct IterMut<'a>(std::slice::IterMut<'a, (Key, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a Key, &'a mut Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&*k, v))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a Key, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        match self.0 {
            Repr::Small(entries) => entries.into_iter(),
            Repr::Indexed(big) => big.entries.into_iter(),
        }
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key)
            .unwrap_or_else(|| panic!("no entry for key {key:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> Map {
        (0..n).map(|i| (format!("k{i}"), Value::from(i))).collect()
    }

    #[test]
    fn small_and_indexed_maps_agree() {
        for n in [3, INDEX_FROM, INDEX_FROM + 1, 200] {
            let mut m = numbered(n);
            assert_eq!(m.get(&format!("k{}", n - 1)), Some(&Value::from(n - 1)));
            assert_eq!(
                m.insert("k0".into(), Value::Null),
                Some(Value::from(0usize))
            );
            assert_eq!(m.keys().next().map(|k| k.as_str()), Some("k0"));
            assert_eq!(m.remove("k1"), Some(Value::from(1usize)));
            // swap_remove: the last entry fills the hole.
            if n > 2 {
                assert_eq!(
                    m.keys().nth(1).cloned(),
                    Some(Key::from(format!("k{}", n - 1)))
                );
            }
            assert_eq!(m.get(&format!("k{}", n - 1)), Some(&Value::from(n - 1)));
            m.shift_remove("k0");
            assert_eq!(m.len(), n - 2);
            assert!(m.keys().all(|k| m.get(k).is_some()));
        }
    }

    #[test]
    fn entry_inserts_once() {
        let mut m = numbered(INDEX_FROM);
        *m.entry("new").or_insert(Value::from(1u8)) = Value::from(2u8);
        m.entry("new").or_insert_with(|| unreachable!());
        assert_eq!(m.get("new"), Some(&Value::from(2u8)));
        assert_eq!(m.len(), INDEX_FROM + 1);
        assert!(m.is_indexed());
    }
}

//! Mapping keys, interned: each distinct key text is stored once per
//! process and a key is one pointer to it.
//!
//! A big build holds millions of mapping entries whose keys come from a
//! small vocabulary (`metadata`, `name`, `labels`, label keys...). Stored
//! in place, every entry carried a 24-byte string; as a pointer it carries
//! 8, so an entry (key and node) is 40 bytes instead of 56. Two keys are
//! equal exactly when they point at the same text.
//!
//! Interning goes through a per-thread table first (no lock on the parse
//! threads' hot path), then the process-wide one. The per-thread table
//! holds the first [`LOCAL_KEYS`] keys a thread meets, which covers the
//! vocabulary of real trees; keys that never repeat (a mapping of a
//! million distinct keys) are not copied into it as well. Texts are never
//! freed: a process builds once, and the texts are bounded by the input
//! the build's budget admits.

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{LazyLock, Mutex, PoisonError};

use hashbrown::HashMap;

/// An interned mapping key: derefs to its text.
#[derive(Clone, Copy)]
pub struct Key(&'static &'static str);

static EMPTY: &str = "";

type Table = HashMap<&'static str, Key>;

/// How many keys a thread's own table holds.
const LOCAL_KEYS: usize = 8192;

static SHARED: LazyLock<Mutex<Table>> = LazyLock::new(Default::default);

thread_local! {
    static LOCAL: RefCell<Table> = RefCell::new(Table::default());
}

impl Key {
    /// The key for `text`, interning it on first sight.
    pub fn new(text: &str) -> Key {
        if text.is_empty() {
            return Key(&EMPTY);
        }
        LOCAL.with(|local| {
            if let Some(key) = local.borrow().get(text) {
                return *key;
            }
            let key = shared(text);
            let mut local = local.borrow_mut();
            if local.len() < LOCAL_KEYS {
                local.insert(key.as_str(), key);
            }
            key
        })
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    pub fn into_string(self) -> String {
        self.0.to_string()
    }
}

/// The process-wide key for `text`.
fn shared(text: &str) -> Key {
    let mut table = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(key) = table.get(text) {
        return *key;
    }
    let stored: &'static str = Box::leak(text.into());
    let key = Key(Box::leak(Box::new(stored)));
    table.insert(stored, key);
    key
}

impl Default for Key {
    fn default() -> Self {
        Key(&EMPTY)
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Key {}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        *self.0 == other
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<String> for Key {
    fn eq(&self, other: &String) -> bool {
        *self.0 == other.as_str()
    }
}

impl PartialEq<&String> for Key {
    fn eq(&self, other: &&String) -> bool {
        *self.0 == other.as_str()
    }
}

impl PartialEq<Key> for String {
    fn eq(&self, other: &Key) -> bool {
        self.as_str() == *other.0
    }
}

impl PartialEq<Key> for str {
    fn eq(&self, other: &Key) -> bool {
        self == *other.0
    }
}

impl PartialEq<Key> for &str {
    fn eq(&self, other: &Key) -> bool {
        *self == *other.0
    }
}

/// Hashes as its text, so tables keyed by keys can be searched by `&str`.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

/// Ordered by text, as the emitter sorts keys.
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(other.0)
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl From<&str> for Key {
    fn from(text: &str) -> Self {
        Key::new(text)
    }
}

impl From<&String> for Key {
    fn from(text: &String) -> Self {
        Key::new(text)
    }
}

impl From<String> for Key {
    fn from(text: String) -> Self {
        Key::new(&text)
    }
}

impl From<&Key> for Key {
    fn from(key: &Key) -> Self {
        *key
    }
}

impl From<compact_str::CompactString> for Key {
    fn from(text: compact_str::CompactString) -> Self {
        Key::new(&text)
    }
}

impl From<&compact_str::CompactString> for Key {
    fn from(text: &compact_str::CompactString) -> Self {
        Key::new(text)
    }
}

impl From<Key> for String {
    fn from(key: Key) -> Self {
        key.0.to_string()
    }
}

impl From<Key> for compact_str::CompactString {
    fn from(key: Key) -> Self {
        compact_str::CompactString::from(*key.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_one_key_across_threads() {
        let here = Key::new("metadata");
        let there = std::thread::spawn(|| Key::new("metadata")).join().unwrap();
        assert!(std::ptr::eq(here.0, there.0));
        assert_eq!(here, there);
        assert_ne!(here, Key::new("metadatA"));
        assert_eq!(Key::new(""), Key::default());
        assert_eq!(here, "metadata");
        assert_eq!(&*here, "metadata");
        assert_eq!(std::mem::size_of::<Key>(), 8);
    }

    /// Past the thread's own table, keys still come out of the shared one.
    #[test]
    fn keys_past_the_thread_table_are_still_one_each() {
        let texts: Vec<String> = (0..LOCAL_KEYS + 500).map(|i| format!("k-{i}")).collect();
        let first: Vec<Key> = texts.iter().map(|t| Key::new(t)).collect();
        for (text, key) in texts.iter().zip(&first) {
            let again = Key::new(text);
            assert!(std::ptr::eq(again.0, key.0), "{text}");
            assert_eq!(again, text.as_str());
        }
    }

    #[test]
    fn keys_order_and_print_as_their_text() {
        let mut keys = vec![Key::new("b"), Key::new("a"), Key::new("B")];
        keys.sort();
        assert_eq!(format!("{keys:?}"), r#"["B", "a", "b"]"#);
        assert_eq!(Key::new("x y").to_string(), "x y");
    }
}

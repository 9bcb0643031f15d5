//! The document every stage reads and changes: a YAML node after tag
//! resolution (null, boolean, number, string, sequence, mapping).
//!
//! It took the place of `serde_json::Value` for memory and speed, with the
//! same shape and meaning, so every rule written against JSON values keeps
//! its behaviour:
//!
//! - a mapping is its entries in order in one vector, searched in order:
//!   Kubernetes mappings mostly hold a handful of keys, where comparing keys
//!   beats hashing and a per-mapping hash table doubles the memory. Only a
//!   mapping past `map::INDEX_FROM` entries gets an index (`map.rs`), so a
//!   hostile mapping with a million keys stays linear to read and patch;
//! - keys and strings up to 24 bytes are stored in place (`compact_str`);
//! - numbers keep their text (`serde_json::Number` with arbitrary precision);
//! - mapping equality ignores key order, and `remove` swaps the last entry
//!   into the hole, as serde_json's order-preserving map does.
//!
//! Configuration is decoded with serde: values convert to and from
//! `serde_json::Value` at that edge (`to_json`, `From`).

use std::fmt;

pub use super::map::{Entry, Key, Map};

/// A string node's text.
pub type Str = compact_str::CompactString;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}
pub use serde_json::Number;

/// A resolved YAML node.
#[derive(Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    /// Text up to 24 bytes (most names, labels and images) is stored in
    /// place, without an allocation of its own.
    String(Str),
    Array(Vec<Value>),
    Object(Map),
}

/// Builds a [`Value`] with `serde_json::json!` syntax.
#[macro_export]
macro_rules! json {
    ($($tt:tt)+) => {
        $crate::model::value::Value::from(::serde_json::json!($($tt)+))
    };
}

static NULL: Value = Value::Null;

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// `self[index]` for a mapping key or sequence position, if present.
    pub fn get<I: Index>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    pub fn get_mut<I: Index>(&mut self, index: I) -> Option<&mut Value> {
        index.index_into_mut(self)
    }

    /// The node `steps` lead to from here, if there is one.
    pub fn at(&self, steps: &[PathStep]) -> Option<&Value> {
        steps
            .iter()
            .try_fold(self, |node, step| match (step, node) {
                (PathStep::Key(k), Value::Object(map)) => map.get(k.as_str()),
                (PathStep::Index(i), Value::Array(items)) => items.get(*i),
                _ => None,
            })
    }

    pub fn at_mut(&mut self, steps: &[PathStep]) -> Option<&mut Value> {
        steps
            .iter()
            .try_fold(self, |node, step| match (step, node) {
                (PathStep::Key(k), Value::Object(map)) => map.get_mut(k.as_str()),
                (PathStep::Index(i), Value::Array(items)) => items.get_mut(*i),
                _ => None,
            })
    }

    /// The string at `self[key]`, or "" (Kubernetes reads a missing
    /// identity field as empty).
    pub fn str_at(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    /// Takes the value out, leaving null.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// The node at a JSON pointer (RFC 6901): `""` is the whole document.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        let tokens = pointer_tokens(pointer)?;
        tokens.into_iter().try_fold(self, |node, token| match node {
            Value::Object(m) => m.get(&token),
            Value::Array(a) => array_index(&token).and_then(|i| a.get(i)),
            _ => None,
        })
    }

    /// The same value as a `serde_json::Value`, for serde decoding.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    pub fn into_json(self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s.into_string()),
            Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(Value::into_json).collect())
            }
            Value::Object(m) => serde_json::Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k.into_string(), v.into_json()))
                    .collect(),
            ),
        }
    }
}

/// The unescaped reference tokens of a JSON pointer; `None` if it is
/// neither empty nor starts with `/`.
fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// A sequence position in a pointer: digits, no sign, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// What `Value::get` and `value[...]` accept: a key or a position.
pub trait Index {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value>;
    /// The slot `v[self] = ...` writes to (a null becomes a mapping).
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value;
}

impl Index for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array().and_then(|a| a.get(*self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_array_mut().and_then(|a| a.get_mut(*self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        match v {
            Value::Array(a) => {
                let len = a.len();
                a.get_mut(*self).unwrap_or_else(|| {
                    panic!("index {} out of bounds for a sequence of {len}", self)
                })
            }
            _ => panic!("cannot index a non-sequence with a position"),
        }
    }
}

impl Index for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object().and_then(|m| m.get(self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_object_mut().and_then(|m| m.get_mut(self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        if v.is_null() {
            *v = Value::Object(Map::new());
        }
        match v {
            Value::Object(m) => m.entry(self).or_insert(Value::Null),
            _ => panic!("cannot index a non-mapping with a key"),
        }
    }
}

/// Owned text indexes as the `str` it holds.
macro_rules! index_as_str {
    ($($t:ty),*) => {$(
        impl Index for $t {
            fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
                self.as_str().index_into(v)
            }
            fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
                self.as_str().index_into_mut(v)
            }
            fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
                self.as_str().index_or_insert(v)
            }
        }
    )*};
}
index_as_str!(String, Key);

impl<T: Index + ?Sized> Index for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(v)
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        (**self).index_or_insert(v)
    }
}

impl<I: Index> std::ops::Index<I> for Value {
    type Output = Value;
    /// A missing key or position reads as null, as in serde_json.
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl<I: Index> std::ops::IndexMut<I> for Value {
    fn index_mut(&mut self, index: I) -> &mut Value {
        index.index_or_insert(self)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Number(n) => write!(f, "Number({n})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::Array(a) => {
                f.write_str("Array ")?;
                f.debug_list().entries(a).finish()
            }
            Value::Object(m) => {
                f.write_str("Object ")?;
                fmt::Debug::fmt(m, f)
            }
        }
    }
}

/// JSON text, compact (`{}`) or indented (`{:#}`), as serde_json prints.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() {
            serde_json::to_string_pretty(self)
        } else {
            serde_json::to_string(self)
        };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => s.collect_seq(a),
            Value::Object(m) => m.serialize(s),
        }
    }
}

/// Decoded through `serde_json::Value`, which understands its own
/// arbitrary-precision numbers; only configuration is decoded this way.
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(Value::from)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s.into()),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

macro_rules! from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number::from(n))
            }
        }
    )*};
}
from_integer!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_both_ways_without_loss() {
        let j = serde_json::json!({"b": [1, "x", null, true, 1.5e300], "a": {"c": {}}});
        let v = Value::from(j.clone());
        assert_eq!(v.to_json(), j);
        assert_eq!(v.clone().into_json(), j);
        assert_eq!(v.to_string(), j.to_string());
        assert_eq!(format!("{v:#}"), format!("{j:#}"));
    }

    #[test]
    fn pointers_follow_rfc_6901() {
        let v = json!({"a/b": [0, {"~k": 2}], "": 3});
        assert_eq!(v.pointer(""), Some(&v));
        assert_eq!(v.pointer("/a~1b/1/~0k"), Some(&json!(2)));
        assert_eq!(v.pointer("/"), Some(&json!(3)));
        assert_eq!(v.pointer("/a~1b/01"), None);
        assert_eq!(v.pointer("a"), None);
    }

    #[test]
    fn indexing_reads_null_and_writes_mappings() {
        let mut v = Value::Null;
        v["a"]["b"] = json!(1);
        assert_eq!(v, json!({"a": {"b": 1}}));
        assert!(v["missing"][3].is_null());
    }

    #[test]
    fn a_node_is_four_words() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
    }

    #[test]
    fn mapping_equality_ignores_order() {
        assert_eq!(json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1}));
        assert_ne!(json!({"a": 1}), json!({"a": 1, "b": 2}));
    }
}

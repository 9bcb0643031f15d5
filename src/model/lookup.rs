//! Field lookups that skip hashing for small maps.
//!
//! serde_json's maps hash every key they are asked for (SipHash), and
//! hashing was the largest single cost of a big build. Kubernetes objects
//! are mostly maps of a handful of keys, where comparing the keys in order
//! is cheaper than hashing the one looked for; bigger maps still use the hash.

use serde_json::{Map, Value};

/// Maps up to this many entries are searched in order.
const SCAN_LIMIT: usize = 12;

/// The value of `key` in `map`.
pub fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// The value of `key` in `map`, to change it.
pub fn get_mut<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter_mut()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    } else {
        map.get_mut(key)
    }
}

/// `value[key]` for a map (`None` for anything else or a missing key).
pub fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => get(map, key),
        _ => None,
    }
}

/// The string at `value[key]`, or "".
pub fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    field(value, key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_and_large_maps_answer_alike() {
        let small = json!({"a": 1, "b": {"c": "x"}});
        assert_eq!(field(&small, "a"), Some(&json!(1)));
        assert_eq!(str_field(&small["b"], "c"), "x");
        assert_eq!(field(&small, "z"), None);
        let large: Map<String, Value> = (0..40).map(|i| (format!("k{i}"), json!(i))).collect();
        let large = Value::Object(large);
        assert_eq!(field(&large, "k39"), Some(&json!(39)));
        assert_eq!(field(&large, "k40"), None);
    }
}

//! JSON 6902 patches with the semantics of the library kustomize v5.5.0
//! applies them with (evanphx/json-patch v4), which differ from RFC 6902 in
//! ways real patches rely on:
//!
//! - `replace` of a missing key in an object adds it (only array indices
//!   must exist);
//! - negative array indices count from the end (`-1` is the last element;
//!   for `add`, `-1` appends);
//! - a path's first segment is skipped, whatever it is, so `a/b` means `/b`;
//! - `test` compares numbers by their text (`1` is not `1.0`);
//! - an op with no `value` uses `null`.

use crate::model::limits;
use crate::model::value::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum JsonPatchError {
    #[error("not a JSON 6902 patch: {0}")]
    Decode(String),
    #[error("op {} ({path}): {message}", operation + 1)]
    Apply {
        operation: usize,
        path: String,
        message: String,
    },
}

/// One operation, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub op: String,
    pub path: Option<String>,
    pub from: Option<String>,
    pub value: Option<Value>,
}

/// An op list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patch(pub Vec<Op>);

/// Decodes an op list (already parsed from YAML or JSON). Like the Go
/// library, fields other than `op`, `path`, `from` and `value` are ignored,
/// and a missing `op` is only an error when the op runs.
pub fn decode(ops: &Value) -> Result<Patch, JsonPatchError> {
    let Value::Array(items) = ops else {
        return Err(JsonPatchError::Decode(
            "expected a list of operations".into(),
        ));
    };
    items
        .iter()
        .map(decode_op)
        .collect::<Result<_, _>>()
        .map(Patch)
}

fn decode_op(item: &Value) -> Result<Op, JsonPatchError> {
    let Value::Object(map) = item else {
        return Err(JsonPatchError::Decode("an operation must be a map".into()));
    };
    let text = |key: &str| -> Result<Option<String>, JsonPatchError> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.to_string())),
            Some(_) => Err(JsonPatchError::Decode(format!("'{key}' must be a string"))),
        }
    };
    Ok(Op {
        op: text("op")?.unwrap_or_else(|| "unknown".into()),
        path: text("path")?,
        from: text("from")?,
        value: map.get("value").cloned(),
    })
}

/// Applies the ops in order, in place. A failure leaves `doc` part-way
/// patched: every caller abandons the build on an error, so the object is
/// not copied first (a copy per patched object cost a big build both time
/// and memory).
///
/// Each op that adds a value is checked against the limits: `add` and
/// `copy` can double a document per op, or nest it deeper.
pub fn apply(doc: &mut Value, patch: &Patch) -> Result<(), JsonPatchError> {
    let work = doc;
    let mut size = limits::measure(work);
    for (i, op) in patch.0.iter().enumerate() {
        let failed = |message| JsonPatchError::Apply {
            operation: i,
            path: op.path.clone().unwrap_or_default(),
            message,
        };
        apply_op(work, op).map_err(failed)?;
        if matches!(op.op.as_str(), "add" | "replace" | "move" | "copy") {
            size = limits::check_grown(work, Some(size), std::path::Path::new(""), "the op")
                .map_err(|e| failed(e.what))?;
        }
    }
    as_json_round_trip(work);
    Ok(())
}

/// kustomize applies the ops to the object's JSON form and reads the result
/// back, so every number that is not an integer comes back as Go's encoder
/// wrote its float64 (`1e3` as `1000`, `1.50` as `1.5`). The emitter prints
/// numbers so anyway; this matters where a number becomes text, as an
/// annotation value or in a generated object's hash.
fn as_json_round_trip(v: &mut Value) {
    match v {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                let text = crate::model::go_format::json_float(f);
                if let Ok(back) = text.parse::<crate::model::value::Number>() {
                    *n = back;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_json_round_trip),
        Value::Object(map) => map.values_mut().for_each(as_json_round_trip),
        _ => {}
    }
}

fn apply_op(doc: &mut Value, op: &Op) -> Result<(), String> {
    let path = || {
        op.path
            .as_deref()
            .ok_or_else(|| format!("{} operation missing path", op.op))
    };
    let value = || op.value.clone().unwrap_or(Value::Null);
    match op.op.as_str() {
        "add" => add(doc, path()?, value()),
        "remove" => remove(doc, path()?).map(drop),
        "replace" => replace(doc, path()?, value()),
        "move" => {
            let from = op.from.as_deref().ok_or("move operation missing from")?;
            let moved = remove(doc, from)?;
            add(doc, path()?, moved)
        }
        "copy" => {
            let from = op.from.as_deref().ok_or("copy operation missing from")?;
            let copied = get(doc, from)?.cloned().unwrap_or(Value::Null);
            add(doc, path()?, copied)
        }
        "test" => test(doc, path()?, op.value.as_ref()),
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// `~1` is `/`, `~0` is `~`.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The container holding the path's last segment, and that segment. As in
/// the Go library, the first segment (before the first `/`) is skipped.
fn parent<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), String> {
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() < 2 {
        return Err(format!("doc is missing path: \"{path}\""));
    }
    let mut node = doc;
    for part in &segments[1..segments.len() - 1] {
        let key = unescape(part);
        node = match node {
            Value::Object(map) => map.get_mut(&key),
            Value::Array(items) => index(&key, items.len(), false).and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .filter(|child| child.is_object() || child.is_array())
        .ok_or_else(|| format!("doc is missing path: \"{path}\""))?;
    }
    Ok((node, unescape(segments[segments.len() - 1])))
}

/// An array index: Go's `strconv.Atoi`, negatives counting from the end of
/// a list of `len` (for `add`, `len` is one more than the list).
fn index(key: &str, len: usize, inclusive: bool) -> Option<usize> {
    let digits = key.strip_prefix(['+', '-']).unwrap_or(key);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: i64 = key.parse().ok()?;
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    let limit = if inclusive { len } else { len - 1 };
    (0..=limit).contains(&i).then_some(i as usize)
}

fn get<'a>(doc: &'a mut Value, path: &str) -> Result<Option<&'a Value>, String> {
    let (container, key) = parent(doc, path)?;
    match container {
        Value::Object(map) => Ok(map.get(&key)),
        Value::Array(items) => index(&key, items.len(), false)
            .map(|i| Some(&items[i]))
            .ok_or_else(|| format!("Unable to access invalid index: {key}")),
        _ => Err(format!("doc is missing path: \"{path}\"")),
    }
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (container, key) = parent(doc, path)?;
    match container {
        Value::Object(map) => {
            map.insert(key.into(), value);
            Ok(())
        }
        Value::Array(items) if key == "-" => {
            items.push(value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index(&key, items.len() + 1, false)
                .ok_or_else(|| format!("Unable to access invalid index: {key}"))?;
            items.insert(i, value);
            Ok(())
        }
        _ => Err(format!("doc is missing path: \"{path}\"")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (container, key) = parent(doc, path)?;
    match container {
        Value::Object(map) => map
            .shift_remove(&key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}")),
        Value::Array(items) => index(&key, items.len(), false)
            .map(|i| items.remove(i))
            .ok_or_else(|| format!("Unable to access invalid index: {key}")),
        _ => Err(format!("doc is missing path: \"{path}\"")),
    }
}

fn replace(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        if !(value.is_object() || value.is_array()) {
            // json-patch v4.12 (kustomize before v5.7 as kubectl 1.32
            // bundles it) wrapped a nil error here: the op did nothing.
            if !crate::release::current().whole_document_replace_needs_an_object() {
                return Ok(());
            }
            return Err("replace operation value must be object or array".into());
        }
        *doc = value;
        return Ok(());
    }
    let (container, key) = parent(doc, path)?;
    match container {
        // A missing key is added: the Go library's lookup never fails on maps.
        Value::Object(map) => {
            map.insert(key.into(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index(&key, items.len(), false)
                .ok_or_else(|| format!("Unable to access invalid index: {key}"))?;
            items[i] = value;
            Ok(())
        }
        _ => Err(format!("doc is missing key: {path}")),
    }
}

fn test(doc: &mut Value, path: &str, want: Option<&Value>) -> Result<(), String> {
    let failed = || format!("testing value {path} failed");
    let have = if path.is_empty() {
        Some(&*doc)
    } else {
        get(doc, path)?
    };
    match (have, want) {
        (None, None | Some(Value::Null)) => Ok(()),
        (Some(h), Some(w)) if same(h, w) => Ok(()),
        _ => Err(failed()),
    }
}

/// Deep equality with numbers compared by their text, as the Go library
/// compares raw JSON.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => same_maps(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
        _ => a == b,
    }
}

fn same_maps(x: &Map, y: &Map) -> bool {
    x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn run(doc: Value, ops: Value) -> Result<Value, String> {
        let mut doc = doc;
        let patch = decode(&ops).map_err(|e| e.to_string())?;
        apply(&mut doc, &patch).map_err(|e| e.to_string())?;
        Ok(doc)
    }

    #[test]
    fn table() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2, 3]});
        let cases: Vec<(&str, Value, Result<Value, ()>)> = vec![
            (
                "replace of a missing key adds it",
                json!([{"op": "replace", "path": "/a/c", "value": 2}]),
                Ok(json!({"a": {"b": 1, "c": 2}, "l": [1, 2, 3]})),
            ),
            (
                "replace out of range fails",
                json!([{"op": "replace", "path": "/l/3", "value": 0}]),
                Err(()),
            ),
            (
                "negative index replaces from the end",
                json!([{"op": "replace", "path": "/l/-1", "value": 9}]),
                Ok(json!({"a": {"b": 1}, "l": [1, 2, 9]})),
            ),
            (
                "add at -1 appends",
                json!([{"op": "add", "path": "/l/-1", "value": 4}]),
                Ok(json!({"a": {"b": 1}, "l": [1, 2, 3, 4]})),
            ),
            (
                "add at len appends, beyond fails",
                json!([{"op": "add", "path": "/l/3", "value": 4}, {"op": "add", "path": "/l/9", "value": 5}]),
                Err(()),
            ),
            (
                "add - appends",
                json!([{"op": "add", "path": "/l/-", "value": 4}]),
                Ok(json!({"a": {"b": 1}, "l": [1, 2, 3, 4]})),
            ),
            (
                "remove of a missing key fails",
                json!([{"op": "remove", "path": "/a/x"}]),
                Err(()),
            ),
            (
                "missing parent fails",
                json!([{"op": "add", "path": "/x/y", "value": 1}]),
                Err(()),
            ),
            (
                "first segment is skipped",
                json!([{"op": "add", "path": "a/z", "value": 1}]),
                Ok(json!({"a": {"b": 1}, "l": [1, 2, 3], "z": 1})),
            ),
            (
                "move and copy",
                json!([{"op": "copy", "from": "/a/b", "path": "/c"}, {"op": "move", "from": "/l/0", "path": "/d"}]),
                Ok(json!({"a": {"b": 1}, "l": [2, 3], "c": 1, "d": 1})),
            ),
            (
                "test compares numbers by text",
                json!([{"op": "test", "path": "/a/b", "value": 1.0}]),
                Err(()),
            ),
            (
                "escaped keys",
                json!([{"op": "add", "path": "/a/x~1y~0", "value": 1}]),
                Ok(json!({"a": {"b": 1, "x/y~": 1}, "l": [1, 2, 3]})),
            ),
            (
                "unknown op",
                json!([{"op": "merge", "path": "/a"}]),
                Err(()),
            ),
        ];
        for (name, ops, want) in cases {
            let got = run(doc.clone(), ops).map_err(|_| ());
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn a_failing_op_after_a_good_one_is_an_error() {
        let mut doc = json!({"spec": {"replicas": 1}});
        let failing = decode(&json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "test", "path": "/spec/replicas", "value": 9}
        ]))
        .unwrap();
        let e = apply(&mut doc, &failing).unwrap_err();
        assert!(
            matches!(e, JsonPatchError::Apply { operation: 1, .. }),
            "{e}"
        );
    }

    #[test]
    fn copy_bombs_and_deep_nesting_are_refused() {
        let mut doc = json!({"a": "x".repeat(1 << 20), "n": {"x": "y".repeat(1000)}});
        let ops: Vec<Value> = (0..40)
            .map(|_| json!({"op": "copy", "from": "/a", "path": "/a"}))
            .chain((0..20).map(|i| json!({"op": "copy", "from": "/a", "path": format!("/b{i}")})))
            .collect();
        assert!(apply(&mut doc, &decode(&Value::Array(ops)).unwrap()).is_ok());
        // Each copy of /n into itself doubles it.
        let doubling: Vec<Value> = (0..64)
            .map(|i| json!({"op": "copy", "from": "/n", "path": format!("/n/k{i}")}))
            .collect();
        let e = apply(&mut doc, &decode(&Value::Array(doubling)).unwrap()).unwrap_err();
        assert!(e.to_string().contains("grows"), "{e}");
        // Each copy of /n under a deeper path nests it deeper.
        let mut doc = json!({"n": {"x": 1}});
        let nesting: Vec<Value> = (0..300)
            .map(|_| json!({"op": "copy", "from": "/n", "path": "/n/x"}))
            .collect();
        let e = apply(&mut doc, &decode(&Value::Array(nesting)).unwrap()).unwrap_err();
        assert!(e.to_string().contains("deeper"), "{e}");
    }
}

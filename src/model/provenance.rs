//! Field-level provenance: for every field of every output object, the file
//! and line that last set it (a resource file, a patch, a generator entry or
//! a transformer's field in a kustomization).
//!
//! Fields are named by keyed paths, `spec.template.spec.containers[name=app].image`:
//! a list element is named by the first of its identifying fields (`name`,
//! `containerPort`, `port`, `mountPath`, ...) that is unique in its list, or
//! by its index. Keyed paths survive strategic merges that reorder lists,
//! and the same names work in patch files, so a patch's line can be found.

use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::{Key, Value};
use hashbrown::HashMap;
use std::path::PathBuf;

/// Who set a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// 1-based; 0 when no single line applies.
    pub line: usize,
    /// What did it: "resource", "strategic merge patch", "images", ...
    pub by: String,
}

/// Who set each field last, and what each field held before (its chain).
#[derive(Debug, Default, Clone)]
pub struct FieldOrigins {
    last: HashMap<String, Origin>,
    /// Values a later step replaced, with who had set them, oldest first.
    /// Most fields are set once, so this stays short: only overwritten
    /// fields pay for their earlier values.
    earlier: Vec<(String, Origin, Value)>,
}

impl FieldOrigins {
    pub fn new() -> FieldOrigins {
        FieldOrigins::default()
    }

    /// Who set the field at `path` last.
    pub fn get(&self, path: &str) -> Option<&Origin> {
        self.last.get(path)
    }

    /// The values the field at `path` had before its current one, newest
    /// first, each with who had set it.
    pub fn earlier(&self, path: &str) -> impl Iterator<Item = (&Origin, &Value)> {
        self.earlier
            .iter()
            .rev()
            .filter(move |(p, _, _)| p == path)
            .map(|(_, o, v)| (o, v))
    }
}

pub const ELEMENT_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "port",
    "mountPath",
    "devicePath",
    "ip",
    "topologyKey",
    "key",
    "type",
];

/// The key naming each element of `items`, or `None` to name them by index.
pub fn element_key(items: &[Value]) -> Option<&'static str> {
    ELEMENT_KEYS.iter().copied().find(|k| {
        let mut seen = Vec::new();
        items.iter().all(
            |item| match item.get(*k).filter(|v| !v.is_object() && !v.is_array()) {
                Some(v) if !seen.contains(&v) => {
                    seen.push(v);
                    true
                }
                _ => false,
            },
        )
    })
}

pub fn segment(items: &[Value], key: Option<&str>, index: usize) -> String {
    match key {
        Some(k) => format!(
            "[{k}={}]",
            crate::model::resource::scalar_text(&items[index][k])
        ),
        None => format!("[{index}]"),
    }
}

pub fn join(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// Every leaf (scalar, or empty map/list) of `value` by keyed path.
pub fn leaves(value: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    collect_leaves(value, String::new(), &mut out);
    out
}

fn collect_leaves<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            // In printed order, so `explain` and `diff` read like the YAML.
            let mut keys: Vec<&Key> = map.keys().collect();
            crate::model::key_order::sort_keys(&mut keys, |k| k);
            for k in keys {
                collect_leaves(&map[k], join(&path, k), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let key = element_key(items);
            for (i, v) in items.iter().enumerate() {
                collect_leaves(v, format!("{path}{}", segment(items, key, i)), out);
            }
        }
        _ => out.push((path, value)),
    }
}

/// Provenance observes the build rather than wrapping its steps: the build
/// reports each step as it finishes, and every field that changed since the
/// object was last observed (or every field of an object the step made) is
/// attributed to that step. When tracking is off a report costs nothing.
pub fn observe_step(
    resmap: &mut ResMap,
    tracking: bool,
    origin_of: &dyn Fn(&Resource, &str) -> Origin,
) {
    if !tracking {
        return;
    }
    // Observing changes no id: the index stays valid.
    for r in resmap.resources.iter_mut() {
        let before = r.observed.take();
        if r.origins.is_some() && before.as_deref() == Some(&r.value) {
            r.observed = before;
            continue;
        }
        let mut origins = r.origins.take().map(|o| *o).unwrap_or_default();
        let res: &Resource = r;
        record_changes(&mut origins, before.as_deref(), &res.value, &|p| {
            origin_of(res, p)
        });
        r.origins = Some(Box::new(origins));
        r.observed = Some(Box::new(r.value.clone()));
    }
}

/// Attributes every leaf of `after` that is new or changed since `before` to `origin_of(path)`.
pub fn record_changes(
    origins: &mut FieldOrigins,
    before: Option<&Value>,
    after: &Value,
    origin_of: &dyn Fn(&str) -> Origin,
) {
    let old: HashMap<String, &Value> = before
        .map(|b| leaves(b).into_iter().collect())
        .unwrap_or_default();
    let new = leaves(after);
    let present: std::collections::HashSet<&str> = new.iter().map(|(p, _)| p.as_str()).collect();
    origins
        .last
        .retain(|path, _| present.contains(path.as_str()));
    origins
        .earlier
        .retain(|(path, _, _)| present.contains(path.as_str()));
    for (path, value) in new {
        let was = old.get(&path).copied();
        if was == Some(value) && origins.last.contains_key(&path) {
            continue;
        }
        let origin = origin_of(&path);
        if let (Some(was), Some(previous)) = (was, origins.last.insert(path.clone(), origin)) {
            origins.earlier.push((path, previous, was.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn names_list_elements_by_their_key() {
        let v =
            json!({"spec": {"containers": [{"name": "app", "image": "x"}], "args": ["a", "b"]}});
        let paths: Vec<String> = leaves(&v).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "spec.args[0]",
                "spec.args[1]",
                "spec.containers[name=app].image",
                "spec.containers[name=app].name"
            ]
        );
    }
}

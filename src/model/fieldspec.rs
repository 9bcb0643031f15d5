//! Field specs: "this path, in resources of this kind", the unit every
//! builtin transformer is configured with, and the walker that visits them.

use crate::model::resid::Gvk;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A field spec as written in configuration (kustomization `labels[].fields`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSpecConfig {
    pub path: String,
    #[serde(default)]
    pub create: bool,
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub path: Vec<String>,
    pub create: bool,
}

impl From<&FieldSpecConfig> for FieldSpec {
    fn from(c: &FieldSpecConfig) -> Self {
        FieldSpec {
            group: c.group.clone(),
            version: c.version.clone(),
            kind: c.kind.clone(),
            path: split_path(&c.path),
            create: c.create,
        }
    }
}

/// `a/b[]/c` -> ["a", "b[]", "c"]. Lists are walked wherever they are met;
/// the `[]` mark says a segment is a list, which is never created.
pub fn split_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl FieldSpec {
    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        let ok = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.is_empty() || w == have)
        };
        ok(&self.group, &gvk.group) && ok(&self.version, &gvk.version) && ok(&self.kind, &gvk.kind)
    }
}

/// Calls `visit` on every value at `path` under `node`, walking lists element
/// by element; with `create`, missing maps along the path (and the last
/// field, as `Value::Null`) are created first.
pub fn visit_path(
    node: &mut Value,
    path: &[String],
    create: bool,
    visit: &mut dyn FnMut(&mut Value),
) {
    if let Value::Array(items) = node {
        for item in items {
            visit_path(item, path, create, visit);
        }
        return;
    }
    let Some((segment, rest)) = path.split_first() else {
        visit(node);
        return;
    };
    let is_list = segment.ends_with("[]");
    let head = segment.trim_end_matches("[]");
    let Value::Object(map) = node else { return };
    if !map.contains_key(head) {
        // kustomize cannot invent list elements, so it never creates a list.
        if !create || is_list {
            return;
        }
        let fresh = if rest.is_empty() {
            Value::Null
        } else {
            Value::Object(Map::new())
        };
        map.insert(head.to_string(), fresh);
    }
    if let Some(child) = map.get_mut(head) {
        if rest.is_empty() {
            if let Value::Array(items) = child {
                for item in items {
                    visit(item);
                }
                return;
            }
            visit(child);
        } else {
            if child.is_null() && create {
                *child = Value::Object(Map::new());
            }
            visit_path(child, rest, create, visit);
        }
    }
}

/// Applies `visit` at every matching field spec of `specs` for this resource.
pub fn visit_specs(
    value: &mut Value,
    gvk: &Gvk,
    specs: &[FieldSpec],
    visit: &mut dyn FnMut(&mut Value),
) {
    for spec in specs.iter().filter(|s| s.applies_to(gvk)) {
        visit_path(value, &spec.path, spec.create, visit);
    }
}

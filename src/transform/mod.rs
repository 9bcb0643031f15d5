//! The builtin transformers a kustomization configures, in kustomize's order:
//! patches, namespace, prefix/suffix, labels, annotations, JSON 6902 patches,
//! replicas, images, replacements (the order lives in `build`).
//!
//! Each module is one transformation over a `ResMap`, configured by field
//! specs; none of them reads files or decides when it runs.
pub mod annotations;
pub mod images;
pub mod labels;
pub mod namespace;
pub mod prefix_suffix;
pub mod replicas;

use serde_json::{Map, Value};

/// Sets `pairs` into the string map at `node`, making it a map if it was absent.
pub(crate) fn set_pairs(node: &mut Value, pairs: &[(String, String)]) {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        for (k, v) in pairs {
            map.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

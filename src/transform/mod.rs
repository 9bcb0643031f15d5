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

use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resmap::ResMap;
use crate::model::value::{Map, Value};

/// What a transformation reports when an object cannot take it (a field
/// spec meets a scalar, a map field holds a list...): the object and why.
pub type TransformResult = std::result::Result<(), String>;

/// Sets `pairs` into the string map at every field spec of every object, as
/// kustomize's label and annotation filters do (maps created where a spec
/// says `create: true`).
pub fn set_map_entries(
    resmap: &mut ResMap,
    pairs: &[(String, String)],
    specs: &[FieldSpec],
) -> TransformResult {
    if pairs.is_empty() {
        return Ok(());
    }
    resmap.try_for_each_mut(|r| {
        // A label or annotation set here is a tagged string from now on.
        r.untagged
            .retain(|u| !matches!(u.path.last_key(), Some(k) if pairs.iter().any(|(p, _)| p == k)));
        let gvk = r.gvk();
        fieldspec::visit_specs(&mut r.value, &gvk, specs, CreateKind::Map, &mut |node| {
            set_pairs(node, pairs)
        })
        .map_err(|e| format!("{}: {e}", r.id()))
    })
}

/// Sets `pairs` into the string map at `node`, making it a map if it was absent.
pub(crate) fn set_pairs(node: &mut Value, pairs: &[(String, String)]) -> TransformResult {
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    let Value::Object(map) = node else {
        return Err("expected a map of strings".into());
    };
    for (k, v) in pairs {
        map.insert(k.as_str().into(), Value::String(v.as_str().into()));
    }
    Ok(())
}

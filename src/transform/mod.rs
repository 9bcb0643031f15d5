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

/// Table-driven test support in the style of kustomize's filter tests: a
/// case is input YAML, a transformation, and the expected output YAML.
#[cfg(test)]
pub(crate) mod testing {
    use crate::model::resmap::ResMap;
    use crate::model::resource::Resource;
    use std::path::Path;

    /// The objects of a YAML stream, as a build would have loaded them.
    pub fn resmap(yaml: &str) -> ResMap {
        let mut m = ResMap::default();
        for (i, doc) in crate::yaml::parse_documents(yaml)
            .expect("test input parses")
            .into_iter()
            .enumerate()
        {
            m.append(Resource::new(doc.value, Path::new("test.yaml"), i + 1))
                .expect("test input has unique ids");
        }
        m
    }

    /// The objects as the build prints them.
    pub fn emit(m: &ResMap) -> String {
        crate::yaml::emit::emit_stream(m.iter().map(|r| &r.value))
    }

    /// Runs `step` on `input` and compares the printed result with `expected`
    /// (`Err(text)`: the step must fail with a message containing `text`).
    pub fn check(
        name: &str,
        input: &str,
        step: impl FnOnce(&mut ResMap) -> super::TransformResult,
        expected: Result<&str, &str>,
    ) {
        let mut m = resmap(input);
        let got = step(&mut m).map(|_| emit(&m));
        match (got, expected) {
            (Ok(out), Ok(want)) => assert_eq!(out, want, "case {name}"),
            (Err(e), Err(want)) => assert!(e.contains(want), "case {name}: error {e:?}"),
            (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
        }
    }
}

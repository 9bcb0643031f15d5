//! `commonAnnotations`: metadata and pod-template annotations.

use crate::model::fieldspec::{self, FieldSpec};
use crate::model::resmap::ResMap;
use indexmap::IndexMap;

pub fn apply(resmap: &mut ResMap, annotations: &IndexMap<String, String>, specs: &[FieldSpec]) {
    if annotations.is_empty() {
        return;
    }
    let pairs: Vec<(String, String)> = annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        fieldspec::visit_specs(&mut r.value, &gvk, specs, &mut |node| {
            super::set_pairs(node, &pairs)
        });
    }
}

//! `namespace`: moves every namespaced resource (and the service references
//! of webhooks/APIServices/CRD conversion) into one namespace.

use crate::fieldspec::{self, FieldSpec};
use crate::openapi::is_cluster_scoped;
use crate::resmap::ResMap;
use serde_json::Value;

pub fn apply(resmap: &mut ResMap, namespace: &str, specs: &[FieldSpec]) {
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        // kustomize renames a Namespace object to the namespace it sets.
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            r.store_previous_id();
            r.set_name(namespace);
            continue;
        }
        if is_cluster_scoped(&gvk) {
            continue;
        }
        r.store_previous_id();
        fieldspec::visit_specs(&mut r.value, &gvk, specs, &mut |node| {
            *node = Value::String(namespace.to_string());
        });
    }
}

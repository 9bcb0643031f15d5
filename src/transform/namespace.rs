//! `namespace`: moves every namespaced resource (and the service references
//! of webhooks/APIServices/CRD conversion) into one namespace.

use crate::load::openapi::is_cluster_scoped;
use crate::model::fieldspec::{self, FieldSpec};
use crate::model::resmap::ResMap;
use serde_json::Value;

pub fn apply(resmap: &mut ResMap, namespace: &str, specs: &[FieldSpec]) {
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        // Cluster-scoped objects get no metadata.namespace, but specs that
        // name their kind (a Namespace's own name) still apply.
        let cluster_scoped = is_cluster_scoped(&gvk);
        let applies = |s: &&FieldSpec| {
            s.applies_to(&gvk)
                && (!cluster_scoped
                    || (s.kind.is_some()
                        && !(s.path.len() == 2
                            && s.path[0] == "metadata"
                            && s.path[1] == "namespace")))
        };
        if !specs.iter().any(|s| applies(&s)) {
            continue;
        }
        r.store_previous_id();
        for spec in specs.iter().filter(applies) {
            fieldspec::visit_path(&mut r.value, &spec.path, spec.create, &mut |node| {
                *node = Value::String(namespace.to_string());
            });
        }
    }
}

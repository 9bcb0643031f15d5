//! `replicas` (kustomize's ReplicaCountTransformer): sets the replica count
//! at each field spec of the objects named, by any name they have had.

use super::TransformResult;
use crate::load::kustomization::ReplicaSpec;
use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resmap::ResMap;
use serde_json::Value;

pub fn apply(resmap: &mut ResMap, replica: &ReplicaSpec, specs: &[FieldSpec]) -> TransformResult {
    let mut found = false;
    for spec in specs {
        let one = std::slice::from_ref(spec);
        for r in resmap.iter_mut() {
            let named = r
                .all_ids()
                .iter()
                .any(|id| id.name == replica.name && spec.applies_to(&id.gvk));
            if !named {
                continue;
            }
            found = true;
            let gvk = r.gvk();
            fieldspec::visit_specs(&mut r.value, &gvk, one, CreateKind::Scalar, &mut |node| {
                *node = Value::from(replica.count);
                Ok(())
            })
            .map_err(|e| format!("{}: {e}", r.id()))?;
        }
    }
    if found {
        return Ok(());
    }
    let gvks: Vec<String> = specs.iter().map(FieldSpec::gvk_string).collect();
    Err(format!(
        "resource with name {} does not match a config with the following GVK [{}]",
        replica.name,
        gvks.join(" ")
    ))
}

//! `replicas`: sets `spec.replicas` of the workloads named.

use crate::error::{BuildError, Result};
use crate::load::kustomization::ReplicaSpec;
use crate::model::fieldspec::{self, FieldSpec};
use crate::model::resmap::ResMap;
use serde_json::Value;
use std::path::Path;

pub fn apply(
    resmap: &mut ResMap,
    replicas: &[ReplicaSpec],
    specs: &[FieldSpec],
    kustomization: &Path,
) -> Result<()> {
    for replica in replicas {
        let mut found = false;
        for r in resmap.iter_mut() {
            let gvk = r.gvk();
            let named = r.ever_named(&replica.name);
            if !named || !specs.iter().any(|s| s.applies_to(&gvk)) {
                continue;
            }
            found = true;
            fieldspec::visit_specs(&mut r.value, &gvk, specs, &mut |node| {
                *node = Value::from(replica.count)
            });
        }
        if !found {
            return Err(BuildError::invalid(
                kustomization,
                format!(
                    "replicas: resource with name {} does not match a Deployment, ReplicationController, ReplicaSet or StatefulSet",
                    replica.name
                ),
            ));
        }
    }
    Ok(())
}

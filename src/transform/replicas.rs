//! `replicas` (kustomize's ReplicaCountTransformer): sets the replica count
//! at each field spec of the objects named, by any name they have had.

use super::TransformResult;
use crate::load::kustomization::ReplicaSpec;
use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resmap::ResMap;
use crate::model::value::Value;

pub fn apply(resmap: &mut ResMap, replica: &ReplicaSpec, specs: &[FieldSpec]) -> TransformResult {
    let mut found = false;
    for spec in specs {
        let one = std::slice::from_ref(spec);
        for r in resmap.iter_mut() {
            let named = r
                .ids()
                .any(|id| id.name == replica.name && spec.applies_to(&id.gvk()));
            if !named {
                continue;
            }
            found = true;
            let gvk = r.gvk();
            fieldspec::visit_specs(&mut r.value, &gvk, one, CreateKind::Scalar, &mut |node| {
                // kustomize sets a scalar's value: a list or map there is
                // an error, not replaced.
                let kind = match node {
                    Value::Array(_) => "SequenceNode",
                    Value::Object(_) => "MappingNode",
                    _ => {
                        *node = Value::from(replica.count);
                        return Ok(());
                    }
                };
                Err(format!(
                    "wrong node kind: expected ScalarNode but got {kind}"
                ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::transformer_config::TransformerConfig;
    use crate::yaml::testing::check;

    #[test]
    fn sets_counts_on_the_named_object() {
        let config = TransformerConfig::builtin();
        let specs = config.specs("replicas");
        let deployment =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n";
        let cases: &[(&str, &str, &str, Result<&str, &str>)] = &[
            (
                "replaced",
                "web",
                deployment,
                Ok(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n",
                ),
            ),
            (
                "created",
                "s",
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\n",
                Ok(
                    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  replicas: 5\n",
                ),
            ),
            (
                "other kinds untouched, name unknown",
                "c",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
                Err("resource with name c does not match a config"),
            ),
            (
                "no such name",
                "api",
                deployment,
                Err("resource with name api"),
            ),
        ];
        for (name, target, input, want) in cases {
            let spec = ReplicaSpec {
                name: target.to_string(),
                count: 5,
            };
            check(name, input, |m| apply(m, &spec, specs), *want);
        }
    }
}

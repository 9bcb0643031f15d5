//! `commonAnnotations`: metadata and pod-template annotations.

use super::TransformResult;
use crate::model::fieldspec::FieldSpec;
use crate::model::resmap::ResMap;
use indexmap::IndexMap;

pub fn apply(
    resmap: &mut ResMap,
    annotations: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> TransformResult {
    let pairs: Vec<(String, String)> = annotations
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // An annotation set here is a string from now on, whatever the object
    // had written (see `Resource::annotation_styles`).
    for r in resmap.iter_mut() {
        r.annotation_styles
            .retain(|(k, _)| !annotations.contains_key(k.as_str()));
    }
    super::set_map_entries(resmap, &pairs, specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::transformer_config::TransformerConfig;
    use crate::yaml::testing::check;

    #[test]
    fn metadata_and_templates_not_selectors() {
        let config = TransformerConfig::builtin();
        let notes: IndexMap<String, String> = [("owner".to_string(), "true".to_string())].into();
        let cases: &[(&str, &str, &str)] = &[
            (
                "deployment",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels:\n      a: b\n",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    owner: \"true\"\n  name: d\nspec:\n  selector:\n    matchLabels:\n      a: b\n  template:\n    metadata:\n      annotations:\n        owner: \"true\"\n",
            ),
            (
                "null map",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: null\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    owner: \"true\"\n  name: c\n",
            ),
        ];
        for (name, input, want) in cases {
            check(
                name,
                input,
                |m| apply(m, &notes, config.specs("commonAnnotations")),
                Ok(want),
            );
        }
    }
}

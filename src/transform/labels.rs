//! `commonLabels` and `labels`: metadata labels, and selectors/templates
//! where the field specs say so.

use super::TransformResult;
use crate::load::kustomization::LabelSpec;
use crate::load::transformer_config::{TransformerConfig, merge_specs};
use crate::model::fieldspec::FieldSpec;
use crate::model::resmap::ResMap;
use indexmap::IndexMap;

pub fn apply_common(
    resmap: &mut ResMap,
    labels: &IndexMap<String, String>,
    config: &TransformerConfig,
) -> TransformResult {
    apply(resmap, labels, config.specs("commonLabels"))
}

/// One `labels:` entry: metadata only, plus selectors and/or templates on
/// request. The field specs are merged as kustomize's LabelTransformer
/// configurator merges them (a conflict in `create` is an error).
pub fn apply_entry(
    resmap: &mut ResMap,
    entry: &LabelSpec,
    config: &TransformerConfig,
) -> TransformResult {
    let fail = |e: String| format!("failed to merge labels: {e}");
    let mut specs: Vec<FieldSpec> = entry.fields.iter().map(FieldSpec::from).collect();
    // Field specs a `configurations:` file lists under `labels` join every entry.
    merge_specs(&mut specs, config.specs("labels")).map_err(fail)?;
    if entry.include_selectors {
        merge_specs(&mut specs, config.specs("commonLabels")).map_err(fail)?;
    } else {
        if entry.include_templates {
            merge_specs(&mut specs, config.specs("templateLabels")).map_err(fail)?;
        }
        // v5.8: a StatefulSet's claim templates are a choice of their own
        // (before, `templateLabels` held them).
        if entry.include_volume_claim_templates.flatten() == Some(true) {
            merge_specs(&mut specs, config.specs("volumeClaimTemplateLabels")).map_err(fail)?;
        }
        merge_specs(&mut specs, &[FieldSpec::at(&["metadata", "labels"], true)]).map_err(fail)?;
    }
    apply(resmap, &entry.pairs, &specs)
}

fn apply(
    resmap: &mut ResMap,
    labels: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> TransformResult {
    let pairs: Vec<(String, String)> = labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    super::set_map_entries(resmap, &pairs, specs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::testing::check;

    const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
";

    fn pairs(list: &[(&str, &str)]) -> IndexMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn entry(selectors: bool, templates: bool) -> LabelSpec {
        LabelSpec {
            pairs: pairs(&[("team", "a")]),
            include_selectors: selectors,
            include_templates: templates,
            ..LabelSpec::default()
        }
    }

    #[test]
    fn common_labels() {
        let config = TransformerConfig::builtin();
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            (
                "deployment: metadata, selector and template",
                DEPLOYMENT,
                Ok(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    team: a\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n      team: a\n  template:\n    metadata:\n      labels:\n        app: web\n        team: a\n",
                ),
            ),
            (
                "service: selector created",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
                Ok(
                    "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    team: a\n  name: s\nspec:\n  selector:\n    team: a\n",
                ),
            ),
            (
                "existing value replaced",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    team: b\n",
                Ok(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    team: a\n  name: c\n",
                ),
            ),
            (
                "labels that are not a map",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [x]\n",
                Err("expected a map of strings"),
            ),
        ];
        for (name, input, want) in cases {
            check(
                name,
                input,
                |m| apply_common(m, &pairs(&[("team", "a")]), &config),
                *want,
            );
        }
    }

    #[test]
    fn label_entries() {
        let config = TransformerConfig::builtin();
        let cases: &[(&str, LabelSpec, &str)] = &[
            (
                "metadata only",
                entry(false, false),
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    team: a\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n",
            ),
            (
                "templates without selectors",
                entry(false, true),
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    team: a\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n        team: a\n",
            ),
            (
                "selectors imply templates",
                entry(true, false),
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    team: a\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n      team: a\n  template:\n    metadata:\n      labels:\n        app: web\n        team: a\n",
            ),
        ];
        for (name, spec, want) in cases {
            check(
                name,
                DEPLOYMENT,
                |m| apply_entry(m, spec, &config),
                Ok(want),
            );
        }
    }

    #[test]
    fn entry_field_specs_conflicting_on_create_are_an_error() {
        let config = TransformerConfig::builtin();
        let mut spec = entry(false, false);
        spec.fields = vec![crate::model::fieldspec::FieldSpecConfig {
            path: "metadata/labels".into(),
            create: false,
            ..Default::default()
        }];
        check(
            "create conflict",
            DEPLOYMENT,
            |m| apply_entry(m, &spec, &config),
            Err("failed to merge labels"),
        );
    }
}

//! `commonLabels` and `labels`: metadata labels, and selectors/templates
//! where the field specs say so.

use super::TransformResult;
use crate::load::kustomization::LabelSpec;
use crate::load::transformer_config::TransformerConfig;
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

/// One `labels:` entry: metadata only, plus selectors and/or templates on request.
pub fn apply_entry(
    resmap: &mut ResMap,
    entry: &LabelSpec,
    config: &TransformerConfig,
) -> TransformResult {
    let mut specs: Vec<FieldSpec> = entry.fields.iter().map(FieldSpec::from).collect();
    // Field specs a `configurations:` file lists under `labels` join every entry.
    specs.extend_from_slice(config.specs("labels"));
    if entry.include_selectors {
        specs.extend_from_slice(config.specs("commonLabels"));
    } else {
        specs.push(FieldSpec {
            group: None,
            version: None,
            kind: None,
            path: vec!["metadata".into(), "labels".into()],
            create: true,
        });
        if entry.include_templates {
            specs.extend_from_slice(config.specs("templateLabels"));
        }
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

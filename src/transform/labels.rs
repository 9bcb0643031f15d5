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

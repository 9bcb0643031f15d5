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
    super::set_map_entries(resmap, &pairs, specs)
}

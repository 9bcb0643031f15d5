//! `namePrefix` / `nameSuffix`: renames every resource but the kinds whose
//! names are fixed by the API (CRDs, APIServices, Namespaces), as kustomize,
//! at `metadata/name` and any further field the transformer config names.

use crate::model::fieldspec::{self, FieldSpec};
use crate::model::resmap::ResMap;
use serde_json::Value;

const SKIPPED_KINDS: &[&str] = &["CustomResourceDefinition", "APIService", "Namespace"];

pub fn apply(
    resmap: &mut ResMap,
    prefix: &str,
    suffix: &str,
    prefix_specs: &[FieldSpec],
    suffix_specs: &[FieldSpec],
) {
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in resmap.iter_mut() {
        if SKIPPED_KINDS.contains(&r.kind()) {
            continue;
        }
        r.store_previous_id();
        let gvk = r.gvk();
        for (specs, affix, at_start) in
            [(prefix_specs, prefix, true), (suffix_specs, suffix, false)]
        {
            if affix.is_empty() {
                continue;
            }
            fieldspec::visit_specs(&mut r.value, &gvk, specs, &mut |node| {
                if let Value::String(s) = node {
                    *s = if at_start {
                        format!("{affix}{s}")
                    } else {
                        format!("{s}{affix}")
                    };
                }
            });
        }
    }
}

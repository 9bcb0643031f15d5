//! `namePrefix` / `nameSuffix`: renames every resource but the kinds whose
//! names are fixed by the API (CRDs, APIServices, Namespaces), as kustomize.

use crate::resmap::ResMap;

const SKIPPED_KINDS: &[&str] = &["CustomResourceDefinition", "APIService", "Namespace"];

pub fn apply(resmap: &mut ResMap, prefix: &str, suffix: &str) {
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for r in resmap.iter_mut() {
        if SKIPPED_KINDS.contains(&r.kind()) {
            continue;
        }
        r.store_previous_id();
        let name = format!("{prefix}{}{suffix}", r.name());
        r.set_name(&name);
    }
}

//! `namePrefix` / `nameSuffix` (kustomize's PrefixTransformer and
//! SuffixTransformer): prepends or appends text at every field spec, for
//! every object but CustomResourceDefinitions, APIServices and Namespaces.
//!
//! As in kustomize, objects are selected by the id they were loaded with
//! (their original GVK), and only a spec whose path is `metadata/name`
//! counts as a rename: it records the affix (name references compare the
//! affixes of referrer and target) and the object's previous id.

use super::TransformResult;
use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resid::Gvk;
use crate::model::resmap::ResMap;
use crate::model::value::Value;

/// Where the text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affix {
    Prefix,
    Suffix,
}

/// Kinds whose names the API fixes: never renamed (any group for CRDs and
/// Namespaces, only apiregistration's APIService).
fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

pub fn apply(
    resmap: &mut ResMap,
    affix: Affix,
    text: &str,
    specs: &[FieldSpec],
) -> TransformResult {
    resmap.try_for_each_mut(|r| {
        let original = r.original_id();
        if skipped(&original.gvk) {
            return Ok(());
        }
        for spec in specs.iter().filter(|s| s.applies_to(&original.gvk)) {
            if spec.path.len() == 2 && spec.path[0] == "metadata" && spec.path[1] == "name" {
                match affix {
                    Affix::Prefix => r.add_name_prefix(text),
                    Affix::Suffix => r.add_name_suffix(text),
                }
                if !text.is_empty() {
                    r.store_previous_id();
                }
            }
            let gvk = r.gvk();
            let one = std::slice::from_ref(spec);
            fieldspec::visit_specs(&mut r.value, &gvk, one, CreateKind::Scalar, &mut |node| {
                let current = crate::model::resource::scalar_text(node);
                let (first, second) = match affix {
                    Affix::Prefix => (text, current.as_str()),
                    Affix::Suffix => (current.as_str(), text),
                };
                let mut name = crate::model::value::Str::with_capacity(first.len() + second.len());
                name.push_str(first);
                name.push_str(second);
                *node = Value::String(name);
                Ok(())
            })
            .map_err(|e| format!("{}: {e}", r.id()))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::transformer_config::TransformerConfig;
    use crate::yaml::testing::{check, resmap};

    #[test]
    fn affixes_names_except_fixed_kinds() {
        let config = TransformerConfig::builtin();
        let cases: &[(&str, Affix, &str, &str)] = &[
            (
                "prefix",
                Affix::Prefix,
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p-c\n",
            ),
            (
                "suffix",
                Affix::Suffix,
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-p\n",
            ),
            (
                "namespace kept",
                Affix::Prefix,
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n",
            ),
            (
                "crd kept",
                Affix::Prefix,
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\n",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\n",
            ),
            (
                "apiservice kept",
                Affix::Suffix,
                "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1.x\n",
                "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1.x\n",
            ),
        ];
        for (name, affix, input, want) in cases {
            let text = if *affix == Affix::Prefix { "p-" } else { "-p" };
            let specs = config.specs(if *affix == Affix::Prefix {
                "namePrefix"
            } else {
                "nameSuffix"
            });
            check(name, input, |m| apply(m, *affix, text, specs), Ok(want));
        }
    }

    #[test]
    fn renames_record_affixes_and_previous_ids() {
        let config = TransformerConfig::builtin();
        let mut m = resmap("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
        apply(&mut m, Affix::Prefix, "a-", config.specs("namePrefix")).unwrap();
        apply(&mut m, Affix::Suffix, "-z", config.specs("nameSuffix")).unwrap();
        let r = &m.resources[0];
        assert_eq!(r.name(), "a-c-z");
        assert_eq!(r.name_prefixes, ["a-"]);
        assert_eq!(r.name_suffixes, ["-z"]);
        let names: Vec<crate::model::value::Str> =
            r.previous_ids().into_iter().map(|id| id.name).collect();
        assert_eq!(names, ["c", "a-c"]);
        assert_eq!(r.original_id().name, "c");
    }
}

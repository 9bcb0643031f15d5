//! `namespace` (kustomize's NamespaceTransformer): sets `metadata.namespace`
//! on every object kustomize knows to be namespaced, the namespace of
//! RoleBinding/ClusterRoleBinding subjects (those named `default`, or every
//! ServiceAccount subject on request), and every further field spec (a core
//! Namespace's own name, APIService and CRD conversion services).
//!
//! Every object's previous id is recorded first, so name references can
//! still find it by the namespace it had.

use super::TransformResult;
use crate::load::openapi::is_cluster_scoped;
use crate::model::fieldspec::{self, CreateKind, FieldSpec};
use crate::model::resmap::ResMap;
use crate::model::value::Value;

/// Which RoleBinding subjects get the namespace (`setRoleBindingSubjects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subjects {
    /// Subjects named `default` (kustomize's default).
    #[default]
    DefaultOnly,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    None,
}

impl Subjects {
    /// Parses a config value; "" means the default.
    pub fn parse(mode: &str) -> Result<Subjects, String> {
        match mode {
            "" | "defaultOnly" => Ok(Subjects::DefaultOnly),
            "allServiceAccounts" => Ok(Subjects::AllServiceAccounts),
            "none" => Ok(Subjects::None),
            other => Err(format!(
                "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
            )),
        }
    }
}

/// How the transformer is configured.
#[derive(Debug, Clone, Default)]
pub struct Namespace<'a> {
    pub namespace: &'a str,
    pub specs: &'a [FieldSpec],
    /// Only fill fields that are empty.
    pub unset_only: bool,
    pub subjects: Subjects,
}

fn is_path(spec: &FieldSpec, path: &[&str]) -> bool {
    spec.path.len() == path.len() && spec.path.iter().zip(path).all(|(a, b)| a == b)
}

fn is_role_binding(kind: &str) -> bool {
    kind == "RoleBinding" || kind == "ClusterRoleBinding"
}

pub fn apply(resmap: &mut ResMap, t: &Namespace) -> TransformResult {
    if t.namespace.is_empty() {
        return Ok(());
    }
    let set = |node: &mut Value| -> TransformResult {
        let empty = match node {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        if !t.unset_only || empty {
            *node = Value::String(t.namespace.into());
        }
        Ok(())
    };
    let skips_helm = crate::release::current().helm_namespace_from_kustomization();
    resmap.try_for_each_mut(|r| {
        if r.value.as_object().is_none_or(|m| m.is_empty()) {
            return Ok(());
        }
        // v5.8: helm rendered it in its namespace already.
        if skips_helm && r.is_helm_generated() {
            return Ok(());
        }
        r.store_previous_id();
        let gvk = r.gvk();
        let api_version = gvk.api_version();
        // metadata.namespace is set below for namespaced kinds only; a
        // Namespace's name only follows for the core v1 kind.
        let mut specs: Vec<FieldSpec> = t
            .specs
            .iter()
            .filter(|s| !is_path(s, &["metadata", "namespace"]))
            .filter(|s| api_version == "v1" || !is_path(s, &["metadata", "name"]))
            .cloned()
            .collect();
        if !is_cluster_scoped(&gvk) {
            let meta = FieldSpec::at(&["metadata", "namespace"], true);
            fieldspec::visit_specs(&mut r.value, &gvk, &[meta], CreateKind::Scalar, &mut |n| {
                set(n)
            })
            .map_err(|e| format!("{}: {e}", r.id()))?;
        }
        if is_role_binding(&gvk.kind) {
            specs.retain(|s| {
                !(s.kind.as_deref().is_some_and(is_role_binding)
                    && is_path(s, &["subjects", "namespace"]))
            });
            set_subjects(&mut r.value, t.subjects, &set)?;
        }
        fieldspec::visit_specs(&mut r.value, &gvk, &specs, CreateKind::Scalar, &mut |n| {
            set(n)
        })
        .map_err(|e| format!("namespace transformation failed: {}: {e}", r.id()))
    })?;
    // kustomize checks after each object that its new id is unique; one
    // pass at the end finds the same conflicts.
    match resmap.first_duplicate() {
        Some(r) => Err(format!(
            "namespace transformation produces ID conflict: {}",
            r.id()
        )),
        None => Ok(()),
    }
}

fn set_subjects(
    object: &mut Value,
    mode: Subjects,
    set: &dyn Fn(&mut Value) -> TransformResult,
) -> TransformResult {
    let Some(Value::Array(subjects)) = object.get_mut("subjects") else {
        return Ok(());
    };
    for subject in subjects {
        let Value::Object(s) = subject else { continue };
        let wanted = match mode {
            Subjects::None => false,
            Subjects::DefaultOnly => s.get("name").and_then(Value::as_str) == Some("default"),
            Subjects::AllServiceAccounts => {
                s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
            }
        };
        if wanted {
            set(s.entry("namespace").or_insert(Value::Null))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::transformer_config::TransformerConfig;
    use crate::yaml::testing::check;

    const BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
subjects:
- kind: ServiceAccount
  name: default
- kind: ServiceAccount
  name: app
  namespace: other
";

    fn run(input: &str, unset_only: bool, subjects: Subjects, want: Result<&str, &str>) {
        let config = TransformerConfig::builtin();
        let t = Namespace {
            namespace: "prod",
            specs: config.specs("namespace"),
            unset_only,
            subjects,
        };
        check(input, input, |m| apply(m, &t), want);
    }

    #[test]
    fn scope_decides_metadata_namespace() {
        let cases: &[(&str, &str)] = &[
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: dev\n",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: prod\n",
            ),
            (
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n",
            ),
            // A core Namespace takes the namespace as its name...
            (
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n",
            ),
            // ...a custom kind called Namespace is an ordinary namespaced object.
            (
                "apiVersion: example.com/v1\nkind: Namespace\nmetadata:\n  name: dev\n",
                "apiVersion: example.com/v1\nkind: Namespace\nmetadata:\n  name: dev\n  namespace: prod\n",
            ),
        ];
        for (input, want) in cases {
            run(input, false, Subjects::DefaultOnly, Ok(want));
        }
    }

    #[test]
    fn unset_only_keeps_existing_namespaces() {
        run(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: dev\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n",
            true,
            Subjects::DefaultOnly,
            Ok(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: dev\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  namespace: prod\n",
            ),
        );
    }

    #[test]
    fn role_binding_subjects_by_mode() {
        let head = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\n  namespace: prod\nsubjects:\n";
        let cases: &[(Subjects, &str)] = &[
            (
                Subjects::DefaultOnly,
                "- kind: ServiceAccount\n  name: default\n  namespace: prod\n- kind: ServiceAccount\n  name: app\n  namespace: other\n",
            ),
            (
                Subjects::AllServiceAccounts,
                "- kind: ServiceAccount\n  name: default\n  namespace: prod\n- kind: ServiceAccount\n  name: app\n  namespace: prod\n",
            ),
            (
                Subjects::None,
                "- kind: ServiceAccount\n  name: default\n- kind: ServiceAccount\n  name: app\n  namespace: other\n",
            ),
        ];
        for (mode, subjects) in cases {
            run(BINDING, false, *mode, Ok(&format!("{head}{subjects}")));
        }
    }

    #[test]
    fn objects_meeting_in_one_namespace_conflict() {
        run(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: b\n",
            false,
            Subjects::DefaultOnly,
            Err("namespace transformation produces ID conflict"),
        );
    }

    #[test]
    fn subject_modes_parse() {
        assert_eq!(Subjects::parse(""), Ok(Subjects::DefaultOnly));
        assert_eq!(Subjects::parse("none"), Ok(Subjects::None));
        assert!(Subjects::parse("all").is_err());
    }
}

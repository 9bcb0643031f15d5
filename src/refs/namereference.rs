//! Name-reference fix-up: once prefixes, suffixes and hashes have renamed
//! resources, every field that refers to one by its old name follows it
//! (kustomize's nameReference transformer config, as data below).

use crate::load::openapi::is_cluster_scoped;
use crate::load::transformer_config::NameReference;
use crate::model::fieldspec::split_path;
use crate::model::resid::Gvk;
use crate::model::resmap::ResMap;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

/// "A `target_kind` is referred to from `path` in `referrer_kind` objects."
#[derive(Clone)]
struct Referral {
    target_kind: String,
    referrer_group: Option<String>,
    referrer_version: Option<String>,
    referrer_kind: Option<String>,
    path: Vec<String>,
    /// The reference names its own namespace (RBAC subjects, webhook and
    /// APIService services): an absent namespace means "", and a followed
    /// reference gets the target's namespace written in.
    carries_namespace: bool,
    /// Only `roleRef` is matched on its sibling `kind`; kustomize follows
    /// subjects and scaleTargetRef by name alone.
    checks_kind: bool,
}

const NAMESPACED_REFERENCES: &[&str] = &[
    "subjects/name",
    "webhooks/clientConfig/service/name",
    "spec/service/name",
];

const POD_OWNERS: &[(Option<&str>, &str, &str)] = &[
    (None, "Pod", "spec"),
    (None, "ReplicationController", "spec/template/spec"),
    (Some("apps"), "Deployment", "spec/template/spec"),
    (Some("apps"), "ReplicaSet", "spec/template/spec"),
    (Some("apps"), "DaemonSet", "spec/template/spec"),
    (Some("apps"), "StatefulSet", "spec/template/spec"),
    (Some("batch"), "Job", "spec/template/spec"),
    (
        Some("batch"),
        "CronJob",
        "spec/jobTemplate/spec/template/spec",
    ),
];

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Pod-spec-relative paths per referenced kind; `{c}` stands for each container list.
const POD_SPEC_REFERENCES: &[(&str, &str)] = &[
    ("ConfigMap", "volumes/configMap/name"),
    ("ConfigMap", "volumes/projected/sources/configMap/name"),
    ("ConfigMap", "{c}/env/valueFrom/configMapKeyRef/name"),
    ("ConfigMap", "{c}/envFrom/configMapRef/name"),
    ("Secret", "volumes/secret/secretName"),
    ("Secret", "volumes/projected/sources/secret/name"),
    ("Secret", "volumes/csi/nodePublishSecretRef/name"),
    ("Secret", "volumes/azureFile/secretName"),
    ("Secret", "volumes/cephfs/secretRef/name"),
    ("Secret", "volumes/rbd/secretRef/name"),
    ("Secret", "{c}/env/valueFrom/secretKeyRef/name"),
    ("Secret", "{c}/envFrom/secretRef/name"),
    ("Secret", "imagePullSecrets/name"),
    ("ServiceAccount", "serviceAccountName"),
    ("ServiceAccount", "serviceAccount"),
    (
        "PersistentVolumeClaim",
        "volumes/persistentVolumeClaim/claimName",
    ),
    ("PriorityClass", "priorityClassName"),
];

/// References outside pod specs: (target kind, referrer group, referrer kind, path).
const OTHER_REFERENCES: &[(&str, Option<&str>, &str, &str)] = &[
    (
        "Secret",
        Some("networking.k8s.io"),
        "Ingress",
        "spec/tls/secretName",
    ),
    (
        "Secret",
        Some("extensions"),
        "Ingress",
        "spec/tls/secretName",
    ),
    ("Secret", None, "ServiceAccount", "secrets/name"),
    ("Secret", None, "ServiceAccount", "imagePullSecrets/name"),
    (
        "Service",
        Some("networking.k8s.io"),
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
    ),
    (
        "Service",
        Some("networking.k8s.io"),
        "Ingress",
        "spec/defaultBackend/service/name",
    ),
    (
        "Service",
        Some("extensions"),
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
    ),
    (
        "Service",
        Some("extensions"),
        "Ingress",
        "spec/backend/serviceName",
    ),
    ("Service", Some("apps"), "StatefulSet", "spec/serviceName"),
    (
        "Service",
        Some("apiregistration.k8s.io"),
        "APIService",
        "spec/service/name",
    ),
    (
        "Service",
        None,
        "ValidatingWebhookConfiguration",
        "webhooks/clientConfig/service/name",
    ),
    (
        "Service",
        None,
        "MutatingWebhookConfiguration",
        "webhooks/clientConfig/service/name",
    ),
    (
        "Deployment",
        None,
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "StatefulSet",
        None,
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "ReplicaSet",
        None,
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    (
        "ReplicationController",
        None,
        "HorizontalPodAutoscaler",
        "spec/scaleTargetRef/name",
    ),
    ("Role", None, "RoleBinding", "roleRef/name"),
    ("ClusterRole", None, "RoleBinding", "roleRef/name"),
    ("ClusterRole", None, "ClusterRoleBinding", "roleRef/name"),
    ("ServiceAccount", None, "RoleBinding", "subjects/name"),
    (
        "ServiceAccount",
        None,
        "ClusterRoleBinding",
        "subjects/name",
    ),
    (
        "PersistentVolume",
        None,
        "PersistentVolumeClaim",
        "spec/volumeName",
    ),
    (
        "StorageClass",
        None,
        "PersistentVolumeClaim",
        "spec/storageClassName",
    ),
    (
        "StorageClass",
        None,
        "PersistentVolume",
        "spec/storageClassName",
    ),
    (
        "StorageClass",
        Some("apps"),
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    ),
    (
        "PersistentVolumeClaim",
        None,
        "PersistentVolume",
        "spec/claimRef/name",
    ),
];

static REFERRALS: LazyLock<Vec<Referral>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for &(group, kind, prefix) in POD_OWNERS {
        for &(target, rel) in POD_SPEC_REFERENCES {
            let lists: Vec<&str> = if rel.contains("{c}") {
                CONTAINER_LISTS.to_vec()
            } else {
                vec![""]
            };
            for list in lists {
                let path = format!("{prefix}/{}", rel.replace("{c}", list));
                out.push(Referral {
                    target_kind: target.into(),
                    referrer_group: group.map(Into::into),
                    referrer_version: None,
                    referrer_kind: Some(kind.into()),
                    path: split_path(&path),
                    carries_namespace: false,
                    checks_kind: false,
                });
            }
        }
    }
    for &(target, group, kind, path) in OTHER_REFERENCES {
        let carries_namespace = NAMESPACED_REFERENCES.contains(&path);
        out.push(Referral {
            target_kind: target.into(),
            referrer_group: group.map(Into::into),
            referrer_version: None,
            referrer_kind: Some(kind.into()),
            path: split_path(path),
            carries_namespace,
            checks_kind: path == "roleRef/name",
        });
    }
    out
});

/// A rename: a resource of `kind` once called any of `old_names`, now `name` in `namespace`.
struct Candidate {
    kind: String,
    old_names: Vec<String>,
    /// Every namespace the object has had (current first).
    namespaces: Vec<String>,
    name: String,
    namespace: String,
    cluster_scoped: bool,
}

/// A reference declared in a `configurations:` file.
fn configured(r: &NameReference) -> Referral {
    Referral {
        target_kind: r.target_kind.clone(),
        referrer_group: r.referrer.group.clone().filter(|g| !g.is_empty()),
        referrer_version: r.referrer.version.clone().filter(|v| !v.is_empty()),
        referrer_kind: r.referrer.kind.clone().filter(|k| !k.is_empty()),
        path: r.referrer.path.clone(),
        carries_namespace: false,
        checks_kind: false,
    }
}

/// Rewrites references to renamed objects; `configured` adds the name
/// references of `configurations:` files to kustomize's builtin ones.
pub fn fix(resmap: &mut ResMap, configured_refs: &[NameReference]) {
    let extra: Vec<Referral> = configured_refs.iter().map(configured).collect();
    let all: Vec<Candidate> = resmap
        .iter()
        .map(|r| {
            let ids = r.all_ids();
            let mut old_names: Vec<String> = ids.iter().map(|id| id.name.clone()).collect();
            old_names.dedup();
            let mut namespaces: Vec<String> = ids.iter().map(|id| id.namespace.clone()).collect();
            namespaces.dedup();
            Candidate {
                kind: r.kind().to_string(),
                old_names,
                namespaces,
                name: r.name().to_string(),
                namespace: r.namespace().to_string(),
                cluster_scoped: is_cluster_scoped(&r.gvk()),
            }
        })
        .collect();
    // Index by (kind, any old name): lookups stay constant-time on big trees.
    let mut by_name: HashMap<(&str, &str), Vec<&Candidate>> = HashMap::new();
    for c in &all {
        for old in &c.old_names {
            by_name
                .entry((c.kind.as_str(), old.as_str()))
                .or_default()
                .push(c);
        }
    }
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        let namespace = r.namespace().to_string();
        for referral in REFERRALS.iter().chain(&extra).filter(|f| applies(f, &gvk)) {
            let Some((field, parents)) = referral.path.split_last() else {
                continue;
            };
            let field = field.trim_end_matches("[]");
            visit_parents(
                &mut r.value,
                parents,
                &mut |parent| match parent.get_mut(field) {
                    // A map reference ({name, namespace}) names its own namespace.
                    Some(Value::Object(reference)) => {
                        let as_map = Referral {
                            carries_namespace: true,
                            checks_kind: false,
                            path: Vec::new(),
                            ..referral.clone()
                        };
                        rewrite(reference, "name", &as_map, &namespace, &by_name);
                    }
                    Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                        for item in items.iter_mut() {
                            let mut holder = serde_json::Map::new();
                            holder.insert(field.to_string(), item.take());
                            rewrite(&mut holder, field, referral, &namespace, &by_name);
                            *item = holder.remove(field).unwrap_or_default();
                        }
                    }
                    _ => rewrite(parent, field, referral, &namespace, &by_name),
                },
            );
        }
    }
}

fn applies(referral: &Referral, gvk: &Gvk) -> bool {
    referral
        .referrer_kind
        .as_ref()
        .is_none_or(|k| *k == gvk.kind)
        && referral
            .referrer_group
            .as_ref()
            .is_none_or(|g| *g == gvk.group)
        && referral
            .referrer_version
            .as_ref()
            .is_none_or(|v| *v == gvk.version)
}

fn visit_parents(
    node: &mut Value,
    path: &[String],
    visit: &mut dyn FnMut(&mut serde_json::Map<String, Value>),
) {
    match node {
        Value::Array(items) => items.iter_mut().for_each(|i| visit_parents(i, path, visit)),
        Value::Object(map) => match path.split_first() {
            None => visit(map),
            Some((head, rest)) => {
                if let Some(child) = map.get_mut(head.trim_end_matches("[]")) {
                    visit_parents(child, rest, visit);
                }
            }
        },
        _ => {}
    }
}

fn rewrite(
    parent: &mut serde_json::Map<String, Value>,
    field: &str,
    referral: &Referral,
    referrer_ns: &str,
    by_name: &HashMap<(&str, &str), Vec<&Candidate>>,
) {
    let target_kind = referral.target_kind.as_str();
    if referral.checks_kind
        && parent
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k != target_kind)
    {
        return;
    }
    let Some(old) = parent
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let Some(named) = by_name.get(&(target_kind, old.as_str())) else {
        return;
    };
    // A reference that names its namespace (subjects, webhook services) may
    // name one the target had before the namespace transformer moved it;
    // any other reference only follows a target in the referrer's namespace.
    // An explicit namespace may name one the target had before it moved;
    // without one, the reference lives in the referrer's namespace.
    let explicit_ns = parent
        .get("namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    let wanted_ns = explicit_ns
        .clone()
        .unwrap_or_else(|| referrer_ns.to_string());
    let matches: Vec<&Candidate> = named
        .iter()
        .copied()
        .filter(|c| {
            c.cluster_scoped
                || match &explicit_ns {
                    Some(ns) => c.namespaces.iter().any(|had| same_namespace(had, ns)),
                    None => same_namespace(&c.namespace, referrer_ns),
                }
        })
        .collect();
    let chosen = match matches.as_slice() {
        [one] => *one,
        [] => return,
        many => match many
            .iter()
            .find(|c| c.name != old && same_namespace(&c.namespace, &wanted_ns))
        {
            Some(c) => *c,
            None => return,
        },
    };
    parent.insert(field.to_string(), Value::String(chosen.name.clone()));
    // References that carry a namespace get the target's written in.
    if (explicit_ns.is_some() || referral.carries_namespace) && !chosen.namespace.is_empty() {
        parent.insert("namespace".into(), Value::String(chosen.namespace.clone()));
    }
}

fn same_namespace(a: &str, b: &str) -> bool {
    let eff = |s: &str| if s.is_empty() { "default" } else { s }.to_string();
    eff(a) == eff(b)
}

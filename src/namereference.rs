//! Name-reference fix-up: once prefixes, suffixes and hashes have renamed
//! resources, every field that refers to one by its old name follows it
//! (kustomize's nameReference transformer config, as data below).

use crate::fieldspec::split_path;
use crate::openapi::is_cluster_scoped;
use crate::resid::Gvk;
use crate::resmap::ResMap;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

/// "A `target_kind` is referred to from `path` in `referrer_kind` objects."
struct Referral {
    target_kind: &'static str,
    referrer_group: Option<&'static str>,
    referrer_kind: &'static str,
    path: Vec<String>,
    /// The reference names its own namespace (RBAC subjects, webhook and
    /// APIService services): an absent namespace means "", and a followed
    /// reference gets the target's namespace written in.
    carries_namespace: bool,
    /// Only `roleRef` is matched on its sibling `kind`; kustomize follows
    /// subjects and scaleTargetRef by name alone.
    checks_kind: bool,
}

const NAMESPACED_REFERENCES: &[&str] = &["subjects/name", "webhooks/clientConfig/service/name", "spec/service/name"];

const POD_OWNERS: &[(Option<&str>, &str, &str)] = &[
    (None, "Pod", "spec"),
    (None, "ReplicationController", "spec/template/spec"),
    (Some("apps"), "Deployment", "spec/template/spec"),
    (Some("apps"), "ReplicaSet", "spec/template/spec"),
    (Some("apps"), "DaemonSet", "spec/template/spec"),
    (Some("apps"), "StatefulSet", "spec/template/spec"),
    (Some("batch"), "Job", "spec/template/spec"),
    (Some("batch"), "CronJob", "spec/jobTemplate/spec/template/spec"),
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
    ("PersistentVolumeClaim", "volumes/persistentVolumeClaim/claimName"),
    ("PriorityClass", "priorityClassName"),
];

/// References outside pod specs: (target kind, referrer group, referrer kind, path).
const OTHER_REFERENCES: &[(&str, Option<&str>, &str, &str)] = &[
    ("Secret", Some("networking.k8s.io"), "Ingress", "spec/tls/secretName"),
    ("Secret", Some("extensions"), "Ingress", "spec/tls/secretName"),
    ("Secret", None, "ServiceAccount", "secrets/name"),
    ("Secret", None, "ServiceAccount", "imagePullSecrets/name"),
    ("Service", Some("networking.k8s.io"), "Ingress", "spec/rules/http/paths/backend/service/name"),
    ("Service", Some("networking.k8s.io"), "Ingress", "spec/defaultBackend/service/name"),
    ("Service", Some("extensions"), "Ingress", "spec/rules/http/paths/backend/serviceName"),
    ("Service", Some("extensions"), "Ingress", "spec/backend/serviceName"),
    ("Service", Some("apps"), "StatefulSet", "spec/serviceName"),
    ("Service", Some("apiregistration.k8s.io"), "APIService", "spec/service/name"),
    ("Service", None, "ValidatingWebhookConfiguration", "webhooks/clientConfig/service/name"),
    ("Service", None, "MutatingWebhookConfiguration", "webhooks/clientConfig/service/name"),
    ("Deployment", None, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("StatefulSet", None, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("ReplicaSet", None, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("ReplicationController", None, "HorizontalPodAutoscaler", "spec/scaleTargetRef/name"),
    ("Role", None, "RoleBinding", "roleRef/name"),
    ("ClusterRole", None, "RoleBinding", "roleRef/name"),
    ("ClusterRole", None, "ClusterRoleBinding", "roleRef/name"),
    ("ServiceAccount", None, "RoleBinding", "subjects/name"),
    ("ServiceAccount", None, "ClusterRoleBinding", "subjects/name"),
    ("PersistentVolume", None, "PersistentVolumeClaim", "spec/volumeName"),
    ("StorageClass", None, "PersistentVolumeClaim", "spec/storageClassName"),
    ("StorageClass", None, "PersistentVolume", "spec/storageClassName"),
    ("StorageClass", Some("apps"), "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"),
    ("PersistentVolumeClaim", None, "PersistentVolume", "spec/claimRef/name"),
];

static REFERRALS: LazyLock<Vec<Referral>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for &(group, kind, prefix) in POD_OWNERS {
        for &(target, rel) in POD_SPEC_REFERENCES {
            let lists: Vec<&str> = if rel.contains("{c}") { CONTAINER_LISTS.to_vec() } else { vec![""] };
            for list in lists {
                let path = format!("{prefix}/{}", rel.replace("{c}", list));
                out.push(Referral { target_kind: target, referrer_group: group, referrer_kind: kind, path: split_path(&path), carries_namespace: false, checks_kind: false });
            }
        }
    }
    for &(target, group, kind, path) in OTHER_REFERENCES {
        let carries_namespace = NAMESPACED_REFERENCES.contains(&path);
        out.push(Referral { target_kind: target, referrer_group: group, referrer_kind: kind, path: split_path(path), carries_namespace, checks_kind: path == "roleRef/name" });
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

pub fn fix(resmap: &mut ResMap) {
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
            by_name.entry((c.kind.as_str(), old.as_str())).or_default().push(c);
        }
    }
    for r in resmap.iter_mut() {
        let gvk = r.gvk();
        let namespace = r.namespace().to_string();
        for referral in REFERRALS.iter().filter(|f| applies(f, &gvk)) {
            let Some((field, parents)) = referral.path.split_last() else { continue };
            visit_parents(&mut r.value, parents, &mut |parent| {
                rewrite(parent, field, referral, &namespace, &by_name);
            });
        }
    }
}

fn applies(referral: &Referral, gvk: &Gvk) -> bool {
    referral.referrer_kind == gvk.kind && referral.referrer_group.is_none_or(|g| g == gvk.group)
}

fn visit_parents(node: &mut Value, path: &[String], visit: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    match node {
        Value::Array(items) => items.iter_mut().for_each(|i| visit_parents(i, path, visit)),
        Value::Object(map) => match path.split_first() {
            None => visit(map),
            Some((head, rest)) => {
                if let Some(child) = map.get_mut(head) {
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
    let target_kind = referral.target_kind;
    if referral.checks_kind && parent.get("kind").and_then(Value::as_str).is_some_and(|k| k != target_kind) {
        return;
    }
    let Some(old) = parent.get(field).and_then(Value::as_str).map(str::to_string) else { return };
    let Some(named) = by_name.get(&(target_kind, old.as_str())) else { return };
    // A reference that names its namespace (subjects, webhook services) may
    // name one the target had before the namespace transformer moved it;
    // any other reference only follows a target in the referrer's namespace.
    let explicit_ns = match parent.get("namespace").and_then(Value::as_str) {
        Some(ns) => Some(ns.to_string()),
        None if referral.carries_namespace => Some(String::new()),
        None => None,
    };
    let wanted_ns = explicit_ns.clone().unwrap_or_else(|| referrer_ns.to_string());
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
        many => match many.iter().find(|c| c.name != old && same_namespace(&c.namespace, &wanted_ns)) {
            Some(c) => *c,
            None => return,
        },
    };
    parent.insert(field.to_string(), Value::String(chosen.name.clone()));
    if explicit_ns.is_some() && !chosen.namespace.is_empty() {
        parent.insert("namespace".into(), Value::String(chosen.namespace.clone()));
    }
}

fn same_namespace(a: &str, b: &str) -> bool {
    let eff = |s: &str| if s.is_empty() { "default" } else { s }.to_string();
    eff(a) == eff(b)
}

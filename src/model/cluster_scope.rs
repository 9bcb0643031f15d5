//! Which kinds are cluster-scoped, as kustomize's builtin schema says: the
//! namespace transformer, name references, vars and `-o DIR` file names all
//! follow it, and every id comparison asks it.

use crate::model::resid::Gvk;
use std::sync::LazyLock;

/// Types kustomize v5.5.0 knows to be cluster-scoped: the namespaced flag of
/// its builtin schema (Kubernetes v1.21), keyed by apiVersion and kind.
/// Anything else, including newer API versions of these kinds and every
/// CRD, is treated as namespaced, exactly as kustomize treats it.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// True when kustomize knows `gvk` to be cluster-scoped; the namespace
/// transformer, name references and `-o DIR` naming follow it.
pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    is_cluster_scoped_kind(&gvk.group, &gvk.version, &gvk.kind)
}

/// `is_cluster_scoped` for a group, version and kind read off an object.
pub fn is_cluster_scoped_kind(group: &str, version: &str, kind: &str) -> bool {
    // Most kinds are namespaced: reject by kind, in one hash lookup, before
    // comparing versions (every id comparison asks this).
    static KINDS: LazyLock<hashbrown::HashSet<&str>> =
        LazyLock::new(|| CLUSTER_SCOPED.iter().map(|(_, k)| *k).collect());
    if !KINDS.contains(kind) {
        return kind.starts_with("ValidatingAdmissionPolicy")
            && is_admission_policy(group, version, kind);
    }
    CLUSTER_SCOPED.iter().any(|(v, k)| {
        *k == kind
            && match v.split_once('/') {
                Some((g, ver)) => g == group && ver == version,
                None => group.is_empty() && *v == version,
            }
    })
}

/// kustomize's v5.8 line knows `admissionregistration.k8s.io/v1`
/// ValidatingAdmissionPolicy and its Binding to be cluster-scoped (its
/// built-in schema predates them); earlier releases treat them as
/// namespaced, as every kind they do not know.
fn is_admission_policy(group: &str, version: &str, kind: &str) -> bool {
    matches!(
        kind,
        "ValidatingAdmissionPolicy" | "ValidatingAdmissionPolicyBinding"
    ) && group == "admissionregistration.k8s.io"
        && version == "v1"
        && crate::release::current().validating_admission_policies_are_cluster_scoped()
}

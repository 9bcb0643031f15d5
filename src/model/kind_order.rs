//! kustomize's type order (resid's `typeOrders`): the kinds its legacy
//! output order puts first and last, which also rank group-version-kinds
//! wherever kustomize sorts them (`Gvk.IsLessThan`).

pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// kustomize's type order of a kind (`typeOrders`): negative for the kinds
/// that go first, positive for those that go last, 0 otherwise.
pub fn kind_rank(kind: &str) -> i64 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        i as i64 - ORDER_FIRST.len() as i64
    } else if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        1 + i as i64
    } else {
        0
    }
}

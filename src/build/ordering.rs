//! Output order: kustomize's legacy order (kind priority, then id string),
//! or `fifo` (load order).

use crate::load::kustomization::SortOptions;
use crate::model::resource::Resource;

const ORDER_FIRST: &[&str] = &[
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
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

pub fn sort(resources: &mut Vec<Resource>, options: Option<&SortOptions>) {
    if options.and_then(|o| o.order.as_deref()) == Some("fifo") {
        return;
    }
    let legacy = options.and_then(|o| o.legacy_sort_options.as_ref());
    let first: Vec<&str> = match legacy {
        Some(l) if !l.order_first.is_empty() => l.order_first.iter().map(String::as_str).collect(),
        _ => ORDER_FIRST.to_vec(),
    };
    let last: Vec<&str> = match legacy {
        Some(l) if !l.order_last.is_empty() => l.order_last.iter().map(String::as_str).collect(),
        _ => ORDER_LAST.to_vec(),
    };
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| *k == kind) {
            i as i64 - first.len() as i64
        } else if let Some(i) = last.iter().position(|k| *k == kind) {
            1 + i as i64
        } else {
            0
        }
    };
    // Sort keys once per resource, then move resources into place (no clones).
    let keys: Vec<(i64, String, String)> = resources
        .iter()
        .map(|r| {
            let id = r.id();
            (rank(&id.gvk.kind), id.gvk.sort_string(), id.sort_string())
        })
        .collect();
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut slots: Vec<Option<Resource>> = resources.drain(..).map(Some).collect();
    resources.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

//! Output order: kustomize's legacy order (kind priority, then id string),
//! or `fifo` (load order).

use crate::kustomization::SortOptions;
use crate::resource::Resource;

const ORDER_FIRST: &[&str] = &[
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
    "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
    "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet",
    "CronJob", "PodDisruptionBudget",
];
const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

pub fn sort(resources: &mut [Resource], options: Option<&SortOptions>) {
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
    let mut keyed: Vec<(i64, String, String, Resource)> = Vec::with_capacity(resources.len());
    for r in resources.iter() {
        let id = r.id();
        keyed.push((rank(&id.gvk.kind), id.gvk.sort_string(), id.sort_string(), r.clone()));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)).then_with(|| a.2.cmp(&b.2)));
    for (slot, (_, _, _, r)) in resources.iter_mut().zip(keyed) {
        *slot = r;
    }
}

//! Warnings a reviewer should see before approving a change: fields the API
//! server refuses to change in place (the apply fails, or the object must be
//! deleted and created again), workloads scaled to zero, and images that
//! move to `latest` or to no tag (the running version is then whatever the
//! registry serves at pull time).

use crate::model::resource::Resource;
use crate::model::value::Value;
use crate::review::diff::FieldChange;

/// Per kind (core or apps/batch group), the fields that cannot change in
/// place, as path prefixes.
const IMMUTABLE: &[(&str, &[&str])] = &[
    ("Deployment", &["spec.selector"]),
    ("ReplicaSet", &["spec.selector"]),
    ("DaemonSet", &["spec.selector"]),
    (
        "StatefulSet",
        &[
            "spec.selector",
            "spec.volumeClaimTemplates",
            "spec.serviceName",
            "spec.podManagementPolicy",
        ],
    ),
    (
        "Job",
        &["spec.selector", "spec.template", "spec.completionMode"],
    ),
    ("Service", &["spec.clusterIP", "spec.clusterIPs"]),
    (
        "PersistentVolumeClaim",
        &[
            "spec.storageClassName",
            "spec.accessModes",
            "spec.selector",
            "spec.volumeName",
        ],
    ),
];

fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// The warnings for one object: `old` is None for an added object.
pub fn for_object(old: Option<&Resource>, new: &Resource, fields: &[FieldChange]) -> Vec<String> {
    let mut out = Vec::new();
    let kind = new.kind();
    // Kubernetes' own kinds only: a custom resource may reuse a kind's name.
    let builtin = matches!(
        new.id().gvk.group.as_str(),
        "" | "apps" | "batch" | "extensions"
    );
    if let (Some(old), true) = (old, builtin) {
        immutable(kind, old, fields, &mut out);
    }
    replicas(old, new, &mut out);
    images(old.is_none(), &new.value, fields, &mut out);
    out
}

fn immutable(kind: &str, old: &Resource, fields: &[FieldChange], out: &mut Vec<String>) {
    let prefixes = IMMUTABLE
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, p)| *p)
        .unwrap_or_default();
    for prefix in prefixes {
        // A Service's clusterIP may go from unset to set by the cluster; only
        // a change between two values written in the tree is refused.
        if fields
            .iter()
            .any(|f| under(&f.path, prefix) && !(f.old.is_none() && *prefix == "spec.clusterIP"))
        {
            out.push(format!(
                "{prefix} of a {kind} is immutable: applying this change fails; the {kind} must be deleted and created again"
            ));
        }
    }
    let was_immutable = old.value.get("immutable").and_then(Value::as_bool) == Some(true);
    let data_changed = fields.iter().any(|f| {
        ["data", "binaryData", "stringData"]
            .iter()
            .any(|p| under(&f.path, p))
    });
    if was_immutable && data_changed {
        out.push(format!(
            "this {kind} is immutable: changing its data in place fails; give it a new name (a generator's hash suffix does)"
        ));
    }
}

fn replicas(old: Option<&Resource>, new: &Resource, out: &mut Vec<String>) {
    let count = |r: &Resource| {
        r.value
            .get("spec")
            .and_then(|s| s.get("replicas"))
            .and_then(Value::as_i64)
    };
    if count(new) == Some(0) && old.and_then(count) != Some(0) {
        out.push(format!(
            "spec.replicas set to 0: the {} stops every pod",
            new.kind()
        ));
    }
}

/// The tag an image reference carries, or None when it has none; a digest
/// pins the image whatever the tag says.
fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@digest");
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':').map(|(_, t)| t)
}

fn floating(image: &str) -> bool {
    matches!(tag(image), None | Some("latest"))
}

fn images(added: bool, object: &Value, fields: &[FieldChange], out: &mut Vec<String>) {
    let mut seen = Vec::new();
    if added {
        image_fields(object, String::new(), &mut seen);
    } else {
        for f in fields {
            collect_changed_images(f, &mut seen);
        }
    }
    for (path, image) in seen {
        if floating(&image) {
            let what = if tag(&image).is_none() {
                "no tag"
            } else {
                "the tag latest"
            };
            out.push(format!(
                "{path} uses {what} ({image}): the version that runs depends on when the image is pulled"
            ));
        }
    }
}

fn collect_changed_images(f: &FieldChange, seen: &mut Vec<(String, String)>) {
    let Some(new) = &f.new else { return };
    let was_floating = f.old.as_ref().and_then(Value::as_str).is_some_and(floating);
    match new {
        Value::String(s) if is_image_path(&f.path) && !was_floating => {
            seen.push((f.path.clone(), s.to_string()))
        }
        // A container (or a whole pod template) added in one piece.
        Value::Object(_) | Value::Array(_) if f.old.is_none() => {
            image_fields(new, f.path.clone(), seen)
        }
        _ => {}
    }
}

fn is_image_path(path: &str) -> bool {
    path == "image" || path.ends_with(".image")
}

fn image_fields(value: &Value, path: String, seen: &mut Vec<(String, String)>) {
    for (p, v) in crate::model::provenance::leaves(value) {
        let full = crate::model::provenance::leaf_path(&path, &p);
        if let Some(s) = v.as_str().filter(|_| is_image_path(&full)) {
            seen.push((full, s.to_string()));
        }
    }
}

//! What a plugin reads and what comes back: resources as kustomize hands
//! them over (each object as `AsYAML` writes it, keys sorted, with the
//! `kustomize.config.k8s.io/id` annotation and the build annotations that
//! hold kustomize's state: earlier ids, name prefixes and suffixes, the
//! generator's behavior and hash request), and that state read back from
//! what the plugin printed. State a plugin drops is lost, as in kustomize:
//! a plugin that prints objects without their annotations loses their
//! hash suffix and their earlier names.

use crate::model::resid::ResId;
use crate::model::resource::{Behavior, GeneratorMeta, Resource};
use crate::model::value::{Map, Value};

pub const ID_ANNOTATION: &str = "kustomize.config.k8s.io/id";
const PREVIOUS_KINDS: &str = "internal.config.kubernetes.io/previousKinds";
const PREVIOUS_NAMES: &str = "internal.config.kubernetes.io/previousNames";
const PREVIOUS_NAMESPACES: &str = "internal.config.kubernetes.io/previousNamespaces";
const PREFIXES: &str = "internal.config.kubernetes.io/prefixes";
const SUFFIXES: &str = "internal.config.kubernetes.io/suffixes";
const BEHAVIOR: &str = "internal.config.kubernetes.io/generatorBehavior";
const NEEDS_HASH: &str = "internal.config.kubernetes.io/needsHashSuffix";

/// The state annotations, as their text.
const STATE: [&str; 7] = [
    PREVIOUS_KINDS,
    PREVIOUS_NAMES,
    PREVIOUS_NAMESPACES,
    PREFIXES,
    SUFFIXES,
    BEHAVIOR,
    NEEDS_HASH,
];

/// The resource as a plugin reads it: its object with the id annotation
/// (if asked) and its state as annotations.
pub fn object(r: &Resource, with_id: bool) -> Value {
    let mut value = r.value.clone();
    let mut extra: Vec<(&str, String)> = Vec::new();
    let previous: Vec<(&str, &str, &str)> = r.previous_entries().collect();
    if !previous.is_empty() {
        let join = |pick: fn(&(&str, &str, &str)) -> String| {
            previous.iter().map(pick).collect::<Vec<_>>().join(",")
        };
        extra.push((PREVIOUS_KINDS, join(|p| p.0.to_string())));
        extra.push((PREVIOUS_NAMES, join(|p| p.1.to_string())));
        extra.push((PREVIOUS_NAMESPACES, join(|p| p.2.to_string())));
    }
    if !r.name_prefixes.is_empty() {
        extra.push((PREFIXES, r.name_prefixes.join(",")));
    }
    if !r.name_suffixes.is_empty() {
        extra.push((SUFFIXES, r.name_suffixes.join(",")));
    }
    if let Some(g) = &r.generator {
        if g.needs_hash {
            extra.push((NEEDS_HASH, "enabled".into()));
        }
        extra.push((BEHAVIOR, behavior_text(g.behavior).into()));
    }
    if with_id {
        extra.push((ID_ANNOTATION, id_text(&r.id())));
    }
    if !extra.is_empty() {
        let annotations = annotations_mut(&mut value);
        for (k, v) in extra {
            annotations.insert(k.into(), Value::String(v.into()));
        }
    }
    value
}

/// Objects as one YAML stream, each ending in a newline, `---` between
/// them (kustomize's `ResMap.AsYaml`).
pub fn stream(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&crate::yaml::emit_document(object));
    }
    out
}

/// kustomize's `ResId` as `sigs.k8s.io/yaml` writes it: keys sorted,
/// empty fields left out.
pub fn id_text(id: &ResId) -> String {
    let mut m = Map::new();
    for (k, v) in [
        ("group", id.gvk.group.as_str()),
        ("kind", id.gvk.kind.as_str()),
        ("name", id.name.as_str()),
        ("namespace", id.namespace.as_str()),
        ("version", id.gvk.version.as_str()),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), Value::String(v.into()));
        }
    }
    crate::yaml::emit_document(&Value::Object(m))
}

/// Reads the state annotations (and the id annotation) off `r`'s object
/// into `r`, removing them, as kustomize reads its state from whatever
/// object now stands for the resource.
pub fn absorb_state(r: &mut Resource) {
    let mut taken: Vec<(&str, String)> = Vec::new();
    if let Some(Value::Object(a)) = r
        .value
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        for key in STATE.iter().chain([&ID_ANNOTATION]) {
            if let Some(v) = a.shift_remove(key) {
                taken.push((key, crate::model::resource::scalar_text(&v)));
            }
        }
    }
    drop_empty_annotations(&mut r.value);
    let get = |key: &str| {
        taken
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    };
    let csv =
        |key: &str| -> Vec<&str> { get(key).map(|v| v.split(',').collect()).unwrap_or_default() };
    let (kinds, names, namespaces) = (
        csv(PREVIOUS_KINDS),
        csv(PREVIOUS_NAMES),
        csv(PREVIOUS_NAMESPACES),
    );
    r.set_previous_entries(
        kinds
            .iter()
            .zip(&names)
            .zip(&namespaces)
            .map(|((k, n), ns)| (*k, *n, *ns)),
    );
    r.name_prefixes = csv(PREFIXES).into_iter().map(Into::into).collect();
    r.name_suffixes = csv(SUFFIXES).into_iter().map(Into::into).collect();
    r.generator = get(BEHAVIOR).map(|b| GeneratorMeta {
        behavior: behavior_of(b),
        needs_hash: get(NEEDS_HASH) == Some("enabled"),
    });
}

/// kustomize's GenerationBehavior text; ours has no "unspecified", which
/// acts as create.
fn behavior_text(b: Behavior) -> &'static str {
    match b {
        Behavior::Create => "unspecified",
        Behavior::Merge => "merge",
        Behavior::Replace => "replace",
    }
}

pub fn behavior_of(text: &str) -> Behavior {
    match text {
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        _ => Behavior::Create,
    }
}

pub fn annotations_mut(value: &mut Value) -> &mut Map {
    let meta = &mut value["metadata"];
    if !meta["annotations"].is_object() {
        meta["annotations"] = Value::Object(Map::new());
    }
    meta["annotations"]
        .as_object_mut()
        .expect("annotations were just made a map")
}

/// An annotations map left empty goes, as kustomize's SetAnnotations
/// leaves none.
pub fn drop_empty_annotations(value: &mut Value) {
    if let Some(Value::Object(meta)) = value.get_mut("metadata")
        && meta
            .get("annotations")
            .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
    {
        meta.shift_remove("annotations");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn state_goes_out_and_comes_back() {
        let mut r = Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p-c"}}),
            std::path::Path::new("x.yaml"),
            1,
        );
        r.set_previous_entries([("ConfigMap", "c", "default")].into_iter());
        r.add_name_prefix("p-");
        r.generator = Some(GeneratorMeta {
            behavior: Behavior::Create,
            needs_hash: true,
        });
        let out = object(&r, true);
        let a = &out["metadata"]["annotations"];
        assert_eq!(
            a[ID_ANNOTATION].as_str(),
            Some("kind: ConfigMap\nname: p-c\nversion: v1\n")
        );
        assert_eq!(a[PREVIOUS_NAMES].as_str(), Some("c"));
        assert_eq!(a[NEEDS_HASH].as_str(), Some("enabled"));
        let mut back = Resource::new(out, std::path::Path::new("x.yaml"), 1);
        absorb_state(&mut back);
        assert_eq!(back.value, r.value);
        assert_eq!(
            back.previous_entries().collect::<Vec<_>>(),
            [("ConfigMap", "c", "default")]
        );
        assert_eq!(back.name_prefixes.len(), 1);
        assert!(back.generator.is_some_and(|g| g.needs_hash));
    }
}

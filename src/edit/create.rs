//! `nest-kz create`: a new `kustomization.yaml`, written as kustomize writes
//! it (its field order, its YAML layout), optionally listing the Kubernetes
//! resource files found in the directory (`--autodetect`, `--recursive`).

use super::args::CreateArgs;
use super::file::Session;
use super::{EditError, Outcome, Result, glob, pairs};
use crate::json;
use crate::load::kustomization::FILE_NAMES;
use crate::model::value::Value;
use crate::yaml_path;
use indexmap::IndexMap;
use std::path::Path;

pub fn run(dir: &Path, args: CreateArgs) -> Result<Outcome> {
    let mut resources = Vec::new();
    if let Some(list) = args.resources.as_deref().filter(|r| !r.is_empty()) {
        for pattern in list.split(',') {
            let found = glob::expand(dir, pattern).map_err(|m| EditError::invalid(dir, m))?;
            if found.is_empty() {
                return Err(EditError::invalid(
                    dir.join(pattern),
                    format!("{pattern} has no match"),
                ));
            }
            resources.extend(found);
        }
    }
    let labels = parse_map(dir, args.labels.as_deref(), "label")?;
    let annotations = parse_map(dir, args.annotations.as_deref(), "annotation")?;
    let mut s = Session::create(dir)?;
    if args.autodetect {
        for found in detect(dir, args.recursive) {
            if !resources.contains(&found) {
                resources.push(found);
            }
        }
    }
    let fields: [(&str, Value); 8] = [
        ("apiVersion", json!("kustomize.config.k8s.io/v1beta1")),
        ("kind", json!("Kustomization")),
        ("resources", json!(resources)),
        ("namePrefix", json!(args.nameprefix.unwrap_or_default())),
        ("nameSuffix", json!(args.namesuffix.unwrap_or_default())),
        ("namespace", json!(args.namespace.unwrap_or_default())),
        ("commonLabels", json!(labels)),
        ("commonAnnotations", json!(annotations)),
    ];
    for (field, value) in fields {
        let empty = match &value {
            Value::String(v) => v.is_empty(),
            Value::Array(v) => v.is_empty(),
            Value::Object(v) => v.is_empty(),
            _ => false,
        };
        if !empty {
            s.doc
                .set(&yaml_path![field], &value)
                .map_err(|e| s.yaml_err(e))?;
        }
    }
    s.save()
}

/// `--labels a:b,c:d`, keys in kustomize's (sorted) output order.
fn parse_map(dir: &Path, arg: Option<&str>, kind: &str) -> Result<IndexMap<String, String>> {
    let map = pairs::comma_key_values(arg.unwrap_or_default(), kind)
        .map_err(|m| EditError::invalid(dir, m))?;
    let mut entries: Vec<(String, String)> = map.into_iter().collect();
    crate::model::key_order::sort_keys(&mut entries, |(k, _)| k);
    Ok(entries.into_iter().collect())
}

/// Files under `dir` that read as Kubernetes objects, in walk order; with
/// `recursive`, directories holding a kustomization are listed instead of
/// searched.
fn detect(dir: &Path, recursive: bool) -> Vec<String> {
    let mut found = Vec::new();
    // Files are read as a build reads them: regular files only (a FIFO or
    // a link to a device is never opened for long), size-limited, and not
    // through a link that leaves the directory.
    let Ok(loader) =
        crate::load::loader::Loader::new(dir, crate::load::loader::LoadRestriction::RootOnly)
    else {
        return found;
    };
    let mut walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(Ok(entry)) = walk.next() {
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if entry.file_type().is_dir() {
            if !recursive {
                walk.skip_current_dir();
            } else if FILE_NAMES.iter().any(|n| entry.path().join(n).exists()) {
                found.push(rel);
                walk.skip_current_dir();
            }
            continue;
        }
        if loader
            .read_text(&rel)
            .is_ok_and(|(_, t)| reads_as_resources(&t))
        {
            found.push(rel);
        }
    }
    found
}

/// kustomize's resource factory test: every document is an object with a
/// kind and (unless a `List`) a name, and no list holds an empty item. A
/// file with no documents passes, as it does in kustomize.
pub fn reads_as_resources(text: &str) -> bool {
    let Ok(docs) = crate::yaml::parse_documents(text) else {
        return false;
    };
    docs.iter().all(|d| {
        let kind = d
            .value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = d
            .value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        d.value.is_object()
            && !kind.is_empty()
            && (kind.ends_with("List") || !name.is_empty())
            && !has_null_item(&d.value)
    })
}

fn has_null_item(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|i| i.is_null() || has_null_item(i)),
        Value::Object(m) => m.values().any(has_null_item),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_detection() {
        assert!(reads_as_resources(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
        ));
        assert!(reads_as_resources("kind: ServiceList\nitems: []\n"));
        assert!(reads_as_resources("# just a comment\n"));
        assert!(!reads_as_resources("kind: Service\n"));
        assert!(!reads_as_resources("a: b\n"));
        assert!(!reads_as_resources("key: [unclosed\n"));
        assert!(!reads_as_resources(
            "kind: Pod\nmetadata: {name: p}\nspec: {containers: [null]}\n"
        ));
    }
}

//! `edit fix [--vars]`: deprecated fields to their kustomize v5 forms.
//!
//! - missing `apiVersion`/`kind` are added (at the top);
//! - `bases` -> `resources`, `imageTags` -> `images`, a generator's `env`
//!   -> `envs` (appended after what is there);
//! - `patchesStrategicMerge` -> `patches` (`path:` when the file exists,
//!   else the inline `patch:`), placed first, and `patchesJson6902` ->
//!   `patches`, placed last: the order in which kustomize applied them;
//! - `commonLabels` -> a `labels` entry with `includeSelectors: true`;
//! - with `--vars`: `vars` -> `replacements` (see `vars`).
//!
//! Unlike kustomize, which writes and then warns, the tree is built before
//! and after: when the output would change (or the fixed tree would not
//! build), every file is put back and the command fails.

use super::file::Session;
use super::{Outcome, Result};
use crate::json;
use crate::model::value::{Map, Value};
use crate::yaml_path;
use std::path::Path;

pub fn run(dir: &Path, vars: bool) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let before = build_output(dir);
    fix_document(&mut s)?;
    let mut touched: Vec<super::vars::Rewrite> = Vec::new();
    // --vars rewrites resource files; never without checking the result.
    if vars
        && !s.items("vars").is_empty()
        && let Err(e) = &before
    {
        return Err(s.invalid(format!(
            "edit fix --vars rewrites resource files and needs a tree that builds to check them: {e}"
        )));
    }
    if vars {
        super::vars::convert(&mut s, &mut touched)?;
    }
    s.write()?;
    for r in &touched {
        super::vars::write(r, &r.new)?;
    }
    if !s.outcome.changed && touched.is_empty() {
        return s.save();
    }
    let after = build_output(dir);
    match (&before, &after) {
        (Ok(b), Ok(a)) if a == b => {}
        (Ok(b), _) => {
            let why = match &after {
                Ok(a) => first_difference(b, a),
                Err(e) => format!("the fixed kustomization does not build: {e}"),
            };
            s.restore()?;
            for r in &touched {
                super::vars::write(r, &r.original)?;
            }
            return Err(s.invalid(format!(
                "edit fix would change the build output ({why}); nothing was changed"
            )));
        }
        (Err(e), _) => s.outcome.note(format!(
            "the build output could not be compared: the kustomization did not build before the fix: {e}"
        )),
    }
    s.save()
}

fn build_output(dir: &Path) -> std::result::Result<String, String> {
    crate::build(dir, &crate::BuildOptions::default())
        .map(|objs| crate::yaml::emit_stream(&objs))
        .map_err(|e| e.to_string())
}

/// Names the first object whose text differs.
fn first_difference(before: &str, after: &str) -> String {
    let b: Vec<&str> = before.split("\n---\n").collect();
    let a: Vec<&str> = after.split("\n---\n").collect();
    let i = b
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(b.len().min(a.len()));
    let name = |doc: Option<&&str>| {
        doc.and_then(|d| crate::yaml::parse_documents(d).ok())
            .and_then(|docs| docs.into_iter().next())
            .map(|d| {
                let kind = d
                    .value
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                let name = d
                    .value
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                format!("{kind}/{name}")
            })
            .unwrap_or_else(|| "an object".into())
    };
    format!("first difference in {}", name(b.get(i).or(a.get(i))))
}

/// All the field conversions, as text edits.
pub fn fix_document(s: &mut Session) -> Result<()> {
    // What each conversion reads from: a note names the ones that ran.
    let present: Vec<&str> = [
        "bases",
        "imageTags",
        "patchesStrategicMerge",
        "patchesJson6902",
        "commonLabels",
    ]
    .into_iter()
    .filter(|f| s.doc.get(&yaml_path![*f]).is_some())
    .collect();
    add_type_meta(s)?;
    move_list(s, "bases", "resources")?;
    move_list(s, "imageTags", "images")?;
    for field in ["configMapGenerator", "secretGenerator"] {
        env_to_envs(s, field)?;
    }
    strategic_merge_to_patches(s)?;
    move_list(s, "patchesJson6902", "patches")?;
    common_labels_to_labels(s)?;
    for field in present {
        let to = match field {
            "bases" => "resources",
            "imageTags" => "images",
            "commonLabels" => "labels",
            _ => "patches",
        };
        s.outcome.note(format!("fixed {field} -> {to}"));
    }
    Ok(())
}

fn add_type_meta(s: &mut Session) -> Result<()> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let kind = text(s.doc.value().get("kind"));
    let api = text(s.doc.value().get("apiVersion"));
    let kind = if kind.is_empty() {
        set_or_insert_first(s, "kind", "Kustomization")?;
        "Kustomization".to_string()
    } else {
        kind
    };
    if api.is_empty() {
        let version = if kind == "Component" {
            "kustomize.config.k8s.io/v1alpha1"
        } else {
            "kustomize.config.k8s.io/v1beta1"
        };
        set_or_insert_first(s, "apiVersion", version)?;
    }
    Ok(())
}

/// Sets a present (empty) field, or inserts it at the top.
fn set_or_insert_first(s: &mut Session, key: &str, value: &str) -> Result<()> {
    let r = if s.doc.get(&yaml_path![key]).is_some() {
        s.doc.set(&yaml_path![key], &json!(value))
    } else {
        s.doc.insert_first(key, &json!(value))
    };
    r.map_err(|e| s.yaml_err(e))
}

/// Moves the items of list `from` to the end of list `to`; when `to` is
/// absent, `from` is renamed in place and keeps its text.
fn move_list(s: &mut Session, from: &str, to: &str) -> Result<()> {
    let Some(value) = s.doc.get(&yaml_path![from]).cloned() else {
        return Ok(());
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        _ => return Err(s.invalid(format!("{from} is not a list"))),
    };
    let result = if s.doc.get(&yaml_path![to]).is_none_or(Value::is_null) && !items.is_empty() {
        if s.doc.get(&yaml_path![to]).is_some() {
            s.doc.remove(&yaml_path![to]).map_err(|e| s.yaml_err(e))?;
        }
        s.doc.rename(&yaml_path![from], to)
    } else {
        // Each item keeps the comment on its line.
        items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| {
                let comment = s.doc.trailing_comment(&yaml_path![from, i]);
                s.doc.append(&yaml_path![to], item)?;
                match comment {
                    Some(c) => {
                        let last = s
                            .doc
                            .get(&yaml_path![to])
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len);
                        s.doc
                            .add_trailing_comment(&yaml_path![to, last.saturating_sub(1)], &c)
                    }
                    None => Ok(()),
                }
            })
            .and_then(|_| s.doc.remove(&yaml_path![from]))
    };
    result.map_err(|e| s.yaml_err(e))
}

fn env_to_envs(s: &mut Session, field: &str) -> Result<()> {
    for (i, entry) in s.items(field).iter().enumerate() {
        let Some(env) = entry.get("env") else {
            continue;
        };
        let r = match env.as_str().filter(|e| !e.is_empty()) {
            Some(e) => s
                .doc
                .append(&yaml_path![field, i, "envs"], &json!(e))
                .and_then(|_| s.doc.remove(&yaml_path![field, i, "env"])),
            None => s.doc.remove(&yaml_path![field, i, "env"]),
        };
        r.map_err(|e| s.yaml_err(e))?;
    }
    Ok(())
}

/// Each strategic-merge entry becomes `path:` when it names a readable
/// file (relative to the kustomization), else an inline `patch:`.
fn strategic_merge_to_patches(s: &mut Session) -> Result<()> {
    let field = "patchesStrategicMerge";
    if s.doc.get(&yaml_path![field]).is_none() {
        return Ok(());
    }
    let converted: Vec<Value> = s
        .strings(field)
        .into_iter()
        .map(|p| {
            if s.dir.join(&p).is_file() {
                json!({"path": p})
            } else {
                json!({"patch": p})
            }
        })
        .collect();
    let has_patches = s
        .doc
        .get(&yaml_path!["patches"])
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()));
    let r = if converted.is_empty() {
        s.doc.remove(&yaml_path![field])
    } else if has_patches {
        // They ran before `patches`: they go first.
        converted
            .iter()
            .enumerate()
            .try_for_each(|(i, p)| s.doc.insert(&yaml_path!["patches"], i, p))
            .and_then(|_| s.doc.remove(&yaml_path![field]))
    } else {
        if s.doc.get(&yaml_path!["patches"]).is_some() {
            s.doc
                .remove(&yaml_path!["patches"])
                .map_err(|e| s.yaml_err(e))?;
        }
        converted
            .iter()
            .enumerate()
            .try_for_each(|(i, p)| s.doc.set(&yaml_path![field, i], p))
            .and_then(|_| s.doc.rename(&yaml_path![field], "patches"))
    };
    r.map_err(|e| s.yaml_err(e))
}

fn common_labels_to_labels(s: &mut Session) -> Result<()> {
    let Some(common) = s.doc.get(&yaml_path!["commonLabels"]).cloned() else {
        return Ok(());
    };
    let pairs: Map = match common {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => return Err(s.invalid("commonLabels is not a mapping")),
    };
    for entry in s.items("labels") {
        if let Some(Value::Object(existing)) = entry.get("pairs")
            && let Some(k) = existing.keys().find(|k| pairs.contains_key(k.as_str()))
        {
            return Err(s.invalid(format!(
                "label name '{k}' exists in both commonLabels and labels"
            )));
        }
    }
    if pairs.is_empty() {
        return s
            .doc
            .remove(&yaml_path!["commonLabels"])
            .map_err(|e| s.yaml_err(e));
    }
    // kustomize's key order: includeSelectors, pairs.
    let entry = json!({"includeSelectors": true, "pairs": pairs});
    let r = if s.doc.get(&yaml_path!["labels"]).is_none_or(Value::is_null) {
        if s.doc.get(&yaml_path!["labels"]).is_some() {
            s.doc
                .remove(&yaml_path!["labels"])
                .map_err(|e| s.yaml_err(e))?;
        }
        s.doc
            .rename(&yaml_path!["commonLabels"], "labels")
            .and_then(|_| s.doc.set(&yaml_path!["labels"], &json!([entry])))
    } else {
        s.doc
            .append(&yaml_path!["labels"], &entry)
            .and_then(|_| s.doc.remove(&yaml_path!["commonLabels"]))
    };
    r.map_err(|e| s.yaml_err(e))
}

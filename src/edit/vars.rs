//! `edit fix --vars`: each var becomes a replacement, as kustomize converts
//! them. Every `$(NAME)` in the files the kustomization uses (resources,
//! recursively through directories holding kustomizations, and patch files)
//! becomes a replacement target, and the text `$(NAME)` in those files
//! becomes `NAME_PLACEHOLDER` (the replacement overwrites it at build time).
//!
//! Two departures from kustomize, both towards the same build output:
//! resources of nested kustomizations are read relative to the
//! kustomization that lists them (kustomize reads them relative to the
//! current directory), and a patch file without a target selects the
//! objects by the patch's own kind and name (kustomize writes an empty
//! selector, which matches every object). `fix` then checks the output.

use super::file::{Session, write_atomically};
use super::{EditError, Result};
use crate::json;
use crate::load::kustomization::FILE_NAMES;
use crate::model::value::{Map, Value};
use crate::yaml_path;
use std::path::{Path, PathBuf};

/// A file rewritten with placeholders, and what it held before.
pub struct Rewrite {
    pub path: PathBuf,
    pub original: String,
    pub new: String,
}

/// A file the kustomization uses, and the patch entry it came from.
struct Used {
    path: PathBuf,
    patch: Option<Value>,
}

pub fn convert(s: &mut Session, rewrites: &mut Vec<Rewrite>) -> Result<()> {
    let vars = s.items("vars");
    if vars.is_empty() {
        return Ok(());
    }
    let mut used = Vec::new();
    collect_used(&s.dir, s.doc.value(), &mut used, 0);
    let mut texts: Vec<(PathBuf, String, String)> = Vec::new();
    for u in &used {
        if texts.iter().any(|(p, ..)| p == &u.path) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&u.path) {
            texts.push((u.path.clone(), text.clone(), text));
        }
    }
    let mut replacements = Vec::new();
    for var in &vars {
        let name = var.get("name").and_then(Value::as_str).unwrap_or_default();
        let placeholder = format!("$({name})");
        let mut targets = Vec::new();
        for u in &used {
            let Some((_, _, text)) = texts.iter().find(|(p, ..)| p == &u.path) else {
                continue;
            };
            let Ok(docs) = crate::yaml::parse_documents(text) else {
                continue;
            };
            for doc in docs {
                let mut found = Vec::new();
                find_var(&doc.value, &placeholder, &mut Vec::new(), &mut found);
                for (field_path, value) in found {
                    let options = field_options(&value, &placeholder)
                        .map_err(|m| EditError::invalid(&u.path, m))?;
                    targets.push(target(&doc.value, u.patch.as_ref(), &field_path, options));
                }
            }
        }
        for (_, _, text) in texts.iter_mut() {
            *text = text.replace(&placeholder, &format!("{name}_PLACEHOLDER"));
        }
        replacements.push(json!({"source": source(var), "targets": targets}));
    }
    for (path, original, new) in texts {
        if original != new {
            check_writable(&path)?;
            rewrites.push(Rewrite {
                path,
                original,
                new,
            });
        }
    }
    for r in &replacements {
        s.doc
            .append(&yaml_path!["replacements"], r)
            .map_err(|e| s.yaml_err(e))?;
    }
    s.doc
        .remove(&yaml_path!["vars"])
        .map_err(|e| s.yaml_err(e))?;
    s.outcome.note("fixed vars -> replacements");
    for r in rewrites.iter() {
        s.outcome.note(format!(
            "rewrote {} ($(VAR) -> VAR_PLACEHOLDER); other kustomizations using it no longer get the vars",
            r.path.display()
        ));
    }
    Ok(())
}

fn check_writable(path: &Path) -> Result<()> {
    let meta = path
        .symlink_metadata()
        .map_err(|e| EditError::io(path, e))?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        return Err(EditError::Symlink {
            path: path.to_path_buf(),
            target,
        });
    }
    if meta.permissions().readonly() {
        return Err(EditError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes a rewritten resource file (keeping its permissions).
pub fn write(r: &Rewrite, text: &str) -> Result<()> {
    let meta = std::fs::metadata(&r.path).map_err(|e| EditError::io(&r.path, e))?;
    write_atomically(&r.path, text, Some(&meta.permissions()), None)
}

/// The files a kustomization uses: its resources (directories holding a
/// kustomization are followed) and its `patches` files.
fn collect_used(dir: &Path, k: &Value, out: &mut Vec<Used>, depth: usize) {
    let strings = |field: &str| -> Vec<String> {
        k.get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    for r in strings("resources").into_iter().chain(strings("bases")) {
        let path = dir.join(&r);
        if path.is_dir() && depth < 50 {
            for name in FILE_NAMES {
                let Ok(text) = std::fs::read_to_string(path.join(name)) else {
                    continue;
                };
                if let Ok(mut docs) = crate::yaml::parse_config_documents(&text)
                    && !docs.is_empty()
                {
                    collect_used(&path, &docs.remove(0).value, out, depth + 1);
                }
            }
        } else if inside(dir, &path) {
            out.push(Used { path, patch: None });
        }
    }
    for p in k
        .get("patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(file) = p.get("path").and_then(Value::as_str)
            && inside(dir, &dir.join(file))
        {
            out.push(Used {
                path: dir.join(file),
                patch: Some(p.clone()),
            });
        }
    }
}

/// Files are rewritten only where the build may load them from: in or
/// below the directory of the kustomization that names them (kustomize's
/// default load restriction). Anything else is left alone.
fn inside(dir: &Path, path: &Path) -> bool {
    match (dir.canonicalize(), path.canonicalize()) {
        (Ok(d), Ok(p)) => p.starts_with(d) && p.is_file(),
        _ => false,
    }
}

/// Field paths (kustomize's dotted form, `[a.b]` for keys with dots) of the
/// strings that contain `placeholder`.
fn find_var(v: &Value, placeholder: &str, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(if k.contains('.') {
                    format!("[{k}]")
                } else {
                    k.to_string()
                });
                find_var(child, placeholder, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                find_var(child, placeholder, path, out);
                path.pop();
            }
        }
        Value::String(s) if s.contains(placeholder) => out.push((path.join("."), s.to_string())),
        _ => {}
    }
}

/// Where in the string the var sits: the whole value (no options), or the
/// element of the value split by the character next to it.
fn field_options(value: &str, placeholder: &str) -> std::result::Result<Option<Value>, String> {
    if value == placeholder {
        return Ok(None);
    }
    let i = value.find(placeholder).unwrap_or_default();
    let end = i + placeholder.len();
    let before = value[..i].chars().next_back();
    let after = value[end..].chars().next();
    let delimiter = match (before, after) {
        (None, Some(a)) => a,
        (Some(b), None) => b,
        (Some(b), Some(a)) if a == b => a,
        _ => {
            return Err(format!(
                "cannot convert all vars to replacements; {placeholder} is not delimited"
            ));
        }
    };
    let d = delimiter.to_string();
    let index = value
        .split(d.as_str())
        .position(|part| part == placeholder)
        .ok_or_else(|| {
            format!("cannot convert {placeholder}: it is not a whole element of '{value}'")
        })?;
    let mut options = Map::new();
    options.insert("delimiter".into(), json!(d));
    if index > 0 {
        options.insert("index".into(), json!(index));
    }
    Ok(Some(Value::Object(options)))
}

fn group_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// A selector in kustomize's key order, empty fields left out.
fn selector(fields: [(&str, String); 5]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    )
}

fn text_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn target(doc: &Value, patch: Option<&Value>, field_path: &str, options: Option<Value>) -> Value {
    let patch_target = patch
        .and_then(|p| p.get("target"))
        .filter(|t| t.is_object());
    let select = match patch_target {
        Some(t) => {
            let mut t = t.clone();
            let allow = |o: &str| {
                patch
                    .and_then(|p| p.pointer(&format!("/options/{o}")))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if let Value::Object(m) = &mut t {
                if allow("allowNameChange") {
                    m.insert("name".into(), json!(text_at(doc, "/metadata/name")));
                }
                if allow("allowKindChange") {
                    m.insert("kind".into(), json!(text_at(doc, "/kind")));
                }
                let ns = text_at(doc, "/metadata/namespace");
                if !ns.is_empty() {
                    m.insert("namespace".into(), json!(ns));
                }
            }
            t
        }
        None => {
            let (group, version) = group_version(&text_at(doc, "/apiVersion"));
            selector([
                ("group", group),
                ("kind", text_at(doc, "/kind")),
                ("name", text_at(doc, "/metadata/name")),
                ("namespace", text_at(doc, "/metadata/namespace")),
                ("version", version),
            ])
        }
    };
    let mut t = Map::new();
    t.insert("fieldPaths".into(), json!([field_path]));
    if let Some(o) = options {
        t.insert("options".into(), o);
    }
    t.insert("select".into(), select);
    Value::Object(t)
}

fn source(var: &Value) -> Value {
    let objref = var.get("objref").cloned().unwrap_or(Value::Null);
    let (group, version) = match objref.get("apiVersion").and_then(Value::as_str) {
        Some(av) => group_version(av),
        None => (text_at(&objref, "/group"), text_at(&objref, "/version")),
    };
    let field_path = var
        .get("fieldref")
        .and_then(Value::as_object)
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("fieldPath"))
                .and_then(|(_, v)| v.as_str())
        })
        .unwrap_or_default()
        .to_string();
    let mut src = Map::new();
    if !field_path.is_empty() {
        src.insert("fieldPath".into(), json!(field_path));
    }
    if let Value::Object(sel) = selector([
        ("group", group),
        ("kind", text_at(&objref, "/kind")),
        ("name", text_at(&objref, "/name")),
        ("namespace", text_at(&objref, "/namespace")),
        ("version", version),
    ]) {
        src.extend(sel);
    }
    Value::Object(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_as_kustomize_computes_them() {
        let p = "$(SVC)";
        assert_eq!(field_options("$(SVC)", p).unwrap(), None);
        assert_eq!(
            field_options("$(SVC).ns.svc", p).unwrap(),
            Some(json!({"delimiter": "."}))
        );
        assert_eq!(
            field_options("http://$(SVC)", p).unwrap(),
            Some(json!({"delimiter": "/", "index": 2}))
        );
        assert_eq!(
            field_options("a-$(SVC)-b", p).unwrap(),
            Some(json!({"delimiter": "-", "index": 1}))
        );
        assert!(field_options("http://$(SVC):80", p).is_err());
    }

    #[test]
    fn finds_paths_with_dotted_keys() {
        let v = json!({"metadata": {"annotations": {"a.b/c": "$(X)"}}, "spec": {"args": ["x", "--h=$(X)"]}});
        let mut found = Vec::new();
        find_var(&v, "$(X)", &mut Vec::new(), &mut found);
        assert_eq!(
            found.into_iter().map(|f| f.0).collect::<Vec<_>>(),
            vec!["metadata.annotations.[a.b/c]", "spec.args.1"]
        );
    }
}

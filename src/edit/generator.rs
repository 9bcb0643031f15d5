//! `edit add configmap|secret NAME`: a new configMapGenerator/secretGenerator
//! entry, or more sources for the entry of that name and namespace. The
//! result is checked by generating the object, as kustomize does.

use super::args::GeneratorArgs;
use super::file::Session;
use super::{EditError, Outcome, Result, glob};
use crate::generate::configmap_secret::{self, GeneratedKind};
use crate::json;
use crate::load::kustomization::{self as kfile, GeneratorOptions};
use crate::load::loader::{LoadRestriction, Loader};
use crate::model::value::{Map, Value};
use crate::yaml::edit::Seg;
use crate::yaml_path;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::ConfigMap => "configMapGenerator",
            Kind::Secret => "secretGenerator",
        }
    }
    fn word(self) -> &'static str {
        match self {
            Kind::ConfigMap => "configmap",
            Kind::Secret => "secret",
        }
    }
}

/// kustomize treats an empty namespace and `default` as the same.
pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |n: Option<&str>| match n {
        None | Some("") => "default".to_string(),
        Some(n) => n.to_string(),
    };
    norm(a) == norm(b)
}

/// `--from-file [KEY=]PATTERN`: globs expand; with a key, exactly one match.
fn expand_file_sources(
    dir: &Path,
    sources: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for source in sources {
        let parts: Vec<&str> = source.split('=').collect();
        let (key, pattern) = match parts.as_slice() {
            [k, p] => (Some(*k), *p),
            _ => (None, source.as_str()),
        };
        let found = glob::expand(dir, pattern).map_err(|m| EditError::invalid(dir, m))?;
        if found.is_empty() {
            notes.push(format!("{pattern} has no match"));
        }
        match key {
            Some(k) if found.len() == 1 => out.push(format!("{k}={}", found[0])),
            Some(_) => {
                return Err(EditError::invalid(
                    dir,
                    format!(
                        "failed to expand file source: pattern '{source}' catches files {}, should catch only one",
                        crate::model::go_format::list(&found)
                    ),
                ));
            }
            None => out.extend(found),
        }
    }
    Ok(out)
}

fn validate_flags(s: &Session, args: &GeneratorArgs, files: &[String]) -> Result<String> {
    let fail = |m: &str| s.invalid(format!("failed to validate flags: {m}"));
    let [name] = args.name.as_slice() else {
        return Err(fail("name must be specified once"));
    };
    let env = args.from_env_file.as_deref().unwrap_or_default();
    if env.is_empty() && files.is_empty() && args.from_literal.is_empty() {
        return Err(fail(
            "at least from-env-file, or from-file or from-literal must be set",
        ));
    }
    if !env.is_empty() && (!files.is_empty() || !args.from_literal.is_empty()) {
        return Err(fail(
            "from-env-file cannot be combined with from-file or from-literal",
        ));
    }
    if let Some(b) = args.behavior.as_deref().filter(|b| !b.is_empty())
        && !matches!(b, "create" | "merge" | "replace")
    {
        return Err(fail(
            "invalid behavior: must be one of \"create\", \"merge\", or \"replace\"",
        ));
    }
    Ok(name.clone())
}

pub fn add(
    dir: &Path,
    kind: Kind,
    args: &GeneratorArgs,
    secret_type: Option<&str>,
) -> Result<Outcome> {
    let mut notes = Vec::new();
    let files = expand_file_sources(dir, &args.from_file, &mut notes)?;
    let mut s = Session::open(dir)?;
    s.outcome.notes = notes;
    let name = validate_flags(&s, args, &files)?;
    let namespace = args.namespace.as_deref().filter(|n| !n.is_empty());
    let field = kind.field();
    let index = s.items(field).iter().position(|e| {
        e.get("name").and_then(Value::as_str) == Some(name.as_str())
            && same_namespace(e.get("namespace").and_then(Value::as_str), namespace)
    });
    match index {
        Some(i) => extend_entry(&mut s, field, i, args, &files)?,
        None => {
            let entry = new_entry(&name, namespace, args, &files, secret_type);
            s.doc
                .append(&yaml_path![field], &entry)
                .map_err(|e| s.yaml_err(e))?;
        }
    }
    check_generates(&s, kind, &name, namespace)?;
    s.save()
}

/// A new entry with kustomize's (alphabetical) key order.
fn new_entry(
    name: &str,
    namespace: Option<&str>,
    args: &GeneratorArgs,
    files: &[String],
    secret_type: Option<&str>,
) -> Value {
    let mut e = Map::new();
    if let Some(b) = args.behavior.as_deref().filter(|b| !b.is_empty()) {
        e.insert("behavior".into(), json!(b));
    }
    if let Some(env) = args.from_env_file.as_deref().filter(|f| !f.is_empty()) {
        e.insert("envs".into(), json!([env]));
    }
    if !files.is_empty() {
        e.insert("files".into(), json!(files));
    }
    if !args.from_literal.is_empty() {
        e.insert("literals".into(), json!(args.from_literal));
    }
    e.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        e.insert("namespace".into(), json!(ns));
    }
    if args.disable_name_suffix_hash {
        e.insert("options".into(), json!({"disableNameSuffixHash": true}));
    }
    if let Some(t) = secret_type.filter(|t| !t.is_empty()) {
        e.insert("type".into(), json!(t));
    }
    Value::Object(e)
}

/// More sources for an existing entry: appended to its lists; behavior and
/// disableNameSuffixHash set when given.
fn extend_entry(
    s: &mut Session,
    field: &str,
    i: usize,
    args: &GeneratorArgs,
    files: &[String],
) -> Result<()> {
    let env: Vec<String> = args
        .from_env_file
        .iter()
        .filter(|f| !f.is_empty())
        .cloned()
        .collect();
    for (key, values) in [
        ("literals", &args.from_literal),
        ("files", &files.to_vec()),
        ("envs", &env),
    ] {
        for v in values {
            s.doc
                .append(&yaml_path![field, i, key], &json!(v))
                .map_err(|e| s.yaml_err(e))?;
        }
    }
    let mut set = |path: &[Seg], value: Value| -> Result<()> {
        if s.doc.get(path) == Some(&value) {
            return Ok(());
        }
        s.doc.set(path, &value).map_err(|e| s.yaml_err(e))
    };
    if let Some(b) = args.behavior.as_deref().filter(|b| !b.is_empty()) {
        set(&yaml_path![field, i, "behavior"], json!(b))?;
    }
    if args.disable_name_suffix_hash {
        set(
            &yaml_path![field, i, "options", "disableNameSuffixHash"],
            json!(true),
        )?;
    }
    Ok(())
}

/// Generates the entry's object from the edited document, so a missing
/// file, a bad literal or a repeated key fails before anything is written.
fn check_generates(s: &Session, kind: Kind, name: &str, namespace: Option<&str>) -> Result<()> {
    let fail = |m: String| s.invalid(format!("failed to create {}: {m}", kind.word()));
    let entry = s
        .items(kind.field())
        .into_iter()
        .find(|e| {
            e.get("name").and_then(Value::as_str) == Some(name)
                && same_namespace(e.get("namespace").and_then(Value::as_str), namespace)
        })
        .ok_or_else(|| fail("entry not found after editing".into()))?;
    let mut args: kfile::GeneratorArgs =
        serde_json::from_value(entry.into_json()).map_err(|e| fail(e.to_string()))?;
    // merge/replace need a base object to act on; the content does not
    // depend on the behavior, so generate it as a plain create.
    args.behavior = None;
    let global: Option<GeneratorOptions> = match s.doc.value().get("generatorOptions") {
        Some(v) if !v.is_null() => {
            Some(serde_json::from_value(v.to_json()).map_err(|e| fail(e.to_string()))?)
        }
        _ => None,
    };
    let loader = Loader::new(&s.dir, LoadRestriction::RootOnly).map_err(|e| fail(e.to_string()))?;
    let generated = match kind {
        Kind::ConfigMap => GeneratedKind::ConfigMap,
        Kind::Secret => GeneratedKind::Secret,
    };
    let mut resmap = crate::model::resmap::ResMap::default();
    configmap_secret::run(
        &mut resmap,
        generated,
        std::slice::from_ref(&args),
        global.as_ref(),
        &loader,
        &s.path,
    )
    .map_err(|e| fail(e.to_string()))
}

//! `edit remove ...`: items go with their own lines; a list or map left
//! empty goes with its key (kustomize omits empty fields when it writes).

use super::args::{PatchArgs, RemoveCommand};
use super::file::Session;
use super::generator::same_namespace;
use super::{Outcome, Result, glob, pairs};
use crate::model::value::Value;
use crate::yaml_path;
use std::path::Path;

pub fn run(dir: &Path, what: RemoveCommand) -> Result<Outcome> {
    match what {
        RemoveCommand::Resource { paths } => {
            remove_matching(dir, &["resources", "bases"], "resource", &paths)
        }
        RemoveCommand::Transformer { paths } => {
            remove_matching(dir, &["transformers"], "transformer", &paths)
        }
        RemoveCommand::Patch(args) => remove_patch(dir, &args),
        RemoveCommand::Label {
            keys,
            ignore_non_existence,
        } => remove_keys(dir, "commonLabels", "label", &keys, ignore_non_existence),
        RemoveCommand::Annotation {
            keys,
            ignore_non_existence,
        } => remove_keys(
            dir,
            "commonAnnotations",
            "annotation",
            &keys,
            ignore_non_existence,
        ),
        RemoveCommand::Configmap { names, namespace } => remove_generators(
            dir,
            "configMapGenerator",
            "configmap",
            &names,
            namespace.as_deref(),
        ),
        RemoveCommand::Secret { names, namespace } => remove_generators(
            dir,
            "secretGenerator",
            "secret",
            &names,
            namespace.as_deref(),
        ),
        RemoveCommand::Buildmetadata { options } => remove_build_metadata(dir, &options),
    }
}

/// Removes items `indices` (ascending) of list `field`, and the field when
/// nothing is left.
pub fn remove_items(s: &mut Session, field: &str, indices: &[usize]) -> Result<()> {
    if indices.is_empty() {
        return Ok(());
    }
    let total = s.items(field).len();
    let result = if indices.len() == total {
        s.doc.remove(&yaml_path![field])
    } else {
        indices
            .iter()
            .rev()
            .try_for_each(|&i| s.doc.remove(&yaml_path![field, i]))
    };
    result.map_err(|e| s.yaml_err(e))
}

/// Entries of `fields` matching any pattern (Go's `filepath.Match`); none
/// matching is not an error (kustomize writes nothing then).
fn remove_matching(
    dir: &Path,
    fields: &[&str],
    kind: &str,
    patterns: &[String],
) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if patterns.is_empty() {
        return Err(s.invalid(format!("must specify a {kind} file")));
    }
    for field in fields {
        let mut hits = Vec::new();
        for (i, entry) in s.strings(field).iter().enumerate() {
            for p in patterns {
                if glob::matches(p, entry).map_err(|m| s.invalid(m))? {
                    hits.push(i);
                    break;
                }
            }
        }
        remove_items(&mut s, field, &hits)?;
    }
    s.save()
}

fn remove_patch(dir: &Path, args: &PatchArgs) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let has = |o: &Option<String>| o.as_ref().is_some_and(|v| !v.is_empty());
    if has(&args.patch) && has(&args.path) {
        return Err(s.invalid("patch and path can't be set at the same time"));
    }
    let hits: Vec<usize> = s
        .items("patches")
        .iter()
        .enumerate()
        .filter(|(_, p)| super::add::patch_equals(p, args))
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() {
        s.outcome.note("patch doesn't exist in kustomization file");
    }
    remove_items(&mut s, "patches", &hits)?;
    s.save()
}

fn remove_keys(
    dir: &Path,
    field: &str,
    kind: &str,
    args: &[String],
    ignore: bool,
) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let keys = pairs::names(args, kind).map_err(|m| s.invalid(m))?;
    let map = match s.doc.value().get(field) {
        Some(Value::Object(m)) => m.clone(),
        _ if ignore => return s.save(),
        _ => return Err(s.invalid(format!("{field} is not defined in kustomization file"))),
    };
    if !ignore && let Some(k) = keys.iter().find(|k| !map.contains_key(k.as_str())) {
        return Err(s.invalid(format!("{kind} {k} is not defined in kustomization file")));
    }
    let doomed: Vec<&String> = keys
        .iter()
        .filter(|k| map.contains_key(k.as_str()))
        .collect();
    let result = if map.keys().all(|k| keys.iter().any(|x| x == k)) {
        s.doc.remove(&yaml_path![field])
    } else {
        doomed
            .iter()
            .try_for_each(|k| s.doc.remove(&yaml_path![field, *k]))
    };
    result.map_err(|e| s.yaml_err(e))?;
    s.save()
}

fn remove_generators(
    dir: &Path,
    field: &str,
    kind: &str,
    args: &[String],
    namespace: Option<&str>,
) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let names: Vec<String> = match args {
        [] => return Err(s.invalid(format!("at least one {kind} name must be specified"))),
        [one] => one.split(',').map(str::to_string).collect(),
        _ => {
            return Err(s.invalid(format!(
                "too many arguments: {}; to provide multiple {kind}s to remove, please separate {kind} names by commas", crate::model::go_format::list(args)
            )));
        }
    };
    let mut found = Vec::new();
    let mut hits = Vec::new();
    for (i, e) in s.items(field).iter().enumerate() {
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
        if names.iter().any(|n| n == name)
            && same_namespace(e.get("namespace").and_then(Value::as_str), namespace)
        {
            found.push(name.to_string());
            hits.push(i);
        }
    }
    if hits.is_empty() {
        return Err(s.invalid(format!(
            "no specified {kind}(s) were found in the {} file",
            s.name()
        )));
    }
    for n in names.iter().filter(|n| !found.contains(n)) {
        s.outcome
            .note(format!("{kind} {n} doesn't exist in kustomization file"));
    }
    remove_items(&mut s, field, &hits)?;
    s.save()
}

fn remove_build_metadata(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let options = pairs::build_metadata(args).map_err(|m| s.invalid(m))?;
    let hits: Vec<usize> = s
        .strings("buildMetadata")
        .iter()
        .enumerate()
        .filter(|(_, o)| options.contains(o))
        .map(|(i, _)| i)
        .collect();
    remove_items(&mut s, "buildMetadata", &hits)?;
    s.save()
}

//! `edit add ...`: append to list fields and add keys to maps, refusing or
//! skipping what is already there exactly as kustomize does (some commands
//! skip with a note, some fail).

use super::args::{AddCommand, PatchArgs};
use super::file::Session;
use super::{EditError, Outcome, Result, generator, glob, pairs};
use crate::json;
use crate::model::value::{Map, Value};
use crate::yaml_path;
use indexmap::IndexMap;
use std::path::Path;

pub fn run(dir: &Path, what: AddCommand) -> Result<Outcome> {
    match what {
        AddCommand::Resource { paths, no_verify } => add_resources(dir, &paths, no_verify),
        AddCommand::Component { paths } => add_components(dir, &paths),
        AddCommand::Base { paths } => add_bases(dir, &paths),
        AddCommand::Patch(args) => add_patch(dir, &args),
        AddCommand::Configmap(args) => generator::add(dir, generator::Kind::ConfigMap, &args, None),
        AddCommand::Secret { args, secret_type } => {
            generator::add(dir, generator::Kind::Secret, &args, Some(&secret_type))
        }
        AddCommand::Label {
            labels,
            force,
            without_selector,
            include_templates,
        } => add_labels(dir, &labels, force, without_selector, include_templates),
        AddCommand::Annotation { annotations, force } => add_annotations(dir, &annotations, force),
        AddCommand::Generator { paths } => add_plugin_files(dir, "generators", "generator", &paths),
        AddCommand::Transformer { paths } => {
            add_plugin_files(dir, "transformers", "transformer", &paths)
        }
        AddCommand::Buildmetadata { options } => add_build_metadata(dir, &options),
    }
}

/// Expands each pattern; one that matches nothing must be an existing
/// path (kustomize then tries it as a remote root, which nest-kz does not
/// fetch: `--no-verify` adds it as given).
fn expand_or_fail(dir: &Path, patterns: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for pattern in patterns {
        let found = glob::expand(dir, pattern).map_err(|m| EditError::invalid(dir, m))?;
        if found.is_empty() {
            return Err(EditError::invalid(
                dir.join(pattern),
                format!(
                    "{pattern} has no match (nest-kz does not fetch remote roots; --no-verify adds a path as given)"
                ),
            ));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Appends `paths` to the list `field`, skipping the kustomization file
/// itself and entries already listed in `field` or `also` (with a note).
fn append_new(
    s: &mut Session,
    field: &str,
    also: &str,
    kind: &str,
    paths: &[String],
) -> Result<()> {
    let mut present = s.strings(field);
    present.extend(s.strings(also));
    let own = s.name();
    for p in paths {
        if *p == own {
            continue;
        }
        if present.contains(p) {
            s.outcome
                .note(format!("{kind} {p} already in kustomization file"));
            continue;
        }
        s.doc
            .append(&yaml_path![field], &json!(p))
            .map_err(|e| s.yaml_err(e))?;
        present.push(p.clone());
    }
    Ok(())
}

fn add_resources(dir: &Path, args: &[String], no_verify: bool) -> Result<Outcome> {
    if args.is_empty() {
        return Err(EditError::invalid(dir, "must specify a resource file"));
    }
    let paths = if no_verify {
        args.to_vec()
    } else {
        expand_or_fail(dir, args)?
    };
    let mut s = Session::open(dir)?;
    // `bases` entries are resources too (kustomize merges them on reading).
    append_new(&mut s, "resources", "bases", "resource", &paths)?;
    s.save()
}

fn add_components(dir: &Path, args: &[String]) -> Result<Outcome> {
    if args.is_empty() {
        return Err(EditError::invalid(dir, "must specify a component file"));
    }
    let paths = expand_or_fail(dir, args)?;
    let mut s = Session::open(dir)?;
    append_new(&mut s, "components", "components", "component", &paths)?;
    s.save()
}

/// `add base a,b`: each must exist and not be listed yet (an error, unlike
/// `add resource`); they go to `resources`, bases being deprecated.
fn add_bases(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let [arg] = args else {
        return Err(s.invalid("must specify a base directory"));
    };
    let mut present = s.strings("resources");
    present.extend(s.strings("bases"));
    for p in arg.split(',') {
        if dir.join(p).symlink_metadata().is_err() {
            return Err(EditError::invalid(
                dir.join(p),
                format!("{p} does not exist"),
            ));
        }
        if present.iter().any(|x| x == p) {
            return Err(s.invalid(format!("base {p} already in kustomization file")));
        }
        s.doc
            .append(&yaml_path!["resources"], &json!(p))
            .map_err(|e| s.yaml_err(e))?;
        present.push(p.to_string());
    }
    s.save()
}

/// The target selector of the flags, in kustomize's key order; `None` when
/// every flag is empty (kustomize then writes no target).
fn target_of(args: &PatchArgs) -> Option<Map> {
    let fields = [
        ("annotationSelector", &args.annotation_selector),
        ("group", &args.group),
        ("kind", &args.kind),
        ("labelSelector", &args.label_selector),
        ("name", &args.name),
        ("namespace", &args.namespace),
        ("version", &args.version),
    ];
    let map: Map = fields
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| (k.to_string(), json!(v)))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// The patch entry the flags describe.
pub fn patch_entry(args: &PatchArgs) -> Value {
    let mut entry = Map::new();
    let non_empty = |o: &Option<String>| o.clone().filter(|v| !v.is_empty());
    if let Some(p) = non_empty(&args.patch) {
        entry.insert("patch".into(), json!(p));
    }
    if let Some(p) = non_empty(&args.path) {
        entry.insert("path".into(), json!(p));
    }
    if let Some(t) = target_of(args) {
        entry.insert("target".into(), Value::Object(t));
    }
    Value::Object(entry)
}

/// kustomize's `Patch.Equals`: same path, patch text, target and options
/// (absent and empty strings alike; an empty `target: {}` is a target).
pub fn patch_equals(existing: &Value, args: &PatchArgs) -> bool {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let flag = |o: &Option<String>| o.clone().unwrap_or_default();
    let target = |v: Option<&Value>| -> Option<Map> {
        match v? {
            Value::Object(m) => Some(
                m.iter()
                    .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
                    .map(|(k, v)| (*k, v.clone()))
                    .collect(),
            ),
            _ => None,
        }
    };
    text(existing.get("path")) == flag(&args.path)
        && text(existing.get("patch")) == flag(&args.patch)
        && target(existing.get("target")) == target_of(args)
        && existing.get("options").is_none_or(Value::is_null)
}

fn add_patch(dir: &Path, args: &PatchArgs) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let has = |o: &Option<String>| o.as_ref().is_some_and(|v| !v.is_empty());
    match (has(&args.patch), has(&args.path)) {
        (true, true) => return Err(s.invalid("patch and path can't be set at the same time")),
        (false, false) => return Err(s.invalid("must provide either patch or path")),
        _ => {}
    }
    // kustomize writes any path and the next build fails on it; checked here
    // as `add resource` checks its files (a URL is the build's to fetch).
    if let Some(path) = args.path.as_deref().filter(|p| !p.is_empty())
        && !path.starts_with("https://")
        && !path.starts_with("http://")
        && dir.join(path).symlink_metadata().is_err()
    {
        return Err(EditError::invalid(
            dir.join(path),
            format!("{path} does not exist"),
        ));
    }
    if s.items("patches").iter().any(|p| patch_equals(p, args)) {
        s.outcome.note("patch already in kustomization file");
        return s.save();
    }
    s.doc
        .append(&yaml_path!["patches"], &patch_entry(args))
        .map_err(|e| s.yaml_err(e))?;
    s.save()
}

/// Refuses keys already in `existing` unless forced (kustomize checks all
/// before writing any).
fn check_new_keys(
    s: &Session,
    existing: Option<&Value>,
    pairs: &IndexMap<String, String>,
    kind: &str,
    force: bool,
) -> Result<()> {
    if force {
        return Ok(());
    }
    if let Some(k) = pairs
        .keys()
        .find(|k| existing.and_then(|m| m.get(k.as_str())).is_some())
    {
        return Err(s.invalid(already_there(kind, k)));
    }
    Ok(())
}

/// kustomize's message for a key `edit add` finds already there, as the
/// emulated release words it.
fn already_there(kind: &str, key: &str) -> String {
    match crate::release::current().duplicate_key_hint() {
        true => format!("{kind} {key} already in kustomization file. Use --force to override."),
        false => format!("{kind} {key} already in kustomization file"),
    }
}

/// The first `labels` entry `edit add label --without-selector` may add
/// to: selectors off and the same includeTemplates (absent is false).
fn matching_labels_entry(s: &Session, include_templates: bool) -> Option<usize> {
    let flag = |entry: &Value, key: &str| entry.get(key).and_then(Value::as_bool) == Some(true);
    s.doc
        .value()
        .get("labels")
        .and_then(Value::as_array)?
        .iter()
        .position(|entry| {
            !flag(entry, "includeSelectors") && flag(entry, "includeTemplates") == include_templates
        })
}

fn add_labels(
    dir: &Path,
    args: &[String],
    force: bool,
    without_selector: bool,
    include_templates: bool,
) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if args.is_empty() {
        return Err(s.invalid("must specify label"));
    }
    if include_templates && !without_selector {
        return Err(
            s.invalid("--without-selector flag must be specified for --include-templates to work")
        );
    }
    let pairs = pairs::key_values(args, "label").map_err(|m| s.invalid(m))?;
    if without_selector {
        use crate::release::LabelAdd;
        let rule = crate::release::current().label_without_selector();
        let found = match rule {
            LabelAdd::NewEntry => None,
            LabelAdd::Merge | LabelAdd::MergeNewEntryRepeats => {
                matching_labels_entry(&s, include_templates)
            }
        };
        if let Some(index) = found {
            let existing = s.doc.value()["labels"][index].get("pairs").cloned();
            check_new_keys(&s, existing.as_ref(), &pairs, "label", force)?;
            for (k, v) in &pairs {
                s.doc
                    .set(&yaml_path!["labels", index, "pairs", k], &json!(v))
                    .map_err(|e| s.yaml_err(e))?;
            }
            return s.save();
        }
        // kustomize v5.6/v5.7 made the new entry with every key, then met
        // it again for the next key (which of them it names depends on Go's
        // map order; here, the second given).
        if rule == LabelAdd::MergeNewEntryRepeats
            && !force
            && let Some((k, _)) = pairs.iter().nth(1)
        {
            return Err(s.invalid(already_there("label", k)));
        }
        // A new labels entry, written as kustomize writes it (false omitted).
        let mut entry = Map::new();
        if include_templates {
            entry.insert("includeTemplates".into(), json!(true));
        }
        entry.insert("pairs".into(), json!(pairs));
        s.doc
            .append(&yaml_path!["labels"], &Value::Object(entry))
            .map_err(|e| s.yaml_err(e))?;
        return s.save();
    }
    check_new_keys(
        &s,
        s.doc.value().get("commonLabels"),
        &pairs,
        "label",
        force,
    )?;
    super::set::write_pairs(&mut s, "commonLabels", &pairs)?;
    s.save()
}

fn add_annotations(dir: &Path, args: &[String], force: bool) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if args.is_empty() {
        return Err(s.invalid("must specify annotation"));
    }
    let pairs = pairs::key_values(args, "annotation").map_err(|m| s.invalid(m))?;
    check_new_keys(
        &s,
        s.doc.value().get("commonAnnotations"),
        &pairs,
        "annotation",
        force,
    )?;
    super::set::write_pairs(&mut s, "commonAnnotations", &pairs)?;
    s.save()
}

/// `add generator|transformer`: patterns that match nothing are skipped
/// with a note, as kustomize logs and goes on.
fn add_plugin_files(dir: &Path, field: &str, kind: &str, args: &[String]) -> Result<Outcome> {
    if args.is_empty() {
        return Err(EditError::invalid(
            dir,
            format!("must specify a yaml file which contains a {kind} plugin resource"),
        ));
    }
    let mut notes = Vec::new();
    let mut paths = Vec::new();
    for pattern in args {
        let found = glob::expand(dir, pattern).map_err(|m| EditError::invalid(dir, m))?;
        if found.is_empty() {
            notes.push(format!("{pattern} has no match"));
        }
        paths.extend(found);
    }
    if paths.is_empty() {
        return Ok(Outcome {
            changed: false,
            notes,
        });
    }
    let mut s = Session::open(dir)?;
    s.outcome.notes = notes;
    append_new(&mut s, field, field, kind, &paths)?;
    s.save()
}

fn add_build_metadata(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let options = pairs::build_metadata(args).map_err(|m| s.invalid(m))?;
    let mut present = s.strings("buildMetadata");
    for opt in options {
        if present.contains(&opt) {
            return Err(s.invalid(format!(
                "buildMetadata option {opt} already in kustomization file"
            )));
        }
        s.doc
            .append(&yaml_path!["buildMetadata"], &json!(opt))
            .map_err(|e| s.yaml_err(e))?;
        present.push(opt);
    }
    s.save()
}

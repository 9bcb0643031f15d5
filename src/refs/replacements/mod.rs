//! `replacements`: copy one field of a source resource (or, from v5.7, a
//! `sourceValue`) into fields of target resources (kustomize v5's
//! ReplacementTransformer, `api/filters/replacement`).
//!
//! - this module: loading the entries (inline or from `path:` files),
//!   choosing the source and the targets (exact ids before v5.8, anchored
//!   regular expressions from v5.8), and applying them in order;
//! - `path`: kyaml's two path walkers, `Lookup` for the source and
//!   `PathMatcher` (with `create`) for targets, field paths split as
//!   kustomize splits them (`a\.b` is one field, `[k=v]` one segment);
//! - `value`: how a value lands in a target (kustomize's `setFieldValue`:
//!   `options.delimiter`/`index`, and a scalar target keeping its type);
//! - `structured`: v5.8's field paths into JSON or YAML held in a string.

mod path;
mod structured;
mod value;

use crate::error::{BuildError, Result};
use crate::load::go_json::{self, Unknown};
use crate::load::kustomization::{ReplacementEntry, Selector};
use crate::load::loader::Loader;
use crate::model::limits;
use crate::model::node_path::NodePath;
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::selector::LabelSelectors;
use crate::model::untagged::{self, Untagged};
use crate::model::value::{PathStep, Value};
use crate::model::written::{self, Text, Written};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Replacement {
    source: Option<Source>,
    /// v5.7: a plain text in place of a source object.
    source_value: Option<String>,
    targets: Option<Vec<Target>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Source {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    field_path: Option<String>,
    #[serde(default)]
    options: Options,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Target {
    select: Option<Selector>,
    #[serde(default)]
    reject: Vec<Selector>,
    #[serde(default)]
    field_paths: Vec<String>,
    #[serde(default)]
    options: Options,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    delimiter: Option<String>,
    #[serde(default)]
    index: i64,
    #[serde(default)]
    create: bool,
}

/// kustomize's default field path for sources and targets.
const DEFAULT_FIELD_PATH: &str = "metadata.name";

pub fn apply(
    resmap: &mut ResMap,
    entries: &[ReplacementEntry],
    loader: &Loader,
    kfile: &Path,
) -> Result<()> {
    for entry in entries {
        for (origin, replacement) in load(entry, loader, kfile)? {
            apply_one(resmap, &replacement, &origin)?;
        }
    }
    Ok(())
}

fn load(
    entry: &ReplacementEntry,
    loader: &Loader,
    kfile: &Path,
) -> Result<Vec<(std::path::PathBuf, Replacement)>> {
    let parse = |origin: &Path, v: Value| -> Result<Replacement> {
        go_json::decode(v, Unknown::Ignore).map_err(|e| {
            BuildError::invalid(
                origin,
                format!("invalid replacement: {}", crate::error::schema_error(&e)),
            )
        })
    };
    // A null `sourceValue` is no source value (Go's nil pointer).
    let source_value = entry.source_value.clone().flatten();
    match (&entry.path, &entry.source, &source_value) {
        (Some(path), None, None) => {
            let (file, text) = loader.read_text(path)?;
            let docs = crate::yaml::parse_config_documents(&text)
                .map_err(|e| BuildError::yaml(&file, e))?;
            let mut out = Vec::new();
            for d in docs {
                let items = match d.value {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for item in items {
                    out.push((file.clone(), parse(&file, item)?));
                }
            }
            Ok(out)
        }
        (None, source, source_value) if source.is_some() || source_value.is_some() => {
            let mut value = crate::model::value::Map::new();
            if let Some(s) = source {
                value.insert("source".into(), s.clone());
            }
            if let Some(v) = source_value {
                value.insert("sourceValue".into(), Value::String(v.as_str().into()));
            }
            if let Some(t) = &entry.targets {
                value.insert("targets".into(), t.clone());
            }
            Ok(vec![(
                kfile.to_path_buf(),
                parse(kfile, Value::Object(value))?,
            )])
        }
        _ => Err(BuildError::invalid(
            kfile,
            "a replacement needs either 'path' or 'source'",
        )),
    }
}

fn apply_one(resmap: &mut ResMap, r: &Replacement, origin: &Path) -> Result<()> {
    let fail = |m: String| BuildError::invalid(origin, m);
    // kustomize hands replacements to its transformer through YAML with
    // `omitempty`, so `targets: []` arrives as no targets at all.
    let targets = r.targets.as_ref().filter(|t| !t.is_empty());
    let (targets, value) = match (&r.source, &r.source_value, targets) {
        (None, None, _) | (_, _, None) => {
            return Err(fail(
                "replacements must specify a source and at least one target".into(),
            ));
        }
        (Some(_), Some(_), _) => {
            return Err(fail(
                "value and resource selectors are mutually exclusive".into(),
            ));
        }
        // A plain untagged scalar: its type comes from its text.
        (None, Some(text), Some(t)) => (t, value::Source::text(text)),
        (Some(source), None, Some(t)) => (t, source_value(resmap, source, origin)?),
    };
    for target in targets {
        let Some(select) = &target.select else {
            return Err(fail("target must specify resources to select".into()));
        };
        let chooser = Chooser::new(select, &target.reject, origin)?;
        let paths: Vec<&str> = match target.field_paths.is_empty() {
            true => vec![DEFAULT_FIELD_PATH],
            false => target.field_paths.iter().map(String::as_str).collect(),
        };
        // The walker recurses once per segment, and `create` builds one level
        // per segment: bound both before walking.
        for path in &paths {
            limits::check_field_path(path, '.').map_err(&fail)?;
        }
        for res in resmap.iter_mut() {
            if !chooser.chooses(res) {
                continue;
            }
            // A replacement copies a value into others: chained ones can
            // double an object's size or depth each time.
            let before = limits::measure(&res.value);
            for path in &paths {
                let written = value::Written {
                    flow: &res.flow,
                    texts: &res.written,
                    untagged: &res.untagged,
                };
                let landed =
                    value::copy_to_target(&mut res.value, path, &value, &target.options, written)
                        .map_err(|m| fail(format!("{m} (in {})", res.id())))?;
                note_texts(res, &landed.set, &value, &target.options);
                for (path, null_text) in landed.made {
                    match res.untagged.iter_mut().find(|u| u.path.is(&path)) {
                        Some(known) => known.null_text = null_text,
                        None => res.untagged.push(Untagged {
                            path: NodePath::of(&path),
                            null_text,
                        }),
                    }
                }
            }
            limits::check_grown(&res.value, Some(before), origin, "a replacement")?;
        }
    }
    Ok(())
}

/// The texts as written of the scalars a replacement set (`set`): kyaml
/// puts the value's text into each, so a number there reads back as that
/// text (`1e3`, not 1000's) where a later step reads it. A part put into
/// a text by `options.delimiter` leaves no number.
fn note_texts(res: &mut Resource, set: &[Vec<PathStep>], value: &value::Source, options: &Options) {
    if set.is_empty() {
        return;
    }
    let mut folded = Vec::new();
    res.written
        .retain(|w| match set.iter().find(|path| w.path.is(path)) {
            Some(path) => {
                if matches!(w.text, Text::Folded(_)) {
                    folded.push(path.clone());
                }
                false
            }
            None => true,
        });
    // A folded block keeps its style and prints its new text as go-yaml
    // writes and reads it.
    for path in folded {
        if let Some(Value::String(text)) = res.value.at_mut(&path)
            && let Some(printed) = crate::yaml::folded::as_printed(text)
        {
            let read = std::mem::replace(text, printed.into());
            res.written.push(Written {
                path: NodePath::of(&path),
                text: Text::Folded(read.as_str().into()),
            });
        }
    }
    if options.delimiter.as_deref().is_some_and(|d| !d.is_empty()) {
        return;
    }
    let text = value.scalar_text();
    for path in set {
        if let Some(node @ (Value::Number(_) | Value::Bool(_))) = res.value.at(path)
            && let Some(text) = Text::of(&text, node)
        {
            res.written.push(Written {
                path: NodePath::of(path),
                text,
            });
        }
    }
}

/// Which resources a target's `select` and `reject` choose (kustomize's
/// `applyReplacement`): the select's label and annotation selectors match,
/// no reject's do, some id is selected, and no id is rejected.
struct Chooser<'a> {
    select: Ids<'a>,
    select_labels: LabelSelectors,
    rejects: Vec<(Ids<'a>, LabelSelectors)>,
}

impl<'a> Chooser<'a> {
    fn new(select: &'a Selector, reject: &'a [Selector], origin: &Path) -> Result<Chooser<'a>> {
        let labels = |s: &Selector| LabelSelectors::new(s, origin).map_err(BuildError::from);
        Ok(Chooser {
            select: Ids::new(select).map_err(|e| BuildError::invalid(origin, e))?,
            select_labels: labels(select)?,
            rejects: reject
                .iter()
                .map(|r| {
                    let ids = Ids::new(r).map_err(|e| BuildError::invalid(origin, e))?;
                    Ok((ids, labels(r)?))
                })
                .collect::<Result<_>>()?,
        })
    }

    fn chooses(&self, r: &Resource) -> bool {
        self.select_labels.matches(r)
            && self
                .rejects
                .iter()
                .all(|(_, labels)| labels.is_empty() || !labels.matches(r))
            && self.select.selects_any(r)
            && !self
                .rejects
                .iter()
                .any(|(ids, _)| !ids.is_empty() && ids.selects_any(r))
    }
}

/// The id part of a selector: exact before v5.8, anchored regular
/// expressions from v5.8 (`release::v5_8`).
enum Ids<'a> {
    Exact(&'a Selector),
    Regex(RegexSelector),
}

impl<'a> Ids<'a> {
    fn new(s: &'a Selector) -> std::result::Result<Ids<'a>, String> {
        match crate::release::current().regex_replacement_targets() {
            true => RegexSelector::new(s).map(Ids::Regex),
            false => Ok(Ids::Exact(s)),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Ids::Exact(s) => is_empty_id(s),
            Ids::Regex(re) => re.is_empty(),
        }
    }

    fn selects_any(&self, r: &Resource) -> bool {
        match self {
            Ids::Exact(s) => ids_selected_by(r, s),
            Ids::Regex(re) => re.selects_any(r),
        }
    }
}

/// kustomize's `ResId.IsSelectedBy` on any of the resource's ids: blank
/// parts match all, names and GVK parts exactly, namespaces as effective
/// namespaces (blank and `default` alike).
fn ids_selected_by(r: &Resource, s: &Selector) -> bool {
    let want =
        |w: &Option<String>, have: &str| w.as_deref().is_none_or(|w| w.is_empty() || w == have);
    let effective = |ns: &str| if ns.is_empty() { "default" } else { ns }.to_string();
    r.ids().any(|id| {
        want(&s.name, id.name)
            && s.namespace
                .as_deref()
                .is_none_or(|ns| ns.is_empty() || effective(ns) == effective(id.namespace))
            && want(&s.group, id.group)
            && want(&s.version, id.version)
            && want(&s.kind, id.kind)
    })
}

fn is_empty_id(s: &Selector) -> bool {
    [&s.group, &s.version, &s.kind, &s.name, &s.namespace]
        .iter()
        .all(|f| f.as_deref().is_none_or(str::is_empty))
}

/// v5.8's target selector: each non-empty id field an anchored regular
/// expression, the namespace matched against each id's namespace as
/// written (previous ids hold the effective namespace).
struct RegexSelector {
    fields: [Option<regex::Regex>; 5],
}

impl RegexSelector {
    fn new(s: &Selector) -> std::result::Result<RegexSelector, String> {
        let compile = |f: &Option<String>| -> std::result::Result<Option<regex::Regex>, String> {
            match f.as_deref().filter(|f| !f.is_empty()) {
                None => Ok(None),
                Some(p) => crate::model::go_regex::compile(&format!("^(?:{p})$"))
                    .map(Some)
                    .map_err(|e| format!("error creating target selector: {e}")),
            }
        };
        Ok(RegexSelector {
            fields: [
                compile(&s.group)?,
                compile(&s.version)?,
                compile(&s.kind)?,
                compile(&s.name)?,
                compile(&s.namespace)?,
            ],
        })
    }

    fn is_empty(&self) -> bool {
        self.fields.iter().all(Option::is_none)
    }

    fn selects_any(&self, r: &Resource) -> bool {
        r.ids().any(|id| {
            let texts = [id.group, id.version, id.kind, id.name, id.namespace];
            self.fields
                .iter()
                .zip(texts)
                .all(|(re, text)| re.as_ref().is_none_or(|re| re.is_match(text)))
        })
    }
}

/// The source's value: the field at its path (kyaml's `Lookup`), refined
/// by `options.delimiter`/`index`.
fn source_value(resmap: &ResMap, source: &Source, origin: &Path) -> Result<value::Source> {
    let fail = |m: String| BuildError::invalid(origin, m);
    let field_path = source.field_path.as_deref().unwrap_or(DEFAULT_FIELD_PATH);
    limits::check_field_path(field_path, '.').map_err(&fail)?;
    let selector = Selector {
        group: source.group.clone(),
        version: source.version.clone(),
        kind: source.kind.clone(),
        name: source.name.clone(),
        namespace: source.namespace.clone(),
        ..Default::default()
    };
    let found: Vec<&Resource> = resmap
        .iter()
        .filter(|r| ids_selected_by(r, &selector))
        .collect();
    let res = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(fail(format!(
                "nothing selected by {}",
                describe(&selector, field_path)
            )));
        }
        _ => {
            return Err(fail(format!(
                "multiple matches for selector {}",
                describe(&selector, field_path)
            )));
        }
    };
    let found = path::lookup(&res.value, &path::split(field_path))
        .map_err(|e| fail(format!("error looking up replacement source: {e}")))?;
    // An untagged scalar whose text reads as null is still there to
    // kustomize (only a null tag makes a source missing): its text.
    if let Some(held @ Value::Null) = found
        && let Some(text) = untagged::null_text_of(&res.untagged, &res.value, held)
    {
        return untagged_source(text, &source.options).map_err(fail);
    }
    let Some(found) = found.filter(|v| !is_nil_or_empty(v)) else {
        return Err(fail(format!(
            "fieldPath `{field_path}` is missing for replacement source {}",
            describe(&selector, "")
        )));
    };
    // A number or boolean keeps its text as written to kyaml (`0x1F`), a
    // folded block its text as read.
    let written = match written::text_of(&res.written, &res.value, found) {
        Some(Text::Scalar(text) | Text::Folded(text)) => Some(&**text),
        _ => None,
    };
    value::Source::refined(found.clone(), written, &source.options).map_err(fail)
}

/// An untagged text as a replacement's value, with `options.delimiter`
/// and `index` applied: its part stays untagged.
fn untagged_source(text: &str, options: &Options) -> std::result::Result<value::Source, String> {
    match value::Source::refined(Value::String(text.into()), None, options)? {
        value::Source::Node(Value::String(part)) => Ok(value::Source::text(&part)),
        other => Ok(other),
    }
}

/// kustomize's `IsNilOrEmpty`: null, or an empty map or list.
fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A selector as a user wrote it, for messages: `Kind.version.group/name.namespace`.
fn describe(s: &Selector, field_path: &str) -> String {
    let part = |f: &Option<String>, blank: &str| {
        f.as_deref()
            .filter(|v| !v.is_empty())
            .unwrap_or(blank)
            .to_string()
    };
    let id = format!(
        "{}.{}.{}/{}.{}",
        part(&s.kind, "[noKind]"),
        part(&s.version, "[noVer]"),
        part(&s.group, "[noGrp]"),
        part(&s.name, "[noName]"),
        part(&s.namespace, "[noNs]")
    );
    match field_path {
        "" => id,
        path => format!("{id}:{path}"),
    }
}

//! `patches`, `patchesStrategicMerge` and `patchesJson6902`: loading a patch,
//! telling a JSON 6902 op list from a strategic-merge patch as kustomize
//! does (an op list is a YAML/JSON sequence), choosing targets, applying.
//! The merge engines live beside it: `strategic_merge` (kyaml merge2
//! semantics) and `json6902` (RFC 6902 ops).

mod associative;
pub mod json6902;
mod key_texts;
mod merge_marks;
pub mod strategic_merge;
mod walked;

use crate::error::{BuildError, Result};
use crate::model::resource::{AnnotationStyle, HELM_GENERATED, Resource};

use crate::load::kustomization::{PatchSpec, Selector};
use crate::load::loader::Loader;
use crate::load::openapi::{SchemaRef, SchemaTable};
use crate::model::go_format;
use crate::model::node_path::NodePath;
use crate::model::resid::ResId;
use crate::model::resmap::ResMap;
use crate::model::selector::CompiledSelector;
use crate::model::value::{Number, PathStep, Value};
use crate::model::written::{Text, Written};
use crate::yaml::StylePaths;
use hashbrown::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use strategic_merge::Outcome;
use thin_vec::ThinVec;

pub enum PatchBody {
    Strategic(Vec<Value>),
    Json6902(json6902::Patch),
}

pub struct Patch {
    pub body: PatchBody,
    /// Line of every node of each patch document, by keyed path; worked
    /// out only when an error or provenance asks.
    lines: Arc<Lines>,
    /// The patch file, or the kustomization for inline patches.
    pub origin: PathBuf,
    pub target: Option<Selector>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    /// A `patches:` entry (kustomize's PatchTransformer), which records the
    /// object's id in its build annotations before a JSON patch; the legacy
    /// `patchesJson6902` does not.
    pub records_previous_id: bool,
}

/// Loads a `patches:` entry (file `path` or inline `patch`).
/// `None` when the patch holds nothing and the emulated release skips it
/// (`Release::empty_patch`).
pub fn load(spec: &PatchSpec, loader: &Loader, kustomization: &Path) -> Result<Option<Patch>> {
    let (origin, text) = match (&spec.path, &spec.patch) {
        (Some(path), None) => loader.read_text(path)?,
        (None, Some(inline)) if !inline.trim().is_empty() => {
            (kustomization.to_path_buf(), inline.trim().to_string())
        }
        _ => {
            return Err(BuildError::invalid(
                kustomization,
                "a patch needs exactly one of 'path' or 'patch'",
            ));
        }
    };
    if holds_nothing(&text) {
        refuse_tab_led(&origin, &text)?;
        let what = spec.path.as_deref().unwrap_or("patch");
        return match crate::release::current().empty_patch(text.is_empty(), spec.target.is_some()) {
            crate::release::EmptyPatch::Skip => Ok(None),
            crate::release::EmptyPatch::NeedsTarget => Err(BuildError::invalid(
                &origin,
                format!("must specify a target for JSON patch [path: {what:?}]"),
            )),
            crate::release::EmptyPatch::BothKinds => Err(BuildError::invalid(
                &origin,
                format!("illegally qualifies as both an SM and JSON patch: [path: {what:?}]"),
            )),
        };
    }
    let (body, lines) = parse_body(&origin, &text)?;
    refuse_crashing_deletes(&origin, &body)?;
    let options = crate::load::kustomization::PatchOptions::of(spec);
    Ok(Some(Patch {
        body,
        lines,
        origin,
        target: spec.target.clone(),
        allow_name_change: options.allow_name_change,
        allow_kind_change: options.allow_kind_change,
        records_previous_id: true,
    }))
}

/// A patch text with nothing in it: no bytes, no documents but empty ones
/// (comments, blank lines, `---`, `null`), or an empty op list.
fn holds_nothing(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    crate::yaml::parse_documents(text).is_ok_and(|docs| {
        docs.iter().all(|d| d.value.is_null())
            || matches!(docs.as_slice(), [d] if d.value.as_array().is_some_and(|a| a.is_empty()))
    })
}

/// Before v5.7, kustomize's PatchTransformer crashed looking up any
/// document that follows a `$patch: delete` in the same patch (it met the
/// emptied object); patchesStrategicMerge did not.
fn refuse_crashing_deletes(origin: &Path, body: &PatchBody) -> Result<()> {
    let PatchBody::Strategic(docs) = body else {
        return Ok(());
    };
    let deletes = |d: &Value| d["$patch"].as_str() == Some("delete");
    if !crate::release::current().deletes_several_objects_per_patch()
        && docs.iter().rev().skip(1).any(deletes)
    {
        return Err(BuildError::invalid(
            origin,
            format!(
                "a document after a `$patch: delete` in the same patch crashes kustomize {} (split the patch, or use v5.7 or later)",
                crate::release::current().version()
            ),
        ));
    }
    Ok(())
}

/// go-yaml refuses a line that starts with a tab where a token may begin,
/// so a patch of blank lines and tabs is not empty to kustomize but
/// unreadable; saphyr reads it as nothing.
fn refuse_tab_led(origin: &Path, text: &str) -> Result<()> {
    let tab_led = text
        .lines()
        .any(|l| l.trim_start_matches(' ').starts_with('\t'));
    match tab_led {
        true => Err(BuildError::invalid(
            origin,
            "unable to parse SM or JSON patch: found character that cannot start any token (a tab)",
        )),
        false => Ok(()),
    }
}

/// A list entry that holds YAML itself rather than naming a file.
pub(crate) fn is_inline_yaml(entry: &str) -> bool {
    entry.contains('\n') || entry.contains(": ")
}

/// Loads a `patchesStrategicMerge:` entry: a file path or inline YAML. A
/// file holding nothing is skipped, as kustomize reads no patch from it.
pub fn load_strategic(entry: &str, loader: &Loader, kustomization: &Path) -> Result<Option<Patch>> {
    let (origin, text) = if is_inline_yaml(entry) {
        (kustomization.to_path_buf(), entry.to_string())
    } else {
        loader.read_text(entry)?
    };
    if holds_nothing(&text) && !text.trim_start().starts_with('[') {
        refuse_tab_led(&origin, &text)?;
        return Ok(None);
    }
    let (body, lines) = parse_body(&origin, &text)?;
    if matches!(body, PatchBody::Json6902(_)) {
        return Err(BuildError::invalid(
            &origin,
            "patchesStrategicMerge entries must be strategic merge patches",
        ));
    }
    Ok(Some(Patch {
        body,
        lines,
        origin,
        target: None,
        allow_name_change: false,
        allow_kind_change: false,
        records_previous_id: false,
    }))
}

/// A patch whose first byte is `[`: kustomize decodes it as JSON as it is
/// (only another text is read as YAML and converted first), so one
/// written in YAML's flow style (`[{op: add, ...}]`) is neither a JSON
/// nor a strategic merge patch to it.
fn json_led(origin: &Path, text: &str) -> Result<(PatchBody, Arc<Lines>)> {
    let ops: Value = serde_json::from_str(text).map_err(|e| {
        BuildError::invalid(
            origin,
            format!(
                "unable to parse SM or JSON patch: a patch that starts with `[` is read as JSON ({e})"
            ),
        )
    })?;
    let ops = json6902::decode(&ops).map_err(|e| BuildError::invalid(origin, e.to_string()))?;
    // Its lines, for errors, where YAML reads it too.
    let docs = crate::yaml::parse_node_documents(text, crate::yaml::DuplicateKeys::FirstWins)
        .unwrap_or_default();
    let lines = Lines::of(docs);
    Ok((PatchBody::Json6902(ops), lines))
}

/// The patch documents as parsed, and their lines by keyed path and what
/// each keeps of how it was written, once asked.
struct Lines {
    docs: Vec<crate::yaml::Document>,
    by_path: OnceLock<Vec<HashMap<String, usize>>>,
    style: OnceLock<Vec<StylePaths>>,
}

impl Lines {
    fn of(docs: Vec<crate::yaml::Document>) -> Arc<Lines> {
        Arc::new(Lines {
            docs,
            by_path: OnceLock::new(),
            style: OnceLock::new(),
        })
    }

    fn style(&self, doc: usize) -> Option<&StylePaths> {
        self.style
            .get_or_init(|| self.docs.iter().map(|d| d.lines.style_paths()).collect())
            .get(doc)
    }

    fn by_path(&self) -> &[HashMap<String, usize>] {
        self.by_path.get_or_init(|| {
            self.docs
                .iter()
                .map(|d| crate::yaml::keyed_lines::lines_by_path(&d.value, &d.lines))
                .collect()
        })
    }

    fn first(&self) -> Option<&HashMap<String, usize>> {
        self.by_path().first()
    }
}

fn parse_body(origin: &Path, text: &str) -> Result<(PatchBody, Arc<Lines>)> {
    if text.starts_with('[') {
        return json_led(origin, text);
    }
    let first_wins = crate::yaml::DuplicateKeys::FirstWins;
    let docs = crate::yaml::parse_node_documents(text, first_wins)
        .map_err(|e| BuildError::yaml(origin, e))?;
    let lines = Lines::of(docs.clone());
    if let [single] = docs.as_slice()
        && single.value.is_array()
    {
        // kustomize reads a JSON patch's values as plain data, not as nodes
        // (go-yaml v2 into a map: of two equal keys the last wins).
        let last_wins = crate::yaml::DuplicateKeys::LastWins;
        let plain = crate::yaml::parse_json_patch_documents(text, last_wins)
            .map_err(|e| BuildError::yaml(origin, e))?;
        let ops = json6902::decode(&plain[0].value)
            .map_err(|e| BuildError::invalid(origin, e.to_string()))?;
        return Ok((PatchBody::Json6902(ops), lines));
    }
    if docs.is_empty() {
        return Err(BuildError::invalid(origin, "patch is empty"));
    }
    let mut values = Vec::new();
    for d in docs {
        if !d.value.is_object() {
            return Err(BuildError::invalid(
                origin,
                format!("line {}: a strategic merge patch must be a map", d.line),
            ));
        }
        values.push(d.value);
    }
    Ok((PatchBody::Strategic(values), lines))
}

impl Patch {
    /// One patch per JSON 6902 op (each with its op's line), or `self` alone.
    pub fn split_ops(&self) -> Vec<(Patch, usize)> {
        match &self.body {
            PatchBody::Json6902(ops) => ops
                .0
                .iter()
                .enumerate()
                .map(|(i, op)| {
                    let line = self
                        .lines
                        .first()
                        .and_then(|l| l.get(&format!("[{i}]")).copied())
                        .unwrap_or(0);
                    let single = Patch {
                        body: PatchBody::Json6902(json6902::Patch(vec![op.clone()])),
                        lines: Arc::clone(&self.lines),
                        origin: self.origin.clone(),
                        target: self.target.clone(),
                        allow_name_change: self.allow_name_change,
                        allow_kind_change: self.allow_kind_change,
                        records_previous_id: self.records_previous_id,
                    };
                    (single, line)
                })
                .collect(),
            PatchBody::Strategic(_) => Vec::new(),
        }
    }

    /// The patch-file line that sets `path`, for strategic merge patches.
    pub fn line_for(&self, path: &str) -> usize {
        self.lines
            .by_path()
            .iter()
            .find_map(|l| l.get(path).copied())
            .or_else(|| {
                self.lines
                    .first()
                    .and_then(|l| crate::yaml::keyed_lines::nearest_line(l, path))
            })
            .unwrap_or(0)
    }
}

pub fn apply(resmap: &mut ResMap, patch: &Patch) -> Result<()> {
    apply_with_schema(resmap, patch, SchemaTable::builtin())
}

/// Applies a patch, merging strategic patches with `schema`.
pub fn apply_with_schema(resmap: &mut ResMap, patch: &Patch, schema: &SchemaTable) -> Result<()> {
    // Patches may rename (allowNameChange, JSON ops) or delete resources.
    resmap.invalidate();
    match &patch.body {
        PatchBody::Json6902(ops) => apply_json6902(resmap, patch, ops),
        PatchBody::Strategic(docs) => {
            if patch.target.is_some() && docs.len() > 1 {
                return Err(BuildError::invalid(
                    &patch.origin,
                    "multiple strategic-merge patches in one `patches` entry may not set `target`",
                ));
            }
            let unwritten = StylePaths::default();
            for (i, doc) in docs.iter().enumerate() {
                let style = patch.lines.style(i).unwrap_or(&unwritten);
                apply_strategic(resmap, patch, doc, style, schema)?;
            }
            Ok(())
        }
    }
}

fn selected(resmap: &ResMap, target: &Selector, origin: &Path) -> Result<Vec<usize>> {
    let sel = CompiledSelector::new(target, origin)?;
    Ok(resmap.positions(|r| sel.matches(r)))
}

/// kustomize sends an object a JSON 6902 patch touches through JSON: an
/// annotation written as plain text that reads as another type comes back
/// as that value, which the annotations print as go-yaml v2 prints it
/// (`0o7` as `7`, `~` and `key:` as `null`, `True` as `true`), and a
/// folded one as go-yaml's folded writer and reader leave it.
fn annotations_through_json(r: &mut crate::model::resource::Resource) {
    let styles = std::mem::take(&mut r.annotation_styles);
    let Some(Value::Object(annotations)) = r
        .value
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    else {
        return;
    };
    for (key, style) in styles {
        let Some(Value::String(text)) = annotations.get_mut(key.as_str()) else {
            continue;
        };
        let json = match style {
            AnnotationStyle::Folded => match crate::yaml::folded::as_printed(text) {
                Some(printed) => printed,
                None => continue,
            },
            AnnotationStyle::TypedPlain => match crate::yaml::parse::resolve_plain_scalar(text) {
                Value::Null => "null".to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => crate::yaml::emit::float64_text(&n),
                _ => continue,
            },
        };
        *text = json.into();
    }
}

/// kustomize reads a JSON-patched object back from JSON into Go values,
/// where every number is a float64, and makes nodes of them with go-yaml:
/// an int past 2^53 loses its last digits (`9007199254740993` is
/// 9007199254740992), and each number's text is the float's as
/// `strconv.FormatFloat(f, 'g', -1, 64)` writes it (`1e+06`), which a
/// replacement or a var reads (`model::written`). Its strings come back
/// quoted where their text YAML would read as another type unquoted
/// (`"5"`, `"true"`): `quoted` gets their paths (`Resource::quoted`).
fn through_json(
    node: &mut Value,
    at: &mut Vec<PathStep>,
    written: &mut ThinVec<Written>,
    quoted: &mut Vec<NodePath>,
) {
    match node {
        Value::String(s) if !crate::yaml::emit::reads_back_as_string(s) => {
            quoted.push(NodePath::of(at));
        }
        Value::Number(n) => {
            let Some(f) = n.as_f64().filter(|f| f.is_finite()) else {
                return;
            };
            // An integral float that fits an int64 is held as that int,
            // which prints as kustomize prints the float.
            let fits = f.fract() == 0.0 && f.abs() < 9.223_372_036_854_775e18;
            let held = match fits {
                true => Number::from(f as i64),
                false => Number::from_f64(f).unwrap_or_else(|| n.clone()),
            };
            let text = go_format::float_g(f);
            if text != held.as_str() {
                written.push(Written {
                    path: NodePath::of(at),
                    text: Text::Scalar(text.into()),
                });
            }
            *n = held;
        }
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                at.push(PathStep::Key(key.as_str().to_string()));
                through_json(value, at, written, quoted);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.push(PathStep::Index(i));
                through_json(item, at, written, quoted);
                at.pop();
            }
        }
        _ => {}
    }
}

fn apply_json6902(resmap: &mut ResMap, patch: &Patch, ops: &json6902::Patch) -> Result<()> {
    let target = patch
        .target
        .as_ref()
        .ok_or_else(|| BuildError::invalid(&patch.origin, "a JSON 6902 patch needs a 'target'"))?;
    let indices = selected(resmap, target, &patch.origin)?;
    resmap.try_update_at(&indices, |r| {
        let id = r.id();
        if patch.records_previous_id {
            r.store_previous_id();
        }
        // kustomize keeps its state in build annotations, so an object with
        // any (a recorded id, a prefix, a generator's) has an annotations
        // map: an op adding one annotation works where the file had none
        // (the map goes again at the end if it stays empty).
        let has_state = r.previous_entries().next().is_some()
            || !r.name_prefixes.is_empty()
            || !r.name_suffixes.is_empty()
            || r.generator.is_some();
        let helm_marker = r.value["metadata"]["annotations"][HELM_GENERATED].clone();
        let meta = r.metadata_mut();
        if has_state && meta.get("annotations").is_none_or(Value::is_null) {
            meta.insert("annotations".into(), Value::Object(Default::default()));
        }
        annotations_through_json(r);
        // Through JSON every node comes back with a tag, and quoted only
        // where its text needs it; in block style, so an object written
        // as JSON is no longer held as JSON, and with the text JSON gives
        // its value (`0x1F` is 31, `~` is null).
        r.untagged.clear();
        r.quoted = Default::default();
        r.flow.clear();
        r.written.clear();
        json6902::apply(&mut r.value, ops).map_err(|e| {
            // Point at the failing op's line in the patch file.
            let line = match &e {
                json6902::JsonPatchError::Apply { operation, .. } => patch
                    .lines
                    .first()
                    .and_then(|l| l.get(&format!("[{operation}]")))
                    .copied(),
                _ => None,
            };
            let message = format!("JSON patch failed on {id}: {e}");
            match line {
                Some(line) => BuildError::At {
                    path: patch.origin.clone(),
                    line,
                    message,
                },
                None => BuildError::invalid(&patch.origin, message),
            }
        })?;
        let mut quoted = Vec::new();
        through_json(&mut r.value, &mut Vec::new(), &mut r.written, &mut quoted);
        r.quoted = crate::model::node_path::NodePaths::new(quoted);
        // kustomize re-sets the annotations after a JSON patch, restoring
        // its internal ones (v5.8's helm marker), which rewrites them as a
        // string map.
        if !helm_marker.is_null() {
            r.metadata_mut()
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()))[HELM_GENERATED] = helm_marker;
        }
        r.normalize_annotations();
        Ok(true)
    })
}

/// Merges one patch document (with what it keeps of how it was written)
/// into the objects it targets.
fn apply_strategic(
    resmap: &mut ResMap,
    patch: &Patch,
    doc: &Value,
    style: &StylePaths,
    schema_table: &SchemaTable,
) -> Result<()> {
    let indices = match &patch.target {
        Some(target) => selected(resmap, target, &patch.origin)?,
        None => {
            let id = ResId::of(doc);
            let found = resmap.matching_any_id(&id);
            match found.len() {
                1 => found,
                0 => {
                    return Err(BuildError::invalid(
                        &patch.origin,
                        format!("no resource matches strategic merge patch for {id}"),
                    ));
                }
                _ => {
                    return Err(BuildError::invalid(
                        &patch.origin,
                        format!("multiple resources match strategic merge patch for {id}"),
                    ));
                }
            }
        }
    };
    let renames = patch.allow_name_change || patch.allow_kind_change;
    let merged: Result<()> = resmap.try_update_at(&indices, |r| {
        let (name, namespace, kind) = (
            r.name().to_string(),
            r.value["metadata"].get("namespace").cloned(),
            r.kind().to_string(),
        );
        if patch.allow_name_change || patch.allow_kind_change {
            r.store_previous_id();
        }
        let schema = schema_table.schema_for(&r.gvk());
        // A targeted patch takes the matched object's apiVersion (kustomize
        // copies the target's GVK onto the patch, keeping only its kind).
        let retargeted;
        let doc = match (&patch.target, r.value.get("apiVersion")) {
            (Some(_), Some(api_version)) => {
                let mut copy = doc.clone();
                if let Value::Object(m) = &mut copy {
                    m.insert("apiVersion".into(), api_version.clone());
                }
                retargeted = copy;
                &retargeted
            }
            _ => doc,
        };
        strategic_merge::drop_bare_nulls(&mut r.value, &mut r.written, schema);
        let targeted = patch.target.is_some();
        let outcome = merge_with_marks(r, doc, style, targeted, schema).map_err(|e| {
            BuildError::invalid(
                &patch.origin,
                format!("strategic merge into {} failed at {e}", r.id()),
            )
        })?;
        if outcome == Outcome::Deleted {
            return Ok(false);
        }
        // An annotation the patch sets is its value now, a string in
        // kustomize's annotation map, whatever the object had written.
        if !r.annotation_styles.is_empty()
            && let Some(Value::Object(set)) = doc["metadata"].get("annotations")
        {
            r.annotation_styles
                .retain(|(k, _)| set.get(k.as_str()).is_none());
        }
        if !patch.allow_kind_change {
            r.object_mut()
                .insert("kind".into(), Value::String(kind.into()));
        }
        if !patch.allow_name_change {
            r.set_name(&name);
        }
        match namespace {
            Some(ns) => {
                r.metadata_mut().insert("namespace".into(), ns);
            }
            None => {
                r.metadata_mut().shift_remove("namespace");
            }
        }
        Ok(true)
    });
    merged?;
    // kustomize adds every object back to the collection after a strategic
    // merge, so two that a rename gave the same id fail the build.
    match renames {
        true => resmap
            .check_unique_ids()
            .map_err(|e| BuildError::invalid(&patch.origin, e)),
        false => Ok(()),
    }
}

/// The strategic merge of `doc` into `r`, with the marks `r` keeps
/// followed through it. Merge keys written in a form their value does
/// not keep (`0x50`) are compared by that text, as kyaml compares them,
/// and hold their values again before the marks are placed.
fn merge_with_marks(
    r: &mut Resource,
    doc: &Value,
    style: &StylePaths,
    targeted: bool,
    schema: Option<SchemaRef>,
) -> std::result::Result<Outcome, strategic_merge::MergeError> {
    let marks = merge_marks::before_merge(r, doc, style, targeted, schema);
    let mut keys = key_texts::Swapped::default();
    let mut swapped_patch = None;
    if let Some(schema) = schema {
        // Only a number's or boolean's text can be a merge key's: the other
        // marks (bare nulls, folded blocks) need no path built.
        let object_marks = r
            .written
            .iter()
            .filter(|w| matches!(w.text, Text::Scalar(_)))
            .map(|w| (w.path.to_steps(), &w.text));
        keys.swap_in(&mut r.value, key_texts::among(object_marks, schema));
        let patch_marks = style.written.iter().map(|(at, text)| (at, text));
        let patch_keys = key_texts::among(patch_marks, schema);
        if !patch_keys.is_empty() {
            let mut copy = doc.clone();
            keys.swap_in(&mut copy, patch_keys);
            swapped_patch = Some(copy);
        }
    }
    let outcome =
        strategic_merge::apply(&mut r.value, swapped_patch.as_ref().unwrap_or(doc), schema)?;
    if outcome == Outcome::Patched {
        if let Some(schema) = schema.filter(|_| !keys.is_empty()) {
            keys.swap_back(&mut r.value, schema);
        }
        merge_marks::after_merge(r, marks);
    }
    Ok(outcome)
}

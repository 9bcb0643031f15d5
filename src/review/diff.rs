//! `nest-kz diff`: what changes between two builds, per object and field.
//!
//! Objects are paired by group, kind, namespace and the name they were
//! loaded with (before prefixes, suffixes and hash suffixes), so
//! `overlays/staging` and `overlays/prod` compare object for object and a
//! ConfigMap whose hash suffix changed reads as a rename. Fields are keyed
//! paths; list items are paired by the keys strategic merge pairs them by
//! (ports by port and protocol, containers and env by name, ...), by the
//! first identifying field for kinds without a schema, and by position only
//! where a list has no key. An item or map entry on one side only is one
//! change holding the whole value.

use crate::load::openapi::SchemaRef;
use crate::model::resource::{Resource, scalar_text};
use crate::model::value::{Key, Value};
use crate::review::explain::short;
use crate::review::warnings;
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Debug, PartialEq)]
pub enum Change {
    /// The whole object, so a reviewer can read a new object from the diff.
    Added(Value),
    /// The whole object as it was.
    Removed(Value),
    Changed(Vec<FieldChange>),
}

#[derive(Debug, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl FieldChange {
    /// Both sides text and at least one of several lines: shown as a line diff.
    pub fn multi_line(&self) -> Option<(&str, &str)> {
        fn text(v: &Option<Value>) -> Option<&str> {
            v.as_ref().and_then(Value::as_str)
        }
        let (old, new) = (text(&self.old)?, text(&self.new)?);
        (old.contains('\n') || new.contains('\n')).then_some((old, new))
    }
}

#[derive(Debug, PartialEq)]
pub struct ObjectDiff {
    /// `Kind/name (apiVersion)` as built on the new side (or the old, if removed).
    pub object: String,
    /// The old side's `Kind/name ...` when the built name changed (a new hash suffix, a new prefix).
    pub renamed_from: Option<String>,
    pub change: Change,
    /// A core Secret, whose `data`/`stringData` values `mask_secrets` hides.
    pub secret: bool,
    /// Changes the API server rejects or that are risky to roll out.
    pub warnings: Vec<String>,
}

fn is_secret(r: &Resource) -> bool {
    let id = r.id();
    id.gvk.kind == "Secret" && id.gvk.group.is_empty()
}

fn pairing_key(r: &Resource) -> (String, String, String, String) {
    let id = r.original_id();
    (
        id.gvk.group.to_string(),
        id.gvk.kind.to_string(),
        id.namespace.to_string(),
        id.name.to_string(),
    )
}

/// Differences from `old` to `new`, in `new`'s order, removed objects last.
pub fn diff(old: &[Resource], new: &[Resource]) -> Vec<ObjectDiff> {
    let old_by_key: HashMap<_, &Resource> = old.iter().map(|r| (pairing_key(r), r)).collect();
    let new_keys: std::collections::HashSet<_> = new.iter().map(pairing_key).collect();
    let mut out = Vec::new();
    for r in new {
        let object = r.id().to_string();
        match old_by_key.get(&pairing_key(r)) {
            None => out.push(ObjectDiff {
                warnings: warnings::for_object(None, r, &[]),
                object,
                renamed_from: None,
                change: Change::Added(r.value.clone()),
                secret: is_secret(r),
            }),
            Some(o) => {
                let fields = object_changes(&o.value, &r.value);
                if fields.is_empty() {
                    continue;
                }
                // A new namespace is a field change; a new name is a rename.
                let renamed = o.name() != r.name();
                out.push(ObjectDiff {
                    warnings: warnings::for_object(Some(o), r, &fields),
                    renamed_from: renamed.then(|| o.id().to_string()),
                    object,
                    change: Change::Changed(fields),
                    secret: is_secret(r),
                });
            }
        }
    }
    for r in old.iter().filter(|r| !new_keys.contains(&pairing_key(r))) {
        out.push(ObjectDiff {
            object: r.id().to_string(),
            renamed_from: None,
            change: Change::Removed(r.value.clone()),
            secret: is_secret(r),
            warnings: Vec::new(),
        });
    }
    out
}

/// The field changes between two versions of one object, in printed order.
pub fn object_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let schema = crate::load::openapi::schema_for(&crate::model::resid::ResId::of(new).gvk);
    let mut out = Vec::new();
    compare(old, new, schema, &[], String::new(), &mut out);
    out
}

fn change(out: &mut Vec<FieldChange>, path: String, old: Option<&Value>, new: Option<&Value>) {
    out.push(FieldChange {
        path,
        old: old.cloned(),
        new: new.cloned(),
    });
}

/// A field only one side has: a scalar as one change, a map or list as
/// its leaves, so `metadata.annotations` appearing lists each annotation.
/// (A list item on one side stays one change: see `compare_lists`.)
fn one_side(out: &mut Vec<FieldChange>, path: String, value: &Value, removed: bool) {
    for (leaf, v) in crate::model::provenance::leaves(value) {
        let at = crate::model::provenance::leaf_path(&path, &leaf);
        match removed {
            true => change(out, at, Some(v), None),
            false => change(out, at, None, Some(v)),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    crate::model::provenance::join(path, key)
}

/// `schema` describes the maps at this position (None: unknown); `list_keys`
/// are the merge keys when the value here is a list.
fn compare(
    old: &Value,
    new: &Value,
    schema: Option<SchemaRef<'_>>,
    list_keys: &[&str],
    path: String,
    out: &mut Vec<FieldChange>,
) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) if !(o.is_empty() && n.is_empty()) => {
            let mut keys: Vec<&Key> = n.keys().collect();
            crate::model::key_order::sort_keys(&mut keys, |k| k);
            for k in keys {
                let field = schema.and_then(|s| s.field(k));
                let child_schema = field.and_then(|f| f.element_schema());
                let child_keys = field.map(|f| f.merge_keys()).unwrap_or_default();
                match o.get(k) {
                    Some(ov) => compare(ov, &n[k], child_schema, &child_keys, join(&path, k), out),
                    None => one_side(out, join(&path, k), &n[k], false),
                }
            }
            let mut gone: Vec<&Key> = o.keys().filter(|k| !n.contains_key(k)).collect();
            crate::model::key_order::sort_keys(&mut gone, |k| k);
            for k in gone {
                one_side(out, join(&path, k), &o[k], true);
            }
        }
        (Value::Array(o), Value::Array(n)) if o != n => {
            compare_lists(o, n, schema, list_keys, &path, out);
        }
        _ if old != new => change(out, path, Some(old), Some(new)),
        _ => {}
    }
}

fn compare_lists(
    old: &[Value],
    new: &[Value],
    schema: Option<SchemaRef<'_>>,
    list_keys: &[&str],
    path: &str,
    out: &mut Vec<FieldChange>,
) {
    let Some(labels) = item_labels(old, new, schema.is_some(), list_keys) else {
        // By position.
        for i in 0..old.len().max(new.len()) {
            let at = format!("{path}[{i}]");
            match (old.get(i), new.get(i)) {
                (Some(o), Some(n)) => compare(o, n, schema, &[], at, out),
                (o, n) => change(out, at, o, n),
            }
        }
        return;
    };
    let (old_labels, new_labels) = labels;
    let old_at: HashMap<&str, usize> = old_labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    for (item, label) in new.iter().zip(&new_labels) {
        let at = format!("{path}{label}");
        match old_at.get(label.as_str()) {
            Some(&i) => compare(&old[i], item, schema, &[], at, out),
            None => change(out, at, None, Some(item)),
        }
    }
    let kept: std::collections::HashSet<&str> = new_labels.iter().map(String::as_str).collect();
    for (item, label) in old.iter().zip(&old_labels) {
        if !kept.contains(label.as_str()) {
            change(out, format!("{path}{label}"), Some(item), None);
        }
    }
}

/// `[k=v,...]` for every item of both lists, unique within each list, or
/// None to pair by position. With a schema, the merge keys decide (a list
/// the schema gives no key is positional); without one, the first
/// identifying field (`name`, `port`, ...) that works for both lists.
fn item_labels(
    old: &[Value],
    new: &[Value],
    has_schema: bool,
    list_keys: &[&str],
) -> Option<(Vec<String>, Vec<String>)> {
    let keys: Vec<&str> = if !list_keys.is_empty() {
        list_keys.to_vec()
    } else if has_schema {
        return None;
    } else {
        // One key that identifies items on each side (the union may repeat
        // an item that stayed).
        use crate::model::provenance::identifies;
        let key = crate::model::provenance::ELEMENT_KEYS
            .iter()
            .copied()
            .find(|k| identifies(old, k) && identifies(new, k))?;
        vec![key]
    };
    let label_all = |items: &[Value]| -> Option<Vec<String>> {
        let labels: Vec<String> = items
            .iter()
            .map(|i| label(i, &keys))
            .collect::<Option<_>>()?;
        let unique: std::collections::HashSet<&String> = labels.iter().collect();
        (unique.len() == labels.len()).then_some(labels)
    };
    Some((label_all(old)?, label_all(new)?))
}

/// `[port=53,protocol=UDP]`: the keys an item has (the first is required).
fn label(item: &Value, keys: &[&str]) -> Option<String> {
    let parts: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            item.get(*k)
                .filter(|v| !v.is_object() && !v.is_array())
                .map(|v| format!("{k}={}", scalar_text(v)))
        })
        .collect();
    item.get(*keys.first()?)?;
    Some(format!("[{}]", parts.join(",")))
}

/// A unified line diff of two texts (three lines of context), without file headers.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(3) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                let line = change.value().trim_end_matches('\n');
                out.push(format!("{sign}{line}"));
            }
        }
        out.push("@@".to_string());
    }
    // Groups are separated by `@@`; the last one needs no separator.
    out.pop();
    out
}

/// Plain or coloured (ANSI) text, one object header then one line per field.
pub fn render(diffs: &[ObjectDiff], colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for d in diffs {
        let header = match (&d.change, &d.renamed_from) {
            (Change::Added(_), _) => paint("32", &format!("+ {} (only in new)", d.object)),
            (Change::Removed(_), _) => paint("31", &format!("- {} (only in old)", d.object)),
            (Change::Changed(_), Some(from)) => {
                paint("1", &format!("~ {} (renamed from {from})", d.object))
            }
            (Change::Changed(_), None) => paint("1", &format!("~ {}", d.object)),
        };
        let _ = writeln!(out, "{header}");
        for w in &d.warnings {
            let _ = writeln!(out, "    {}", paint("33", &format!("! {w}")));
        }
        match &d.change {
            Change::Added(object) => whole(&mut out, object, "+", &|t| paint("32", t)),
            Change::Removed(object) => whole(&mut out, object, "-", &|t| paint("31", t)),
            Change::Changed(fields) => {
                for f in fields {
                    render_field(&mut out, f, &paint);
                }
            }
        }
    }
    out
}

fn whole(out: &mut String, object: &Value, sign: &str, paint: &dyn Fn(&str) -> String) {
    for line in crate::yaml::emit_document(object).lines() {
        let _ = writeln!(out, "{}", paint(&format!("    {sign} {line}")));
    }
}

fn render_field(out: &mut String, f: &FieldChange, paint: &dyn Fn(&str, &str) -> String) {
    if let Some((old, new)) = f.multi_line() {
        let _ = writeln!(out, "    {}:", f.path);
        for line in line_diff(old, new) {
            let code = match line.chars().next() {
                Some('-') => "31",
                Some('+') => "32",
                _ => "2",
            };
            let _ = writeln!(out, "      {}", paint(code, &line));
        }
        return;
    }
    let side = |v: &Option<Value>| v.as_ref().map(short).unwrap_or_else(|| "(absent)".into());
    let _ = writeln!(
        out,
        "    {}: {} -> {}",
        f.path,
        paint("31", &side(&f.old)),
        paint("32", &side(&f.new))
    );
}

/// Hides Secret values as `kubectl diff` does: `***` where both sides
/// hold the same value, `*** (before)` / `*** (after)` where it changed.
/// Keys stay visible, so a reviewer sees which entries moved.
pub fn mask_secrets(diffs: &mut [ObjectDiff]) {
    let masked = |path: &str| path.starts_with("data.") || path.starts_with("stringData.");
    let mask_map = |object: &mut Value| {
        if let Value::Object(map) = object {
            for v in map.values_mut() {
                *v = Value::String("***".into());
            }
        }
    };
    for d in diffs.iter_mut().filter(|d| d.secret) {
        match &mut d.change {
            // A whole Secret shows its keys, never its values.
            Change::Added(object) | Change::Removed(object) => {
                for field in ["data", "stringData"] {
                    if let Some(map) = object.get_mut(field) {
                        mask_map(map);
                    }
                }
            }
            Change::Changed(fields) => {
                for f in fields.iter_mut() {
                    if f.path == "data" || f.path == "stringData" {
                        f.old.iter_mut().chain(f.new.iter_mut()).for_each(mask_map);
                        continue;
                    }
                    if !masked(&f.path) {
                        continue;
                    }
                    let (before, after) = if f.old.is_some() && f.new.is_some() {
                        ("*** (before)", "*** (after)")
                    } else {
                        ("***", "***")
                    };
                    if let Some(v) = f.old.as_mut() {
                        *v = Value::String(before.into());
                    }
                    if let Some(v) = f.new.as_mut() {
                        *v = Value::String(after.into());
                    }
                }
            }
        }
    }
}

/// The counts of added, removed and changed objects.
pub fn tally(diffs: &[ObjectDiff]) -> (usize, usize, usize) {
    let count = |f: fn(&Change) -> bool| diffs.iter().filter(|d| f(&d.change)).count();
    (
        count(|c| matches!(c, Change::Added(_))),
        count(|c| matches!(c, Change::Removed(_))),
        count(|c| matches!(c, Change::Changed(_))),
    )
}

/// Markdown for a pull-request comment: a one-line tally, then one
/// collapsible `<details>` block per object with its field changes.
pub fn render_markdown(diffs: &[ObjectDiff]) -> String {
    if diffs.is_empty() {
        return "No changes.\n".to_string();
    }
    let (added, removed, changed) = tally(diffs);
    let mut out = format!(
        "**{} object{} differ**: {added} added, {removed} removed, {changed} changed\n\n",
        diffs.len(),
        if diffs.len() == 1 { "" } else { "s" }
    );
    for d in diffs {
        out.push_str(&markdown_object(d));
    }
    out
}

/// Text safe inside HTML (a `<summary>`, a `<code>`).
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One object's `<details>` block.
pub fn markdown_object(d: &ObjectDiff) -> String {
    let mut out = String::new();
    let (mark, what) = match &d.change {
        Change::Added(_) => ("➕", "added".to_string()),
        Change::Removed(_) => ("➖", "removed".to_string()),
        Change::Changed(f) => (
            "✏️",
            format!("{} field{}", f.len(), if f.len() == 1 { "" } else { "s" }),
        ),
    };
    let renamed = d
        .renamed_from
        .as_ref()
        .map(|from| format!(", renamed from <code>{}</code>", html(from)))
        .unwrap_or_default();
    let warned = if d.warnings.is_empty() { "" } else { " ⚠️" };
    let _ = writeln!(
        out,
        "<details><summary>{mark} <code>{}</code> ({what}{renamed}){warned}</summary>\n",
        html(&d.object)
    );
    for w in &d.warnings {
        let _ = writeln!(out, "> ⚠️ {}\n", html(w).replace('|', "\\|"));
    }
    match &d.change {
        Change::Changed(fields) => markdown_fields(&mut out, fields),
        Change::Added(object) | Change::Removed(object) => {
            let side = match d.change {
                Change::Added(_) => "new",
                _ => "old",
            };
            let yaml = crate::yaml::emit_document(object);
            let _ = writeln!(
                out,
                "Only in the {side} build:\n\n{}",
                fenced("yaml", &yaml)
            );
        }
    }
    out.push_str("\n</details>\n\n");
    out
}

fn markdown_fields(out: &mut String, fields: &[FieldChange]) {
    // Table cells must not break the row or start HTML.
    let cell = |v: Option<&Value>| match v {
        Some(v) => format!(
            "`{}`",
            short(v)
                .replace('`', "'")
                .replace('|', "\\|")
                .replace('\n', " ")
        ),
        None => "*(absent)*".to_string(),
    };
    let (texts, plain): (Vec<&FieldChange>, Vec<&FieldChange>) =
        fields.iter().partition(|f| f.multi_line().is_some());
    if !plain.is_empty() {
        out.push_str("| field | before | after |\n|---|---|---|\n");
        for f in plain {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                f.path.replace('|', "\\|").replace('`', "'"),
                cell(f.old.as_ref()),
                cell(f.new.as_ref())
            );
        }
    }
    for f in texts {
        let Some((old, new)) = f.multi_line() else {
            continue;
        };
        let body: String = line_diff(old, new)
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        let _ = writeln!(
            out,
            "\n`{}`:\n\n{}",
            f.path.replace('`', "'"),
            fenced("diff", &body)
        );
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
pub fn fenced(info: &str, body: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(body).max(2) + 1);
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{body}{newline}{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

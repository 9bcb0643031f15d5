//! `nest-kz diff`: what changes between two builds, per object and field.
//!
//! Objects are paired by group, kind and the name they were loaded with
//! (before prefixes, suffixes and hash suffixes), so `overlays/staging` and
//! `overlays/prod` compare object for object; fields are keyed paths.

use crate::model::provenance::leaves;
use crate::model::resource::Resource;
use crate::model::value::Value;
use crate::review::explain::short;
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

#[derive(Debug, PartialEq)]
pub struct ObjectDiff {
    /// `Kind/name (apiVersion)` as built on the new side (or the old, if removed).
    pub object: String,
    pub change: Change,
    /// A core Secret, whose `data`/`stringData` values `mask_secrets` hides.
    pub secret: bool,
}

fn is_secret(r: &Resource) -> bool {
    let id = r.id();
    id.gvk.kind == "Secret" && id.gvk.group.is_empty()
}

fn pairing_key(r: &Resource) -> (String, String, String) {
    let id = r.original_id();
    (
        id.gvk.group.to_string(),
        id.gvk.kind.to_string(),
        id.name.to_string(),
    )
}

/// Differences from `old` to `new`, in `new`'s order, removed objects last.
pub fn diff(old: &[Resource], new: &[Resource]) -> Vec<ObjectDiff> {
    let old_by_key: HashMap<_, &Resource> = old.iter().map(|r| (pairing_key(r), r)).collect();
    let new_keys: Vec<_> = new.iter().map(pairing_key).collect();
    let mut out = Vec::new();
    for (r, key) in new.iter().zip(&new_keys) {
        match old_by_key.get(key) {
            None => out.push(ObjectDiff {
                object: r.id().to_string(),
                change: Change::Added(r.value.clone()),
                secret: is_secret(r),
            }),
            Some(o) => {
                let fields = field_changes(&o.value, &r.value);
                if !fields.is_empty() {
                    out.push(ObjectDiff {
                        object: r.id().to_string(),
                        change: Change::Changed(fields),
                        secret: is_secret(r),
                    });
                }
            }
        }
    }
    for r in old.iter().filter(|r| !new_keys.contains(&pairing_key(r))) {
        out.push(ObjectDiff {
            object: r.id().to_string(),
            change: Change::Removed(r.value.clone()),
            secret: is_secret(r),
        });
    }
    out
}

fn field_changes(old: &Value, new: &Value) -> Vec<FieldChange> {
    let old_leaves: Vec<(String, &Value)> = leaves(old);
    let new_leaves: Vec<(String, &Value)> = leaves(new);
    let old_map: HashMap<&str, &Value> = old_leaves.iter().map(|(p, v)| (p.as_str(), *v)).collect();
    let new_map: HashMap<&str, &Value> = new_leaves.iter().map(|(p, v)| (p.as_str(), *v)).collect();
    let mut out = Vec::new();
    for (path, value) in &new_leaves {
        match old_map.get(path.as_str()) {
            Some(o) if o == value => {}
            o => out.push(FieldChange {
                path: path.clone(),
                old: o.map(|v| (*v).clone()),
                new: Some((*value).clone()),
            }),
        }
    }
    for (path, value) in &old_leaves {
        if !new_map.contains_key(path.as_str()) {
            out.push(FieldChange {
                path: path.clone(),
                old: Some((*value).clone()),
                new: None,
            });
        }
    }
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
        match &d.change {
            Change::Added(object) => {
                let _ = writeln!(
                    out,
                    "{}",
                    paint("32", &format!("+ {} (only in new)", d.object))
                );
                for line in crate::yaml::emit_document(object).lines() {
                    let _ = writeln!(out, "{}", paint("32", &format!("    + {line}")));
                }
            }
            Change::Removed(object) => {
                let _ = writeln!(
                    out,
                    "{}",
                    paint("31", &format!("- {} (only in old)", d.object))
                );
                for line in crate::yaml::emit_document(object).lines() {
                    let _ = writeln!(out, "{}", paint("31", &format!("    - {line}")));
                }
            }
            Change::Changed(fields) => {
                let _ = writeln!(out, "{}", paint("1", &format!("~ {}", d.object)));
                for f in fields {
                    let old = f
                        .old
                        .as_ref()
                        .map(short)
                        .unwrap_or_else(|| "(absent)".into());
                    let new = f
                        .new
                        .as_ref()
                        .map(short)
                        .unwrap_or_else(|| "(absent)".into());
                    let _ = writeln!(
                        out,
                        "    {}: {} -> {}",
                        f.path,
                        paint("31", &old),
                        paint("32", &new)
                    );
                }
            }
        }
    }
    out
}

/// Hides Secret values as `kubectl diff` does: `***` where both sides
/// hold the same value, `*** (before)` / `*** (after)` where it changed.
/// Keys stay visible, so a reviewer sees which entries moved.
pub fn mask_secrets(diffs: &mut [ObjectDiff]) {
    let masked = |path: &str| path.starts_with("data.") || path.starts_with("stringData.");
    for d in diffs.iter_mut().filter(|d| d.secret) {
        // A whole Secret shows its keys, never its values.
        if let Change::Added(object) | Change::Removed(object) = &mut d.change {
            for field in ["data", "stringData"] {
                if let Some(Value::Object(map)) = object.get_mut(field) {
                    for v in map.values_mut() {
                        *v = Value::String("***".into());
                    }
                }
            }
        }
        if let Change::Changed(fields) = &mut d.change {
            for f in fields.iter_mut().filter(|f| masked(&f.path)) {
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

/// Markdown for a pull-request comment: a one-line tally, then one
/// collapsible `<details>` block per object with its field changes.
pub fn render_markdown(diffs: &[ObjectDiff]) -> String {
    let count = |f: fn(&Change) -> bool| diffs.iter().filter(|d| f(&d.change)).count();
    let (added, removed, changed) = (
        count(|c| matches!(c, Change::Added(_))),
        count(|c| matches!(c, Change::Removed(_))),
        count(|c| matches!(c, Change::Changed(_))),
    );
    let mut out = String::new();
    if diffs.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "**{} object{} differ**: {added} added, {removed} removed, {changed} changed\n",
        diffs.len(),
        if diffs.len() == 1 { "" } else { "s" }
    );
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
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for d in diffs {
        let (mark, what) = match &d.change {
            Change::Added(_) => ("➕", "added".to_string()),
            Change::Removed(_) => ("➖", "removed".to_string()),
            Change::Changed(f) => (
                "✏️",
                format!("{} field{}", f.len(), if f.len() == 1 { "" } else { "s" }),
            ),
        };
        let _ = writeln!(
            out,
            "<details><summary>{mark} <code>{}</code> ({what})</summary>\n",
            html(&d.object)
        );
        match &d.change {
            Change::Changed(fields) => {
                out.push_str("| field | before | after |\n|---|---|---|\n");
                for f in fields {
                    let _ = writeln!(
                        out,
                        "| `{}` | {} | {} |",
                        f.path.replace('|', "\\|"),
                        cell(f.old.as_ref()),
                        cell(f.new.as_ref())
                    );
                }
            }
            Change::Added(object) | Change::Removed(object) => {
                let side = match d.change {
                    Change::Added(_) => "new",
                    _ => "old",
                };
                let yaml = crate::yaml::emit_document(object);
                // A fence longer than any backtick run inside the object.
                let fence = "`".repeat(longest_backtick_run(&yaml).max(2) + 1);
                let _ = writeln!(
                    out,
                    "Only in the {side} build:\n\n{fence}yaml\n{yaml}{fence}"
                );
            }
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

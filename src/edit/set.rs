//! `edit set ...`: fields that take one value, and keyed lists (images,
//! replicas) whose entries are replaced by name.
//!
//! kustomize rewrites `images` and `replicas` sorted by name. Here existing
//! entries keep their place and only their changed lines change; new
//! entries go at the end, sorted by name among themselves.

use super::args::SetCommand;
use super::file::Session;
use super::image::{self, ImageArg};
use super::{Outcome, Result, pairs};
use crate::json;
use crate::model::value::Value;
use crate::yaml_path;
use indexmap::IndexMap;
use std::path::Path;

pub fn run(dir: &Path, what: SetCommand) -> Result<Outcome> {
    match what {
        SetCommand::Image { images } => set_images(dir, &images),
        SetCommand::Namespace { namespace } => set_scalar(dir, "namespace", &namespace),
        SetCommand::Nameprefix { prefix } => set_scalar(dir, "namePrefix", &prefix),
        SetCommand::Namesuffix { suffix } => set_scalar(dir, "nameSuffix", &suffix),
        SetCommand::Replicas { replicas } => set_replicas(dir, &replicas),
        SetCommand::Label { labels } => set_pairs(dir, "commonLabels", "label", &labels),
        SetCommand::Annotation { annotations } => {
            set_pairs(dir, "commonAnnotations", "annotation", &annotations)
        }
        SetCommand::Buildmetadata { options } => set_build_metadata(dir, &options),
    }
}

/// `namespace`, `namePrefix`, `nameSuffix`: exactly one value; an empty
/// value removes the field (kustomize omits empty strings when it writes).
fn set_scalar(dir: &Path, field: &str, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let [value] = args else {
        let what = match field {
            "namespace" => "namespace",
            "namePrefix" => "prefix",
            _ => "suffix",
        };
        return Err(s.invalid(format!("must specify exactly one {what} value")));
    };
    let path = yaml_path![field];
    let result = if value.is_empty() {
        match s.doc.get(&path) {
            Some(_) => s.doc.remove(&path),
            None => Ok(()),
        }
    } else {
        s.doc.set(&path, &json!(value))
    };
    result.map_err(|e| s.yaml_err(e))?;
    s.save()
}

/// Parses every argument before anything is written; the last argument for
/// a name wins, as kustomize keeps them in a map.
fn set_images(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if args.is_empty() {
        return Err(s.invalid("no image specified"));
    }
    let mut wanted: IndexMap<String, ImageArg> = IndexMap::new();
    for arg in args {
        let img = image::parse(arg).map_err(|m| s.invalid(m))?;
        wanted.insert(img.name.clone(), img);
    }
    let existing = s.items("images");
    let mut new_entries = Vec::new();
    for (name, arg) in &wanted {
        let matching: Vec<usize> = existing
            .iter()
            .enumerate()
            .filter(|(_, e)| e.get("name").and_then(Value::as_str) == Some(name))
            .map(|(i, _)| i)
            .collect();
        if matching.is_empty() {
            new_entries.push(arg.resolve(None));
        }
        for i in matching {
            let img = arg.resolve(existing.get(i));
            update_image(&mut s, i, &img)?;
        }
    }
    new_entries.sort_by(|a, b| a.name.cmp(&b.name));
    for img in new_entries {
        s.doc
            .append(&yaml_path!["images"], &img.to_value())
            .map_err(|e| s.yaml_err(e))?;
    }
    s.save()
}

/// Rewrites entry `i` to `img`: the values it sets change in place, the
/// ones it does not set (including tagSuffix) go, as kustomize replaces
/// the whole entry.
fn update_image(s: &mut Session, i: usize, img: &ImageArg) -> Result<()> {
    let wanted = [
        ("newName", img.new_name.as_str()),
        ("newTag", img.new_tag.as_str()),
        ("digest", img.digest.as_str()),
        ("tagSuffix", ""),
    ];
    for (field, value) in wanted {
        let path = yaml_path!["images", i, field];
        let current = s.doc.get(&path).cloned();
        let result = match (current, value.is_empty()) {
            (Some(Value::String(c)), false) if c == value => Ok(()),
            (_, false) => s.doc.set(&path, &json!(value)),
            (Some(_), true) => s.doc.remove(&path),
            (None, true) => Ok(()),
        };
        result.map_err(|e| s.yaml_err(e))?;
    }
    Ok(())
}

/// `NAME=COUNT` with a (signed, 64-bit) decimal count, as Go's ParseInt reads it.
fn parse_replica(arg: &str) -> Option<(String, i64)> {
    let mut parts = arg.split('=');
    let (name, count, None) = (parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    let digits = count.strip_prefix(['+', '-']).unwrap_or(count);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name.to_string(), count.parse().ok()?))
}

fn set_replicas(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if args.is_empty() {
        return Err(s.invalid("no replicas specified"));
    }
    let mut wanted: IndexMap<String, i64> = IndexMap::new();
    for arg in args {
        let (name, count) = parse_replica(arg).ok_or_else(|| {
            s.invalid(format!(
                "'{arg}': invalid format of replica, use the following format: <name>=<count>"
            ))
        })?;
        wanted.insert(name, count);
    }
    let existing = s.items("replicas");
    let mut new_entries = Vec::new();
    for (name, count) in &wanted {
        let mut found = false;
        for (i, e) in existing.iter().enumerate() {
            if e.get("name").and_then(Value::as_str) != Some(name) {
                continue;
            }
            found = true;
            if e.get("count").and_then(Value::as_i64) != Some(*count) {
                s.doc
                    .set(&yaml_path!["replicas", i, "count"], &json!(count))
                    .map_err(|e| s.yaml_err(e))?;
            }
        }
        if !found {
            new_entries.push((name.clone(), *count));
        }
    }
    new_entries.sort();
    for (name, count) in new_entries {
        // kustomize's key order (alphabetical): count, name.
        s.doc
            .append(
                &yaml_path!["replicas"],
                &json!({"count": count, "name": name}),
            )
            .map_err(|e| s.yaml_err(e))?;
    }
    s.save()
}

/// `set label` / `set annotation`: commonLabels / commonAnnotations keys,
/// overwriting values that are there.
fn set_pairs(dir: &Path, field: &str, kind: &str, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    if args.is_empty() {
        return Err(s.invalid(format!("must specify {kind}")));
    }
    let pairs = pairs::key_values(args, kind).map_err(|m| s.invalid(m))?;
    if kind == "annotation"
        && let Some(bad) = pairs.keys().find(|k| !pairs::is_valid_annotation_key(k))
    {
        return Err(s.invalid(format!(
            "invalid annotation key '{bad}': see the syntax and character set rules at https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/"
        )));
    }
    write_pairs(&mut s, field, &pairs)?;
    s.save()
}

/// Sets each key of `pairs` in the map `field` (created when missing).
pub fn write_pairs(s: &mut Session, field: &str, pairs: &IndexMap<String, String>) -> Result<()> {
    for (k, v) in pairs {
        let path = yaml_path![field, k];
        if s.doc.get(&path).and_then(Value::as_str) == Some(v.as_str()) {
            continue;
        }
        s.doc.set(&path, &json!(v)).map_err(|e| s.yaml_err(e))?;
    }
    Ok(())
}

fn set_build_metadata(dir: &Path, args: &[String]) -> Result<Outcome> {
    let mut s = Session::open(dir)?;
    let options = pairs::build_metadata(args).map_err(|m| s.invalid(m))?;
    let path = yaml_path!["buildMetadata"];
    if s.strings("buildMetadata") != options {
        s.doc
            .set(&path, &json!(options))
            .map_err(|e| s.yaml_err(e))?;
    }
    s.save()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_arguments() {
        assert_eq!(parse_replica("a=3"), Some(("a".into(), 3)));
        assert_eq!(parse_replica("a=+3"), Some(("a".into(), 3)));
        assert_eq!(parse_replica("a=-1"), Some(("a".into(), -1)));
        assert_eq!(parse_replica("a=x"), None);
        assert_eq!(parse_replica("a=3=4"), None);
        assert_eq!(parse_replica("a"), None);
        assert_eq!(parse_replica("a=99999999999999999999"), None);
    }
}

//! `replacements`: copy one field of a source resource into fields of
//! target resources (kustomize v5's ReplacementTransformer).
//!
//! Field paths are dotted (`spec.template.spec.containers.[name=app].image`);
//! a segment `[k=v]` picks list elements whose `k` is `v`, a number picks an
//! index. `options.delimiter`/`index` address one part of a delimited
//! string; `options.create` creates missing target fields.

use crate::error::{BuildError, Result};
use crate::load::go_json::{self, Unknown};
use crate::load::kustomization::{ReplacementEntry, Selector};
use crate::load::loader::Loader;
use crate::model::limits;
use crate::model::resmap::ResMap;
use crate::model::selector::CompiledSelector;
use crate::model::value::{Map, Value};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Replacement {
    source: Source,
    #[serde(default)]
    targets: Vec<Target>,
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
    select: Selector,
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
    match (&entry.path, &entry.source) {
        (Some(path), None) => {
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
        (None, Some(source)) => {
            let value = crate::json!({"source": source, "targets": entry.targets.clone().unwrap_or(Value::Array(vec![]))});
            Ok(vec![(kfile.to_path_buf(), parse(kfile, value)?)])
        }
        _ => Err(BuildError::invalid(
            kfile,
            "a replacement needs either 'path' or 'source'",
        )),
    }
}

fn apply_one(resmap: &mut ResMap, r: &Replacement, origin: &Path) -> Result<()> {
    if let Some(path) = &r.source.field_path {
        limits::check_field_path(path, '.').map_err(|m| BuildError::invalid(origin, m))?;
    }
    let value = source_value(resmap, &r.source, origin)?;
    for target in &r.targets {
        let select = CompiledSelector::new(&target.select, origin)?;
        let rejects = target
            .reject
            .iter()
            .map(|s| CompiledSelector::new(s, origin))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let paths = if target.field_paths.is_empty() {
            vec!["metadata.name".to_string()]
        } else {
            target.field_paths.clone()
        };
        // The walker recurses once per segment, and `create` builds one level
        // per segment: bound both before walking.
        for path in &paths {
            limits::check_field_path(path, '.').map_err(|m| BuildError::invalid(origin, m))?;
        }
        for res in resmap.iter_mut() {
            if !select.selects_any_id(res) || rejects.iter().any(|rj| rj.selects_any_id(res)) {
                continue;
            }
            // A replacement copies a value into others: chained ones can
            // double an object's size or depth each time.
            let before = limits::measure(&res.value);
            for path in &paths {
                let segments = parse_path(path);
                let id = res.id();
                let mut hits = 0;
                set_at(
                    &mut res.value,
                    &segments,
                    target.options.create,
                    &mut |node| {
                        hits += 1;
                        *node = with_delimiter(node, &value, &target.options);
                    },
                );
                if hits == 0 {
                    let what = if target.options.create {
                        "unable to create"
                    } else {
                        "unable to find"
                    };
                    return Err(BuildError::invalid(
                        origin,
                        format!("{what} field \"{path}\" in replacement target {id}"),
                    ));
                }
            }
            limits::check_grown(&res.value, Some(before), origin, "a replacement")?;
        }
    }
    Ok(())
}

fn source_value(resmap: &ResMap, source: &Source, origin: &Path) -> Result<Value> {
    let selector = Selector {
        group: source.group.clone(),
        version: source.version.clone(),
        kind: source.kind.clone(),
        name: source.name.clone(),
        namespace: source.namespace.clone(),
        ..Default::default()
    };
    let sel = CompiledSelector::new(&selector, origin)?;
    let found: Vec<_> = resmap.iter().filter(|r| sel.selects_any_id(r)).collect();
    let res = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(BuildError::invalid(
                origin,
                format!("replacement source {selector:?} matches no resource"),
            ));
        }
        _ => {
            return Err(BuildError::invalid(
                origin,
                format!("replacement source {selector:?} matches more than one resource"),
            ));
        }
    };
    let path = source
        .field_path
        .clone()
        .unwrap_or_else(|| "metadata.name".into());
    let mut found_value = None;
    let mut copy = res.value.clone();
    set_at(&mut copy, &parse_path(&path), false, &mut |node| {
        if found_value.is_none() {
            found_value = Some(node.clone());
        }
    });
    let value = found_value.ok_or_else(|| {
        BuildError::invalid(
            origin,
            format!(
                "replacement source field '{path}' not found in {}",
                res.id()
            ),
        )
    })?;
    match (&source.options.delimiter, &value) {
        (Some(d), Value::String(s)) if !d.is_empty() => {
            let parts: Vec<&str> = s.split(d.as_str()).collect();
            let part = usize::try_from(source.options.index)
                .ok()
                .and_then(|i| parts.get(i))
                .ok_or_else(|| {
                    BuildError::invalid(
                        origin,
                        format!(
                            "replacement source options.index {} out of range",
                            source.options.index
                        ),
                    )
                })?;
            Ok(Value::String((*part).into()))
        }
        _ => Ok(value),
    }
}

fn with_delimiter(current: &Value, value: &Value, options: &Options) -> Value {
    let (Some(d), Value::String(cur)) = (
        options.delimiter.as_ref().filter(|d| !d.is_empty()),
        current,
    ) else {
        return value.clone();
    };
    let mut parts: Vec<String> = cur.split(d.as_str()).map(str::to_string).collect();
    let text = crate::model::resource::scalar_text(value);
    match usize::try_from(options.index) {
        Ok(i) if i < parts.len() => parts[i] = text,
        Ok(_) => parts.push(text),
        Err(_) => parts.insert(0, text),
    }
    Value::String(parts.join(d).into())
}

#[derive(Debug, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
    Match(String, String),
    /// `*`: every element of a list (kyaml's PathMatcher wildcard).
    Every,
}

/// Splits a dotted field path, keeping `[...]` segments whole.
fn parse_path(path: &str) -> Vec<Segment> {
    let raw = crate::model::selector::split_outside(path, '.', '[', ']');
    raw.into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let inner = s.strip_prefix('[').and_then(|x| x.strip_suffix(']'));
            match inner {
                Some(inner) => match inner.split_once('=') {
                    Some((k, v)) => Segment::Match(k.to_string(), v.to_string()),
                    None => inner
                        .parse()
                        .map(Segment::Index)
                        .unwrap_or(Segment::Field(inner.to_string())),
                },
                None if s == "*" => Segment::Every,
                None => s.parse().map(Segment::Index).unwrap_or(Segment::Field(s)),
            }
        })
        .collect()
}

fn set_at(node: &mut Value, path: &[Segment], create: bool, visit: &mut dyn FnMut(&mut Value)) {
    let Some((head, rest)) = path.split_first() else {
        visit(node);
        return;
    };
    match (head, node) {
        (Segment::Field(name), Value::Object(map)) => {
            if !map.contains_key(name) {
                if !create {
                    return;
                }
                let fresh = match rest.first() {
                    None => Value::Null,
                    Some(Segment::Field(_)) => Value::Object(Map::new()),
                    Some(_) => Value::Array(Vec::new()),
                };
                map.insert(name.as_str().into(), fresh);
            }
            if let Some(child) = map.get_mut(name) {
                set_at(child, rest, create, visit);
            }
        }
        // A null on the way becomes a map when creating.
        (Segment::Field(_), node @ Value::Null) if create => {
            *node = Value::Object(Map::new());
            set_at(node, path, create, visit);
        }
        (Segment::Index(i), Value::Array(items)) => {
            if let Some(child) = items.get_mut(*i) {
                set_at(child, rest, create, visit);
            }
        }
        (Segment::Every, Value::Array(items)) => {
            for child in items.iter_mut() {
                set_at(child, rest, create, visit);
            }
        }
        (Segment::Match(k, v), Value::Array(items)) => {
            let mut any = false;
            for item in items.iter_mut() {
                if item
                    .get(k)
                    .map(crate::model::resource::scalar_text)
                    .as_deref()
                    == Some(v.as_str())
                {
                    any = true;
                    set_at(item, rest, create, visit);
                }
            }
            if !any && create {
                let mut fresh = Map::new();
                fresh.insert(k.as_str().into(), Value::String(v.as_str().into()));
                items.push(Value::Object(fresh));
                if let Some(last) = items.last_mut() {
                    set_at(last, rest, create, visit);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bracketed_segments() {
        assert_eq!(
            parse_path("spec.containers.[name=app].env.0.value"),
            vec![
                Segment::Field("spec".into()),
                Segment::Field("containers".into()),
                Segment::Match("name".into(), "app".into()),
                Segment::Field("env".into()),
                Segment::Index(0),
                Segment::Field("value".into()),
            ]
        );
        assert_eq!(
            parse_path("metadata.annotations.[a.b/c]"),
            vec![
                Segment::Field("metadata".into()),
                Segment::Field("annotations".into()),
                Segment::Field("a.b/c".into())
            ]
        );
    }
}

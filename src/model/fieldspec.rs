//! Field specs: "this path, in resources of this kind", the unit every
//! builtin transformer is configured with, and the walker that visits them.

use crate::model::key::Key;
use crate::model::node_path::{NodePath, Step};
use crate::model::resid::Gvk;
use crate::model::value::{Map, Str, Value};
use serde::Deserialize;
use std::borrow::Cow;

/// A field spec as written in configuration (kustomization `labels[].fields`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSpecConfig {
    /// Bounded: walkers recurse, and `create` builds, one level per segment.
    #[serde(deserialize_with = "crate::model::limits::bounded_slash_path")]
    pub path: String,
    #[serde(default)]
    pub create: bool,
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
}

/// Text is kept in place (`Str`), so the builtin table's specs are made
/// from static strings without allocating each one.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub group: Option<Str>,
    pub version: Option<Str>,
    pub kind: Option<Str>,
    /// Borrowed for the builtin table's specs, owned for configured ones.
    pub path: Cow<'static, [Str]>,
    pub create: bool,
}

impl From<&FieldSpecConfig> for FieldSpec {
    fn from(c: &FieldSpecConfig) -> Self {
        FieldSpec {
            group: c.group.as_deref().map(Str::from),
            version: c.version.as_deref().map(Str::from),
            kind: c.kind.as_deref().map(Str::from),
            path: split_path(&c.path).into(),
            create: c.create,
        }
    }
}

/// `a/b[]/c` -> ["a", "b[]", "c"]. Lists are walked wherever they are met;
/// the `[]` mark says a segment is a list, which is never created.
pub fn split_path(path: &str) -> Vec<Str> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(Str::from)
        .collect()
}

impl FieldSpec {
    /// A spec for every kind at `path`.
    pub fn at(path: &[&str], create: bool) -> FieldSpec {
        FieldSpec {
            group: None,
            version: None,
            kind: None,
            path: path.iter().map(|&s| Str::from(s)).collect(),
            create,
        }
    }

    /// kustomize's `Gvk.String()` of the spec's selector (`~G_~V_Kind`).
    pub fn gvk_string(&self) -> String {
        let or = |v: &Option<Str>, d: &str| match v.as_deref() {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => d.to_string(),
        };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }

    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        let ok = |want: &Option<Str>, have: &str| {
            want.as_deref().is_none_or(|w| w.is_empty() || w == have)
        };
        ok(&self.group, &gvk.group) && ok(&self.version, &gvk.version) && ok(&self.kind, &gvk.kind)
    }
}

/// What a transformer creates when a field spec with `create: true` names
/// a missing field: kustomize's filters each pass their own kind (a
/// namespace or name is a scalar, labels are a map); name references and
/// vars pass none and never create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    None,
    Scalar,
    Map,
}

/// Calls `visit` on every value at `path` under `node`, as kustomize's
/// field-spec filter walks it: a list met on the way is walked element by
/// element without consuming a segment; a null or missing field ends the
/// walk, unless `create` allows creating it (never a `name[]` list); a
/// scalar where the path goes on is an error.
pub fn walk(
    node: &mut Value,
    path: &[Str],
    create: CreateKind,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    walk_from(node, path, create, None, &mut |node, _| visit(node))
}

/// The steps from an object's root to the node a walk is at, kept on the
/// walk's own stack: most visits never ask for them.
pub struct Trail<'a> {
    step: TrailStep<'a>,
    parent: Option<&'a Trail<'a>>,
}

#[derive(Clone, Copy)]
enum TrailStep<'a> {
    Key(&'a str),
    Index(usize),
}

impl Trail<'_> {
    /// The steps from the root, as a kept path.
    pub fn path(trail: Option<&Trail>) -> NodePath {
        let mut steps = Vec::new();
        let mut at = trail;
        while let Some(t) = at {
            steps.push(match t.step {
                TrailStep::Key(k) => Step::Key(Key::new(k)),
                TrailStep::Index(i) => Step::Index(i),
            });
            at = t.parent;
        }
        steps.reverse();
        NodePath::new(steps)
    }
}

type Visit<'v> = dyn FnMut(&mut Value, Option<&Trail>) -> Result<(), String> + 'v;

fn walk_from(
    node: &mut Value,
    path: &[Str],
    create: CreateKind,
    trail: Option<&Trail>,
    visit: &mut Visit,
) -> Result<(), String> {
    let Some((segment, rest)) = path.split_first() else {
        return visit(node, trail);
    };
    match node {
        Value::Null => Ok(()),
        Value::Array(items) => items.iter_mut().enumerate().try_for_each(|(i, item)| {
            let here = Trail {
                step: TrailStep::Index(i),
                parent: trail,
            };
            walk_from(item, path, create, Some(&here), visit)
        }),
        Value::Object(map) => {
            let (field, is_list) = match segment.strip_suffix("[]") {
                Some(f) => (f, true),
                None => (segment.as_str(), false),
            };
            if field.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let here = Trail {
                step: TrailStep::Key(field),
                parent: trail,
            };
            let make = match create {
                _ if is_list => None,
                CreateKind::None => None,
                _ if !rest.is_empty() => Some(CreateKind::Map),
                kind => Some(kind),
            };
            let Some(make) = make else {
                return match map.get_mut(field) {
                    Some(child) => walk_from(child, rest, create, Some(&here), visit),
                    None => Ok(()),
                };
            };
            if map.get(field).is_none() {
                map.insert(field.into(), Value::Null);
            }
            let Some(child) = map.get_mut(field) else {
                return Ok(());
            };
            if child.is_null() {
                *child = match make {
                    CreateKind::Map => Value::Object(Map::new()),
                    _ => Value::String(Default::default()),
                };
            }
            walk_from(child, rest, create, Some(&here), visit)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

/// Applies `visit` at every field spec of `specs` that selects `gvk`,
/// creating fields (of `kind`) where a spec says `create: true`.
pub fn visit_specs(
    value: &mut Value,
    gvk: &Gvk,
    specs: &[FieldSpec],
    kind: CreateKind,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    visit_specs_on_trail(value, gvk, specs, kind, &mut |node, _| visit(node))
}

/// [`visit_specs`], telling `visit` where each node is (see
/// [`Trail::path`]).
pub fn visit_specs_on_trail(
    value: &mut Value,
    gvk: &Gvk,
    specs: &[FieldSpec],
    kind: CreateKind,
    visit: &mut Visit,
) -> Result<(), String> {
    for spec in specs.iter().filter(|s| s.applies_to(gvk)) {
        let create = if spec.create { kind } else { CreateKind::None };
        walk_from(value, &spec.path, create, None, visit)
            .map_err(|e| format!("considering field '{}': {e}", spec.path.join("/")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn set_x(doc: Value, path: &str, create: CreateKind) -> Result<Value, String> {
        let mut doc = doc;
        walk(&mut doc, &split_path(path), create, &mut |n| {
            *n = json!("x");
            Ok(())
        })?;
        Ok(doc)
    }

    #[test]
    fn walks_as_kustomize_field_specs() {
        type Case = (
            &'static str,
            Value,
            &'static str,
            CreateKind,
            Result<Value, ()>,
        );
        let cases: Vec<Case> = vec![
            (
                "sets an existing field",
                json!({"a": {"b": 1}}),
                "a/b",
                CreateKind::None,
                Ok(json!({"a": {"b": "x"}})),
            ),
            (
                "missing field, no create",
                json!({"a": {}}),
                "a/b",
                CreateKind::None,
                Ok(json!({"a": {}})),
            ),
            (
                "creates a scalar",
                json!({}),
                "a/b",
                CreateKind::Scalar,
                Ok(json!({"a": {"b": "x"}})),
            ),
            (
                "lists are walked",
                json!({"l": [{"n": 1}, {"n": 2}]}),
                "l/n",
                CreateKind::None,
                Ok(json!({"l": [{"n": "x"}, {"n": "x"}]})),
            ),
            (
                "a list mark never creates",
                json!({}),
                "l[]/n",
                CreateKind::Scalar,
                Ok(json!({})),
            ),
            (
                "null ends the walk",
                json!({"a": null}),
                "a/b",
                CreateKind::None,
                Ok(json!({"a": null})),
            ),
            (
                "null becomes a map when creating",
                json!({"a": null}),
                "a/b",
                CreateKind::Scalar,
                Ok(json!({"a": {"b": "x"}})),
            ),
            (
                "a scalar in the path is an error",
                json!({"a": "s"}),
                "a/b",
                CreateKind::None,
                Err(()),
            ),
        ];
        for (name, doc, path, create, want) in cases {
            assert_eq!(set_x(doc, path, create).map_err(|_| ()), want, "{name}");
        }
    }
}

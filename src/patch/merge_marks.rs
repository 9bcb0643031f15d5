//! The marks a resource keeps on its nodes (`Resource::flow`, `untagged`,
//! `quoted`, `written`) through a strategic merge.
//!
//! kyaml's merge keeps every node the object had, with its tag and style,
//! and adds a field only the patch has as the patch wrote it. But it sets
//! every map field it walks anew, and in doing so double-quotes a scalar
//! held as a string or without a tag whose text YAML 1.1 would read as
//! something else (kyaml's `FieldSetter`): an untagged `5` a replacement
//! made in a map comes out of the merge as the string `"5"`, and stays a
//! string. Untagged items of a list are not set anew and stay untagged.
//!
//! Marks are paths, and a list merge moves elements (a new one merged in
//! ahead of the object's): a path is followed through the merge by the
//! `name` of each list element on it (the merge key of most lists), or by
//! position where an element has no name of its own. An untagged scalar,
//! quoted scalar or text as written keeps its mark where it still holds
//! what it held. A scalar the patch sets is the patch's node, with the
//! patch's text (`0x1F`) and quoting, except on a map field the object
//! has and the walk reaches: kyaml's `FieldSetter` keeps that field's
//! style and takes the patch's value, so a field written quoted stays
//! quoted, and a number or boolean the patch sets there prints as the
//! quoted text it was written with (`"6"`): a string.

use super::walked;
use crate::load::openapi::SchemaRef;
use crate::model::node_path::{NodePath, NodePaths};
use crate::model::resource::{Resource, scalar_text};
use crate::model::untagged::Untagged;
use crate::model::value::{PathStep, Value};
use crate::model::written::{Text, Written};
use crate::yaml::StylePaths;

/// What the marks need from before the merge: each as a path followed by
/// element names, with what an untagged scalar or quoted image held.
pub struct Before {
    flow: Vec<Anchored>,
    /// The fields only the patch has that it writes in flow style.
    flow_from_patch: Vec<Anchored>,
    untagged: Vec<(Untagged, Anchored, Value)>,
    quoted: Vec<(Anchored, Value)>,
    /// The scalars the patch sets on fields that stay quoted (the object's
    /// written so, or the patch's where the object's style does not win),
    /// with the string a number or boolean among them becomes.
    quoted_by_patch: Vec<(Anchored, Value, Option<String>)>,
    /// The object's texts the merge leaves, then the patch's.
    written: Vec<(Text, Anchored, Value)>,
}

/// Notes the marks of `r` before `patch` is merged into it; `patch_style`
/// is what the patch keeps of how it was written. The untagged scalars
/// the merge will double-quote become strings now.
pub fn before_merge(
    r: &mut Resource,
    patch: &Value,
    patch_style: &StylePaths,
    targeted: bool,
    schema: Option<SchemaRef>,
) -> Before {
    let patch_flow = &patch_style.flow;
    let mut untagged = Vec::new();
    for u in std::mem::take(&mut r.untagged) {
        let at = u.path.to_steps();
        let anchored = anchor(&r.value, &at);
        let Some(node) = r.value.at_mut(&at) else {
            continue;
        };
        // Only what the merge walks is set anew: not the fields of an
        // element of a list it takes whole.
        let walked = walked::set_anew(schema, &at);
        // The text the node was written with, where its value does not
        // keep it (`1e3`, `0x1F`): the string it becomes.
        let written = r.written.iter().position(|w| w.path == u.path);
        let as_written = written.and_then(|i| match &r.written[i].text {
            Text::Scalar(text) => Some(text),
            _ => None,
        });
        match quoted_text(&u, node, as_written.map(|t| &**t)).filter(|_| walked) {
            Some(text) => {
                *node = Value::String(text.into());
                if let Some(i) = written {
                    r.written.remove(i);
                }
            }
            None => untagged.push((u, anchored, node.clone())),
        }
    }
    let object = &r.value;
    Before {
        flow: r
            .flow
            .iter()
            .map(|p| anchor(object, &p.to_steps()))
            .filter(|anchored| !restyled_by_patch(object, anchored, patch, patch_flow))
            .collect(),
        flow_from_patch: new_from_patch(object, patch, patch_flow, targeted),
        untagged,
        quoted: r
            .quoted
            .as_slice()
            .iter()
            .filter_map(|p| {
                let at = p.to_steps();
                Some((anchor(object, &at), object.at(&at)?.clone()))
            })
            .collect(),
        quoted_by_patch: quoted_by_patch(r, patch, patch_style, schema),
        written: written_through(object, &r.written, patch, patch_style),
    }
}

/// The scalars `patch` sets that come out of the merge quoted. Where the
/// object has a scalar the walk reaches, the object's style stays: quoted
/// if the object's was, whatever the patch wrote, and then a number or
/// boolean the patch sets becomes the string of its text. Elsewhere the
/// patch's node is taken as the patch wrote it.
fn quoted_by_patch(
    r: &Resource,
    patch: &Value,
    patch_style: &StylePaths,
    schema: Option<SchemaRef>,
) -> Vec<(Anchored, Value, Option<String>)> {
    let object = &r.value;
    let mut found = Vec::new();
    for_each_field_scalar(patch, &mut Vec::new(), &mut |at, set| {
        let anchored = anchor(patch, at);
        let Some((object_at, held)) = resolve(object, &anchored) else {
            return;
        };
        let reached = walked::set_anew(schema, &object_at);
        if !reached || !is_scalar(held) || !written_quoted(r, &object_at) {
            return;
        }
        let as_string = match set {
            Value::String(_) => None,
            other => Some(
                patch_style
                    .written
                    .iter()
                    .find(|(p, _)| p.as_slice() == at)
                    .and_then(|(_, text)| match text {
                        Text::Scalar(text) => Some(text.to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| scalar_text(other)),
            ),
        };
        found.push((anchored, set.clone(), as_string));
    });
    for at in &patch_style.quoted {
        let Some(set) = patch.at(at).filter(|v| is_scalar(v)) else {
            continue;
        };
        let anchored = anchor(patch, at);
        let object_style_stays = resolve(object, &anchored).is_some_and(|(object_at, held)| {
            is_scalar(held) && walked::set_anew(schema, &object_at)
        });
        if !object_style_stays {
            found.push((anchored, set.clone(), None));
        }
    }
    found
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// Whether the object's scalar at `at` was written quoted.
fn written_quoted(r: &Resource, at: &[PathStep]) -> bool {
    r.quoted.as_slice().iter().any(|p| p.is(at))
}

/// Calls `visit` with the path and value of every scalar `value` holds in
/// a map field (not a list item, which no merge sets anew), directives
/// (`$patch`, ...) aside.
fn for_each_field_scalar(
    value: &Value,
    at: &mut Vec<PathStep>,
    visit: &mut dyn FnMut(&[PathStep], &Value),
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter() {
                if key.as_str().starts_with('$') {
                    continue;
                }
                at.push(PathStep::Key(key.as_str().to_string()));
                match child {
                    Value::Object(_) | Value::Array(_) => for_each_field_scalar(child, at, visit),
                    Value::Null => {}
                    scalar => visit(at, scalar),
                }
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item, Value::Object(_)) {
                    at.push(PathStep::Index(i));
                    for_each_field_scalar(item, at, visit);
                    at.pop();
                }
            }
        }
        _ => {}
    }
}

/// The texts as written the merged object may keep, each with where it is
/// and what it holds: the object's, but where the patch sets a scalar,
/// whose node replaces the object's, the patch's (a null there deletes).
fn written_through(
    object: &Value,
    written: &[Written],
    patch: &Value,
    patch_style: &StylePaths,
) -> Vec<(Text, Anchored, Value)> {
    let scalar = |v: &Value| !matches!(v, Value::Object(_) | Value::Array(_));
    let kept = written.iter().filter_map(|w| {
        let at = w.path.to_steps();
        let anchored = anchor(object, &at);
        let set_by_patch = resolve(patch, &anchored).is_some_and(|(_, v)| scalar(v));
        let held = object.at(&at).filter(|_| !set_by_patch)?;
        Some((w.text.clone(), anchored, held.clone()))
    });
    let from_patch = patch_style.written.iter().filter_map(|(at, text)| {
        let held = patch.at(at).filter(|v| scalar(v))?;
        Some((text.clone(), anchor(patch, at), held.clone()))
    });
    kept.chain(from_patch).collect()
}

/// Whether the merge gives the object's collection at `anchored` the
/// patch's block style: kyaml's merge styles an empty map or list the
/// patch also has (`resources: {}`) as the patch wrote it.
fn restyled_by_patch(
    object: &Value,
    anchored: &Anchored,
    patch: &Value,
    patch_flow: &[Vec<PathStep>],
) -> bool {
    let empty = |v: &Value| match v {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    };
    let held_empty = resolve(object, anchored).is_some_and(|(_, held)| empty(held));
    let Some((at, written)) = resolve(patch, anchored).filter(|_| held_empty) else {
        return false;
    };
    matches!(written, Value::Object(_) | Value::Array(_))
        && !patch_flow.iter().any(|outer| at.starts_with(outer))
}

/// Sets the marks of `r` after the merge: a flow mark where its path still
/// leads to a collection, an untagged scalar's or quoted image's where its
/// path still holds what it held.
pub fn after_merge(r: &mut Resource, before: Before) {
    let object = &r.value;
    let collection = |anchored: &Anchored| {
        let (at, node) = resolve(object, anchored)?;
        matches!(node, Value::Object(_) | Value::Array(_)).then(|| NodePath::of(&at))
    };
    let holding = |anchored: &Anchored, was: &Value| {
        let (at, node) = resolve(object, anchored)?;
        (node == was).then(|| NodePath::of(&at))
    };
    r.flow = before
        .flow
        .iter()
        .chain(&before.flow_from_patch)
        .filter_map(collection)
        .collect();
    let mut quoted: Vec<NodePath> = before
        .quoted
        .iter()
        .filter_map(|(anchored, was)| holding(anchored, was))
        .collect();
    let mut requoted = Vec::new();
    for (anchored, set, as_string) in &before.quoted_by_patch {
        let Some(path) = holding(anchored, set) else {
            continue;
        };
        if !quoted.contains(&path) {
            quoted.push(path);
        }
        if let Some(text) = as_string {
            requoted.push((path, text.clone()));
        }
    }
    r.quoted = NodePaths::new(quoted);
    r.written = before
        .written
        .iter()
        .filter_map(|(text, anchored, was)| {
            Some(Written {
                path: holding(anchored, was)?,
                text: text.clone(),
            })
        })
        .collect();
    r.untagged = before
        .untagged
        .iter()
        .filter_map(|(u, anchored, was)| {
            Some(Untagged {
                path: holding(anchored, was)?,
                null_text: u.null_text,
            })
        })
        .collect();
    for (path, text) in requoted {
        r.written.retain(|w| w.path != path);
        if let Some(node) = r.value.at_mut(&path.to_steps()) {
            *node = Value::String(text.into());
        }
    }
}

/// A path followed through a merge: a list element by its name where it
/// has one no other element of its list has.
type Anchored = Vec<Anchor>;

#[derive(Debug, Clone)]
enum Anchor {
    Step(PathStep),
    Named(String),
}

fn anchor(root: &Value, path: &[PathStep]) -> Anchored {
    let mut node = Some(root);
    path.iter()
        .map(|step| {
            let here = node;
            node = node.and_then(|n| n.at(std::slice::from_ref(step)));
            match (step, here) {
                (PathStep::Index(i), Some(Value::Array(items))) => match unique_name(items, *i) {
                    Some(name) => Anchor::Named(name.to_string()),
                    None => Anchor::Step(step.clone()),
                },
                _ => Anchor::Step(step.clone()),
            }
        })
        .collect()
}

/// Where `anchored` leads in `root` now: the path and the node there.
fn resolve<'v>(root: &'v Value, anchored: &[Anchor]) -> Option<(Vec<PathStep>, &'v Value)> {
    let mut node = root;
    let mut at = Vec::with_capacity(anchored.len());
    for step in anchored {
        let step = match step {
            Anchor::Step(step) => step.clone(),
            Anchor::Named(name) => PathStep::Index(named(node.as_array()?, name)?),
        };
        node = node.at(std::slice::from_ref(&step))?;
        at.push(step);
    }
    Some((at, node))
}

/// The name of element `i`, when no other element of `items` has it.
fn unique_name(items: &[Value], i: usize) -> Option<&str> {
    let name = name_of(items.get(i)?)?;
    (items.iter().filter(|e| name_of(e) == Some(name)).count() == 1).then_some(name)
}

fn named(items: &[Value], name: &str) -> Option<usize> {
    items.iter().position(|e| name_of(e) == Some(name))
}

fn name_of(element: &Value) -> Option<&str> {
    element.get("name")?.as_str()
}

/// The text a map field the merge sets anew is double-quoted with, when
/// YAML 1.1 would read it as something other than a string (kyaml's
/// `IsYaml1_1NonString`: not empty, one line).
fn quoted_text(u: &Untagged, node: &Value, written: Option<&str>) -> Option<String> {
    u.path.last_key()?;
    let text = match (node, u.null_text) {
        (Value::Null, Some(text)) => text.as_str().to_string(),
        (Value::Null, None) | (Value::Object(_) | Value::Array(_), _) => return None,
        (scalar, _) => written.map_or_else(|| scalar_text(scalar), str::to_string),
    };
    let non_string =
        !text.is_empty() && !text.contains('\n') && !crate::yaml::emit::reads_back_as_string(&text);
    non_string.then_some(text)
}

/// The fields only the patch has that it writes in flow style (the
/// topmost of each), new elements of the object's lists among them. A
/// patch with a target merges its labels and annotations into a copy
/// first, which writes them anew in block style.
fn new_from_patch(
    object: &Value,
    patch: &Value,
    patch_flow: &[Vec<PathStep>],
    targeted: bool,
) -> Vec<Anchored> {
    let mut found = Vec::new();
    for outer in patch_flow {
        let Some(written) = patch.at(outer) else {
            continue;
        };
        let mut anchored = anchor(patch, outer);
        match resolve(object, &anchored) {
            Some((_, there)) => collect_new(written, Some(there), &mut anchored, &mut found),
            None => found.push(anchored),
        }
    }
    if targeted {
        let rebuilt = |a: &Anchored| {
            matches!(a.as_slice(), [Anchor::Step(PathStep::Key(m)), Anchor::Step(PathStep::Key(f))]
                if m == "metadata" && (f == "labels" || f == "annotations"))
        };
        found.retain(|a| !rebuilt(a));
    }
    found
}

fn collect_new(
    written: &Value,
    there: Option<&Value>,
    path: &mut Anchored,
    found: &mut Vec<Anchored>,
) {
    match (written, there) {
        (_, None | Some(Value::Null)) => found.push(path.clone()),
        (Value::Object(fields), Some(Value::Object(had))) => {
            for (key, value) in fields {
                path.push(Anchor::Step(PathStep::Key(key.as_str().to_string())));
                collect_new(value, had.get(key.as_str()), path, found);
                path.pop();
            }
        }
        // Elements are merged by name; one without a name is not followed.
        (Value::Array(items), Some(Value::Array(had))) => {
            for item in items {
                let Some(name) = name_of(item) else {
                    continue;
                };
                path.push(Anchor::Named(name.to_string()));
                collect_new(item, named(had, name).and_then(|i| had.get(i)), path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::model::node_path::steps;

    #[test]
    fn a_path_follows_list_elements_by_name() {
        let before = json!({"c": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]});
        let after = json!({"c": [{"name": "z"}, {"name": "b", "v": 2}, {"name": "a", "v": 1}]});
        let anchored = anchor(&before, &steps("c/0/v"));
        assert_eq!(
            resolve(&after, &anchored),
            Some((steps("c/2/v"), &json!(1)))
        );
        assert_eq!(resolve(&json!({"c": [{"name": "b"}]}), &anchored), None);
    }

    #[test]
    fn an_element_without_a_name_of_its_own_is_followed_by_position() {
        let before = json!({"c": [{"name": "a"}, {"name": "a"}, {"v": 1}]});
        for at in ["c/1", "c/2"] {
            let anchored = anchor(&before, &steps(at));
            let after = json!({"c": [{"x": 0}, {"name": "a"}, {"name": "a"}, {"v": 1}]});
            let found = resolve(&after, &anchored).map(|(path, _)| path);
            assert_eq!(found, Some(steps(at)), "{at}");
        }
    }
}

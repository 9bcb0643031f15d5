//! kyaml's path walkers, as replacements use them (`kyaml/yaml/fns.go`
//! `PathGetter`, `kyaml/yaml/match.go` `PathMatcher`, and
//! `kyaml/utils/pathsplitter.go`):
//!
//! - a field path splits on `.`, except after `\` (`config\.json`) and
//!   inside `[...]`; a bracketed segment without `=` is a plain field name;
//! - the source is found with `lookup`: a field, a list index (`-` the
//!   last), or `[k=v]`, the first element whose `k` is exactly `v`;
//! - targets are found with `each_match`: a field, an index (one past the
//!   end is appended when creating), `*` for every element, or `[k=v]`,
//!   every element whose `k`, as YAML text, holds a match of the regular
//!   expression `v` anywhere (`[name=app]` also picks `app-2`); with
//!   `create`, what is missing is made, a map or list as the next segment
//!   needs, the last one of the value's kind.

use crate::model::node_path::NodePath;
use crate::model::untagged::{self, NullText, Untagged};
use crate::model::value::{Map, PathStep, Value};
use crate::model::written::{self, Written};

/// Splits a field path as kustomize's `SmarterPathSplitter` does.
pub fn split(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut raw: Vec<&str> = path.split('.').collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    for piece in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut bracketed = vec![elem.clone()];
            while i < parts.len() - 1 {
                i += 1;
                bracketed.push(parts[i].clone());
                if parts[i].ends_with(']') {
                    break;
                }
            }
            let joined = bracketed.join(".");
            out.push(match joined.contains('=') {
                true => joined,
                false => joined.trim_matches(['[', ']']).to_string(),
            });
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

/// Go's `strconv.Atoi` for a list index, non-negative (`IsIdxNumber`).
fn index_number(part: &str) -> Option<usize> {
    let digits = part.strip_prefix('+').unwrap_or(part);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn is_list_index(part: &str) -> bool {
    part.starts_with('[') && part.ends_with(']')
}

/// `[k=v]` as its field name and value.
fn name_value(part: &str) -> Result<(&str, &str), String> {
    let inner = part.trim_start_matches('[').trim_end_matches(']');
    inner.split_once('=').ok_or_else(|| {
        "list path element must contain fieldName=fieldValue for element to match".to_string()
    })
}

fn wrong_kind(expected: &str, got: &Value) -> String {
    wrong_kind_of(expected, got)
}

/// The node at `path` (kyaml's `Lookup`, which creates nothing), `None`
/// when a part is missing.
pub fn lookup<'v>(node: &'v Value, path: &[String]) -> Result<Option<&'v Value>, String> {
    let mut at = node;
    for part in path.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = match (part, at) {
            ("*", _) => return Err("wildcard is not supported in PathGetter".into()),
            ("-", Value::Array(items)) => items.last(),
            (p, Value::Array(items)) if index_number(p).is_some() => {
                index_number(p).and_then(|i| items.get(i))
            }
            (p, Value::Array(items)) if is_list_index(p) => {
                let (name, want) = name_value(p)?;
                items.iter().find(|item| match name {
                    "" => scalar_text(item).as_deref() == Some(want),
                    name => item.get(name).and_then(scalar_text).as_deref() == Some(want),
                })
            }
            (p, Value::Object(map)) if !is_list_index(p) && index_number(p).is_none() => map.get(p),
            (_, Value::Null) => None,
            (p, other) if is_list_index(p) || index_number(p).is_some() || p == "-" => {
                return Err(wrong_kind("SequenceNode", other));
            }
            (_, other) => return Err(wrong_kind("MappingNode", other)),
        };
        match next {
            Some(v) => at = v,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// v5.8: where `path` first meets, with path left, a field written as
/// nothing (`key:`, listed in `written`). kyaml reads such a field's
/// empty text as YAML and fails on the empty node it gets; `null` and `~`
/// read as null and pass. Only prefixes of plain keys and indexes are
/// compared, the steps `written` records.
pub fn bare_null_prefix(root: &Value, path: &[String], written: &[Written]) -> Option<usize> {
    if written.is_empty() {
        return None;
    }
    let mut steps = Vec::new();
    for (i, part) in path.iter().enumerate().take(path.len().saturating_sub(1)) {
        let step = match index_number(part) {
            Some(n) => PathStep::Index(n),
            None if is_list_index(part) || part == "*" || part == "-" => return None,
            None => PathStep::Key(part.clone()),
        };
        steps.push(step);
        match lookup(root, &path[..=i]) {
            Ok(Some(Value::Null)) => return written::is_bare(written, &steps).then_some(i + 1),
            Ok(Some(Value::Object(_) | Value::Array(_))) => {}
            _ => return None,
        }
    }
    None
}

/// A scalar's text (a node's `Value` in kyaml); `None` for maps and lists.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Object(_) | Value::Array(_) => None,
        other => Some(crate::model::resource::scalar_text(other)),
    }
}

/// What `create` makes where a path part is missing: the kind the next
/// part needs, and for the last part the kind of the value to be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    No,
    Scalar,
    Map,
    List,
}

impl Create {
    fn fresh<T: Tree>(next: Option<&str>, last: Create) -> T {
        let kind = match next {
            None => last,
            Some(p) if is_list_index(p) || index_number(p).is_some() => Create::List,
            Some(_) => Create::Map,
        };
        T::fresh(kind)
    }
}

/// What a tree is at one node, as the matcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Map,
    List,
    /// YAML's null: nothing to walk into.
    Null,
    Scalar,
}

/// A document the matcher walks: a resource's resolved values, or (for
/// v5.8's structured data) go-yaml nodes that keep each scalar's style.
pub trait Tree: Sized {
    fn shape(&self) -> Shape;
    fn items_mut(&mut self) -> Option<&mut Vec<Self>>;
    fn field(&self, key: &str) -> Option<&Self>;
    fn field_mut(&mut self, key: &str) -> Option<&mut Self>;
    /// Adds a field to a map (the caller checked it is one).
    fn insert_field(&mut self, key: &str, value: Self);
    /// What `create` makes: an empty map or list, or an untagged scalar.
    fn fresh(kind: Create) -> Self;
    /// The element `[k=v]` creates: `{k: v}` with `v` untagged, or `v`.
    fn element(name: &str, pattern: &str) -> Self;
    /// The node as YAML text, trimmed, for `[k=v]`'s pattern.
    fn yaml_text(&self) -> String;
    /// A scalar's text read as YAML.
    fn read_text(&self) -> Result<Self, String>;
    /// The node as a YAML document, for error messages.
    fn contents(&self) -> String;
    /// A scalar's text, to read as YAML.
    fn scalar_text(&self) -> Option<String>;
}

impl Tree for Value {
    fn shape(&self) -> Shape {
        match self {
            Value::Object(_) => Shape::Map,
            Value::Array(_) => Shape::List,
            Value::Null => Shape::Null,
            _ => Shape::Scalar,
        }
    }

    fn items_mut(&mut self) -> Option<&mut Vec<Self>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        match self {
            Value::Object(map) => map.get_mut(key),
            _ => None,
        }
    }

    fn insert_field(&mut self, key: &str, value: Self) {
        if let Value::Object(map) = self {
            map.insert(key.into(), value);
        }
    }

    fn fresh(kind: Create) -> Self {
        match kind {
            Create::List => Value::Array(Vec::new()),
            Create::Map => Value::Object(Map::new()),
            // An empty scalar without a tag (see `value`).
            Create::No | Create::Scalar => Value::Null,
        }
    }

    fn element(name: &str, pattern: &str) -> Self {
        match name {
            "" => Value::String(pattern.into()),
            name => {
                // kyaml makes the key's value an untagged scalar: it reads
                // as YAML (`[value=3]` makes the number 3).
                let mut m = Map::new();
                m.insert(
                    name.into(),
                    crate::yaml::parse::resolve_plain_scalar(pattern),
                );
                Value::Object(m)
            }
        }
    }

    fn yaml_text(&self) -> String {
        crate::yaml::emit_document(self).trim().to_string()
    }

    fn contents(&self) -> String {
        crate::yaml::emit_document(self)
    }

    fn scalar_text(&self) -> Option<String> {
        scalar_text(self)
    }

    fn read_text(&self) -> Result<Self, String> {
        let text = scalar_text(self).unwrap_or_default();
        Ok(crate::yaml::parse_documents(&text)
            .map_err(|e| e.message)?
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or_default())
    }
}

fn wrong_kind_of<T: Tree>(expected: &str, got: &T) -> String {
    let kind = match got.shape() {
        Shape::Map => "MappingNode",
        Shape::List => "SequenceNode",
        Shape::Null | Shape::Scalar => "ScalarNode",
    };
    format!(
        "wrong node kind: expected {expected} but got {kind}: node contents:\n{}",
        got.contents()
    )
}

/// Calls `visit` on every node `path` matches below `node` (kyaml's
/// `PathMatcher`), in order, with whether the node was just created (an
/// untagged scalar); returns how many. From v5.8 a scalar field met with
/// path left is matched inside (see `walk_structured`).
pub fn each_match<T: Tree>(
    node: &mut T,
    path: &[String],
    create: Create,
    visit: &mut dyn FnMut(&mut T, bool) -> Result<(), String>,
) -> Result<usize, String> {
    let mut track = Track::off();
    walk(node, path, create, false, &mut track, &mut |n, arrival| {
        visit(n, matches!(arrival, Arrival::Fresh { .. }))
    })
}

/// [`each_match`] over a resource's own tree, knowing which of its scalars
/// kustomize holds without a tag (`Resource::untagged`, in `track`), and
/// noting in `track` the ones this walk makes.
pub fn each_match_tracked<T: Tree>(
    node: &mut T,
    path: &[String],
    create: Create,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    walk(node, path, create, false, track, visit)
}

/// What a visited node was when the walk reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// There before, with its type.
    Existing,
    /// There before, a scalar kustomize holds without a tag: its type
    /// comes from the text it is given.
    Untagged { in_flow: bool },
    /// Just made by `create`.
    Fresh { in_flow: bool },
}

type Visit<'v, T> = dyn FnMut(&mut T, Arrival) -> Result<(), String> + 'v;

/// Where a walk is in a resource, for the scalars kustomize holds without
/// a tag: the ones known before the walk, and the ones it makes (a scalar
/// `create` makes, the `v` of an element `[k=v]` makes); and whether it is
/// inside a collection written in flow style.
pub struct Track<'u> {
    at: Vec<PathStep>,
    /// False inside a copy that is not kept (a null read as a list, YAML
    /// held in a string), and for a tree that is not a resource's.
    live: bool,
    known: &'u [Untagged],
    /// The resource's outermost flow collections (`Resource::flow`).
    flow: &'u [NodePath],
    /// What a scalar the walk makes holds, when its text reads as null.
    null_text: Option<NullText>,
    pub made: Vec<Made>,
    /// Every scalar the walk set, made or not.
    pub set: Vec<Vec<PathStep>>,
}

/// An untagged scalar a walk made or set: its path, and its text when
/// that reads as null.
pub type Made = (Vec<PathStep>, Option<NullText>);

impl<'u> Track<'u> {
    /// A walk of a resource with these untagged scalars and flow
    /// collections, setting the text `text` (when that is known).
    pub fn new(known: &'u [Untagged], flow: &'u [NodePath], text: Option<&str>) -> Track<'u> {
        Track {
            at: Vec::new(),
            live: true,
            known,
            flow,
            null_text: text.and_then(NullText::of),
            made: Vec::new(),
            set: Vec::new(),
        }
    }

    fn off() -> Track<'static> {
        Track {
            at: Vec::new(),
            live: false,
            known: &[],
            flow: &[],
            null_text: None,
            made: Vec::new(),
            set: Vec::new(),
        }
    }

    fn arrival(&self, fresh: bool) -> Arrival {
        let in_flow = || self.live && self.flow.iter().any(|f| f.leads_to(&self.at));
        match fresh {
            true => Arrival::Fresh { in_flow: in_flow() },
            false
                if self.live
                    && (untagged::contains(self.known, &self.at)
                        || self.made.iter().any(|(p, _)| *p == self.at)) =>
            {
                Arrival::Untagged { in_flow: in_flow() }
            }
            false => Arrival::Existing,
        }
    }

    /// Notes an untagged scalar made here (or at `below`), holding a
    /// text that reads as null when `null_text` says so.
    fn note(&mut self, below: Option<PathStep>, null_text: Option<NullText>) {
        if self.live {
            let mut path = self.at.clone();
            path.extend(below);
            self.made.push((path, null_text));
        }
    }

    /// Runs `f` one step further down; the step is only made (a key's text
    /// copied) where the walk is tracked.
    fn down<R>(&mut self, step: impl FnOnce() -> PathStep, f: impl FnOnce(&mut Self) -> R) -> R {
        if !self.live {
            return f(self);
        }
        self.at.push(step());
        let out = f(self);
        self.at.pop();
        out
    }

    fn detached<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let live = std::mem::replace(&mut self.live, false);
        let out = f(self);
        self.live = live;
        out
    }
}

fn walk<T: Tree>(
    node: &mut T,
    path: &[String],
    create: Create,
    fresh: bool,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    let Some((head, rest)) = path.split_first() else {
        return visit_noted(node, fresh, track, visit);
    };
    let next = rest.first().map(String::as_str);
    if node.shape() == Shape::Null
        && (index_number(head).is_some() || is_list_index(head) || head == "*")
    {
        return track.detached(|track| walk_null_list(head, rest, create, track, visit));
    }
    if let Some(idx) = index_number(head) {
        if node.shape() != Shape::List {
            return Err(wrong_kind_of("SequenceNode", node));
        }
        let Some(items) = node.items_mut() else {
            return Ok(0);
        };
        let mut made = false;
        if items.len() == idx && create != Create::No {
            items.push(Create::fresh(next, create));
            made = true;
        }
        let len = items.len();
        let Some(item) = items.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        return track.down(
            || PathStep::Index(idx),
            |track| walk(item, rest, create, made, track, visit),
        );
    }
    if is_list_index(head) {
        return each_element_matching(node, head, rest, create, track, visit);
    }
    if head == "*" {
        if node.shape() != Shape::List {
            return Err(wrong_kind_of("SequenceNode", node));
        }
        let mut count = 0;
        for (i, item) in node.items_mut().into_iter().flatten().enumerate() {
            count += track.down(
                || PathStep::Index(i),
                |track| walk(item, rest, create, false, track, visit),
            )?;
        }
        return Ok(count);
    }
    match node.shape() {
        Shape::Map => {
            let mut made = false;
            if node.field(head).is_none() {
                if create == Create::No {
                    return Ok(0);
                }
                node.insert_field(head, Create::fresh(next, create));
                made = true;
            }
            match node.field_mut(head) {
                Some(child) if child.shape() == Shape::Scalar && !rest.is_empty() => {
                    track.detached(|track| walk_structured(child, rest, create, track, visit))
                }
                Some(child) => track.down(
                    || PathStep::Key(head.clone()),
                    |track| walk(child, rest, create, made, track, visit),
                ),
                None => Ok(0),
            }
        }
        // A null on the way: nothing to find; creating, kyaml makes the
        // field on a node it does not keep, so nothing changes.
        Shape::Null if create == Create::No => Ok(0),
        Shape::Null => {
            let mut detached: T = Create::fresh(next, create);
            track.detached(|track| walk(&mut detached, rest, create, true, track, visit))
        }
        Shape::List | Shape::Scalar => Err(wrong_kind_of("MappingNode", node)),
    }
}

/// A list step on a null: kyaml reads the null as a list with no elements.
/// An element `create` makes is appended to a node that still prints as
/// null, so what is set on it is lost; without one, an index fails.
fn walk_null_list<T: Tree>(
    head: &str,
    rest: &[String],
    create: Create,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    if let Some(idx) = index_number(head) {
        if idx != 0 || create == Create::No {
            return Err(format!("index {idx} specified but only 0 elements found"));
        }
        let mut detached: T = Create::fresh(rest.first().map(String::as_str), create);
        return walk(&mut detached, rest, create, true, track, visit);
    }
    if head == "*" || create == Create::No {
        return Ok(0);
    }
    let (name, pattern) = name_value(head)?;
    crate::model::go_regex::compile(pattern)?;
    let mut detached = T::element(name, pattern);
    match name {
        "" => walk_primitive(&mut detached, track, visit),
        _ => walk(&mut detached, rest, create, false, track, visit),
    }
}

/// A scalar field met with path left (kyaml's PathMatcher from v5.8):
/// its text is read as YAML and the rest of the path matched in that copy,
/// which is not kept: the matches count, and what is set on them is lost
/// (`structured` writes such values back where it can). Only a field is
/// read so, never an element or the copy itself.
fn walk_structured<T: Tree>(
    field: &mut T,
    rest: &[String],
    create: Create,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    if !crate::release::current().structured_data_field_paths() {
        return walk(field, rest, create, false, track, visit);
    }
    let text = field.scalar_text();
    if let Some(text) = &text
        && crate::yaml::node::holds_no_document(text)
    {
        return Err(empty_node_kind(rest));
    }
    // kyaml walks go-yaml nodes, which keep aliases (a path through one
    // fails); what it sets there is lost, so nothing is visited.
    if let Some(text) = text
        && let Some(mut nodes) = crate::yaml::node::parse(&text)
    {
        return walk(&mut nodes, rest, create, false, track, &mut |_, _| Ok(()));
    }
    let mut copy = field.read_text()?;
    // A value its type could not hold is lost too: kustomize decodes only
    // the real tree.
    walk(
        &mut copy,
        rest,
        create,
        false,
        track,
        &mut |node, arrival| {
            let _ = visit(node, arrival);
            Ok(())
        },
    )
}

/// kyaml's error for a path step on the empty node go-yaml reads from a
/// text with no document: its kind has no name, and it prints as null.
pub fn empty_node_kind(rest: &[String]) -> String {
    let expected = match rest.first().map(String::as_str) {
        Some(step) if index_number(step).is_some() || is_list_index(step) || step == "*" => {
            "SequenceNode"
        }
        _ => "MappingNode",
    };
    format!("wrong node kind: expected {expected} but got : node contents:\nnull\n")
}

/// `[k=v]` (or `[=v]` for a list of scalars): every element whose `k`
/// (or itself), written as YAML, holds a match of `v`; when creating and
/// none does, an element `{k: v}` (or `v`) is appended and chosen.
fn each_element_matching<T: Tree>(
    node: &mut T,
    head: &str,
    rest: &[String],
    create: Create,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    let (name, pattern) = name_value(head)?;
    let re = crate::model::go_regex::compile(pattern)?;
    if node.shape() != Shape::List {
        return Err(wrong_kind_of("SequenceNode", node));
    }
    let Some(items) = node.items_mut() else {
        return Ok(0);
    };
    let chosen: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| match name {
            "" => re.is_match(&item.yaml_text()),
            name => item
                .field(name)
                .filter(|v| v.shape() != Shape::Null)
                .is_some_and(|v| re.is_match(&v.yaml_text())),
        })
        .map(|(i, _)| i)
        .collect();
    if chosen.is_empty() {
        if create == Create::No {
            return Ok(0);
        }
        items.push(T::element(name, pattern));
        let last = items.len() - 1;
        // The element's `v` (or the element, for `[=v]`) is untagged.
        return track.down(
            || PathStep::Index(last),
            |track| {
                track.note(
                    (!name.is_empty()).then(|| PathStep::Key(name.to_string())),
                    NullText::of(pattern),
                );
                match name {
                    "" => walk_primitive(&mut items[last], track, visit),
                    _ => walk(&mut items[last], rest, create, false, track, visit),
                }
            },
        );
    }
    let mut count = 0;
    for i in chosen {
        count += track.down(
            || PathStep::Index(i),
            |track| match name {
                // kyaml matches a scalar element itself, whatever path follows.
                "" => walk_primitive(&mut items[i], track, visit),
                _ => walk(&mut items[i], rest, create, false, track, visit),
            },
        )?;
    }
    Ok(count)
}

fn walk_primitive<T: Tree>(
    item: &mut T,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    visit_noted(item, false, track, visit)
}

/// Visits a matched node; notes in `track` a scalar it makes, and the text
/// an untagged one now holds.
fn visit_noted<T: Tree>(
    node: &mut T,
    fresh: bool,
    track: &mut Track,
    visit: &mut Visit<T>,
) -> Result<usize, String> {
    let arrival = track.arrival(fresh);
    visit(node, arrival)?;
    let untagged = matches!(arrival, Arrival::Fresh { .. } | Arrival::Untagged { .. });
    match node.shape() {
        Shape::Scalar if untagged => track.note(None, None),
        Shape::Null if untagged => track.note(None, track.null_text),
        _ => {}
    }
    if track.live && matches!(node.shape(), Shape::Scalar | Shape::Null) {
        track.set.push(track.at.clone());
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn splits_as_kustomize() {
        assert_eq!(
            split("spec.containers.[name=app].image"),
            ["spec", "containers", "[name=app]", "image"]
        );
        assert_eq!(
            split(r"data.config\.json.server"),
            ["data", "config.json", "server"]
        );
        assert_eq!(
            split("metadata.annotations.[a.b/c]"),
            ["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(split("a.[k=v.w].b"), ["a", "[k=v.w]", "b"]);
        assert_eq!(split(".a"), ["a"]);
    }

    #[test]
    fn element_matches_are_unanchored_regular_expressions() {
        let mut v =
            json!({"c": [{"name": "app"}, {"name": "app-2"}, {"name": "myapp"}, {"name": "x"}]});
        let mut seen = 0;
        let n = each_match(
            &mut v,
            &split("c.[name=app].name"),
            Create::No,
            &mut |_, _| {
                seen += 1;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!((n, seen), (3, 3));
    }

    #[test]
    fn creating_through_null_changes_nothing() {
        let mut v = json!({"spec": null});
        let n = each_match(
            &mut v,
            &split("spec.a.b"),
            Create::Scalar,
            &mut |node, fresh| {
                assert!(fresh);
                *node = json!("x");
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(v, json!({"spec": null}));
        assert_eq!(
            each_match(&mut v, &split("spec.a"), Create::No, &mut |_, _| Ok(())),
            Ok(0)
        );
        let mut s = json!({"spec": "text"});
        assert!(each_match(&mut s, &split("spec.a"), Create::Scalar, &mut |_, _| Ok(())).is_err());
    }

    #[test]
    fn lookup_takes_the_first_exact_element() {
        let v = json!({"c": [{"name": "app-2", "i": 1}, {"name": "app", "i": 2}], "l": [1, 2]});
        assert_eq!(
            lookup(&v, &split("c.[name=app].i")).unwrap(),
            Some(&json!(2))
        );
        assert_eq!(lookup(&v, &split("l.-")).unwrap(), Some(&json!(2)));
        assert_eq!(lookup(&v, &split("c.5")).unwrap(), None);
        assert!(lookup(&v, &split("c.*")).is_err());
    }
}

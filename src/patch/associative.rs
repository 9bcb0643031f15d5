//! Associative lists in a strategic merge: lists whose schema gives a
//! `merge` patch strategy, matched element by element on their merge keys,
//! as kyaml's walker (`walk/associative_sequence.go`) matches them.
//!
//! kyaml's rules, which differ from a plain "merge by key" and show as soon
//! as a list holds duplicates or elements without the key:
//! - every element's key tuple is collected, patch first, then target; with
//!   several keys (`containerPort`+`protocol`), tuples that agree on one key
//!   and leave the others blank are unified;
//! - each tuple's merged element is the first target match merged with the
//!   first patch match; a patch element matches only if it has every key
//!   the tuple has (so a port patch without `protocol` misses a port with one);
//! - target elements are then laid over the merged ones: a later duplicate
//!   replaces an earlier one, unpatched (first position, last value); with
//!   several keys each target element moves to the end, in target order;
//! - an element without any key matches every element that has one.
//!
//! kyaml walks the whole target on every strategic merge, so lists the patch
//! does not mention get the same treatment (`normalize`).

use super::strategic_merge::{MergeError, directive, merge_map, settle};
use crate::load::openapi::{FieldRef, SchemaRef};
use crate::model::resource::scalar_text;
use crate::model::value::Value;

/// One element's values for the keys ("" for a missing key).
type Tuple = Vec<String>;

/// Merges `patch` into the associative list `target`.
pub(super) fn merge(
    target: &[Value],
    patch: &[Value],
    field: FieldRef,
    path: &str,
) -> Result<Vec<Value>, MergeError> {
    let keys = field.merge_keys();
    if keys.is_empty() {
        return Ok(merge_scalars(target, patch));
    }
    let tuples = key_tuples(patch.iter().chain(target), &keys);
    let mut target = target.to_vec();
    let mut items: Vec<Value> = Vec::new();
    let mut last_keys: Vec<&str> = Vec::new();
    for tuple in &tuples {
        let (vkeys, vvalues) = valid_keys(&tuples, tuple, &keys);
        let (skeys, svalues) = valid_keys(std::slice::from_ref(tuple), tuple, &keys);
        let t = target.iter().position(|e| matches(e, &skeys, &svalues));
        let p = patch.iter().position(|e| matches(e, &skeys, &svalues));
        let label = format!("{path}[{}]", tuple.join(","));
        let merged = merged_element(t.map(|i| &target[i]), p.map(|i| &patch[i]), field, &label)?;
        last_keys = vkeys.clone();
        let Some(mut merged) = merged.filter(|v| !is_null_or_empty_map(v)) else {
            set_element(&mut target, None, &vkeys, &vvalues);
            continue;
        };
        if let Value::Object(m) = &mut merged {
            for (k, v) in vkeys.iter().zip(&vvalues) {
                if !m.contains_key(k) && !v.is_empty() {
                    m.insert((*k).into(), Value::String(v.as_str().into()));
                }
            }
        }
        // kyaml merges into the target's element in place.
        if let Some(i) = t {
            target[i] = merged.clone();
        }
        set_element(&mut items, Some(merged), &vkeys, &vvalues);
    }
    if tuples.is_empty() {
        return Ok(target);
    }
    lay_over(&mut items, target, &last_keys);
    Ok(items)
}

/// The target list as kyaml's walk leaves it when the patch does not touch
/// it: duplicates folded, elements walked for nested lists. Unchanged (and
/// not copied) in the common case of unique keys.
pub(super) fn normalize(items: &mut Vec<Value>, field: FieldRef, path: &str) {
    let keys = field.merge_keys();
    if keys.is_empty() {
        dedup_scalars(items);
        return;
    }
    if is_plain(items, &keys) {
        for item in items.iter_mut() {
            normalize_value(item, field.element_schema());
        }
        return;
    }
    if let Ok(merged) = merge(items, &[], field, path) {
        *items = merged;
    }
}

/// Walks a map the patch does not reach, normalizing the lists in it.
pub(super) fn normalize_value(value: &mut Value, schema: Option<SchemaRef>) {
    let Value::Object(map) = value else { return };
    for (key, child) in map.iter_mut() {
        normalize_field(key, child, schema);
    }
}

/// `normalize_value` for one field of a map with schema `schema`.
pub(super) fn normalize_field(key: &str, child: &mut Value, schema: Option<SchemaRef>) {
    let field = schema.and_then(|s| s.field(key));
    match child {
        Value::Object(_) => normalize_value(child, field.and_then(FieldRef::element_schema)),
        Value::Array(items) => {
            if let Some(f) = field.filter(|f| f.strategy_has("merge")) {
                normalize(items, f, key);
            }
        }
        _ => {}
    }
}

/// Every element a map with a distinct, non-blank key tuple (after
/// unifying): nothing for kyaml's matching to fold.
fn is_plain(items: &[Value], keys: &[&str]) -> bool {
    if items
        .iter()
        .any(|v| !v.is_object() || is_null_or_empty_map(v))
    {
        return false;
    }
    let tuples = key_tuples(items.iter(), keys);
    let distinct = (1..tuples.len()).all(|i| !tuples[..i].contains(&tuples[i]));
    tuples.len() == items.len()
        && distinct
        && tuples.iter().all(|t| t.iter().any(|v| !v.is_empty()))
}

/// Scalar lists with a merge strategy (`finalizers`): patch values first,
/// then the target's, each once.
fn merge_scalars(target: &[Value], patch: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = patch.iter().chain(target).cloned().collect();
    dedup_scalars(&mut out);
    out
}

/// Keeps the first of the values with the same text (kyaml compares
/// scalars' text: `1` and `"1"` are one value).
fn dedup_scalars(items: &mut Vec<Value>) {
    let mut seen: Vec<String> = Vec::new();
    items.retain(|v| {
        let text = scalar_text(v);
        let fresh = !seen.contains(&text);
        seen.push(text);
        fresh
    });
}

/// The distinct key tuples of `elements`, in order, unified when several keys.
fn key_tuples<'a>(elements: impl Iterator<Item = &'a Value>, keys: &[&str]) -> Vec<Tuple> {
    let mut tuples: Vec<Tuple> = Vec::new();
    for e in elements {
        let t: Tuple = keys.iter().map(|k| key_text(e, k)).collect();
        if !tuples.contains(&t) {
            tuples.push(t);
        }
    }
    if keys.len() > 1 {
        unify(&mut tuples);
    }
    tuples
}

fn key_text(element: &Value, key: &str) -> String {
    match element.get(key) {
        None | Some(Value::Null) | Some(Value::Object(_)) | Some(Value::Array(_)) => String::new(),
        Some(v) => scalar_text(v),
    }
}

/// kyaml's `mergeValues`: two tuples sharing a value, and blank wherever
/// they differ, both become their union.
fn unify(tuples: &mut [Tuple]) {
    for i in 0..tuples.len() {
        for j in 0..tuples.len() {
            if let Some(u) = union(&tuples[i], &tuples[j]) {
                tuples[i] = u.clone();
                tuples[j] = u;
            }
        }
    }
}

fn union(a: &Tuple, b: &Tuple) -> Option<Tuple> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else {
            out.push(if x.is_empty() { y.clone() } else { x.clone() });
        }
    }
    common.then_some(out)
}

/// kyaml's `validateKeys`: the keys some tuple of `all` has a value for
/// (all keys if none has), with `tuple`'s values for them.
fn valid_keys<'k>(all: &[Tuple], tuple: &Tuple, keys: &[&'k str]) -> (Vec<&'k str>, Vec<String>) {
    let used: Vec<bool> = (0..keys.len())
        .map(|i| all.iter().any(|t| t.get(i).is_some_and(|v| !v.is_empty())))
        .collect();
    if !used.contains(&true) {
        return (keys.to_vec(), tuple.clone());
    }
    let vkeys = keys
        .iter()
        .zip(&used)
        .filter(|(_, u)| **u)
        .map(|(k, _)| *k)
        .collect();
    let vvalues = tuple
        .iter()
        .zip(&used)
        .filter(|(v, u)| !v.is_empty() || **u)
        .map(|(v, _)| v.clone())
        .collect();
    (vkeys, vvalues)
}

/// kyaml's element matcher: a map whose every key holds exactly the value.
fn matches(element: &Value, keys: &[&str], values: &[String]) -> bool {
    let Value::Object(m) = element else {
        return false;
    };
    keys.iter().zip(values).all(|(k, v)| match m.get(k) {
        Some(Value::Null) => v.is_empty(),
        Some(x) => key_text(element, k) == *v && !x.is_object() && !x.is_array(),
        None => false,
    })
}

/// kyaml's element setter's test: every key present, and equal to its value
/// unless the value is blank (then any value will do). A key past the end of
/// `values` is not looked at, as in kyaml.
fn setter_matches(element: &Value, keys: &[&str], values: &[String]) -> bool {
    if values.is_empty() {
        return false;
    }
    keys.iter().take(values.len()).zip(values).all(|(k, v)| {
        element
            .get(*k)
            .is_some_and(|_| v.is_empty() || key_text(element, k) == *v)
    })
}

/// kyaml's `ElementSetter` on `list`: blank elements dropped; every element
/// matching the keys replaced by `element` (or removed when it is `None`);
/// `element` appended when nothing matched.
fn set_element(
    list: &mut Vec<Value>,
    mut element: Option<Value>,
    keys: &[&str],
    values: &[String],
) {
    let mapping_setter = keys.first().is_some_and(|k| !k.is_empty())
        && values.first().is_some_and(|v| !v.is_empty());
    let matches =
        |e: &Value| !is_null_or_empty_map(e) && e.is_object() && setter_matches(e, keys, values);
    // The last match takes `element` itself; only earlier ones (rare) get
    // copies, so a merged element is never copied just to drop the original.
    let last_match = list.iter().rposition(matches);
    let old = std::mem::replace(list, Vec::with_capacity(list.len()));
    for (i, e) in old.into_iter().enumerate() {
        if is_null_or_empty_map(&e) {
            continue;
        }
        if !e.is_object() {
            if mapping_setter {
                list.push(e);
            }
            continue;
        }
        if !setter_matches(&e, keys, values) {
            if !values.is_empty() {
                list.push(e);
            }
            continue;
        }
        let new = if Some(i) == last_match {
            element.take()
        } else {
            element.clone()
        };
        list.extend(new);
    }
    if let Some(new) = element.filter(|_| last_match.is_none()) {
        list.reserve_exact(1);
        list.push(new);
    }
}

/// kyaml's `appendListNode` of the target over the merged elements.
fn lay_over(items: &mut Vec<Value>, target: Vec<Value>, keys: &[&str]) {
    for e in target {
        let mut values = Vec::new();
        for k in keys {
            match e.get(*k) {
                None | Some(Value::Null) => items.push(e.clone()),
                Some(_) => values.push(key_text(&e, k)),
            }
        }
        if keys.len() > 1 {
            set_element(items, None, keys, &values);
        }
        set_element(items, Some(e), keys, &values);
    }
}

/// The merged element for one key tuple: the target's first match merged
/// with the patch's; `None` when the patch deletes it or neither has it.
fn merged_element(
    target: Option<&Value>,
    patch: Option<&Value>,
    field: FieldRef,
    path: &str,
) -> Result<Option<Value>, MergeError> {
    let schema = field.element_schema();
    let Some(p) = patch else {
        return Ok(target.map(|t| {
            let mut t = t.clone();
            normalize_value(&mut t, schema);
            t
        }));
    };
    let pmap = p.as_object();
    match pmap.and_then(directive) {
        Some("delete") => return Ok(None),
        Some("replace") => return Ok(settle(p, schema)),
        _ => {}
    }
    match (target, pmap) {
        (Some(Value::Object(t)), Some(pm)) => {
            let mut merged = t.clone();
            merge_map(&mut merged, pm, schema, path)?;
            Ok(Some(Value::Object(merged)))
        }
        _ => Ok(settle(p, schema)),
    }
}

fn is_null_or_empty_map(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::json;
    use crate::load::openapi::schema_for;
    use crate::model::resid::Gvk;
    use crate::model::value::Value;
    use crate::patch::strategic_merge::apply;

    fn container(fields: Value) -> Value {
        json!({"spec": {"template": {"spec": {"containers": [fields]}}}})
    }

    /// Each case checked against kustomize v5.5.0 (a Deployment patched
    /// through `patches:`).
    #[test]
    fn lists_merge_as_kyaml_walks_them() {
        let schema = schema_for(&Gvk::from_api_version("apps/v1", "Deployment"));
        let cases: &[(&str, Value, Value, Value)] = &[
            (
                "duplicates the patch does not mention: first position, last value",
                json!({"name": "m", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "A", "value": "3"}, {"name": "C"}, {"name": "B", "value": "5"}]}),
                json!({"name": "m", "image": "y"}),
                json!({"name": "m", "image": "y", "env": [{"name": "A", "value": "3"}, {"name": "B", "value": "5"}, {"name": "C"}]}),
            ),
            (
                "an element without the key takes every keyed one with it",
                json!({"name": "m", "env": [{"name": "A", "value": "1"}, {"value": "2"}, {"name": "B"}]}),
                json!({"name": "m", "image": "y"}),
                json!({"name": "m", "image": "y", "env": [{"value": "2"}]}),
            ),
            (
                "two keys: same port, other protocol stays; blank protocol unifies",
                json!({"name": "m", "ports": [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53, "protocol": "TCP"}, {"containerPort": 80}, {"containerPort": 80, "name": "dup"}]}),
                json!({"name": "m", "image": "y"}),
                json!({"name": "m", "image": "y", "ports": [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53, "protocol": "TCP"}, {"containerPort": 80, "name": "dup"}]}),
            ),
            (
                "a port patch without the protocol the target has matches nothing",
                json!({"name": "m", "ports": [{"containerPort": 9443, "protocol": "TCP"}, {"containerPort": 80, "protocol": "TCP"}]}),
                json!({"name": "m", "ports": [{"containerPort": 9443, "$patch": "delete"}, {"containerPort": 80, "name": "http"}]}),
                json!({"name": "m", "ports": [{"containerPort": 9443, "protocol": "TCP"}, {"containerPort": 80, "protocol": "TCP"}]}),
            ),
            (
                "a key no element has is left out: patch order first",
                json!({"name": "m", "ports": [{"containerPort": 1}, {"containerPort": 2}]}),
                json!({"name": "m", "ports": [{"containerPort": 2, "name": "two"}, {"containerPort": 3}]}),
                json!({"name": "m", "ports": [{"containerPort": 2, "name": "two"}, {"containerPort": 3}, {"containerPort": 1}]}),
            ),
            (
                "both keys in use: new patch elements first, then the target's in its order",
                json!({"name": "m", "ports": [{"containerPort": 1, "protocol": "TCP"}, {"containerPort": 2}]}),
                json!({"name": "m", "ports": [{"containerPort": 2, "name": "two"}, {"containerPort": 3}]}),
                json!({"name": "m", "ports": [{"containerPort": 3}, {"containerPort": 1, "protocol": "TCP"}, {"containerPort": 2, "name": "two"}]}),
            ),
            (
                "duplicate target elements lose the patch",
                json!({"name": "m", "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}),
                json!({"name": "m", "env": [{"name": "A", "value": "9"}]}),
                json!({"name": "m", "env": [{"name": "A", "value": "2"}]}),
            ),
            (
                "a delete removes every duplicate",
                json!({"name": "m", "env": [{"name": "A", "value": "1"}, {"name": "B"}, {"name": "A", "value": "2"}]}),
                json!({"name": "m", "env": [{"name": "A", "$patch": "delete"}]}),
                json!({"name": "m", "env": [{"name": "B"}]}),
            ),
        ];
        for (name, target, patch, want) in cases {
            let mut t = container(target.clone());
            apply(&mut t, &container(patch.clone()), schema).unwrap();
            assert_eq!(t, container(want.clone()), "case {name}");
        }
    }
}

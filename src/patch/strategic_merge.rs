//! Strategic merge patch, with kustomize's (kyaml merge2) semantics.
//!
//! Lists whose schema says `x-kubernetes-patch-strategy: merge` merge by
//! their merge key; the merged list holds the patch's elements in patch
//! order followed by the original-only elements in original order (checked
//! against kustomize v5.5.0). Lists of unknown kinds (CRDs) are replaced.
//! Directives: `$patch: delete|replace|merge`, `$retainKeys`,
//! `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; a null
//! value deletes the field.

use super::associative;
use crate::load::openapi::{Container, FieldRef, SchemaRef};
use crate::model::untagged::NullText;
use crate::model::value::PathStep;
use crate::model::value::{Map, Value};
use crate::model::written::{Text, Written};

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_FROM: &str = "$deleteFromPrimitiveList/";

/// What became of the patched object.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Patched,
    /// The patch said `$patch: delete` at the top: drop the resource.
    Deleted,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}: {message}")]
pub struct MergeError {
    pub path: String,
    pub message: String,
}

/// Applies `patch` to `target` (both whole objects) using `schema` when known.
pub fn apply(
    target: &mut Value,
    patch: &Value,
    schema: Option<SchemaRef>,
) -> Result<Outcome, MergeError> {
    let Value::Object(patch) = patch else {
        return Err(MergeError {
            path: "/".into(),
            message: "a strategic merge patch must be a map".into(),
        });
    };
    match directive(patch) {
        Some("delete") => return Ok(Outcome::Deleted),
        Some("replace") => {
            let whole = Value::Object(patch.clone());
            *target = settle(&whole, schema).unwrap_or_default();
            return Ok(Outcome::Patched);
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        merge_map(t, patch, schema, "")?;
    }
    Ok(Outcome::Patched)
}

/// kustomize's merge walks every map of the target and every list whose
/// schema says `merge`; on that walk a value written as nothing (`key:`)
/// that the patch does not set is dropped (an explicit `null` or `~` is
/// kept). `written` holds those values (from the parser, with the other
/// texts the object's values do not keep); the ones dropped are removed
/// from it. Runs before the merge itself, on the target as loaded, so list
/// positions still hold.
pub fn drop_bare_nulls(
    target: &mut Value,
    written: &mut thin_vec::ThinVec<Written>,
    schema: Option<SchemaRef>,
) {
    written.retain(|w| {
        w.text != Text::Null(NullText::Empty) || !drop_one(target, &w.path.to_steps(), schema)
    });
}

/// Drops the value at `path` if the merge walk reaches it and it is null;
/// true when dropped.
fn drop_one(node: &mut Value, path: &[PathStep], schema: Option<SchemaRef>) -> bool {
    let Some((step, rest)) = path.split_first() else {
        return false;
    };
    let PathStep::Key(key) = step else {
        return false;
    };
    let Value::Object(map) = node else {
        return false;
    };
    let field = schema.and_then(|s| s.field(key));
    if rest.is_empty() {
        if map.get(key).is_some_and(Value::is_null) {
            map.shift_remove(key);
            return true;
        }
        return false;
    }
    let Some(child) = map.get_mut(key) else {
        return false;
    };
    match (child, &rest[0]) {
        (Value::Array(items), PathStep::Index(i)) => {
            // Only lists merged by key (or as sets) are walked element by element.
            let Some(field) = field.filter(|f| f.strategy_has("merge")) else {
                return false;
            };
            match items.get_mut(*i) {
                Some(item) => drop_one(item, &rest[1..], field.element_schema()),
                None => false,
            }
        }
        (child @ Value::Object(_), PathStep::Key(_)) => {
            drop_one(child, rest, field.and_then(|f| f.element_schema()))
        }
        _ => false,
    }
}

pub(super) fn directive(map: &Map) -> Option<&str> {
    map.get(PATCH).and_then(Value::as_str)
}

/// `path/key`, for error messages (built without the formatting machinery:
/// every patched field has one).
fn child_path(path: &str, key: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1 + key.len());
    out.push_str(path);
    out.push('/');
    out.push_str(key);
    out
}

pub(super) fn merge_map(
    target: &mut Map,
    patch: &Map,
    schema: Option<SchemaRef>,
    path: &str,
) -> Result<(), MergeError> {
    for (key, pv) in patch {
        if key.starts_with('$') {
            continue;
        }
        let field_path = child_path(path, key);
        let field = schema.and_then(|s| s.field(key));
        match pv {
            Value::Null => {
                target.shift_remove(key);
            }
            Value::Object(pmap) => merge_map_field(target, key, pmap, field, &field_path)?,
            Value::Array(items) => {
                let merged = merge_list(target.get(key), items, field, &field_path)?;
                target.insert(*key, merged);
            }
            scalar => {
                target.insert(*key, scalar.clone());
            }
        }
    }
    // kyaml's walk also visits what the patch does not mention.
    for (key, child) in target.iter_mut() {
        if !patch.contains_key(key) {
            associative::normalize_field(key, child, schema);
        }
    }
    apply_list_directives(target, patch);
    if let Some(Value::Array(keep)) = patch.get(RETAIN_KEYS) {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        target.retain(|k, _| keep.contains(&k.as_str()));
    }
    Ok(())
}

fn merge_map_field(
    target: &mut Map,
    key: &str,
    pmap: &Map,
    field: Option<FieldRef>,
    path: &str,
) -> Result<(), MergeError> {
    match directive(pmap) {
        Some("delete") => {
            target.shift_remove(key);
            return Ok(());
        }
        Some("replace") => {
            let whole = Value::Object(pmap.clone());
            if let Some(v) = settle(&whole, field.and_then(FieldRef::element_schema)) {
                target.insert(key.into(), v);
            }
            return Ok(());
        }
        _ => {}
    }
    match target.get_mut(key) {
        Some(Value::Object(existing)) => match field {
            // A map of typed values (rare): merge each value with the element schema.
            Some(f) if f.container() == Container::Map => {
                for (k, v) in pmap {
                    match (existing.get_mut(k), v) {
                        (Some(Value::Object(e)), Value::Object(pv)) => {
                            merge_map(e, pv, f.element_schema(), &child_path(path, k))?
                        }
                        (_, Value::Null) => {
                            existing.shift_remove(k);
                        }
                        _ => match settle(v, f.element_schema()) {
                            Some(v) => {
                                existing.insert(*k, v);
                            }
                            None => {
                                existing.shift_remove(k);
                            }
                        },
                    }
                }
                Ok(())
            }
            _ => merge_map(
                existing,
                pmap,
                field.and_then(FieldRef::element_schema),
                path,
            ),
        },
        _ => {
            let whole = Value::Object(pmap.clone());
            match settle(&whole, field.and_then(FieldRef::element_schema)) {
                Some(v) => {
                    target.insert(key.into(), v);
                }
                None => {
                    target.shift_remove(key);
                }
            }
            Ok(())
        }
    }
}

fn merge_list(
    original: Option<&Value>,
    items: &[Value],
    field: Option<FieldRef>,
    path: &str,
) -> Result<Value, MergeError> {
    let field = field.filter(|f| f.strategy_has("merge"));
    let (Some(Value::Array(orig)), Some(field)) = (original, field) else {
        // Added, or not merged by key: kyaml takes the patch's list.
        return Ok(settle_list(items, field, path));
    };
    if items.iter().any(|i| {
        i.as_object()
            .is_some_and(|m| directive(m) == Some("replace"))
    }) {
        return Ok(settle_list(items, Some(field), path));
    }
    associative::merge(orig, items, field, path).map(Value::Array)
}

fn is_directive_only(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.keys().all(|k| k.starts_with('$')))
}

/// `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
fn apply_list_directives(target: &mut Map, patch: &Map) {
    for (key, value) in patch {
        if let Some(list) = key.strip_prefix(DELETE_FROM)
            && let (Some(Value::Array(items)), Value::Array(remove)) = (target.get_mut(list), value)
        {
            items.retain(|v| !remove.contains(v));
        }
    }
    for (key, value) in patch {
        let Some(list) = key.strip_prefix(SET_ORDER) else {
            continue;
        };
        let (Some(Value::Array(items)), Value::Array(order)) = (target.get_mut(list), value) else {
            continue;
        };
        let position = |item: &Value| {
            order.iter().position(|o| match (o, item) {
                (Value::Object(om), Value::Object(im)) => {
                    om.iter().all(|(k, v)| im.get(k) == Some(v))
                }
                (o, i) => o == i,
            })
        };
        // Stable: elements the order names come first in its order, the rest keep theirs.
        items.sort_by_key(|item| position(item).unwrap_or(usize::MAX));
    }
}

/// What kyaml leaves of a patch value the target does not have (or that a
/// `replace` directive puts in): the value merged with itself. A map loses
/// its directive keys, its null fields and the maps that say
/// `$patch: delete`, and is walked on; a list the schema merges by key has
/// its elements settled the same way and folded as kyaml folds them; any
/// other list is taken exactly as written, directives and nulls included.
/// `None` when the value deletes itself.
pub(super) fn settle(v: &Value, schema: Option<SchemaRef>) -> Option<Value> {
    let Value::Object(map) = v else {
        return Some(v.clone());
    };
    if directive(map) == Some("delete") {
        return None;
    }
    let mut out = Map::new();
    for (key, value) in map {
        if key.starts_with('$') || value.is_null() {
            continue;
        }
        let field = schema.and_then(|s| s.field(key));
        let settled = match value {
            Value::Object(_) => settle(value, field.and_then(FieldRef::element_schema)),
            Value::Array(items) => Some(settle_list(items, field, key)),
            scalar => Some(scalar.clone()),
        };
        if let Some(settled) = settled {
            out.insert(*key, settled);
        }
    }
    Some(Value::Object(out))
}

/// `settle` for a list at a field with the given schema.
pub(super) fn settle_list(items: &[Value], field: Option<FieldRef>, path: &str) -> Value {
    let Some(field) = field.filter(|f| f.strategy_has("merge")) else {
        return Value::Array(items.to_vec());
    };
    let mut list: Vec<Value> = items
        .iter()
        .filter(|i| !is_directive_only(i))
        .filter_map(|i| settle(i, field.element_schema()))
        .collect();
    associative::normalize(&mut list, field, path);
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::load::openapi::schema_for;
    use crate::model::resid::Gvk;

    fn deployment() -> Option<SchemaRef<'static>> {
        schema_for(&Gvk::from_api_version("apps/v1", "Deployment"))
    }

    #[test]
    fn keyed_lists_put_patch_elements_first() {
        let mut t = json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"},{"name":"c","image":"c"}]}}}});
        let p = json!({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b2"},{"name":"n","image":"n"},{"name":"a","image":"a2"}]}}}});
        apply(&mut t, &p, deployment()).unwrap();
        let names: Vec<&str> = t["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["image"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["b2", "n", "a2", "c"]);
    }

    #[test]
    fn directives_delete_and_replace() {
        let mut t = json!({"spec":{"selector":{"a":"b"},"template":{"spec":{"volumes":[{"name":"v1"},{"name":"v2"}],"nodeSelector":{"a":"b"},"initContainers":[{"name":"i1"}]}}}});
        let p = json!({"spec":{"selector":null,"template":{"spec":{"volumes":[{"name":"v1","$patch":"delete"}],"nodeSelector":{"$patch":"replace","z":"y"},"initContainers":[{"name":"i3"},{"$patch":"replace"}]}}}});
        apply(&mut t, &p, deployment()).unwrap();
        assert_eq!(
            t,
            json!({"spec":{"template":{"spec":{"volumes":[{"name":"v2"}],"nodeSelector":{"z":"y"},"initContainers":[{"name":"i3"}]}}}})
        );
    }

    /// Checked against kustomize v5.5.0 with a custom kind (no schema).
    #[test]
    fn values_the_target_lacks_settle_as_kyaml_leaves_them() {
        let cases: &[(&str, Value, Value, Value)] = &[
            (
                "a list not merged by key is taken as written",
                json!({"spec": {"items": [{"name": "a"}]}}),
                json!({"spec": {"items": [{"name": "a", "$patch": "delete"}, {"name": "c", "gone": null}, {"$patch": "replace"}]}}),
                json!({"spec": {"items": [{"name": "a", "$patch": "delete"}, {"name": "c", "gone": null}, {"$patch": "replace"}]}}),
            ),
            (
                "an added map drops nulls and maps that delete themselves",
                json!({"spec": {}}),
                json!({"spec": {"newmap": {"a": null, "b": {"$patch": "delete"}, "c": {"d": 1}}}}),
                json!({"spec": {"newmap": {"c": {"d": 1}}}}),
            ),
            (
                "a replaced map is settled the same way",
                json!({"spec": {"m": {"x": 1}}}),
                json!({"spec": {"m": {"$patch": "replace", "y": 2, "z": null}}}),
                json!({"spec": {"m": {"y": 2}}}),
            ),
        ];
        for (name, target, patch, want) in cases {
            let mut t = target.clone();
            apply(&mut t, patch, None).unwrap();
            assert_eq!(&t, want, "case {name}");
        }
    }

    #[test]
    fn unknown_kinds_replace_lists() {
        let mut t = json!({"spec":{"items":[{"name":"a"},{"name":"b"}]}});
        apply(
            &mut t,
            &json!({"spec":{"items":[{"name":"b","v":3}]}}),
            None,
        )
        .unwrap();
        assert_eq!(t, json!({"spec":{"items":[{"name":"b","v":3}]}}));
    }

    #[test]
    fn retain_keys_set_element_order_and_delete_from_primitive_list() {
        let mut t = json!({"metadata":{"finalizers":["a","b","c"]},"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
            "template":{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}}});
        let p = json!({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]},"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},
            "template":{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}],"containers":[{"name":"a","image":"x"}]}}}});
        apply(&mut t, &p, deployment()).unwrap();
        assert_eq!(
            t,
            json!({"metadata":{"finalizers":["a","c"]},"spec":{"strategy":{"type":"Recreate"},
            "template":{"spec":{"containers":[{"name":"c"},{"name":"a","image":"x"},{"name":"b"}]}}}})
        );
    }

    #[test]
    fn top_level_delete() {
        let mut t = json!({"kind":"x"});
        assert_eq!(
            apply(&mut t, &json!({"$patch":"delete"}), None).unwrap(),
            Outcome::Deleted
        );
    }
}

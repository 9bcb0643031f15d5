//! Which nodes of an object kyaml's strategic merge walks.
//!
//! The walk visits every map (with or without a schema), and the elements
//! of a list only when the schema gives the list a `merge` patch strategy:
//! a list without one, or of a kind with no schema, is taken whole from
//! the patch or the object (kyaml infers no merge keys in a merge). What
//! the walk visits, it sets anew (`FieldSetter`), which is where an
//! untagged scalar becomes a string (`merge_marks`), and where merge keys
//! are compared by text (`key_texts`).

use crate::load::openapi::{Container, SchemaRef};
use crate::model::value::{PathStep, Value};

/// What the walk reaches at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// A field of a map.
    Field,
    /// A merge key of an element of a list matched by key.
    MergeKey,
    /// An item of a merged list of scalars (`finalizers`).
    ListItem,
}

/// Whether the merge sets the scalar at `at` anew (kyaml's `FieldSetter`):
/// a map field or merge key its walk reaches, not an item of a list.
pub fn set_anew(schema: Option<SchemaRef>, at: &[PathStep]) -> bool {
    matches!(
        reached(schema, at),
        Some(Reached::Field | Reached::MergeKey)
    )
}

/// What the walk reaches at `at`, or `None` when it does not go there
/// (inside an element of a list it takes whole, or at such an element).
pub fn reached(schema: Option<SchemaRef>, at: &[PathStep]) -> Option<Reached> {
    let mut schema = schema;
    let mut rest = at;
    let mut keys: Vec<&str> = Vec::new();
    loop {
        match rest {
            [] => return None,
            [PathStep::Index(_), ..] => return None,
            [PathStep::Key(key)] => {
                return Some(match keys.contains(&key.as_str()) {
                    true => Reached::MergeKey,
                    false => Reached::Field,
                });
            }
            [PathStep::Key(key), after @ ..] => {
                let field = schema.and_then(|s| s.field(key));
                keys.clear();
                match after {
                    [PathStep::Index(_), inside @ ..] => {
                        let field = field.filter(|f| f.strategy_has("merge"))?;
                        keys = field.merge_keys();
                        if inside.is_empty() {
                            return keys.is_empty().then_some(Reached::ListItem);
                        }
                        rest = inside;
                    }
                    // A map of typed values: the next key is the map's own.
                    [PathStep::Key(_), inside @ ..]
                        if field.is_some_and(|f| f.container() == Container::Map) =>
                    {
                        rest = inside;
                    }
                    _ => rest = after,
                }
                schema = field.and_then(|f| f.element_schema());
            }
        }
    }
}

/// Calls `f` on every node the walk compares by its text: each merge key
/// of `value` and item of a merged list of scalars, through the lists the
/// merge walks.
pub fn for_each_compared(value: &mut Value, schema: SchemaRef, f: &mut impl FnMut(&mut Value)) {
    let Value::Object(map) = value else { return };
    for (key, child) in map.iter_mut() {
        let Some(field) = schema.field(key) else {
            continue;
        };
        let inner = field.element_schema();
        match child {
            Value::Array(items) if field.strategy_has("merge") => {
                let keys = field.merge_keys();
                for item in items.iter_mut() {
                    if keys.is_empty() {
                        f(item);
                        continue;
                    }
                    if let Value::Object(element) = item {
                        element
                            .iter_mut()
                            .filter(|(k, _)| keys.contains(&k.as_str()))
                            .for_each(|(_, v)| f(v));
                    }
                    if let Some(inner) = inner {
                        for_each_compared(item, inner, f);
                    }
                }
            }
            Value::Object(entries) if field.container() == Container::Map => {
                if let Some(inner) = inner {
                    entries
                        .values_mut()
                        .for_each(|v| for_each_compared(v, inner, f));
                }
            }
            Value::Object(_) => {
                if let Some(inner) = inner {
                    for_each_compared(child, inner, f);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Reached, reached};
    use crate::load::openapi::schema_for;
    use crate::model::resid::Gvk;
    use crate::model::value::PathStep;

    fn steps(path: &str) -> Vec<PathStep> {
        path.split('/')
            .map(|s| match s.parse() {
                Ok(i) => PathStep::Index(i),
                Err(_) => PathStep::Key(s.into()),
            })
            .collect()
    }

    #[test]
    fn the_walk_goes_into_merged_lists_only() {
        let deployment = schema_for(&Gvk::from_api_version("apps/v1", "Deployment"));
        let pod = "spec/template/spec/containers/0";
        let cases = [
            (
                format!("{pod}/ports/1/containerPort"),
                Some(Reached::MergeKey),
            ),
            (format!("{pod}/name"), Some(Reached::MergeKey)),
            ("metadata/finalizers/2".to_string(), Some(Reached::ListItem)),
            (format!("{pod}/image"), Some(Reached::Field)),
            (format!("{pod}/ports/1/name"), Some(Reached::Field)),
            ("spec/replicas".to_string(), Some(Reached::Field)),
            ("metadata/labels/x".to_string(), Some(Reached::Field)),
            (format!("{pod}/args/0"), None),
            ("spec/template/spec/tolerations/0/value".to_string(), None),
            ("spec/unknown/a/b".to_string(), Some(Reached::Field)),
            ("spec/unknown/0/b".to_string(), None),
        ];
        for (path, expected) in cases {
            assert_eq!(reached(deployment, &steps(&path)), expected, "{path}");
        }
        assert_eq!(reached(None, &steps("spec/a/b")), Some(Reached::Field));
        assert_eq!(reached(None, &steps("spec/a/0/b")), None);
    }
}

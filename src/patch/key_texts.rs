//! Merge keys compared as kustomize compares them: by their text as
//! written.
//!
//! kyaml's walker matches the elements of an associative list by the text
//! of each merge-key node, and folds the items of a merged scalar list by
//! their text: `containerPort: 0x50` and `containerPort: 80` are two ports
//! to kustomize, `"80"` and `80` one. nest-kz's values keep a number's
//! canonical text, and the text as written is a mark beside the value
//! (`Resource::written`). For the merge, each merge key with such a mark
//! holds its text as a string, and gets its value back afterwards; the
//! marks follow the nodes through the merge (`merge_marks`) as they
//! follow any other scalar.

use super::walked::{self, Reached};
use crate::load::openapi::{Container, SchemaRef};
use crate::model::value::{PathStep, Value};
use crate::model::written::Text;

/// The values of the merge keys that hold their text for the merge, by
/// that text.
#[derive(Default)]
pub struct Swapped(Vec<(Box<str>, Value)>);

/// The merge keys among `written` that have a text as written, with it.
pub fn among<'a, P: AsRef<[PathStep]>>(
    written: impl Iterator<Item = (P, &'a Text)>,
    schema: SchemaRef,
) -> Vec<(P, &'a str)> {
    written
        .filter_map(|(at, text)| match text {
            Text::Scalar(text) if is_merge_key(schema, at.as_ref()) => Some((at, text.as_ref())),
            _ => None,
        })
        .collect()
}

impl Swapped {
    /// Makes each of `keys` in `value` hold its text as a string.
    pub fn swap_in<P: AsRef<[PathStep]>>(&mut self, value: &mut Value, keys: Vec<(P, &str)>) {
        for (at, text) in keys {
            if let Some(node) = value.at_mut(at.as_ref()) {
                let held = std::mem::replace(node, Value::String(text.into()));
                self.0.push((text.into(), held));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Gives each merge key that holds one of the swapped texts its value
    /// back. The merge moves list elements, and an element without a name
    /// of its own takes no mark with it, so the keys are found by walking
    /// the merged object, not by their marks.
    pub fn swap_back(&self, value: &mut Value, schema: SchemaRef) {
        for_each_key(value, schema, &mut |node| {
            let held = node
                .as_str()
                .and_then(|text| self.0.iter().find(|(t, _)| t.as_ref() == text));
            if let Some((_, held)) = held {
                *node = held.clone();
            }
        });
    }
}

/// Calls `f` on every merge key of `value` and item of a merged list of
/// scalars, through the lists the merge walks.
fn for_each_key(value: &mut Value, schema: SchemaRef, f: &mut impl FnMut(&mut Value)) {
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
                        for_each_key(item, inner, f);
                    }
                }
            }
            Value::Object(entries) if field.container() == Container::Map => {
                if let Some(inner) = inner {
                    entries.values_mut().for_each(|v| for_each_key(v, inner, f));
                }
            }
            Value::Object(_) => {
                if let Some(inner) = inner {
                    for_each_key(child, inner, f);
                }
            }
            _ => {}
        }
    }
}

/// Whether the merge compares the node at `at` by its text.
fn is_merge_key(schema: SchemaRef, at: &[PathStep]) -> bool {
    matches!(
        walked::reached(Some(schema), at),
        Some(Reached::MergeKey | Reached::ListItem)
    )
}

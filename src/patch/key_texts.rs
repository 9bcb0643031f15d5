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
use crate::load::openapi::SchemaRef;
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
    /// the merged object, not by their marks (a merge key that was the
    /// string `"0x50"` beside a swapped `0x50` gets the number too).
    pub fn swap_back(&self, value: &mut Value, schema: SchemaRef) {
        walked::for_each_compared(value, schema, &mut |node| {
            let held = node
                .as_str()
                .and_then(|text| self.0.iter().find(|(t, _)| t.as_ref() == text));
            if let Some((_, held)) = held {
                *node = held.clone();
            }
        });
    }
}

/// Whether the merge compares the node at `at` by its text.
fn is_merge_key(schema: SchemaRef, at: &[PathStep]) -> bool {
    matches!(
        walked::reached(Some(schema), at),
        Some(Reached::MergeKey | Reached::ListItem)
    )
}

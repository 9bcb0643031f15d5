//! Which collections of an object stay written in flow style through a
//! strategic merge (`Resource::flow`), which decides how a field a later
//! replacement creates from an empty text reads back.
//!
//! kyaml's merge keeps every node the object had, with its style, and adds
//! a field only the patch has as the patch wrote it. Marks are paths, so a
//! list merge that moves the object's elements (a new element merged in
//! ahead of them) leaves a mark on the wrong element; and a new element
//! merged into a list the object has is not marked (docs/compatibility.md).

use thin_vec::ThinVec;

use crate::model::node_path::NodePath;
use crate::model::value::{PathStep, Value};

/// The fields only the patch has that it writes in flow style (the
/// topmost of each), found before the merge: `patch_flow` holds the
/// patch's outermost flow collections (`yaml::StylePaths::flow`). A
/// patch with a target merges its labels and annotations into a copy
/// first, which writes them anew in block style.
pub fn new_from_patch(
    object: &Value,
    patch: &Value,
    patch_flow: &[Vec<PathStep>],
    targeted: bool,
) -> Vec<NodePath> {
    let mut found = Vec::new();
    for outer in patch_flow {
        // A list merges element by element, or replaces the object's: not
        // followed (see the module documentation).
        if outer.iter().any(|step| matches!(step, PathStep::Index(_))) {
            continue;
        }
        if let Some(written) = patch.at(outer) {
            collect_new(written, object.at(outer), &mut outer.clone(), &mut found);
        }
    }
    if targeted {
        found.retain(|p| !(p.is(&metadata("labels")) || p.is(&metadata("annotations"))));
    }
    found
}

fn metadata(field: &str) -> [PathStep; 2] {
    [
        PathStep::Key("metadata".into()),
        PathStep::Key(field.into()),
    ]
}

/// After the merge: the object's marks that still name a collection, and
/// the new ones from the patch that do.
pub fn after_merge(marks: &mut ThinVec<NodePath>, object: &Value, from_patch: Vec<NodePath>) {
    let is_collection =
        |p: &NodePath| matches!(p.find(object), Some(Value::Object(_) | Value::Array(_)));
    marks.retain(|p| is_collection(p));
    marks.extend(from_patch.into_iter().filter(is_collection));
}

fn collect_new(
    written: &Value,
    there: Option<&Value>,
    path: &mut Vec<PathStep>,
    found: &mut Vec<NodePath>,
) {
    match (written, there) {
        (_, None | Some(Value::Null)) => found.push(NodePath::of(path)),
        (Value::Object(fields), Some(Value::Object(had))) => {
            for (key, value) in fields {
                path.push(PathStep::Key(key.as_str().to_string()));
                collect_new(value, had.get(key.as_str()), path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

//! Where each field of a parsed document was written: the line of every
//! node by keyed path (`spec.containers[name=app].image`, named as
//! `model::provenance` names fields), so a patch's or kustomization's line
//! can be found for a field a build step set.

use crate::model::provenance::{element_key, join, segment};
use crate::model::value::Value;
use crate::yaml::LineTree;
use hashbrown::HashMap;

/// The line of every node of a parsed document, by keyed path ("" is the root).
pub fn lines_by_path(value: &Value, lines: &LineTree) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    collect_lines(value, lines, String::new(), &mut out);
    out
}

fn collect_lines(value: &Value, lines: &LineTree, path: String, out: &mut HashMap<String, usize>) {
    out.insert(path.clone(), lines.line());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(sub) = lines.get(k) {
                    collect_lines(v, sub, join(&path, k), out);
                }
            }
        }
        Value::Array(items) => {
            let key = element_key(items);
            for (i, v) in items.iter().enumerate() {
                if let Some(sub) = lines.index(i) {
                    collect_lines(v, sub, format!("{path}{}", segment(items, key, i)), out);
                }
            }
        }
        _ => {}
    }
}

/// The line for `path` in a line map: the path itself or its nearest ancestor.
pub fn nearest_line(lines: &HashMap<String, usize>, path: &str) -> Option<usize> {
    let mut p = path;
    loop {
        if let Some(l) = lines.get(p) {
            return Some(*l);
        }
        let cut = p.rfind(['.', '['])?;
        p = &p[..cut];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_of_patch_fields() {
        let doc = crate::yaml::parse_documents("spec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n").unwrap().remove(0);
        let lines = lines_by_path(&doc.value, &doc.lines);
        assert_eq!(lines["spec.template.spec.containers[name=app].image"], 6);
        assert_eq!(
            nearest_line(
                &lines,
                "spec.template.spec.containers[name=app].resources.cpu"
            ),
            Some(5)
        );
    }
}

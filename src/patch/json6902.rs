//! RFC 6902 JSON patches (add/remove/replace/move/copy/test) via `json-patch`.

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum JsonPatchError {
    #[error("not a JSON 6902 patch: {0}")]
    Decode(String),
    #[error("op {} ({path}): {message}", operation + 1)]
    Apply {
        operation: usize,
        path: String,
        message: String,
    },
}

/// Decodes an op list (already parsed from YAML or JSON).
pub fn decode(ops: &Value) -> Result<json_patch::Patch, JsonPatchError> {
    serde_json::from_value(ops.clone()).map_err(|e| JsonPatchError::Decode(e.to_string()))
}

/// Applies all ops or none: on failure `doc` is left as it was.
pub fn apply(doc: &mut Value, patch: &json_patch::Patch) -> Result<(), JsonPatchError> {
    let mut work = doc.clone();
    json_patch::patch(&mut work, patch).map_err(|e| JsonPatchError::Apply {
        operation: e.operation,
        path: e.path.to_string(),
        message: e.kind.to_string(),
    })?;
    *doc = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_ops_and_reports_test_failures() {
        let mut doc = json!({"spec": {"replicas": 1}});
        let ok = decode(&json!([{"op": "replace", "path": "/spec/replicas", "value": 3}])).unwrap();
        apply(&mut doc, &ok).unwrap();
        assert_eq!(doc["spec"]["replicas"], 3);
        let failing =
            decode(&json!([{"op": "test", "path": "/spec/replicas", "value": 9}])).unwrap();
        assert!(apply(&mut doc, &failing).is_err());
        assert_eq!(doc["spec"]["replicas"], 3);
    }
}

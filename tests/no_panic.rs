//! Property tests: the YAML loader and both patch engines return errors, never panic.

use nest_kz::{json6902, strategic_merge, yaml};
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z$/ ]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z$]{1,4}", inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn yaml_loader_never_panics(text in "[ -~\n\t]{0,120}") {
        let _ = yaml::parse_documents(&text);
    }

    #[test]
    fn emitted_yaml_reads_back_equal(v in arb_json()) {
        let doc = serde_json::json!({"root": v});
        let text = yaml::emit_document(&doc);
        let back = yaml::parse_documents(&text).unwrap();
        prop_assert_eq!(&back[0].value, &doc, "{}", text);
    }

    #[test]
    fn strategic_merge_never_panics(target in arb_json(), patch in arb_json()) {
        let mut t = target;
        let _ = strategic_merge::apply(&mut t, &patch, None);
    }

    #[test]
    fn json6902_never_panics(target in arb_json(), path in "(/[a-z0-9~]{0,3}){0,3}", value in arb_json()) {
        let ops = serde_json::json!([{"op": "add", "path": path, "value": value}, {"op": "remove", "path": path}]);
        if let Ok(p) = json6902::decode(&ops) {
            let mut t = target;
            let _ = json6902::apply(&mut t, &p);
        }
    }
}

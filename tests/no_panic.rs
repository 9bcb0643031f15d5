//! Property tests: the YAML loader and both patch engines return errors, never panic.

use nest_kz::model::value::Value;
use nest_kz::patch::{json6902, strategic_merge};
use nest_kz::yaml;
use proptest::prelude::*;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z$/ ]{0,6}".prop_map(Value::from),
        // Any Unicode, including control characters, quotes, breaks and tabs.
        any::<String>().prop_map(|s| Value::from(s.chars().take(12).collect::<String>())),
        prop::sample::select(vec![
            "yes",
            "~",
            "0x1F",
            "1e3",
            "- a",
            "a: b",
            "#c",
            " x",
            "x ",
            "a\nb",
            "a \nb",
            "\n\n",
            "'",
            "\"",
            "\t",
            "\u{85}",
            "\u{2028}",
            "\u{feff}x",
            "😀"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z$]{1,4}", inner.clone()), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            prop::collection::vec((any::<String>(), inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn fold_all(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(yaml::emit::fold_raw_nel(s).as_ref().into()),
        Value::Array(items) => Value::Array(items.iter().map(fold_all).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (yaml::emit::fold_raw_nel(k).into_owned(), fold_all(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

proptest! {
    #[test]
    fn yaml_loader_never_panics(text in "[ -~\n\t]{0,120}") {
        let _ = yaml::parse_documents(&text);
    }

    #[test]
    fn emitted_yaml_reads_back_equal(v in arb_json()) {
        let doc = nest_kz::json!({"root": v});
        let text = yaml::emit_document(&doc);
        let back = yaml::parse_documents(&text).unwrap();
        // What kustomize prints differs from its input only by NEL folding.
        prop_assert_eq!(&back[0].value, &fold_all(&doc), "{}", text);
    }

    #[test]
    fn strategic_merge_never_panics(target in arb_json(), patch in arb_json()) {
        let mut t = target;
        let _ = strategic_merge::apply(&mut t, &patch, None);
    }

    #[test]
    fn json6902_never_panics(target in arb_json(), path in "(/[a-z0-9~]{0,3}){0,3}", value in arb_json()) {
        let ops = nest_kz::json!([{"op": "add", "path": path, "value": value}, {"op": "remove", "path": path}]);
        if let Ok(p) = json6902::decode(&ops) {
            let mut t = target;
            let _ = json6902::apply(&mut t, &p);
        }
    }
}

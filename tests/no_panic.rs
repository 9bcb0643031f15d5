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

/// Any text for a helm chart's string fields, flag-like ones included.
fn arb_helm_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.-]{0,12}",
        "-{1,2}[a-z-]{1,12}(=[a-z/.]{0,8})?",
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
    ]
}

proptest! {
    /// Whatever a kustomization puts in a chart, once its operands pass the
    /// check, nothing it wrote sits where helm would read an option.
    #[test]
    fn helm_operands_never_read_as_options(
        name in arb_helm_text(),
        release_name in arb_helm_text(),
        namespace in arb_helm_text(),
        name_template in arb_helm_text(),
        kube_version in arb_helm_text(),
        api_versions in prop::collection::vec(arb_helm_text(), 0..3),
    ) {
        use nest_kz::generate::helm::{check_operands, template_args, HelmChart};
        use std::path::Path;
        let chart = HelmChart { name, release_name, namespace, name_template, kube_version, api_versions, ..HelmChart::default() };
        if check_operands(&chart).is_ok() {
            let args = template_args(&chart, Path::new("/k/charts"), Path::new("/t/v.yaml"), &[]);
            // template RELEASE|--generate-name CHART-PATH, then flags with values.
            prop_assert!(args[1] == "--generate-name" || !args[1].starts_with('-'), "{args:?}");
            prop_assert!(args[2].starts_with('/'), "{args:?}");
            let mut i = 3;
            while i < args.len() {
                prop_assert!(args[i].starts_with("--") || args[i] == "-f", "{args:?}");
                let takes_value = !matches!(args[i].as_str(), "--include-crds" | "--skip-tests" | "--no-hooks" | "--debug" | "--devel");
                i += if takes_value { 2 } else { 1 };
            }
        }
    }

    /// The ArgoCD plugin's parameters, in any shape: read without a panic,
    /// and every edit command's user value after `--` or as a plain word.
    #[test]
    fn argocd_parameters_never_panic(
        json in prop_oneof![
            Just("null".to_string()),
            arb_json().prop_map(|v| v.to_string()),
            prop::collection::vec(
                ("(namePrefix|nameSuffix|namespace|images|replicas|commonLabels|components|patches|enableHelm|version|forceCommonLabels)",
                 arb_json()),
                0..4,
            ).prop_map(|ps| {
                let items: Vec<String> = ps.into_iter().map(|(n, v)| match v {
                    Value::Array(_) => format!(r#"{{"name":"{n}","array":{v}}}"#),
                    Value::Object(_) => format!(r#"{{"name":"{n}","map":{v}}}"#),
                    other => format!(r#"{{"name":"{n}","string":{}}}"#, serde_json::to_string(&other.to_string()).unwrap()),
                }).collect();
                format!("[{}]", items.join(","))
            }),
        ],
        env_value in any::<String>(),
    ) {
        use nest_kz::cli::argocd::SourceOverrides;
        let env: std::collections::BTreeMap<String, String> = [
            ("ARGOCD_APP_PARAMETERS".to_string(), json),
            ("ARGOCD_ENV_NAMESPACE".to_string(), env_value),
        ].into_iter().collect();
        // Before each command's `--` stand only its own words and flags.
        const FIXED: &[&str] = &[
            "set", "add", "image", "replicas", "label", "annotation", "nameprefix",
            "namesuffix", "namespace", "--force", "--without-selector", "--include-templates",
        ];
        if let Ok(o) = SourceOverrides::from_env(&env) {
            for (_, argv) in o.edit_commands() {
                let dash = argv.iter().position(|a| a == "--");
                prop_assert!(dash.is_some(), "{:?}", argv);
                let words = &argv[..dash.unwrap_or(0)];
                prop_assert!(words.iter().all(|a| FIXED.contains(&a.as_str())), "{:?}", argv);
            }
        }
    }
}

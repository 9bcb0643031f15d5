//! The ArgoCD plugin's parameter decoder: any ARGOCD_APP_PARAMETERS text
//! and plugin env values are read without a panic, and every value an
//! edit command takes comes after its `--`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::cli::argocd::SourceOverrides;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (json, rest) = text.split_once('\u{0}').unwrap_or((&text, ""));
    let mut env = BTreeMap::new();
    env.insert("ARGOCD_APP_PARAMETERS".to_string(), json.to_string());
    for (i, value) in rest.split('\u{0}').enumerate().take(4) {
        let name = ["ARGOCD_ENV_NAMESPACE", "ARGOCD_ENV_IMAGES", "PARAM_REPLICAS_0", "ARGOCD_ENV_ENABLE_HELM"][i];
        env.insert(name.to_string(), value.to_string());
    }
    // Before the `--` of every edit command stand only the command's own
    // words and flags: no value can be read as an option.
    const FIXED: &[&str] = &[
        "set", "add", "image", "replicas", "label", "annotation", "nameprefix", "namesuffix",
        "namespace", "--force", "--without-selector", "--include-templates",
    ];
    if let Ok(o) = SourceOverrides::from_env(&env) {
        for (_, argv) in o.edit_commands() {
            let sep = argv.iter().position(|a| a == "--").expect("a `--` before the values");
            assert!(argv[..sep].iter().all(|a| FIXED.contains(&a.as_str())), "{argv:?}");
        }
    }
});

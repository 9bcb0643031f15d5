//! Runs the ArgoCD plugin's exact commands from `argocd/plugin.yaml` the way
//! the repo-server does: a fresh environment holding only the ARGOCD_*,
//! ARGOCD_ENV_* and PARAM_* variables ArgoCD sets (parameters encoded as
//! ArgoCD encodes them, arrays and maps included), the application path as
//! working directory, stdin not a TTY.

mod support;

use nest_kz::model::value::Value;
use nest_kz::yaml::parse_documents;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plugin_config(file: &str) -> Value {
    let text = std::fs::read_to_string(root().join("argocd").join(file)).unwrap();
    parse_documents(&text).unwrap().remove(0).value
}

fn plugin_command(stage: &str) -> Vec<String> {
    let plugin = plugin_config("plugin.yaml");
    plugin["spec"][stage]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn run_like_repo_server(stage: &str, app_path: &Path, env: &[(&str, &str)]) -> Output {
    let mut argv = plugin_command(stage);
    if argv[0] == "nest-kz" {
        argv[0] = env!("CARGO_BIN_EXE_nest-kz").to_string();
    }
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(app_path)
        .env_clear()
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// ArgoCD's spelling of a parameter in an environment variable name
/// (`ApplicationSourcePluginParameters.Environ`).
fn escaped(name: &str) -> String {
    name.to_uppercase()
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The environment the repo-server gives the plugin for these Application
/// parameters: the JSON list, and one variable per string, array item and map entry.
fn parameter_env(parameters: &Value) -> Vec<(String, String)> {
    let mut env = vec![("ARGOCD_APP_PARAMETERS".to_string(), parameters.to_string())];
    for p in parameters.as_array().unwrap() {
        let base = format!("PARAM_{}", escaped(p["name"].as_str().unwrap()));
        if let Some(s) = p["string"].as_str() {
            env.push((base.clone(), s.to_string()));
        }
        if let Some(items) = p["array"].as_array() {
            for (i, v) in items.iter().enumerate() {
                env.push((format!("{base}_{i}"), v.as_str().unwrap().to_string()));
            }
        }
        if let Some(map) = p["map"].as_object() {
            for (k, v) in map {
                env.push((
                    format!("{base}_{}", escaped(k)),
                    v.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    env
}

fn generate_with(app: &Path, extra: &[(String, String)]) -> Output {
    let mut env: Vec<(&str, &str)> = APP_ENV.to_vec();
    env.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    run_like_repo_server("generate", app, &env)
}

/// What the repo-server sets for every plugin run (reposerver `newEnv`, plus
/// the cluster's versions).
const APP_ENV: [(&str, &str); 11] = [
    ("ARGOCD_APP_NAME", "nest-prod"),
    ("ARGOCD_APP_NAMESPACE", "argocd"),
    ("ARGOCD_APP_PROJECT_NAME", "default"),
    ("ARGOCD_APP_REVISION", "0123abc"),
    ("ARGOCD_APP_REVISION_SHORT", "0123abc"),
    ("ARGOCD_APP_REVISION_SHORT_8", "0123abc"),
    (
        "ARGOCD_APP_SOURCE_REPO_URL",
        "https://github.com/penguintech/nest",
    ),
    ("ARGOCD_APP_SOURCE_PATH", "overlays/prod"),
    ("ARGOCD_APP_SOURCE_TARGET_REVISION", "HEAD"),
    ("KUBE_VERSION", "1.31.0"),
    ("KUBE_API_VERSIONS", "v1,apps/v1,autoscaling/v2,policy/v1"),
];

#[test]
fn generate_without_parameters_is_the_plain_build() {
    // A plugin block without parameters: ArgoCD still sets the JSON, to `null`.
    let mut env = APP_ENV.to_vec();
    env.push(("ARGOCD_APP_PARAMETERS", "null"));
    let out = run_like_repo_server("generate", &root().join("overlays/staging"), &env);
    assert!(out.status.success());
    let expected = std::fs::read_to_string(root().join("tests/golden/staging.yaml")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn generate_error_leaves_stdout_empty() {
    // An application that turns helm off, with a chart to inflate.
    let mut env = APP_ENV.to_vec();
    env.push(("PARAM_ENABLEHELM", "false"));
    let out = run_like_repo_server("generate", &root().join("tests/errors/helm-charts"), &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must specify --enable-helm"));
    let bad_image = run_like_repo_server(
        "generate",
        &root().join("overlays/dev"),
        &[("ARGOCD_ENV_IMAGES", "=oops")],
    );
    assert_eq!(bad_image.status.code(), Some(1));
    assert!(bad_image.stdout.is_empty());
}

/// The CMP server's `discover.fileName` check: a glob under the app path.
/// The marker pattern has no wildcards, so the glob matches when the file exists.
fn discovered(config: &Value, app: &Path) -> bool {
    let discover = &config["spec"]["discover"];
    if discover.is_null() {
        return false;
    }
    let pattern = discover["fileName"].as_str().unwrap();
    assert!(
        !pattern.contains(['*', '?', '[']),
        "the marker is a plain file name"
    );
    app.join(pattern).exists()
}

#[test]
fn discovery_claims_only_opted_in_apps() {
    // The by-name plugin has no discovery at all: ArgoCD then uses it only
    // for Applications that name it.
    let by_name = plugin_config("plugin.yaml");
    assert!(by_name["spec"]["discover"].is_null());
    assert!(!discovered(&by_name, &root().join("overlays/prod")));
    // The discovering plugin claims a kustomization only beside a `.nest-kz` marker.
    let by_marker = plugin_config("plugin-discover.yaml");
    let tmp = tempfile::tempdir().unwrap();
    for app in ["plain", "opted-in"] {
        std::fs::create_dir(tmp.path().join(app)).unwrap();
        std::fs::write(
            tmp.path().join(app).join("kustomization.yaml"),
            "resources: []\n",
        )
        .unwrap();
    }
    std::fs::write(tmp.path().join("opted-in/.nest-kz"), "").unwrap();
    assert!(!discovered(&by_marker, &tmp.path().join("plain")));
    assert!(discovered(&by_marker, &tmp.path().join("opted-in")));
    // Both serve the same generate command and parameters.
    assert_eq!(by_name["spec"]["generate"], by_marker["spec"]["generate"]);
    assert_eq!(
        by_name["spec"]["parameters"],
        by_marker["spec"]["parameters"]
    );
}

/// The Nest tree copied into a temporary directory, with `app`'s
/// kustomization replaced by `edited`: what ArgoCD's `kustomize edit`
/// calls leave in its checkout.
fn edited_checkout(app: &str, edited: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["base", "components", "overlays"] {
        let status = Command::new("cp")
            .arg("-r")
            .arg(root().join(dir))
            .arg(tmp.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    std::fs::write(tmp.path().join(app).join("kustomization.yaml"), edited).unwrap();
    tmp
}

/// Each case under tests/argocd holds an Application's plugin parameters
/// and env (`case.json`), the app's kustomization as ArgoCD's edits leave
/// it (`edited-kustomization.yaml`, nest-kz's `edit` at work) and
/// kustomize's build of the tree with that file in place (`expected.yaml`).
/// The plugin must print exactly that, without changing the checkout.
/// Where kubectl exists, the golden is re-checked live;
/// NEST_KZ_ARGOCD_REFRESH=1 rewrites both files (kubectl needed).
#[test]
fn every_override_renders_as_argocds_edits_then_a_build() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/argocd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 11, "one case per override parameter");
    let kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    let refresh = std::env::var_os("NEST_KZ_ARGOCD_REFRESH").is_some();
    for case in cases {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap())
                .unwrap();
        let app_rel = spec["app"].as_str().unwrap();
        let app = root().join(app_rel);
        let mut extra = parameter_env(&spec["parameters"]);
        if let Some(env) = spec["env"].as_object() {
            extra.extend(
                env.iter()
                    .map(|(k, v)| (format!("ARGOCD_ENV_{k}"), v.as_str().unwrap().to_string())),
            );
        }
        let mut env: std::collections::BTreeMap<String, String> = APP_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.extend(extra.iter().cloned());
        let before = std::fs::read_to_string(app.join("kustomization.yaml")).unwrap();
        let edited = nest_kz::cli::argocd::SourceOverrides::from_env(&env)
            .unwrap()
            .apply(&app, &env)
            .unwrap()
            .expect("every case overrides something");
        if refresh {
            std::fs::write(case.join("edited-kustomization.yaml"), &edited).unwrap();
            let tree = edited_checkout(app_rel, &edited);
            let live = Command::new("kubectl")
                .arg("kustomize")
                .arg(tree.path().join(app_rel))
                .output()
                .unwrap();
            assert!(live.status.success(), "{}", case.display());
            std::fs::write(case.join("expected.yaml"), &live.stdout).unwrap();
        }
        assert_eq!(
            edited,
            std::fs::read_to_string(case.join("edited-kustomization.yaml")).unwrap(),
            "{}: the edits changed; run scripts/refresh-goldens.sh",
            case.display()
        );
        let out = generate_with(&app, &extra);
        assert!(
            out.status.success(),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(app.join("kustomization.yaml")).unwrap(),
            before,
            "the checkout is not changed"
        );
        let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        pretty_assertions::assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected,
            "{}",
            case.display()
        );
        // Where kubectl exists, the golden must still be kustomize's output.
        if kubectl {
            let tree = edited_checkout(app_rel, &edited);
            let live = Command::new("kubectl")
                .arg("kustomize")
                .arg(tree.path().join(app_rel))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8(live.stdout).unwrap(),
                expected,
                "{}: golden is stale; run scripts/refresh-goldens.sh",
                case.display()
            );
        }
    }
}

#[test]
fn keep_the_name_image_form_and_bad_parameters() {
    let out = generate_with(
        &root().join("overlays/prod"),
        &[(
            "ARGOCD_ENV_IMAGES".to_string(),
            "penguintech/nest=*:v2".to_string(),
        )],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("image: penguintech/nest:v2"), "{text}");
    assert!(!text.contains("'*:v2'"));
    for (var, value, message) in [
        ("PARAM_REPLICAS_0", "nest=many", "replicas"),
        ("PARAM_FORCECOMMONLABELS", "yes", "forceCommonLabels"),
        ("ARGOCD_APP_PARAMETERS", "not json", "ARGOCD_APP_PARAMETERS"),
    ] {
        let out = generate_with(
            &root().join("overlays/prod"),
            &[(var.to_string(), value.to_string())],
        );
        assert_eq!(out.status.code(), Some(1), "{var}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{var}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn labels_the_app_sets_need_force_as_in_argocd() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources:\n- cm.yaml\ncommonLabels:\n  team: a\n",
    )
    .unwrap();
    let labels = nest_kz::json!([{"name": "commonLabels", "map": {"team": "b"}}]);
    let refused = generate_with(tmp.path(), &parameter_env(&labels));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("label team already in kustomization file")
    );
    let forced = nest_kz::json!([
        {"name": "commonLabels", "map": {"team": "b"}},
        {"name": "forceCommonLabels", "string": "true"}
    ]);
    let out = generate_with(tmp.path(), &parameter_env(&forced));
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("team: b"));
}

#[test]
fn sidecar_patch_adds_the_plugin_container_to_the_repo_server() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("argocd/repo-server-sidecar.yaml"),
        tmp.path().join("sidecar.yaml"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\nspec:\n  selector:\n    matchLabels: {app: repo}\n  template:\n    metadata:\n      labels: {app: repo}\n    spec:\n      containers:\n      - name: argocd-repo-server\n        image: quay.io/argoproj/argocd:v2.13.0\n      volumes:\n      - name: var-files\n        emptyDir: {}\n      - name: plugins\n        emptyDir: {}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources:\n- repo-server.yaml\npatches:\n- path: sidecar.yaml\n",
    )
    .unwrap();
    let objs = nest_kz::build(tmp.path(), &nest_kz::BuildOptions::default()).unwrap();
    let pod = &objs[0]["spec"]["template"]["spec"];
    let names: Vec<&str> = pod["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nest-kz", "argocd-repo-server"]);
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(volumes, ["nest-kz-tmp", "var-files", "plugins"]);
    let security = &pod["containers"][0]["securityContext"];
    assert_eq!(security["runAsUser"], Value::from(999));
    // What ArgoCD's own repo-server containers set; restricted Pod Security needs them.
    assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(security["runAsNonRoot"], Value::Bool(true));
    assert_eq!(security["allowPrivilegeEscalation"], Value::Bool(false));
    assert_eq!(security["readOnlyRootFilesystem"], Value::Bool(true));
    assert_eq!(security["capabilities"]["drop"], nest_kz::json!(["ALL"]));
}

#[test]
fn image_needs_no_registry_and_runs_as_999() {
    let dockerfile = std::fs::read_to_string(root().join("argocd/Dockerfile")).unwrap();
    let instructions: Vec<&str> = dockerfile
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let froms: Vec<&&str> = instructions
        .iter()
        .filter(|l| l.starts_with("FROM"))
        .collect();
    assert_eq!(froms, [&"FROM scratch"], "no base image to pull");
    assert!(instructions.contains(&"USER 999:999"));
    // Built and run for real by scripts/image-test.py (CI).
    let build_script = std::fs::read_to_string(root().join("scripts/build-image.sh")).unwrap();
    let ignored = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for line in instructions.iter().filter(|l| l.starts_with("COPY")) {
        let source = line.split_whitespace().nth(1).unwrap();
        assert!(
            !ignored
                .lines()
                .any(|p| source.starts_with(p.trim_end_matches('/'))),
            "{source} is excluded from the build context"
        );
        if source.starts_with("dist/") {
            assert!(
                build_script.contains(source.trim_end_matches('/')),
                "scripts/build-image.sh stages {source}"
            );
        } else {
            assert!(
                root().join(source).is_file(),
                "{source} is in the repository"
            );
        }
    }
}

/// The `enableHelm` parameter (ArgoCD's `kustomize.buildOptions:
/// --enable-helm`) turns on chart inflation, also under a wrapping
/// kustomization; the repo-server's KUBE_VERSION and KUBE_API_VERSIONS reach
/// helm. The first helm release's `ENABLE_HELM` plugin env and parameter
/// spelling still work. Needs a helm binary (see tests/helm.rs).
#[test]
fn generate_inflates_helm_charts_with_the_repo_servers_kube_version() {
    let Some(helm) =
        support::any_helm("generate_inflates_helm_charts_with_the_repo_servers_kube_version")
    else {
        return;
    };
    let app = tempfile::tempdir().unwrap();
    let charts = app.path().join("charts/demo");
    for dir in ["", "templates"] {
        std::fs::create_dir_all(charts.join(dir)).unwrap();
        for f in std::fs::read_dir(root().join("tests/helm/charts/demo").join(dir)).unwrap() {
            let f = f.unwrap();
            if f.file_type().unwrap().is_file() {
                std::fs::copy(f.path(), charts.join(dir).join(f.file_name())).unwrap();
            }
        }
    }
    std::fs::write(
        app.path().join("kustomization.yaml"),
        "helmCharts:\n- name: demo\n  releaseName: argo\n  valuesInline:\n    showCapabilities: true\n",
    )
    .unwrap();
    let path = helm.parent().unwrap().display().to_string();
    // The repo-server's environment, with this cluster's versions.
    let generate = |extra: &[(String, String)]| {
        let mut env: Vec<(&str, &str)> = APP_ENV
            .iter()
            .copied()
            .filter(|(k, _)| !k.starts_with("KUBE_"))
            .collect();
        env.extend([
            ("PATH", path.as_str()),
            ("KUBE_VERSION", "1.27.4"),
            ("KUBE_API_VERSIONS", "v1,example.com/v1"),
        ]);
        env.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        run_like_repo_server("generate", app.path(), &env)
    };
    let capabilities = |out: &Output, name: &str| {
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let docs = parse_documents(&String::from_utf8(out.stdout.clone()).unwrap()).unwrap();
        let caps = docs
            .iter()
            .map(|d| d.value.clone())
            .find(|v| v["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("config map {name}"));
        assert_eq!(caps["data"]["kubeVersion"], "v1.27.4");
        assert_eq!(caps["data"]["hasWidgets"], "true");
    };
    // The shipped command enables helm: with no parameter, with
    // enableHelm=true, and with an override edited into the kustomization.
    capabilities(&generate(&[]), "argo-capabilities");
    let params = nest_kz::json!([
        {"name": "enableHelm", "string": "true"},
        {"name": "namePrefix", "string": "blue-"}
    ]);
    capabilities(&generate(&parameter_env(&params)), "blue-argo-capabilities");
    // The first release's spellings: the ENABLE_HELM parameter and plugin env.
    let old_param = nest_kz::json!([{"name": "ENABLE_HELM", "string": "true"}]);
    capabilities(&generate(&parameter_env(&old_param)), "argo-capabilities");
    let old_env = [("ARGOCD_ENV_ENABLE_HELM".to_string(), "true".to_string())];
    capabilities(&generate(&old_env), "argo-capabilities");
    // An application may turn it off: kustomize's refusal.
    let off = nest_kz::json!([{"name": "enableHelm", "string": "false"}]);
    let out = generate(&parameter_env(&off));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must specify --enable-helm"));
    // A plugin command without --enable-helm is the ceiling: no parameter
    // or plugin env turns helm on.
    let argv: Vec<String> = plugin_command("generate")
        .into_iter()
        .filter(|a| a != "--enable-helm")
        .collect();
    for extra in [
        parameter_env(&params),
        old_env.to_vec(),
        vec![("PARAM_ENABLEHELM".to_string(), "true".to_string())],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args(&argv[1..])
            .current_dir(app.path())
            .env_clear()
            .env("PATH", &path)
            .envs(extra.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("may only narrow"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

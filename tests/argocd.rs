//! Runs the ArgoCD plugin's exact commands from `argocd/plugin.yaml` the way
//! the repo-server does: a fresh environment holding only ARGOCD_* variables,
//! the application path as working directory, stdin not a TTY.

use nest_kz::yaml::parse_documents;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plugin_command(stage: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("argocd/plugin.yaml")).unwrap();
    let plugin = parse_documents(&text).unwrap().remove(0).value;
    let spec = &plugin["spec"][stage];
    let cmd = if stage == "discover" {
        &spec["find"]["command"]
    } else {
        &spec["command"]
    };
    cmd.as_array()
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
    // `sh`/`find` for the discover step; the repo-server image has them on PATH.
    if stage == "discover" {
        cmd.env("PATH", "/usr/bin:/bin");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

const APP_ENV: [(&str, &str); 3] = [
    ("ARGOCD_APP_NAME", "nest-prod"),
    ("ARGOCD_APP_NAMESPACE", "argocd"),
    ("ARGOCD_APP_REVISION", "0123abc"),
];

#[test]
fn generate_with_parameters_equals_the_wrapping_kustomization() {
    let mut env = APP_ENV.to_vec();
    env.extend([
        ("ARGOCD_ENV_NAMESPACE", "nest-canary"),
        ("ARGOCD_ENV_NAME_PREFIX", "canary-"),
        (
            "ARGOCD_ENV_IMAGES",
            "penguintech/nest=registry.penguintech.io/nest:v1.0.1",
        ),
    ]);
    let out = run_like_repo_server("generate", &root().join("overlays/prod"), &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected =
        std::fs::read_to_string(root().join("tests/golden/argocd-prod-overrides.yaml")).unwrap();
    pretty_assertions::assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nest-prod"),
        "logs name the application on stderr"
    );
}

#[test]
fn generate_without_parameters_is_the_plain_build() {
    let out = run_like_repo_server("generate", &root().join("overlays/staging"), &APP_ENV);
    assert!(out.status.success());
    let expected = std::fs::read_to_string(root().join("tests/golden/staging.yaml")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn generate_error_leaves_stdout_empty() {
    let out = run_like_repo_server(
        "generate",
        &root().join("tests/errors/helm-charts"),
        &APP_ENV,
    );
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

#[test]
fn discover_claims_only_kustomization_directories() {
    assert!(
        !run_like_repo_server("discover", &root().join("overlays/prod"), &APP_ENV)
            .stdout
            .is_empty()
    );
    assert!(
        run_like_repo_server("discover", &root().join("argocd"), &APP_ENV)
            .stdout
            .is_empty()
    );
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
    assert_eq!(
        pod["containers"][0]["securityContext"]["runAsUser"],
        Value::from(999)
    );
}

/// ENABLE_HELM turns on chart inflation; the repo-server's KUBE_VERSION and
/// KUBE_API_VERSIONS reach helm. Needs a helm binary (see tests/helm.rs).
#[test]
fn generate_inflates_helm_charts_with_the_repo_servers_kube_version() {
    let helm = ["NEST_KZ_HELM3", "NEST_KZ_HELM4"].iter().find_map(|var| {
        let path = std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join(format!("target/helm-bin/{var}/helm/helm")));
        path.is_file().then_some(path)
    });
    let Some(helm) = helm else {
        eprintln!(
            "skipped: no helm binary (set NEST_KZ_HELM3/NEST_KZ_HELM4 or run scripts/install-helm.sh)"
        );
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
    let mut env = APP_ENV.to_vec();
    env.extend([
        ("PATH", path.as_str()),
        ("ARGOCD_ENV_ENABLE_HELM", "true"),
        ("KUBE_VERSION", "1.27.4"),
        ("KUBE_API_VERSIONS", "v1,example.com/v1"),
    ]);
    let out = run_like_repo_server("generate", app.path(), &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = parse_documents(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let caps = docs
        .iter()
        .map(|d| &d.value)
        .find(|v| v["metadata"]["name"] == "argo-capabilities")
        .expect("capabilities config map");
    assert_eq!(caps["data"]["kubeVersion"], "v1.27.4");
    assert_eq!(caps["data"]["hasWidgets"], "true");
    // Without the parameter, kustomize's refusal.
    env.retain(|(k, _)| *k != "ARGOCD_ENV_ENABLE_HELM");
    let out = run_like_repo_server("generate", app.path(), &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must specify --enable-helm"));
}

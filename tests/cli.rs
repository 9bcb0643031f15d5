//! The binary as users and pipelines call it: stdout holds only manifests,
//! errors go to stderr with exit 1, usage errors exit 2, `-o` writes whole files.

use std::process::Command;

fn nest_kz() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn build_prints_the_prod_bundle() {
    let out = nest_kz().args(["build", "overlays/prod"]).output().unwrap();
    assert!(out.status.success());
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/prod.yaml"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn build_error_leaves_stdout_empty_and_exits_1() {
    let out = nest_kz()
        .args(["build", "tests/errors/patch-target-missing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("patch.yaml"));
}

#[test]
fn usage_error_exits_2() {
    let out = nest_kz()
        .args(["build", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn output_file_and_directory_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bundle.yaml");
    let ok = nest_kz()
        .args(["build", "overlays/dev", "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(ok.success());
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/dev.yaml"
    ))
    .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);

    let dir = tmp.path().join("out/");
    assert!(
        nest_kz()
            .args(["build", "overlays/dev", "-o"])
            .arg(&dir)
            .status()
            .unwrap()
            .success()
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.contains(&"apps_v1_deployment_nest.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"networking.k8s.io_v1_ingress_nest.yaml".to_string()),
        "{names:?}"
    );

    let failed = tmp.path().join("never.yaml");
    let status = nest_kz()
        .args(["build", "tests/errors/cycle", "-o"])
        .arg(&failed)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        !failed.exists(),
        "a failed build must not write its output file"
    );
}

#[test]
fn json_format_is_an_array_of_objects() {
    let out = nest_kz()
        .args(["build", "overlays/staging", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "HorizontalPodAutoscaler")
    );
}

#[test]
fn version_help_and_completions() {
    let v = nest_kz().arg("version").output().unwrap();
    assert!(String::from_utf8(v.stdout).unwrap().starts_with("nest-kz "));
    let help = nest_kz().arg("--help").output().unwrap();
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("nest-kz build overlays/prod")
    );
    let bash = nest_kz().args(["completions", "bash"]).output().unwrap();
    assert!(bash.status.success());
    assert!(String::from_utf8(bash.stdout).unwrap().contains("nest-kz"));
}

#[test]
fn output_directory_prefixes_namespaces_like_kustomize() {
    // File names `kubectl kustomize tests/cases/legacy-order -o DIR` writes (v5.5.0).
    let expected = [
        "a_v1_service_a.yaml",
        "admissionregistration.k8s.io_v1_validatingwebhookconfiguration_v.yaml",
        "default_apps_v1_deployment_d.yaml",
        "default_example.com_v1_alpha_w.yaml",
        "default_example.com_v1_widget_w.yaml",
        "default_extensions_v1beta1_deployment_a.yaml",
        "default_networking.k8s.io_v1_ingress_i.yaml",
        "default_v1_service_c.yaml",
        "v1_namespace_z.yaml",
        "z_v1_service_a.yaml",
        "z_v1_service_b.yaml",
    ];
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        nest_kz()
            .args(["build", "tests/cases/legacy-order", "-o"])
            .arg(tmp.path())
            .status()
            .unwrap()
            .success()
    );
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

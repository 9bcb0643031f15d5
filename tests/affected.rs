//! `nest-kz affected --base REV`: on a temporary git repository, a change in
//! a base, a component, a patch file and an unrelated file each list exactly
//! the kustomization directories whose output changes.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{git, write};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25
";

/// base <- overlays/a (with a patch file), base <- overlays/b (with a
/// component), overlays/c on its own, and a README.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "README.md", "docs\n");
    write(
        r,
        "base/kustomization.yaml",
        "resources:\n- deployment.yaml\n",
    );
    write(r, "base/deployment.yaml", DEPLOYMENT);
    write(
        r,
        "components/extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: extra\n  literals:\n  - A=1\n",
    );
    write(
        r,
        "overlays/a/kustomization.yaml",
        "resources:\n- ../../base\npatches:\n- path: patch.yaml\n",
    );
    write(
        r,
        "overlays/a/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    );
    write(
        r,
        "overlays/b/kustomization.yaml",
        "resources:\n- ../../base\ncomponents:\n- ../../components/extra\n",
    );
    write(
        r,
        "overlays/c/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(
        r,
        "overlays/c/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    git(r, &["init", "-q"]);
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "start"]);
    tmp
}

fn affected(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .current_dir(root)
        .arg("affected")
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

fn listed(root: &Path, args: &[&str]) -> Vec<String> {
    let out = affected(root, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_base_change_affects_the_base_and_every_overlay_on_it() {
    let r = repo();
    write(
        r.path(),
        "base/deployment.yaml",
        &DEPLOYMENT.replace("1.25", "1.27"),
    );
    assert_eq!(
        listed(r.path(), &["--base", "HEAD"]),
        ["base", "overlays/a", "overlays/b"]
    );
}

#[test]
fn a_component_change_affects_the_overlays_using_it() {
    let r = repo();
    write(
        r.path(),
        "components/extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: extra\n  literals:\n  - A=2\n",
    );
    assert_eq!(listed(r.path(), &["--base", "HEAD"]), ["overlays/b"]);
}

#[test]
fn a_patch_file_change_affects_its_overlay() {
    let r = repo();
    write(
        r.path(),
        "overlays/a/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
    );
    assert_eq!(listed(r.path(), &["--base", "HEAD"]), ["overlays/a"]);
}

#[test]
fn an_unrelated_change_affects_nothing() {
    let r = repo();
    write(r.path(), "README.md", "more docs\n");
    write(r.path(), "notes/new.txt", "untracked\n");
    assert!(listed(r.path(), &["--base", "HEAD"]).is_empty());
}

#[test]
fn building_both_sides_drops_changes_that_do_not_change_output() {
    let r = repo();
    write(
        r.path(),
        "base/deployment.yaml",
        &format!("# a comment only\n{DEPLOYMENT}"),
    );
    assert!(listed(r.path(), &["--base", "HEAD"]).is_empty());
    assert_eq!(
        listed(r.path(), &["--base", "HEAD", "--no-confirm"]),
        ["base", "overlays/a", "overlays/b"]
    );
}

#[test]
fn committed_changes_since_the_base_and_chosen_directories() {
    let r = repo();
    write(
        r.path(),
        "overlays/c/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\n",
    );
    git(r.path(), &["commit", "-q", "-am", "rename c"]);
    assert_eq!(listed(r.path(), &["--base", "HEAD~1"]), ["overlays/c"]);
    assert!(listed(r.path(), &["--base", "HEAD"]).is_empty());
    // Only the directories given are considered.
    assert!(listed(r.path(), &["--base", "HEAD~1", "overlays/a"]).is_empty());
    let not_one = affected(r.path(), &["--base", "HEAD", "components"]);
    assert_eq!(not_one.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_one.stderr).contains("no kustomization here"));
}

#[test]
fn files_named_by_a_generator_configuration_count() {
    let r = repo();
    write(
        r.path(),
        "overlays/d/kustomization.yaml",
        "generators:\n- gen.yaml\n",
    );
    write(
        r.path(),
        "overlays/d/gen.yaml",
        "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: d\nfiles:\n- conf=settings.txt\n",
    );
    write(r.path(), "overlays/d/settings.txt", "a\n");
    git(r.path(), &["add", "-A"]);
    git(r.path(), &["commit", "-q", "-m", "d"]);
    write(r.path(), "overlays/d/settings.txt", "b\n");
    assert_eq!(listed(r.path(), &["--base", "HEAD"]), ["overlays/d"]);
}

#[test]
fn a_helm_chart_change_affects_the_app_inflating_it() {
    let r = repo();
    write(
        r.path(),
        "apps/web/kustomization.yaml",
        "helmCharts:\n- name: web\n  releaseName: web\n  valuesFile: values.yaml\n",
    );
    write(r.path(), "apps/web/values.yaml", "replicas: 1\n");
    write(
        r.path(),
        "apps/web/charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n";
    write(r.path(), "apps/web/charts/web/templates/cm.yaml", template);
    git(r.path(), &["add", "-A"]);
    git(r.path(), &["commit", "-q", "-m", "chart"]);
    // A template edited, a template added, a template removed, the values file.
    let edit = |path: &str, text: Option<&str>| {
        let r = r.path();
        match text {
            Some(t) => write(r, path, t),
            None => std::fs::remove_file(r.join(path)).unwrap(),
        }
        let out = listed(r, &["--base", "HEAD", "--no-confirm"]);
        git(r, &["checkout", "-q", "--", "."]);
        git(r, &["clean", "-qfd"]);
        out
    };
    for (path, text) in [
        ("apps/web/charts/web/templates/cm.yaml", Some("# edited\n")),
        ("apps/web/charts/web/templates/extra.yaml", Some("# new\n")),
        ("apps/web/charts/web/templates/cm.yaml", None),
        ("apps/web/values.yaml", Some("replicas: 2\n")),
    ] {
        assert_eq!(edit(path, text), ["apps/web"], "{path}");
    }
    // With helm, the confirming build inflates both sides (flags as build's).
    let Some(helm) = support::any_helm("affected: the confirming build") else {
        return;
    };
    let helm = helm.to_string_lossy().into_owned();
    write(r.path(), "apps/web/values.yaml", "replicas: 2\n");
    let confirm = ["--base", "HEAD", "--enable-helm", "--helm-command", &helm];
    assert_eq!(listed(r.path(), &confirm), ["apps/web"]);
    write(
        r.path(),
        "apps/web/values.yaml",
        "# a comment\nreplicas: 1\n",
    );
    assert!(listed(r.path(), &confirm).is_empty());
}

#[test]
fn a_revision_that_is_not_a_commit_is_refused() {
    let r = repo();
    for rev in ["no-such-branch", "--output=/tmp/x", "HEAD:README.md"] {
        let out = affected(r.path(), &[&format!("--base={rev}")]);
        assert_eq!(out.status.code(), Some(1), "{rev}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not a commit"),
            "{rev}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A kustomization at the repository's root is listed (`.`), and from a
/// subdirectory every path is relative to it, consistently (issue 29).
#[test]
fn a_root_kustomization_and_paths_from_a_subdirectory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "kustomization.yaml", "resources: [cm.yaml]\n");
    write(
        root,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    write(
        root,
        "apps/web/kustomization.yaml",
        "resources: [cm.yaml]\nnamePrefix: web-\n",
    );
    write(
        root,
        "apps/web/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "one"]);
    write(
        root,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    );
    write(
        root,
        "apps/web/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    );
    assert_eq!(listed(root, &["--base", "HEAD"]), [".", "apps/web"]);
    assert_eq!(
        listed(&root.join("apps"), &["--base", "HEAD"]),
        ["..", "web"]
    );
}

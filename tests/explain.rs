//! Reviewer tools over the Nest overlays: field provenance (`explain`) and
//! per-field diffs between builds (`diff`).

use nest_kz::review::diff;
use nest_kz::{BuildOptions, build_resources};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tracked(env: &str) -> Vec<nest_kz::model::resource::Resource> {
    let options = BuildOptions {
        track_provenance: true,
        ..BuildOptions::default()
    };
    build_resources(&root().join("overlays").join(env), &options).unwrap()
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in {}", file.display()))
}

fn origin_of(
    resources: &[nest_kz::model::resource::Resource],
    kind: &str,
    path: &str,
) -> (PathBuf, usize, String) {
    let r = resources.iter().find(|r| r.kind() == kind).unwrap();
    let o = r
        .origins
        .as_ref()
        .unwrap()
        .get(path)
        .unwrap_or_else(|| panic!("no origin for {kind} {path}"));
    (o.file.clone(), o.line, o.by.clone())
}

#[test]
fn prod_fields_are_explained_by_file_and_line() {
    let res = tracked("prod");
    let prod = root().join("overlays/prod").canonicalize().unwrap();
    let base = root().join("base").canonicalize().unwrap();

    let kfile = prod.join("kustomization.yaml");
    // Prod leaves the replica count to its HPA; dev sets it with `replicas:`.
    let deploy = res.iter().find(|r| r.kind() == "Deployment").unwrap();
    assert!(
        deploy
            .origins
            .as_ref()
            .unwrap()
            .get("spec.replicas")
            .is_none()
    );
    let dev_kfile = root()
        .join("overlays/dev/kustomization.yaml")
        .canonicalize()
        .unwrap();
    assert_eq!(
        origin_of(&tracked("dev"), "Deployment", "spec.replicas"),
        (
            dev_kfile.clone(),
            line_of(&dev_kfile, "count: 1"),
            "replicas".into()
        )
    );
    assert_eq!(
        origin_of(
            &res,
            "Deployment",
            "spec.template.spec.containers[name=nest].image"
        )
        .1,
        line_of(&kfile, "newTag: v1.0.0")
    );
    assert_eq!(
        origin_of(&res, "Deployment", "metadata.namespace").1,
        line_of(&kfile, "namespace: nest-prod")
    );

    let patch = prod.join("deployment-resources.yaml");
    let (file, line, by) = origin_of(
        &res,
        "Deployment",
        "spec.template.spec.containers[name=nest].resources.limits.memory",
    );
    assert_eq!(
        (file, by.as_str()),
        (patch.clone(), "strategic merge patch")
    );
    let limits = line_of(&patch, "limits:");
    assert_eq!(line, limits + 2, "memory is the second line under limits");

    let hpa = prod.join("hpa.yaml");
    for (field, path) in [
        ("spec.maxReplicas", "/spec/maxReplicas"),
        ("spec.minReplicas", "/spec/minReplicas"),
    ] {
        let (file, line, by) = origin_of(&res, "HorizontalPodAutoscaler", field);
        assert_eq!((file, by.as_str()), (hpa.clone(), "JSON 6902 patch"));
        assert_eq!(line, line_of(&hpa, path) - 1, "the op's first line");
    }

    assert_eq!(
        origin_of(&res, "ConfigMap", "data.LOG_LEVEL").1,
        line_of(&kfile, "LOG_LEVEL=WARN")
    );
    let bk = base.join("kustomization.yaml");
    assert_eq!(
        origin_of(&res, "ConfigMap", "data.LICENSE_CACHE_EXPIRY"),
        (
            bk.clone(),
            line_of(&bk, "LICENSE_CACHE_EXPIRY="),
            "configMapGenerator".into()
        )
    );
    assert_eq!(
        origin_of(
            &res,
            "Deployment",
            "spec.template.spec.terminationGracePeriodSeconds"
        )
        .0,
        base.join("deployment.yaml")
    );
    let (_, _, by) = origin_of(
        &res,
        "Deployment",
        "spec.template.spec.containers[name=nest].envFrom[0].configMapRef.name",
    );
    assert!(by.starts_with("name reference to nest-config-"), "{by}");
}

#[test]
fn explain_cli_prints_every_field_of_the_object() {
    for env in ["dev", "prod"] {
        let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args([
                "explain",
                &format!("overlays/{env}"),
                "--object",
                "deployment/nest",
            ])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        if env == "dev" {
            let kfile_line = line_of(&root().join("overlays/dev/kustomization.yaml"), "count: 1");
            assert!(
                text.contains(&format!(
                    "spec.replicas: 1  <- overlays/dev/kustomization.yaml:{kfile_line} (replicas)"
                )),
                "{text}"
            );
        } else {
            assert!(!text.contains("spec.replicas:"), "HPA-owned: {text}");
        }
        assert!(
            !text.contains("(unknown)"),
            "every field has an origin:\n{text}"
        );
        assert!(text.lines().next().unwrap().starts_with("Deployment/nest"));
    }
}

#[test]
fn staging_to_prod_diff_reads_like_the_seed_table() {
    let options = BuildOptions::default();
    let staging = build_resources(&root().join("overlays/staging"), &options).unwrap();
    let prod = build_resources(&root().join("overlays/prod"), &options).unwrap();
    let text = diff::render(&diff::diff(&staging, &prod), false);
    // The Deployments carry no replica count (the HPAs own it).
    assert!(!text.contains("spec.replicas:"), "{text}");
    for line in [
        "    spec.template.spec.containers[name=nest].resources.limits.cpu: 500m -> 1000m",
        "    spec.template.spec.containers[name=nest].resources.limits.memory: 512Mi -> 1Gi",
        "    spec.minReplicas: 2 -> 3",
        "    spec.maxReplicas: 5 -> 10",
        "    spec.metrics[0].resource.target.averageUtilization: 80 -> 70",
        "    spec.minAvailable: 1 -> 2",
        "    data.LOG_LEVEL: INFO -> WARN",
        "    data.DATABASE_NAME: nest_staging -> nest_prod",
        "    spec.tls[0].secretName: (absent) -> nest-prod-tls",
        "+ ServiceMonitor/nest (monitoring.coreos.com/v1) in namespace nest-prod (only in new)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    // An added object is shown whole, so it can be reviewed from the diff.
    let at = text
        .lines()
        .position(|l| l.starts_with("+ ServiceMonitor/nest"))
        .unwrap();
    assert_eq!(
        text.lines().nth(at + 1),
        Some("    + apiVersion: monitoring.coreos.com/v1")
    );
    assert!(text.lines().any(|l| l == "    + kind: ServiceMonitor"));
    assert!(diff::diff(&prod, &prod).is_empty());
}

#[test]
fn added_and_removed_objects_show_whole_with_secrets_masked() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = tmp.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("old/kustomization.yaml", "resources: [cm.yaml]\n");
    write(
        "old/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\ndata:\n  script: |\n    echo one\n    echo two\n",
    );
    write("new/kustomization.yaml", "resources: [secret.yaml]\n");
    write(
        "new/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  password: hunter2\n",
    );
    for format in ["text", "markdown"] {
        let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args(["diff", "old", "new", "--format", format])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("hunter2"), "{format}: {text}");
        assert!(
            text.contains("password: '***'") || text.contains("password: \"***\""),
            "{format}: {text}"
        );
        assert!(
            text.contains("echo two"),
            "{format}: the removed object whole: {text}"
        );
        if format == "markdown" {
            assert!(text.contains("```yaml\napiVersion: v1\n"), "{text}");
        }
    }
}

#[test]
fn diff_cli_exit_codes_and_base_revision() {
    let run = |args: &[&str], dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&["diff", "overlays/staging", "overlays/prod"], &root())
            .status
            .code(),
        Some(1)
    );
    let same = run(&["diff", "overlays/prod", "overlays/prod"], &root());
    assert_eq!(same.status.code(), Some(0));
    assert!(same.stdout.is_empty());
    assert_eq!(
        run(&["diff", "overlays/prod", "tests/errors/cycle"], &root())
            .status
            .code(),
        Some(2)
    );

    // --base REV: the working tree against a committed revision.
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(repo.path())
                .output()
                .unwrap()
                .status
                .success()
        )
    };
    git(&["init", "-q"]);
    std::fs::create_dir(repo.path().join("app")).unwrap();
    std::fs::write(
        repo.path().join("app/kustomization.yaml"),
        "configMapGenerator:\n- name: c\n  literals: [LEVEL=INFO]\n",
    )
    .unwrap();
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "x",
    ]);
    std::fs::write(
        repo.path().join("app/kustomization.yaml"),
        "configMapGenerator:\n- name: c\n  literals: [LEVEL=WARN]\n",
    )
    .unwrap();
    let out = run(&["diff", "app", "--base", "HEAD"], repo.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("data.LEVEL: INFO -> WARN")
    );
}

#[test]
fn managed_by_label_names_nest_kz() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "buildMetadata: [managedByLabel]\nconfigMapGenerator:\n- name: c\n  literals: [a=b]\n",
    )
    .unwrap();
    let objs = nest_kz::build(tmp.path(), &BuildOptions::default()).unwrap();
    assert_eq!(
        objs[0]["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        format!("nest-kz-v{}", env!("CARGO_PKG_VERSION")).as_str()
    );
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "buildMetadata: [bogus]\nconfigMapGenerator:\n- name: c\n  literals: [a=b]\n",
    )
    .unwrap();
    assert!(
        nest_kz::build(tmp.path(), &BuildOptions::default()).is_ok(),
        "kustomize ignores unknown buildMetadata values"
    );
}

fn explain(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .arg("explain")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn explain_shows_every_value_a_field_had_and_who_set_it() {
    // base sets replicas 1, a component's patch 2, the overlay's replicas
    // field 3: the chain lists all three, newest first.
    let tmp = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = tmp.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("base/kustomization.yaml", "resources:\n- app.yaml\n");
    write(
        "base/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n",
    );
    write(
        "ha/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: scale.yaml\n",
    );
    write(
        "ha/scale.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 2\n",
    );
    write(
        "prod/kustomization.yaml",
        "resources:\n- ../base\ncomponents:\n- ../ha\nreplicas:\n- name: app\n  count: 3\n",
    );
    let out = explain(tmp.path(), &["prod", "--field", "spec.replicas"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Deployment/app (apps/v1)\n  spec.replicas: 3  <- prod/kustomization.yaml:7 (replicas)\n      was 2  <- ha/scale.yaml:6 (strategic merge patch)\n      was 1  <- base/app.yaml:6 (resource)\n"
    );
    // --file: every field the component's patch sets, also when a later
    // step overwrote it.
    let out = explain(tmp.path(), &["prod", "--file", "ha/scale.yaml"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("      "))
            .map(|l| l.split(':').next().unwrap().trim())
            .collect::<Vec<_>>(),
        ["spec.replicas"],
        "{text}"
    );
    // A field path covers what lies below it; nothing matching is an error.
    let out = explain(
        tmp.path(),
        &["prod", "--field", "spec.template.spec.containers[name=app]"],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "  spec.template.spec.containers[name=app].image: app:1  <- base/app.yaml:11 (resource)"
        ),
        "{text}"
    );
    let none = explain(tmp.path(), &["prod", "--field", "spec.paused"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&none.stderr),
        "Error: nothing matches --field spec.paused\n"
    );
}

#[test]
fn explain_file_filter_on_the_prod_overlay() {
    let out = explain(
        &root(),
        &[
            "overlays/prod",
            "--file",
            "overlays/prod/kustomization.yaml",
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // Each listed field was set by that file, now or before.
    let mut fields = 0;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  ") && !l.starts_with("      "))
    {
        fields += 1;
        let chain = std::iter::once(line).chain(
            lines[i + 1..]
                .iter()
                .take_while(|l| l.starts_with("      ")),
        );
        assert!(
            chain
                .into_iter()
                .any(|l| l.contains("<- overlays/prod/kustomization.yaml:")),
            "{line}"
        );
    }
    assert!(fields > 10, "{text}");
    assert!(
        text.contains("  data.LOG_LEVEL: WARN  <- overlays/prod/kustomization.yaml:"),
        "{text}"
    );
    assert!(
        text.contains("      was INFO  <- base/kustomization.yaml:"),
        "{text}"
    );
}

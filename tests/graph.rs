//! `nest-kz graph` (issue 29): the kustomization graph as Graphviz DOT,
//! rendered by the real `dot`, and as Mermaid; files changed since a git
//! revision highlighted.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn nest_kz(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .arg("graph")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(dir: &Path, rel: &str, body: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Node labels by id, and edges as (from label, field, to label).
fn parse_dot(dot: &str) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut labels = std::collections::BTreeMap::new();
    let mut edges = Vec::new();
    for line in dot.lines().map(str::trim) {
        let label = |l: &str| {
            l.split("label=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        if let Some((from, rest)) = line.split_once(" -> ") {
            let to = rest.split_whitespace().next().unwrap().to_string();
            edges.push((from.to_string(), label(line), to));
        } else if line.starts_with('n') && line.contains("[label=") {
            let id = line.split_whitespace().next().unwrap().to_string();
            labels.insert(id, label(line));
        }
    }
    let name = |id: &String| {
        labels
            .get(id)
            .cloned()
            .unwrap_or_else(|| panic!("edge to undeclared node {id}"))
    };
    let edges = edges
        .iter()
        .map(|(f, l, t)| (name(f), l.clone(), name(t)))
        .collect();
    (labels.into_values().collect(), edges)
}

#[test]
fn prod_overlay_as_dot_renders_with_graphviz() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dot = text(nest_kz(root, &["overlays/prod"]));
    let (nodes, edges) = parse_dot(&dot);
    for (from, field, to) in [
        ("overlays/prod", "resources", "base"),
        ("overlays/prod", "components", "components/pdb"),
        ("overlays/prod", "patches", "overlays/prod/hpa.yaml"),
        ("base", "resources", "base/deployment.yaml"),
        ("base", "configMapGenerator", "ConfigMap nest-config"),
        (
            "components/external-secrets/aws",
            "configurations",
            "components/external-secrets/aws/namereference.yaml",
        ),
    ] {
        assert!(
            edges.contains(&(from.to_string(), field.to_string(), to.to_string())),
            "{from} -{field}-> {to} in\n{dot}"
        );
    }
    assert!(
        nodes.iter().all(|n| !n.starts_with('/')),
        "labels relative to the command's directory"
    );
    let found = Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !support::have(
        "dot",
        found,
        "prod_overlay_as_dot_renders_with_graphviz",
        "install Debian's graphviz",
    ) {
        return;
    }
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "dot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    // Graphviz writes one group per node and per edge.
    assert_eq!(svg.matches("class=\"node\"").count(), nodes.len());
    assert_eq!(svg.matches("class=\"edge\"").count(), edges.len());
    assert!(svg.contains(">overlays/prod/hpa.yaml</text>"));
}

#[test]
fn mermaid_and_changed_files_since_a_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    write(
        repo,
        "base/kustomization.yaml",
        "resources: [cm.yaml]\nconfigMapGenerator:\n- name: settings\n  envs: [settings.env]\n",
    );
    write(
        repo,
        "base/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    write(repo, "base/settings.env", "A=1\n");
    write(
        repo,
        "app/kustomization.yaml",
        "resources:\n- ../base\n- https://github.com/org/repo//deploy?ref=v1\npatches:\n- path: patch.yaml\nhelmCharts:\n- name: web\n  repo: https://charts.example.com\n  version: 1.2.3\n  valuesFile: values.yaml\n",
    );
    write(
        repo,
        "app/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: \"1\"\n",
    );
    write(repo, "app/values.yaml", "replicas: 2\n");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    write(
        repo,
        "app/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: \"2\"\n",
    );
    write(repo, "base/settings.env", "A=2\n");
    let mermaid = text(nest_kz(
        repo,
        &["app", "--format", "mermaid", "--base", "HEAD"],
    ));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    // The grammar GitHub renders with accepts it (labels with `/`, `?`, `(`).
    support::mermaid_parses(
        "graph::mermaid_and_changed_files_since_a_revision",
        std::slice::from_ref(&mermaid),
    );
    let declared: Vec<&str> = mermaid
        .lines()
        .filter(|l| !l.contains("-->") && l.trim_start().starts_with('n'))
        .map(|l| l.trim().split(['[', '(', '{']).next().unwrap())
        .collect();
    for line in mermaid.lines().filter(|l| l.contains("-->")) {
        let (from, rest) = line.trim().split_once(" -->|").unwrap();
        let to = rest.split("| ").nth(1).unwrap();
        assert!(declared.contains(&from) && declared.contains(&to), "{line}");
    }
    for label in [
        "app/",
        "base/",
        "app/patch.yaml",
        "base/settings.env",
        "ConfigMap settings",
        "https://github.com/org/repo//deploy?ref=v1",
        "chart web 1.2.3 (https://charts.example.com)",
        "app/values.yaml",
    ] {
        assert!(
            mermaid.contains(&format!("\"{label}\"")),
            "{label} in\n{mermaid}"
        );
    }
    // The two changed files, and nothing else, are highlighted.
    let class = mermaid
        .lines()
        .find(|l| l.trim_start().starts_with("class "))
        .expect("a changed class");
    let ids: Vec<&str> = class
        .trim()
        .trim_start_matches("class ")
        .trim_end_matches(" changed;")
        .split(',')
        .collect();
    let mut labels: Vec<String> = ids
        .iter()
        .map(|id| {
            let line = mermaid
                .lines()
                .find(|l| {
                    l.trim().starts_with(&format!("{id}["))
                        || l.trim().starts_with(&format!("{id}("))
                })
                .unwrap();
            line.split('"').nth(1).unwrap().to_string()
        })
        .collect();
    labels.sort();
    assert_eq!(labels, ["app/patch.yaml", "base/settings.env"], "{mermaid}");
    let dot = text(nest_kz(repo, &["app", "--base", "HEAD"]));
    assert_eq!(dot.matches("(changed)").count(), 2, "{dot}");
    // A revision that is not one fails cleanly.
    let out = nest_kz(repo, &["app", "--base=--output=x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

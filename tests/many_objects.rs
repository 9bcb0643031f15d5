//! Trees big enough that nest-kz reads files and runs transformers on every
//! core (more than `resmap::PARALLEL_FROM` objects, more than 256 KiB of
//! resource files): the output must be kustomize's, byte for byte, and an
//! error must be the one a file-by-file, object-by-object build meets first.
//!
//! kustomize's output is stored as its SHA-256 and document count
//! (`tests/golden/many-objects.sha256`): the text is 700 KB.
//! `scripts/refresh-goldens.sh` writes the tree with
//! `NEST_KZ_MANY_OBJECTS_TREE=DIR` and re-captures the digest.

use nest_kz::{BuildOptions, build, yaml};
use std::fmt::Write as _;
use std::path::Path;

const APPS: usize = 1500;
const FILES: usize = 3;

fn deployment(i: usize) -> String {
    let tier = if i.is_multiple_of(2) { "even" } else { "odd" };
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels:
    tier: {tier}
spec:
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
    spec:
      containers:
      - name: app
        image: example/app:1.0
        envFrom:
        - configMapRef:
            name: cfg-{i}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{i}
data:
  INDEX: \"{i}\"
"
    )
}

/// A base of `APPS` Deployments and ConfigMaps in `FILES` files, and an
/// overlay with every transformer that runs per object, a targeted
/// strategic-merge patch, a JSON patch and a deleting patch.
fn write_tree(root: &Path) {
    let base = root.join("base");
    std::fs::create_dir_all(&base).unwrap();
    let mut resources = String::from("resources:\n");
    for f in 0..FILES {
        let docs: Vec<String> = (f * APPS / FILES..(f + 1) * APPS / FILES)
            .map(deployment)
            .collect();
        std::fs::write(base.join(format!("apps-{f}.yaml")), docs.join("---\n")).unwrap();
        writeln!(resources, "- apps-{f}.yaml").unwrap();
    }
    std::fs::write(base.join("kustomization.yaml"), resources).unwrap();
    let overlay = root.join("overlay");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        r#"resources:
- ../base
namespace: many
namePrefix: p-
nameSuffix: -s
labels:
- pairs:
    team: t
  includeSelectors: true
commonAnnotations:
  note: many
images:
- name: example/app
  newTag: "2.0"
replicas:
- name: app-7
  count: 3
patches:
- target:
    kind: Deployment
    labelSelector: tier=odd
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              limits:
                cpu: 100m
- target:
    kind: ConfigMap
  patch: |-
    - op: add
      path: /data/PATCHED
      value: "yes"
- target:
    kind: Deployment
    name: app-1[0-9]*
  patch: |-
    $patch: delete
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
"#,
    )
    .unwrap();
}

fn digest_and_count(text: &str) -> String {
    let digest: String = hmac_sha256::Hash::hash(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let docs = text.matches("\n---\n").count() + 1;
    format!("{digest} {docs}\n")
}

#[test]
fn big_tree_matches_kustomize() {
    if let Some(dir) = std::env::var_os("NEST_KZ_MANY_OBJECTS_TREE") {
        write_tree(Path::new(&dir));
    }
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path());
    let objects = build(&tmp.path().join("overlay"), &BuildOptions::default()).unwrap();
    let text = yaml::emit_stream(&objects);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/many-objects.sha256");
    let expected = std::fs::read_to_string(golden).unwrap();
    if digest_and_count(&text) != expected {
        let kept = std::env::temp_dir().join("nest-kz-many-objects.yaml");
        std::fs::write(&kept, &text).unwrap();
        panic!(
            "output differs from kustomize's (digest and count {expected:?}); nest-kz's is in {}",
            kept.display()
        );
    }
}

#[test]
fn the_first_failing_object_in_order_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path());
    // Two objects far apart whose pod-template labels are not a map: the
    // labels transformer fails on both, and the earlier one is reported.
    for (file, name) in [("apps-0.yaml", "app-250"), ("apps-1.yaml", "app-900")] {
        let path = tmp.path().join("base").join(file);
        let text = std::fs::read_to_string(&path).unwrap().replace(
            &format!("      labels:\n        app: {name}\n"),
            "      labels: broken\n",
        );
        std::fs::write(&path, text).unwrap();
    }
    for _ in 0..5 {
        let e = build(&tmp.path().join("overlay"), &BuildOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("app-250-"), "{e}");
        assert!(!e.contains("app-900-"), "{e}");
    }
}

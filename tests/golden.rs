//! Differential tests: nest-kz output against kustomize v5.5.0 output stored
//! as golden files (`scripts/refresh-goldens.sh` re-captures them), error
//! cases that both tools reject, and the conformance runner.

use nest_kz::{BuildOptions, build, yaml};
use pretty_assertions::assert_eq;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn render(dir: &Path) -> Result<String, String> {
    build(dir, &BuildOptions::default())
        .map(|objs| yaml::emit_stream(&objs))
        .map_err(|e| e.to_string())
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn nest_overlays_match_kustomize_byte_for_byte() {
    for env in ["dev", "staging", "prod"] {
        let expected =
            std::fs::read_to_string(root().join(format!("tests/golden/{env}.yaml"))).unwrap();
        let actual = render(&root().join("overlays").join(env)).unwrap();
        assert_eq!(actual, expected, "overlays/{env}");
    }
}

#[test]
fn base_builds_on_its_own() {
    let out = render(&root().join("base")).unwrap();
    assert!(out.contains("kind: Deployment"));
}

#[test]
fn feature_cases_match_kustomize_byte_for_byte() {
    let cases = subdirs(&root().join("tests/cases"));
    assert!(cases.len() >= 15, "feature cases missing");
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        let actual = render(&case).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        assert_eq!(actual, expected, "{}", case.display());
    }
}

#[test]
fn error_cases_fail_naming_the_file() {
    let cases = subdirs(&root().join("tests/errors"));
    assert!(cases.len() >= 14, "error cases missing");
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected-error.txt")).unwrap();
        let err = render(&case).expect_err(&format!("{} should fail", case.display()));
        assert!(
            err.contains(expected.trim()),
            "{}: got {err:?}, want it to contain {expected:?}",
            case.display()
        );
    }
}

/// Runs every conformance case (input tree + expected output) under `dir`:
/// a case is a directory holding a kustomization and `expected.yaml`.
fn run_conformance(dir: &Path) -> (Vec<String>, Vec<String>) {
    let (mut passed, mut failed) = (Vec::new(), Vec::new());
    for case in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let expected_file = case.path().join("expected.yaml");
        if !case.file_type().is_dir() || !expected_file.is_file() {
            continue;
        }
        let name = case
            .path()
            .strip_prefix(dir)
            .unwrap_or(case.path())
            .display()
            .to_string();
        let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
        match render(case.path()) {
            Ok(actual) if actual == expected => passed.push(name),
            _ => failed.push(name),
        }
    }
    (passed, failed)
}

/// `../shared/conformance/` holds kustomize's own behaviour as cases when
/// the project is given them; the baseline lists the cases known to pass,
/// and any of those failing is a regression.
#[test]
fn conformance_runner_reports_and_guards_baseline() {
    let mut dirs = vec![root().join("tests/cases")];
    let shared = root().join("../shared/conformance");
    if shared.is_dir() {
        dirs.push(shared);
    }
    let baseline =
        std::fs::read_to_string(root().join("tests/conformance-baseline.txt")).unwrap_or_default();
    let (mut passed, mut failed) = (Vec::new(), Vec::new());
    for dir in &dirs {
        let (p, f) = run_conformance(dir);
        passed.extend(p);
        failed.extend(f);
    }
    println!(
        "conformance: {} passed, {} failed",
        passed.len(),
        failed.len()
    );
    let regressions: Vec<&str> = baseline
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| failed.iter().any(|f| f == l))
        .collect();
    assert!(
        regressions.is_empty(),
        "conformance regressions: {regressions:?}"
    );
}

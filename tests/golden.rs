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

/// How one conformance case came out.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Output identical to `expected.yaml`, or both tools failed.
    Pass,
    /// Both succeeded with different bytes.
    Differs,
    /// kustomize succeeded, nest-kz failed (or hung, or wrote to stdout on failure).
    Refused(String),
    /// kustomize failed, nest-kz succeeded.
    FalseAccept,
}

/// Runs one case as `conformance/README.md` describes it: `nest-kz build
/// <build> <args...>` from the case directory, as the binary (exit code and
/// stdout matter, not just the library's result).
fn run_case(case: &Path) -> Outcome {
    let meta: nest_kz::model::value::Value = std::fs::read_to_string(case.join("case.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| nest_kz::json!({"build": "."}));
    let build = meta["build"].as_str().unwrap_or(".");
    let args: Vec<String> = meta["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let build_dir = case.join(build);
    let expected = std::fs::read(build_dir.join("expected.yaml")).ok();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .arg("build")
        .arg(build)
        .args(&args)
        .current_dir(case)
        .output()
        .expect("nest-kz runs");
    match (expected, out.status.success()) {
        (Some(want), true) if out.stdout == want => Outcome::Pass,
        (Some(_), true) => Outcome::Differs,
        (Some(_), false) => Outcome::Refused(String::from_utf8_lossy(&out.stderr).into()),
        (None, true) => Outcome::FalseAccept,
        (None, false) if out.stdout.is_empty() => Outcome::Pass,
        (None, false) => Outcome::Refused("failed, but wrote to stdout".into()),
    }
}

/// Every case under `dir`: a directory holding `case.json`, or (local
/// cases) a directory holding `expected.yaml` or `expected-error.txt` next
/// to its kustomization.
fn cases_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .filter(|p| {
            p.join("case.json").is_file()
                || (!p.ancestors().any(|a| a.join("case.json").is_file())
                    && (p.join("expected.yaml").is_file()
                        || p.join("expected-error.txt").is_file()))
        })
        .collect()
}

/// One suite's tally: prints `conformance: <suite>: N passed, N failed` and
/// returns the names that failed.
fn run_suite(suite: &str, dir: &Path) -> Vec<String> {
    let mut failed = Vec::new();
    let cases = cases_under(dir);
    for case in &cases {
        let name = case.strip_prefix(dir).unwrap_or(case).display().to_string();
        let outcome = run_case(case);
        if outcome != Outcome::Pass {
            println!("  {suite}/{name}: {outcome:?}");
            failed.push(format!("{suite}/{name}"));
        }
    }
    println!(
        "conformance: {suite}: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );
    failed
}

/// `tests/cases` and `tests/errors` (ours) and `../shared/conformance/`
/// (kustomize's own scenarios and trees from public repositories, when the
/// project is given them) are tallied separately; the baseline lists every
/// case known to pass, and any of those failing is a regression.
#[test]
fn conformance_runner_reports_and_guards_baseline() {
    let mut suites = vec![
        ("cases", root().join("tests/cases")),
        ("errors", root().join("tests/errors")),
    ];
    let shared = root().join("../shared/conformance");
    if shared.is_dir() {
        suites.push(("shared", shared));
    }
    let failed: Vec<String> = suites
        .iter()
        .flat_map(|(suite, dir)| run_suite(suite, dir))
        .collect();
    let baseline =
        std::fs::read_to_string(root().join("tests/conformance-baseline.txt")).unwrap_or_default();
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

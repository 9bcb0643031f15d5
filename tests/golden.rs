//! Differential tests: nest-kz output against kustomize's output stored as
//! golden files (`scripts/refresh-goldens.sh` re-captures them): each
//! release's where they differ (`expected-v5.8.yaml` beside the v5.5.0
//! `expected.yaml`), error cases that both tools reject, and the
//! conformance runner (../shared/conformance under v5.5,
//! ../shared/conformance-v58 under the default release).

use pretty_assertions::assert_eq;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The releases every golden is checked under: v5.5.0 (kubectl) and the
/// default, v5.8.
const RELEASES: [&str; 2] = ["v5.5", "v5.8"];

/// `nest-kz build DIR` with `release` selected (a process of its own: the
/// release is one setting per run).
fn render(dir: &Path, release: &str) -> Result<String, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .arg("build")
        .arg(dir)
        .args(["--kustomize-version", release])
        .env_remove("NEST_KZ_KUSTOMIZE_VERSION")
        .output()
        .map_err(|e| e.to_string())?;
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

/// The golden for `release` in `dir`: its own file where its output
/// differs from v5.5.0's, else `expected.yaml`.
fn golden(dir: &Path, base: &str, release: &str) -> String {
    let own = dir.join(base.replace(".yaml", &format!("-{release}.yaml")));
    std::fs::read_to_string(&own)
        .or_else(|_| std::fs::read_to_string(dir.join(base)))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(base).display()))
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
    for release in RELEASES {
        for env in ["dev", "staging", "prod"] {
            let expected = golden(
                &root().join("tests/golden"),
                &format!("{env}.yaml"),
                release,
            );
            let actual = render(&root().join("overlays").join(env), release).unwrap();
            assert_eq!(actual, expected, "overlays/{env} {release}");
        }
    }
}

#[test]
fn base_builds_on_its_own() {
    let out = render(&root().join("base"), "v5.8").unwrap();
    assert!(out.contains("kind: Deployment"));
}

#[test]
fn feature_cases_match_kustomize_byte_for_byte() {
    let cases = subdirs(&root().join("tests/cases"));
    assert!(cases.len() >= 15, "feature cases missing");
    for release in RELEASES {
        for case in &cases {
            let expected = golden(case, "expected.yaml", release);
            let actual =
                render(case, release).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            assert_eq!(actual, expected, "{} {release}", case.display());
        }
    }
}

#[test]
fn error_cases_fail_naming_the_file() {
    let cases = subdirs(&root().join("tests/errors"));
    assert!(cases.len() >= 14, "error cases missing");
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected-error.txt")).unwrap();
        let err = render(&case, "v5.5").expect_err(&format!("{} should fail", case.display()));
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
fn run_case(case: &Path, release: &str) -> Outcome {
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
        .args(["--kustomize-version", release])
        .env_remove("NEST_KZ_KUSTOMIZE_VERSION")
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
fn run_suite(suite: &str, dir: &Path, release: &str) -> Vec<String> {
    let mut failed = Vec::new();
    let cases = cases_under(dir);
    for case in &cases {
        let name = case.strip_prefix(dir).unwrap_or(case).display().to_string();
        let outcome = run_case(case, release);
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
        ("cases", root().join("tests/cases"), "v5.5"),
        ("errors", root().join("tests/errors"), "v5.5"),
    ];
    let shared = root().join("../shared/conformance");
    if shared.is_dir() {
        suites.push(("shared", shared, "v5.5"));
    }
    let shared58 = root().join("../shared/conformance-v58");
    if shared58.is_dir() {
        suites.push(("shared-v58", shared58, "v5.8"));
    }
    let failed: Vec<String> = suites
        .iter()
        .flat_map(|(suite, dir, release)| run_suite(suite, dir, release))
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

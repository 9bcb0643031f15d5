//! Trees whose output differs between kustomize releases (issue 26): each
//! case under tests/releases holds, per release, what that kustomize
//! printed (`expected-vX.Y.yaml`) or that it failed
//! (`expected-vX.Y-error.txt`), captured from the real releases by
//! scripts/refresh-release-goldens.sh (which CI runs with --check). nest-kz
//! must print the same bytes with that release selected, or fail.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/releases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// A case's `case.json`: what to build, extra flags, and environment
/// variables whose values are paths relative to the case (a plugin home).
fn spec(case: &Path) -> (String, Vec<String>, Vec<(String, PathBuf)>) {
    let Ok(text) = std::fs::read_to_string(case.join("case.json")) else {
        return (".".into(), Vec::new(), Vec::new());
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let build = v["build"].as_str().unwrap_or(".").to_string();
    let args = v["args"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    let env = v["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, p)| (k.clone(), case.join(p.as_str().unwrap())))
                .collect()
        })
        .unwrap_or_default();
    (build, args, env)
}

/// `case release` pairs known to differ (tests/releases/KNOWN-DIFFERENCES).
fn known_differences() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/releases/KNOWN-DIFFERENCES");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn every_release_prints_what_it_printed() {
    let known = known_differences();
    let mut still_known = Vec::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        let (build, args, env) = spec(&case);
        for release in ["v5.5", "v5.7", "v5.8"] {
            let ok = case.join(format!("expected-{release}.yaml"));
            let err = case.join(format!("expected-{release}-error.txt"));
            if !ok.exists() && !err.exists() {
                continue;
            }
            checked += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
                .args(["build", &build, "--kustomize-version", release])
                .args(&args)
                .current_dir(&case)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env_remove("NEST_KZ_KUSTOMIZE_VERSION")
                .output()
                .unwrap();
            let name = format!("{} {release}", case.file_name().unwrap().to_string_lossy());
            if known.contains(&name) {
                let want = std::fs::read_to_string(&ok).unwrap_or_default();
                if String::from_utf8_lossy(&out.stdout) != want {
                    still_known.push(name);
                } else {
                    failures.push(format!(
                        "{name}: listed in KNOWN-DIFFERENCES but agrees now"
                    ));
                }
                continue;
            }
            if ok.exists() {
                let want = std::fs::read_to_string(&ok).unwrap();
                let got = String::from_utf8_lossy(&out.stdout);
                if !out.status.success() || got != want {
                    failures.push(format!(
                        "{name}: {}\n{}",
                        String::from_utf8_lossy(&out.stderr).trim(),
                        diff(&want, &got)
                    ));
                }
            } else if out.status.success() || !out.stdout.is_empty() {
                failures.push(format!(
                    "{name}: kustomize fails ({}), nest-kz built it",
                    std::fs::read_to_string(&err).unwrap().trim()
                ));
            }
        }
    }
    assert!(checked > 0);
    assert_eq!(
        still_known.len(),
        known.len(),
        "every known difference is a case"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The lines that differ, `-` kustomize, `+` nest-kz.
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut out = String::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            if let Some(a) = a {
                out.push_str(&format!("  -{a}\n"));
            }
            if let Some(b) = b {
                out.push_str(&format!("  +{b}\n"));
            }
        }
    }
    out
}

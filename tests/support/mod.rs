//! What the integration tests share about the real tools they drive: where
//! helm is, and how a test that cannot run says so. A skip is printed, and
//! recorded in `target/tmp/skipped-tests.txt` so `scripts/test.sh` can list
//! every skip after the run (cargo hides a passing test's output); a tool
//! named in `NEST_KZ_REQUIRE` (comma-separated, or `all`) turns the skip
//! into a failure, which is how CI makes sure everything it expects ran.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// The tool is missing: fail where it is required, else print and record
/// the skip.
pub fn skip(test: &str, tool: &str, how: &str) {
    let required = std::env::var("NEST_KZ_REQUIRE").unwrap_or_default();
    if required
        .split(',')
        .any(|t| t.trim() == tool || t.trim() == "all")
    {
        panic!("{test}: {tool} is required (NEST_KZ_REQUIRE) but not available; {how}");
    }
    eprintln!("{test}: SKIPPED: no {tool} ({how})");
    let record = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(record)
    {
        let _ = writeln!(f, "{test}: no {tool} ({how})");
    }
}

/// `found`, or a skip (see [`skip`]) and false.
pub fn have(tool: &str, found: bool, test: &str, how: &str) -> bool {
    if !found {
        skip(test, tool, how);
    }
    found
}

/// A helm binary from the environment variable, else the install script's
/// cache under target/.
pub fn helm(var: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/helm-bin/{var}/helm/helm"))
    });
    path.is_file().then_some(path)
}

/// Helm 3 if at hand, else Helm 4, else a skip and None.
pub fn any_helm(test: &str) -> Option<PathBuf> {
    let found = helm("NEST_KZ_HELM3").or_else(|| helm("NEST_KZ_HELM4"));
    if found.is_none() {
        skip(test, "helm", HELM_HOW);
    }
    found
}

pub const HELM_HOW: &str = "run scripts/install-helm.sh or set NEST_KZ_HELM3/NEST_KZ_HELM4";

const MERMAID_HOW: &str = "scripts/install-mermaid.sh installs it (npm); scripts/test.sh does";

/// Runs the real Mermaid parser (scripts/mermaid/check.mjs under node) on
/// each text; panics with the parser's message on the first that does not
/// parse. False (and a skip) when the parser is not installed.
pub fn mermaid_parses(test: &str, texts: &[String]) -> bool {
    let check = std::env::var_os("NEST_KZ_MERMAID_CHECK")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/mermaid/check.mjs")
        });
    if !have("mermaid", check.is_file(), test, MERMAID_HOW) {
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let f = dir.path().join(format!("graph{i}.mmd"));
            std::fs::write(&f, t).unwrap();
            f
        })
        .collect();
    let out = std::process::Command::new("node")
        .arg(&check)
        .args(&files)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{test}: Mermaid refuses the graph: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        texts.join("\n---\n")
    );
    true
}

/// Writes `text` to `root/path`, making the folders on the way.
pub fn write(root: &std::path::Path, path: &str, text: &str) {
    let file = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

/// Runs git in `root` as a test user, ignoring the machine's and the
/// user's configuration; panics with git's message when it fails.
pub fn git(root: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! `nest-kz edit` and `nest-kz create`, run as a user runs them.
//!
//! - Every case in `tests/edit/cases/<name>/`: the tree, `cmd` (one argument
//!   per line), and either `want-kustomization.yaml` (the hand-edited file
//!   the command must produce byte for byte; `want-NAME` likewise for other
//!   files it changes) with `expected.yaml` (kustomize
//!   v5.5.0's build of the hand-edited tree, captured by
//!   `scripts/refresh-edit-goldens.sh`), or `expected-error.txt` (text the
//!   error must contain; the file must stay untouched, stdout empty).
//!   Both nest-kz and, where installed, `kubectl kustomize` must build the
//!   edited tree to the golden.
//! - The Nest overlays, edited as a pipeline edits them: the change is
//!   exactly the expected lines.
//! - `edit fix` on every case of `tests/cases` and `../shared/conformance`
//!   that uses a deprecated field: the build output is the same before and
//!   after, or the fix is refused and nothing changes.
//! - Read-only, symlinked, malformed and concurrently edited files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nest-kz")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Copies a tree, leaving out the files named in `skip` at its top.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let want = rel.to_string_lossy().starts_with("want-");
        if want || skip.iter().any(|s| rel == Path::new(s)) {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            // ../shared is laid out without write bits; the copy is ours.
            let mut perms = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&dest, perms).unwrap();
        }
    }
}

fn nest_build(dir: &Path) -> Result<String, String> {
    let out = run(dir, &["build", "."]);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn kubectl_present() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn kubectl_build(dir: &Path) -> Result<String, String> {
    let out = Command::new("kubectl")
        .args(["kustomize", "."])
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A case's own files (besides `want-*`), not part of its tree.
const CASE_FILES: [&str; 3] = ["cmd", "expected.yaml", "expected-error.txt"];

/// Runs one case; returns what went wrong, if anything.
fn check_case(case: &Path, kubectl: bool) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(case, tmp.path(), &CASE_FILES);
    let cmd = std::fs::read_to_string(case.join("cmd")).unwrap();
    let args: Vec<&str> = cmd.lines().collect();
    let file = tmp.path().join("kustomization.yaml");
    let before = std::fs::read(&file).ok();
    let out = run(tmp.path(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Ok(wanted) = std::fs::read_to_string(case.join("expected-error.txt")) {
        let wanted = wanted.trim();
        if out.status.success() || !stderr.contains(wanted) {
            return Err(format!("expected an error with {wanted:?}, got {stderr}"));
        }
        if !out.stdout.is_empty() {
            return Err("stdout not empty on error".into());
        }
        if std::fs::read(&file).ok() != before {
            return Err("the file changed although the command failed".into());
        }
        return Ok(());
    }
    if !out.status.success() {
        return Err(format!("failed: {stderr}"));
    }
    // want-NAME is what NAME must hold after the command.
    for entry in std::fs::read_dir(case).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(target) = name.strip_prefix("want-") else {
            continue;
        };
        let want = std::fs::read_to_string(entry.path()).unwrap();
        let got = std::fs::read_to_string(tmp.path().join(target)).unwrap_or_default();
        if got != want {
            return Err(format!(
                "{target} differs:\n--- want\n{want}\n--- got\n{got}"
            ));
        }
    }
    let golden = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
    let built = nest_build(tmp.path())?;
    if built != golden {
        return Err(format!("nest-kz build differs from the golden:\n{built}"));
    }
    if kubectl && kubectl_build(tmp.path())? != golden {
        return Err("kubectl kustomize differs from the golden".into());
    }
    Ok(())
}

#[test]
fn every_command_case() {
    let kubectl = kubectl_present();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/edit/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    cases.sort();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            check_case(c, kubectl)
                .err()
                .map(|e| format!("{}: {e}", c.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    println!(
        "edit cases: {} passed, {} failed",
        cases.len() - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(cases.len() >= 40, "the cases went missing");
}

/// The Nest tree (base, components, overlays) in a temporary directory.
fn nest_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["base", "components", "overlays"] {
        std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        copy_tree(&root().join(dir), &tmp.path().join(dir), &[]);
    }
    tmp
}

#[test]
fn nest_overlays_change_only_the_edited_lines() {
    let tmp = nest_copy();
    let kubectl = kubectl_present();
    for env in ["dev", "staging", "prod"] {
        let dir = tmp.path().join("overlays").join(env);
        let file = dir.join("kustomization.yaml");
        let original = std::fs::read_to_string(&file).unwrap();
        let tag_line = original
            .lines()
            .find(|l| l.starts_with("  newTag: "))
            .expect("the overlay pins the image tag")
            .to_string();
        let mut expected = original.replace(&format!("{tag_line}\n"), "  newTag: v2.0.0\n");
        let mut edits: Vec<&[&str]> = vec![&["edit", "set", "image", "penguintech/nest:v2.0.0"]];
        // Overlays scaled by an HPA carry no replicas entry: leave them so.
        if let Some(count) = original.lines().find(|l| l.starts_with("  count: ")) {
            edits.push(&["edit", "set", "replicas", "nest=7"]);
            expected = expected.replace(&format!("{count}\n"), "  count: 7\n");
        }
        edits.push(&["edit", "add", "label", "tier:web"]);
        expected.push_str("commonLabels:\n  tier: web\n");
        for args in edits {
            let out = run(&dir, args);
            assert!(
                out.status.success(),
                "{env}: {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_ne!(expected, original);
        pretty_assertions::assert_eq!(std::fs::read_to_string(&file).unwrap(), expected, "{env}");
        let built = nest_build(&dir).unwrap();
        assert!(built.contains("image: penguintech/nest:v2.0.0"), "{env}");
        assert!(built.contains("tier: web"), "{env}");
        assert_eq!(
            built.contains("replicas: 7"),
            original.contains("  count: "),
            "{env}"
        );
        if kubectl {
            assert_eq!(
                kubectl_build(&dir).unwrap(),
                built,
                "{env}: kubectl differs"
            );
        }
    }
}

const DEPRECATED: [&str; 6] = [
    "bases",
    "patchesStrategicMerge",
    "patchesJson6902",
    "commonLabels",
    "imageTags",
    "vars",
];

/// (case root to copy, build dir inside it) of every buildable case whose
/// kustomization uses a deprecated field.
fn deprecated_cases() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/cases")).unwrap() {
        let case = entry.unwrap().path();
        if case.join("expected.yaml").is_file() {
            out.push((case.clone(), PathBuf::from(".")));
        }
    }
    let shared = root().join("../shared/conformance");
    if let Ok(entries) = std::fs::read_dir(&shared) {
        for entry in entries {
            let case = entry.unwrap().path();
            let Ok(meta) = std::fs::read_to_string(case.join("case.json")) else {
                continue;
            };
            let meta: nest_kz::model::value::Value = serde_json::from_str(&meta).unwrap();
            let build = meta["build"].as_str().unwrap_or(".").to_string();
            let plain = meta["args"].as_array().is_none_or(|a| a.is_empty());
            if plain && case.join(&build).join("expected.yaml").is_file() {
                out.push((case, PathBuf::from(build)));
            }
        }
    }
    out.retain(|(case, build)| {
        let dir = case.join(build);
        nest_kz::load::kustomization::find_file(&dir)
            .ok()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| nest_kz::yaml::parse_config_documents(&t).ok())
            .and_then(|d| d.into_iter().next())
            .is_some_and(|d| DEPRECATED.iter().any(|f| d.value.get(*f).is_some()))
    });
    out.sort();
    out
}

#[derive(Default, Debug)]
struct FixTally {
    fixed: usize,
    refused: Vec<String>,
    failures: Vec<String>,
}

/// Fixes one copy of a case and compares the builds before and after.
fn check_fix(case: &Path, build: &Path, args: &[&str], kubectl: bool, tally: &mut FixTally) {
    let name = format!("{} {args:?}", case.file_name().unwrap().to_string_lossy());
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(case, tmp.path(), &[]);
    let dir = tmp.path().join(build);
    let file = nest_kz::load::kustomization::find_file(&dir).unwrap();
    let original = std::fs::read(&file).unwrap();
    let before = nest_build(&dir);
    let kube_before = kubectl.then(|| kubectl_build(&dir));
    let out = run(&dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        let explained = [
            "would change the build output",
            "cannot convert",
            "needs a tree that builds",
        ]
        .iter()
        .any(|why| stderr.contains(why));
        if explained && std::fs::read(&file).unwrap() == original {
            tally.refused.push(name);
        } else {
            tally.failures.push(format!("{name}: {stderr}"));
        }
        return;
    }
    let after = nest_build(&dir);
    if before.is_ok() && after != before {
        tally
            .failures
            .push(format!("{name}: nest-kz output changed"));
        return;
    }
    if let Some(Ok(kb)) = kube_before
        && kubectl_build(&dir).as_ref() != Ok(&kb)
    {
        tally
            .failures
            .push(format!("{name}: kubectl kustomize output changed"));
        return;
    }
    let fixed = std::fs::read_to_string(&file).unwrap();
    let value = nest_kz::yaml::parse_config_documents(&fixed).unwrap();
    let left: Vec<&str> = DEPRECATED
        .iter()
        .filter(|f| **f != "vars" || args.contains(&"--vars"))
        .filter(|f| value.first().is_some_and(|d| d.value.get(**f).is_some()))
        .copied()
        .collect();
    if !left.is_empty() {
        tally.failures.push(format!("{name}: still has {left:?}"));
        return;
    }
    tally.fixed += 1;
}

#[test]
fn fix_keeps_the_build_output_of_deprecated_cases() {
    let kubectl = kubectl_present();
    let cases = deprecated_cases();
    let mut tally = FixTally::default();
    for (case, build) in &cases {
        check_fix(case, build, &["edit", "fix"], kubectl, &mut tally);
        check_fix(case, build, &["edit", "fix", "--vars"], kubectl, &mut tally);
    }
    println!(
        "edit fix: {} cases, {} fixed with the same output, {} refused untouched (output would change, vars not convertible or not checkable): {:?}",
        cases.len(),
        tally.fixed,
        tally.refused.len(),
        tally.refused
    );
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert!(cases.len() >= 10, "deprecated-field cases went missing");
    assert!(tally.fixed >= tally.refused.len(), "{tally:?}");
}

/// A tree with a kustomization (and the files it names).
fn tree(kustomization: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("kustomization.yaml"), kustomization).unwrap();
    for f in ["a.yaml", "b.yaml"] {
        std::fs::write(
            tmp.path().join(f),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {f}\n"),
        )
        .unwrap();
    }
    tmp
}

fn assert_refused(dir: &Path, args: &[&str], file: &Path, needle: &str) {
    let before = std::fs::read(file).ok();
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(file).ok(), before, "the file changed");
}

#[cfg(unix)]
#[test]
fn read_only_and_symlinked_files_are_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let t = tree("resources:\n- a.yaml\n");
    let file = t.path().join("kustomization.yaml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    assert_refused(
        t.path(),
        &["edit", "add", "resource", "b.yaml"],
        &file,
        "kustomization.yaml is read-only",
    );

    let t = tree("");
    std::fs::remove_file(t.path().join("kustomization.yaml")).unwrap();
    std::fs::create_dir(t.path().join("shared")).unwrap();
    let target = t.path().join("shared/kustomization.yaml");
    std::fs::write(&target, "resources:\n- ../a.yaml\n").unwrap();
    std::os::unix::fs::symlink(
        "shared/kustomization.yaml",
        t.path().join("kustomization.yaml"),
    )
    .unwrap();
    assert_refused(
        t.path(),
        &["edit", "set", "namespace", "x"],
        &target,
        "is a symbolic link",
    );
    assert!(
        t.path()
            .join("kustomization.yaml")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[cfg(unix)]
#[test]
fn mode_is_kept_and_new_files_are_0644() {
    use std::os::unix::fs::PermissionsExt;
    let t = tree("resources:\n- a.yaml\n");
    let file = t.path().join("kustomization.yaml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(
        run(t.path(), &["edit", "set", "namespace", "x"])
            .status
            .success()
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let fresh = tempfile::tempdir().unwrap();
    assert!(run(fresh.path(), &["create"]).status.success());
    let mode = std::fs::metadata(fresh.path().join("kustomization.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 3);
}

#[test]
fn yaml_errors_name_the_file_and_line() {
    let t = tree("resources:\n- a.yaml\nimages: [\n  {name: x\n");
    let file = t.path().join("kustomization.yaml");
    let out = run(t.path(), &["edit", "set", "namespace", "x"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("kustomization.yaml: line"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(file).unwrap(),
        "resources:\n- a.yaml\nimages: [\n  {name: x\n"
    );
}

#[test]
fn concurrent_edits_all_land() {
    let t = tree("resources:\n- a.yaml\n");
    let n = 12;
    for i in 0..n {
        std::fs::write(t.path().join(format!("r{i}.yaml")), "").unwrap();
    }
    let children: Vec<_> = (0..n)
        .map(|i| {
            Command::new(bin())
                .args(["edit", "add", "resource", &format!("r{i}.yaml")])
                .current_dir(t.path())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let text = std::fs::read_to_string(t.path().join("kustomization.yaml")).unwrap();
    for i in 0..n {
        assert!(
            text.contains(&format!("- r{i}.yaml\n")),
            "r{i} lost:\n{text}"
        );
    }
    assert_eq!(text.lines().count(), n + 2);
}

#[test]
fn notes_for_what_is_already_there() {
    let t = tree("resources:\n- a.yaml\n");
    let out = run(t.path(), &["edit", "add", "resource", "a.yaml", "*.yaml"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("resource a.yaml already in kustomization file"),
        "{stderr}"
    );
    // The kustomization itself matches `*.yaml` and is skipped.
    assert_eq!(
        std::fs::read_to_string(t.path().join("kustomization.yaml")).unwrap(),
        "resources:\n- a.yaml\n- b.yaml\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    let t = tree("resources:\n- a.yaml\n");
    let out = run(t.path(), &["edit", "set", "colour", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

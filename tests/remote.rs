//! Remote resources (issue 11): git repositories made here in a temporary
//! directory, reached through `file://` URLs, through `git daemon` on a
//! loopback port, and raw files from a loopback HTTP server, all started
//! and stopped by the tests.
//!
//! Differential: outputs contain no temporary paths, so each is compared
//! with a golden file under tests/remote/ written from `kubectl kustomize`
//! (v5.5.0); where kubectl exists it is run live on the same URLs too, so
//! the goldens cannot go stale. `NEST_KZ_BLESS=1` rewrites the goldens
//! from kubectl. Error cases check that both tools fail.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "protocol.file.allow=always",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "tag.gpgSign=false",
            "-c",
            "commit.gpgSign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn deployment(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
"
    )
}

const CONFIGMAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: remote
";

/// A loopback HTTP server: `/raw/NAME` serves files, `/huge` an endless
/// body, anything else 404 (which makes kustomize, and us, fall back to
/// cloning a URL that parses as a repository).
struct HttpServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl HttpServer {
    fn start(files: HashMap<String, String>) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let files = Arc::new(files);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let files = files.clone();
                std::thread::spawn(move || serve(conn, &files));
            }
        });
        HttpServer { port, stop }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut conn: TcpStream, files: &HashMap<String, String>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    if path.starts_with("/slow/") && path.contains("/info/refs") {
        // A git server that never answers: the URL's timeout must end it.
        std::thread::sleep(Duration::from_secs(20));
        return;
    }
    if path == "/huge" {
        // Far more than any limit; the client must stop reading first.
        let _ = conn
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'#'; 1 << 20];
        for _ in 0..256 {
            if conn.write_all(&chunk).is_err() {
                return;
            }
        }
        return;
    }
    let name = path
        .strip_prefix("/raw/")
        .or_else(|| path.strip_prefix('/'));
    let (status, body) = match name.and_then(|n| files.get(n)) {
        Some(body) => ("200 OK", body.as_str()),
        None => ("404 Not Found", "not found\n"),
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// `git daemon` serving the fixture's bare repositories on a loopback port.
struct GitDaemon {
    port: u16,
    child: Child,
}

impl GitDaemon {
    fn start(base: &Path) -> GitDaemon {
        let port = free_port();
        let child = Command::new("git")
            .arg("daemon")
            .arg("--export-all")
            .arg("--reuseaddr")
            .arg(format!("--base-path={}", base.display()))
            .arg(format!("--port={port}"))
            .arg("--listen=127.0.0.1")
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "git daemon did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        GitDaemon { port, child }
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Bare repositories, an HTTP server and a git daemon in one temp dir.
struct Fixture {
    tmp: tempfile::TempDir,
    http: HttpServer,
    daemon: Option<GitDaemon>,
    /// Commit ids: base.git's first (tag v1, branch release) and second (main).
    first: String,
    second: String,
}

impl Fixture {
    fn new() -> Fixture {
        Self::with_daemon(false)
    }

    fn with_daemon(daemon: bool) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let git_dir = root.join("git");
        std::fs::create_dir_all(&git_dir).unwrap();
        let work = |name: &str| {
            let dir = root.join("work").join(name);
            std::fs::create_dir_all(&dir).unwrap();
            git(&dir, &["init", "-q"]);
            dir
        };
        let publish = |dir: &Path, name: &str| {
            let bare = git_dir.join(name);
            git(dir, &["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
            git(
                &bare,
                &["config", "uploadpack.allowReachableSHA1InWant", "true"],
            );
        };

        // base.git: base/ and an overlay/ using ../base inside the clone.
        let base = work("base");
        write(
            &base.join("base/kustomization.yaml"),
            "resources:\n- deployment.yaml\nlabels:\n- pairs:\n    app: web\n",
        );
        write(&base.join("base/deployment.yaml"), &deployment(1));
        write(
            &base.join("overlay/kustomization.yaml"),
            "resources:\n- ../base\nnamePrefix: ov-\n",
        );
        write(&base.join("kustomization.yaml"), "resources:\n- base\n");
        write(
            &base.join("annotated/kustomization.yaml"),
            "resources:\n- ../base\nbuildMetadata: [originAnnotations]\n",
        );
        // A symlink leaving the repository, and a kustomization reading a
        // file through one.
        std::os::unix::fs::symlink(root.join("outside"), base.join("link")).unwrap();
        write(
            &root.join("outside/kustomization.yaml"),
            "resources:\n- secret.yaml\n",
        );
        write(
            &root.join("outside/secret.yaml"),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n",
        );
        write(
            &base.join("leak/kustomization.yaml"),
            "resources:\n- secret.yaml\n",
        );
        std::os::unix::fs::symlink(
            root.join("outside/secret.yaml"),
            base.join("leak/secret.yaml"),
        )
        .unwrap();
        git(&base, &["add", "-A"]);
        git(&base, &["commit", "-qm", "one"]);
        git(&base, &["tag", "-a", "-m", "v1", "v1"]);
        git(&base, &["branch", "release"]);
        git(&base, &["branch", "feature"]);
        let first = git(&base, &["rev-parse", "HEAD"]);
        write(&base.join("base/deployment.yaml"), &deployment(2));
        git(&base, &["commit", "-qam", "two"]);
        git(&base, &["tag", "v2"]);
        let second = git(&base, &["rev-parse", "HEAD"]);
        publish(&base, "base.git");

        // chain.git: a remote base that itself refers to a remote base.
        let chain = work("chain");
        write(
            &chain.join("kustomization.yaml"),
            &format!(
                "resources:\n- file://{}/base.git//overlay?ref=v1\n- configmap.yaml\nnamespace: chained\n",
                git_dir.display()
            ),
        );
        write(&chain.join("configmap.yaml"), CONFIGMAP);
        git(&chain, &["add", "-A"]);
        git(&chain, &["commit", "-qm", "chain"]);
        publish(&chain, "chain.git");

        // parent.git: the base repository as a submodule.
        let parent = work("parent");
        git(
            &parent,
            &[
                "submodule",
                "add",
                "-q",
                &format!("file://{}/base.git", git_dir.display()),
                "vendor",
            ],
        );
        write(
            &parent.join("kustomization.yaml"),
            "resources:\n- vendor/base\nnameSuffix: -sub\n",
        );
        git(&parent, &["add", "-A"]);
        git(&parent, &["commit", "-qm", "parent"]);
        publish(&parent, "parent.git");

        let mut files = HashMap::new();
        files.insert("configmap.yaml".to_string(), CONFIGMAP.to_string());
        files.insert("not-yaml.txt".to_string(), "{{{ not: [yaml".to_string());
        files.insert("one.yaml".to_string(), CONFIGMAP.replace("settings", "one"));
        files.insert(
            "patch.yaml".to_string(),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n"
                .to_string(),
        );
        let http = HttpServer::start(files);
        let daemon = daemon.then(|| GitDaemon::start(&git_dir));
        Fixture {
            tmp,
            http,
            daemon,
            first,
            second,
        }
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().canonicalize().unwrap()
    }

    fn git_dir(&self) -> String {
        self.root().join("git").display().to_string()
    }

    fn file_url(&self, repo: &str, rest: &str) -> String {
        format!("file://{}/{repo}{rest}", self.git_dir())
    }

    /// An http URL that git rewrites to the daemon (kustomize has no
    /// git:// form; its http GET gets a 404 and it clones instead).
    fn daemon_url(&self, repo: &str, rest: &str) -> String {
        format!("http://127.0.0.1:{}/git/{repo}{rest}", self.http.port)
    }

    /// Output with the temporary repository path and the loopback port
    /// (named by origin annotations) replaced by stable text.
    fn normalize(&self, text: &str) -> String {
        text.replace(&self.git_dir(), "/GIT")
            .replace(&format!("127.0.0.1:{}", self.http.port), "127.0.0.1:PORT")
    }

    fn http_url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.http.port)
    }

    /// A kustomization listing `resources`, in a fresh directory.
    fn app(&self, name: &str, resources: &[String]) -> PathBuf {
        self.app_with(name, "", resources)
    }

    /// Same, with other kustomization fields first.
    fn app_with(&self, name: &str, header: &str, resources: &[String]) -> PathBuf {
        let dir = self.root().join("apps").join(name);
        let mut text = format!("{header}resources:\n");
        for r in resources {
            text.push_str(&format!("- {r}\n"));
        }
        write(&dir.join("kustomization.yaml"), &text);
        dir
    }

    /// The environment both tools get: git may clone file:// submodules,
    /// and the daemon URL rewrite; HOME and the cache are private.
    fn env(&self, cmd: &mut Command) {
        let home = self.root().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let mut config = vec![("protocol.file.allow".to_string(), "always".to_string())];
        if let Some(d) = &self.daemon {
            config.push((
                format!("url.git://127.0.0.1:{}/.insteadOf", d.port),
                format!("http://127.0.0.1:{}/git/", self.http.port),
            ));
        }
        cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
        for (i, (k, v)) in config.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{i}"), k);
            cmd.env(format!("GIT_CONFIG_VALUE_{i}"), v);
        }
        cmd.env("HOME", &home)
            .env("XDG_CACHE_HOME", self.root().join("cache"))
            .env_remove("NEST_KZ_DEBUG")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy");
    }

    fn nest(&self, dir: &Path, extra: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
        self.env(&mut cmd);
        cmd.arg("build").arg(dir).args(extra);
        cmd.env("NEST_KZ_DEBUG", "1");
        cmd.output().unwrap()
    }

    fn kubectl(&self, dir: &Path) -> Option<Output> {
        if !kubectl_present() {
            return None;
        }
        let mut cmd = Command::new("kubectl");
        self.env(&mut cmd);
        cmd.arg("kustomize").arg(dir);
        Some(cmd.output().unwrap())
    }

    fn cache_trees(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(self.root().join("cache"))
            .min_depth(5)
            .max_depth(5)
            .into_iter()
            .flatten()
        {
            if entry.path().parent().is_some_and(|p| p.ends_with("trees")) {
                out.push(entry.path().to_path_buf());
            }
        }
        out
    }

    /// Temporary clone directories left in the cache.
    fn leftover_clones(&self) -> Vec<PathBuf> {
        walkdir::WalkDir::new(self.root().join("cache"))
            .max_depth(4)
            .into_iter()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("clone-"))
            .map(|e| e.path().to_path_buf())
            .collect()
    }
}

/// `NEST_KZ_NO_KUBECTL=1` runs the tests as on a machine without kubectl.
fn kubectl_present() -> bool {
    std::env::var_os("NEST_KZ_NO_KUBECTL").is_none()
        && Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/remote")
        .join(format!("{name}.yaml"))
}

/// nest-kz's output equals the golden, and (where kubectl exists)
/// kubectl's output does too.
fn differential(fx: &Fixture, name: &str, resources: &[String]) {
    differential_with(fx, name, "", resources)
}

/// Same, for a kustomization with other fields; origin annotations name
/// the temporary repository path, which goldens store as `/GIT`.
fn differential_with(fx: &Fixture, name: &str, header: &str, resources: &[String]) {
    let dir = fx.app_with(name, header, resources);
    let ours = fx.nest(&dir, &[]);
    let ours_stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(
        ours.status.success(),
        "{name}: nest-kz failed: {ours_stderr}"
    );
    let ours = String::from_utf8(ours.stdout).unwrap();
    let golden = golden_path(name);
    if let Some(theirs) = fx.kubectl(&dir) {
        assert!(
            theirs.status.success(),
            "{name}: kubectl failed: {}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        let theirs = String::from_utf8(theirs.stdout).unwrap();
        if std::env::var_os("NEST_KZ_BLESS").is_some() {
            write(&golden, &fx.normalize(&theirs));
        }
        pretty_assertions::assert_eq!(ours, theirs, "{name}: nest-kz vs kubectl");
    }
    let expected =
        std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
    pretty_assertions::assert_eq!(fx.normalize(&ours), expected, "{name}: nest-kz vs golden");
}

/// nest-kz fails with one error naming `url`, exit 1, empty stdout; kubectl
/// (where present) fails too.
fn fails(fx: &Fixture, name: &str, url: &str, extra: &[&str], expect: &str) -> String {
    let dir = fx.app(name, &[url.to_string()]);
    let out = fx.nest(&dir, extra);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(out.stdout.is_empty(), "{name}: stdout not empty");
    let error = stderr
        .lines()
        .filter(|l| l.starts_with("Error:"))
        .collect::<Vec<_>>();
    assert_eq!(error.len(), 1, "{name}: {stderr}");
    assert!(
        error[0].contains(url),
        "{name}: error does not name the URL: {stderr}"
    );
    assert!(
        error[0].contains(expect),
        "{name}: want {expect:?}: {stderr}"
    );
    if extra.is_empty()
        && let Some(theirs) = fx.kubectl(&dir)
    {
        assert!(!theirs.status.success(), "{name}: kubectl succeeded");
    }
    assert!(
        fx.leftover_clones().is_empty(),
        "{name}: temporary clone left"
    );
    stderr
}

#[test]
fn file_urls_by_tag_branch_commit_and_subpath() {
    let fx = Fixture::new();
    differential(&fx, "file-tag", &[fx.file_url("base.git", "//base?ref=v1")]);
    differential(
        &fx,
        "file-branch",
        &[fx.file_url("base.git", "//base?ref=main")],
    );
    differential(
        &fx,
        "file-version",
        &[fx.file_url("base.git", "//base?version=release")],
    );
    differential(
        &fx,
        "file-tag",
        &[fx.file_url("base.git", &format!("//base?ref={}", fx.first))],
    );
    differential(
        &fx,
        "file-branch",
        &[fx.file_url("base.git", &format!("/base?ref={}", fx.second))],
    );
    // Default branch, whole repository, `.git` marker without `//`.
    differential(&fx, "file-branch", &[fx.file_url("base.git", "")]);
    differential(
        &fx,
        "file-overlay",
        &[fx.file_url("base.git", "//overlay?ref=v1&timeout=61&submodules=false")],
    );
}

#[test]
fn remote_base_referring_to_remote_base() {
    let fx = Fixture::new();
    differential(&fx, "chain", &[fx.file_url("chain.git", "?ref=main")]);
}

#[test]
fn build_annotations_name_the_repository() {
    let fx = Fixture::new();
    differential_with(
        &fx,
        "annotations",
        "buildMetadata: [originAnnotations, transformerAnnotations]\n",
        &[
            fx.file_url("base.git", "//overlay?ref=v1"),
            fx.file_url("chain.git", ""),
        ],
    );
}

#[test]
fn submodules_are_cloned_unless_disabled() {
    let fx = Fixture::new();
    differential(&fx, "submodule", &[fx.file_url("parent.git", "?ref=main")]);
    fails(
        &fx,
        "no-submodule",
        &fx.file_url("parent.git", "?ref=main&submodules=false"),
        &[],
        "vendor",
    );
}

#[test]
fn git_daemon_and_http_files() {
    let fx = Fixture::with_daemon(true);
    differential(
        &fx,
        "file-tag",
        &[fx.daemon_url("base.git", "//base?ref=v1")],
    );
    differential(&fx, "chain", &[fx.daemon_url("chain.git", "?ref=main")]);
    // kustomize downloads any file named by URL, patches included.
    differential_with(
        &fx,
        "http-patch",
        &format!("patches:\n- path: {}\n", fx.http_url("raw/patch.yaml")),
        &[fx.file_url("base.git", "//base?ref=v1")],
    );
    // kustomize names downloaded objects in origin annotations with its
    // repository-URL logic (a plain file URL's `//` collapses).
    differential_with(
        &fx,
        "http-origins",
        "buildMetadata: [originAnnotations]\n",
        &[
            fx.http_url("one.yaml"),
            fx.http_url("raw/configmap.yaml"),
            fx.daemon_url("base.git", "//base?ref=v1"),
        ],
    );
    differential(
        &fx,
        "http-file",
        &[
            fx.http_url("raw/configmap.yaml"),
            fx.daemon_url("base.git", "//base?ref=v1"),
        ],
    );
}

#[test]
fn second_build_uses_the_cache_and_offline_needs_no_origin() {
    let fx = Fixture::new();
    let url = fx.file_url("base.git", "//base?ref=v1");
    let dir = fx.app("cached", std::slice::from_ref(&url));
    let first = fx.nest(&dir, &[]);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("cloning"));
    // A temporary clone left by a killed build is removed by the next one.
    let repo_cache = fx.cache_trees()[0]
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::create_dir_all(repo_cache.join("clone-killed/.git")).unwrap();
    let second = fx.nest(&dir, &[]);
    assert!(!repo_cache.join("clone-killed").exists());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(!stderr.contains("cloning"), "second build cloned: {stderr}");
    assert!(stderr.contains("cache hit"), "{stderr}");
    assert_eq!(first.stdout, second.stdout);
    // With the origin gone, --offline still builds from the cache ...
    let git_dir = fx.root().join("git");
    std::fs::rename(git_dir.join("base.git"), git_dir.join("moved.git")).unwrap();
    let offline = fx.nest(&dir, &["--offline"]);
    assert!(
        offline.status.success(),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert_eq!(offline.stdout, first.stdout);
    // ... and without it the ref cannot be re-resolved.
    fails(&fx, "cached-gone", &url, &[], "ls-remote");
    // A ref never fetched is not in the cache.
    fails(
        &fx,
        "offline-miss",
        &fx.file_url("base.git", "//base?ref=release"),
        &["--offline"],
        "not in the cache",
    );
    assert_eq!(fx.cache_trees().len(), 1);
}

#[test]
fn concurrent_builds_share_one_clone() {
    let fx = Fixture::new();
    let url = fx.file_url("base.git", "//overlay?ref=main");
    let dir = fx.app("concurrent", &[url]);
    let children: Vec<Child> = (0..6)
        .map(|_| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
            fx.env(&mut cmd);
            cmd.arg("build")
                .arg(&dir)
                .env("NEST_KZ_DEBUG", "1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let clones = outputs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("cloning"))
        .count();
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(o.stdout, outputs[0].stdout);
    }
    assert_eq!(clones, 1, "the lock lets one build clone");
    assert_eq!(fx.cache_trees().len(), 1);
    assert!(fx.leftover_clones().is_empty());
}

#[test]
fn deleted_ref_fails_clearly() {
    let fx = Fixture::new();
    let url = fx.file_url("base.git", "//base?ref=feature");
    let dir = fx.app("deleted", std::slice::from_ref(&url));
    assert!(fx.nest(&dir, &[]).status.success());
    git(
        &fx.root().join("git/base.git"),
        &["branch", "-D", "feature"],
    );
    fails(&fx, "deleted", &url, &[], "ref 'feature' does not exist");
}

#[test]
fn network_false_refuses_every_remote_reference() {
    let fx = Fixture::new();
    for url in [
        fx.file_url("base.git", "//base?ref=v1"),
        fx.http_url("raw/configmap.yaml"),
    ] {
        fails(&fx, "refused", &url, &["--network=false"], "refused");
    }
    let patch = fx.http_url("raw/patch.yaml");
    let dir = fx.app_with(
        "refused-patch",
        &format!("patches:\n- path: {patch}\n"),
        &[],
    );
    let out = fx.nest(&dir, &["--network=false"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(&patch) && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(fx.cache_trees().is_empty());
}

#[test]
fn bad_input_fails_with_one_error_naming_the_url() {
    let fx = Fixture::new();
    let closed = free_port();
    fails(
        &fx,
        "unreachable",
        &format!("http://127.0.0.1:{closed}/org/repo//base?ref=v1"),
        &[],
        "failed",
    );
    fails(
        &fx,
        "no-such-ref",
        &fx.file_url("base.git", "//base?ref=nope"),
        &[],
        "ref 'nope' does not exist",
    );
    fails(
        &fx,
        "no-such-commit",
        &fx.file_url("base.git", &format!("//base?ref={}", "0".repeat(40))),
        &[],
        "fetch",
    );
    fails(
        &fx,
        "escape",
        &fx.file_url("base.git", "//../.."),
        &[],
        "url path exits repo",
    );
    fails(
        &fx,
        "symlink-dir",
        &fx.file_url("base.git", "//link?ref=v1"),
        &[],
        "outside of the repository",
    );
    fails(
        &fx,
        "not-a-dir",
        &fx.file_url("base.git", "//nothing?ref=v1"),
        &[],
        "not a directory",
    );
    // A file reached through a symlink out of the clone is never read.
    let dir = fx.app("symlink-file", &[fx.file_url("base.git", "//leak?ref=v1")]);
    let out = fx.nest(&dir, &["--load-restrictor", "LoadRestrictionsNone"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("security"));
    // Not YAML and not a repository.
    fails(
        &fx,
        "not-yaml",
        &fx.http_url("raw/not-yaml.txt"),
        &[],
        "not-yaml.txt",
    );
    fails(&fx, "http-404", &fx.http_url("missing.yaml"), &[], "404");
}

#[test]
fn timeout_from_the_url_is_honoured() {
    let fx = Fixture::new();
    let start = Instant::now();
    fails(
        &fx,
        "timeout",
        &format!(
            "http://127.0.0.1:{}/slow/org/repo//base?timeout=1",
            fx.http.port
        ),
        &["--network=true"],
        "timed out after 1s",
    );
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn huge_download_is_cut_off() {
    let fx = Fixture::new();
    let dir = fx.app("huge", &[fx.http_url("huge")]);
    let out = fx.nest(&dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains(&fx.http_url("huge")), "{stderr}");
    assert!(stderr.contains("limit"), "{stderr}");
}

#[test]
fn no_option_or_shell_injection() {
    let fx = Fixture::new();
    let root = fx.root();
    let pwned = root.join("pwned");
    let p = pwned.display();
    for (name, url) in [
        (
            "upload-pack",
            fx.file_url("base.git", &format!("//base?ref=--upload-pack=touch {p}")),
        ),
        (
            "upload-pack-version",
            fx.file_url(
                "base.git",
                &format!("//base?version=--upload-pack=touch%20{p}"),
            ),
        ),
        (
            "semicolon",
            fx.file_url(&format!("base.git;touch {p}"), "//base"),
        ),
        (
            "subshell",
            fx.file_url(&format!("$(touch {p})/base.git"), "//base"),
        ),
        (
            "backticks",
            fx.file_url(&format!("`touch {p}`.git"), "//base"),
        ),
        (
            "pipe",
            format!("ssh://git@127.0.0.1:1/x|touch {p}/repo.git//base"),
        ),
    ] {
        let dir = fx.app(name, std::slice::from_ref(&url));
        let out = fx.nest(&dir, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(stderr.contains(&url), "{name}: {stderr}");
        assert!(!pwned.exists(), "{name}: command ran");
    }
    let stderr = fails(
        &fx,
        "option-ref",
        &fx.file_url("base.git", "//base?ref=--upload-pack=touch"),
        &[],
        "looks like a command-line option",
    );
    assert!(!stderr.contains("cloning"));
}

/// `build URL`: the repository's kustomization is the root. Origins read
/// as a local root's (kustomize names a repository only for remote
/// entries); loads stay inside the clone whatever the load restrictor.
#[test]
fn build_url_builds_a_remote_root() {
    let fx = Fixture::new();
    let url = fx.file_url("base.git", "//annotated?ref=v1");
    let ours = fx.nest(Path::new(&url), &[]);
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let ours = String::from_utf8(ours.stdout).unwrap();
    let golden = golden_path("root-annotated");
    if let Some(theirs) = fx.kubectl(Path::new(&url)) {
        assert!(theirs.status.success(), "kubectl failed");
        let theirs = String::from_utf8(theirs.stdout).unwrap();
        if std::env::var_os("NEST_KZ_BLESS").is_some() {
            write(&golden, &fx.normalize(&theirs));
        }
        pretty_assertions::assert_eq!(ours, theirs, "build URL: nest-kz vs kubectl");
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    pretty_assertions::assert_eq!(fx.normalize(&ours), expected);
    // A symlink out of the clone, or a subpath that is not there, fails
    // with one error, as kubectl does; so does any URL without network.
    for (rest, extra) in [
        ("//leak?ref=v1", &[][..]),
        (
            "//leak?ref=v1",
            &["--load-restrictor", "LoadRestrictionsNone"][..],
        ),
        ("//link?ref=v1", &[][..]),
        ("//missing?ref=v1", &[][..]),
        ("//overlay?ref=v1", &["--network=false"][..]),
    ] {
        let url = fx.file_url("base.git", rest);
        let out = fx.nest(Path::new(&url), extra);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url} {extra:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{url}: stdout");
        assert!(!stderr.contains("stolen"), "{url}: {stderr}");
        if extra.is_empty()
            && let Some(theirs) = fx.kubectl(Path::new(&url))
        {
            assert!(!theirs.status.success(), "{url}: kubectl built it");
        }
    }
    assert!(fx.leftover_clones().is_empty(), "temporary clone left");
}

/// A private repository over smart HTTP with basic auth
/// (tests/support/git_http.py), stopped when dropped.
struct PrivateServer {
    port: u16,
    child: Child,
    log: PathBuf,
}

impl PrivateServer {
    fn start(root: &Path) -> PrivateServer {
        let log = root.join("requests.log");
        let mut child = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/git_http.py"))
            .arg(root)
            .args(["reader", "s3cret"])
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the git server");
        let mut port = String::new();
        let mut out = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            port.push(byte[0] as char);
        }
        let port = port.trim().parse().expect("the server prints its port");
        PrivateServer { port, child, log }
    }

    /// How many requests came with the right credentials, and how many did
    /// not (none or wrong).
    fn tally(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let ok = text.lines().filter(|l| l.ends_with(" ok")).count();
        (ok, text.lines().count() - ok)
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ArgoCD's `provideGitCreds` (askpass with a nonce, or an auth header):
/// the credentials reach git for the Application's source repository's
/// host, and never for a remote base elsewhere, which would otherwise
/// collect them.
#[test]
fn argocd_git_credentials_go_only_to_the_source_repository_host() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write(
        &src.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: private\n",
    );
    write(&src.join("kustomization.yaml"), "resources: [cm.yaml]\n");
    git(&src, &["init", "-q"]);
    git(&src, &["add", "."]);
    git(&src, &["commit", "-qm", "private"]);
    git(tmp.path(), &["clone", "-q", "--bare", "src", "private.git"]);
    let server = PrivateServer::start(tmp.path());
    let askpass = tmp.path().join("askpass");
    // ArgoCD's askpass answers the prompt git passes as its argument.
    write(
        &askpass,
        "#!/bin/sh\necho \"$1\" >> \"$0.log\"\ncase \"$1\" in Username*) echo reader;; Password*) echo s3cret;; esac\n",
    );
    std::fs::set_permissions(
        &askpass,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let app = tmp.path().join("app");
    let here = format!("http://127.0.0.1:{}", server.port);
    write(
        &app.join("kustomization.yaml"),
        &format!("resources:\n- {here}/private.git?ref=HEAD\n"),
    );
    let build = |case: &str, env: &[(&str, String)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
        cmd.arg("build")
            .arg(&app)
            .arg("--cache-dir")
            .arg(tmp.path().join(format!("cache-{case}")));
        for var in [
            "GIT_ASKPASS",
            "ARGOCD_APP_SOURCE_REPO_URL",
            "ARGOCD_GIT_AUTH_HEADER",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("ARGOCD_GIT_ASKPASS_NONCE", "nonce");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let asked = || std::fs::read_to_string(tmp.path().join("askpass.log")).unwrap_or_default();
    // The source repository's host: askpass answers.
    let out = build(
        "same-host",
        &[
            ("GIT_ASKPASS", askpass.display().to_string()),
            ("ARGOCD_APP_SOURCE_REPO_URL", format!("{here}/app.git")),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: private"));
    assert!(
        asked().contains("Password"),
        "askpass was asked: {}",
        asked()
    );
    // Another host: git never asks, the build fails on the 401.
    std::fs::remove_file(tmp.path().join("askpass.log")).unwrap();
    let out = build(
        "other-host",
        &[
            ("GIT_ASKPASS", askpass.display().to_string()),
            (
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/app.git".into(),
            ),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        asked().is_empty(),
        "askpass asked for another host: {}",
        asked()
    );
    // The auth header ArgoCD's own git client sends, as git config.
    let (ok_before, _) = server.tally();
    let header = "Authorization: Basic cmVhZGVyOnMzY3JldA==";
    let out = build(
        "header",
        &[
            ("ARGOCD_GIT_AUTH_HEADER", header.into()),
            ("ARGOCD_APP_SOURCE_REPO_URL", format!("{here}/app.git")),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.tally().0 > ok_before);
    // Outside ArgoCD (no source repository named) the environment is the
    // user's own and passes as is.
    let out = build("plain", &[("GIT_ASKPASS", askpass.display().to_string())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Remote bases without a git process where nothing can have changed
/// (issue 31): a commit id is served from the cache with no git at all; a
/// tag named by several entries is asked of the server once per build;
/// with `--remote-ref-ttl` a tag resolved moments ago is not asked again.
/// git is counted through a wrapper first on PATH.
#[test]
fn cached_remote_bases_run_git_only_when_needed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let src = root.join("src");
    for dir in ["a", "b"] {
        write(
            &src.join(dir).join("cm.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {dir}\n"),
        );
        write(
            &src.join(dir).join("kustomization.yaml"),
            "resources: [cm.yaml]\n",
        );
    }
    git(&src, &["init", "-q"]);
    git(&src, &["add", "."]);
    git(&src, &["commit", "-qm", "one"]);
    git(&src, &["tag", "v1"]);
    let commit = git(&src, &["rev-parse", "HEAD"]);
    git(&root, &["clone", "-q", "--bare", "src", "r.git"]);
    let bin = root.join("bin");
    let log = root.join("git.log");
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    write(
        &bin.join("git"),
        &format!(
            "#!/bin/sh\necho \"$*\" >> {}\nexec {} \"$@\"\n",
            log.display(),
            real.trim()
        ),
    );
    std::fs::set_permissions(
        bin.join("git"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let url = format!("file://{}/r.git", root.display());
    let app = |name: &str, git_ref: &str| {
        let dir = root.join(name);
        write(
            &dir.join("kustomization.yaml"),
            &format!("resources:\n- {url}//a?ref={git_ref}\n- {url}//b?ref={git_ref}\n"),
        );
        dir
    };
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let build = |dir: &Path, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .arg("build")
            .arg(dir)
            .arg("--cache-dir")
            .arg(root.join("cache"))
            .args(extra)
            .env("PATH", &path)
            .env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "protocol.file.allow")
            .env("GIT_CONFIG_VALUE_0", "always")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let calls = |what: &str| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(what))
            .count()
    };
    // A tag, two entries: one ls-remote, one clone.
    let tagged = app("tagged", "v1");
    let cold = build(&tagged, &[]);
    assert!(cold.contains("name: a") && cold.contains("name: b"));
    assert_eq!(calls("ls-remote"), 1, "one ls-remote for both entries");
    assert_eq!(calls("fetch"), 1);
    // Warm, by tag: asked again once per build (a tag may move).
    assert_eq!(build(&tagged, &[]), cold);
    assert_eq!(calls("ls-remote"), 2);
    assert_eq!(calls("fetch"), 1);
    // With a time-to-live: not asked at all.
    assert_eq!(build(&tagged, &["--remote-ref-ttl", "1h"]), cold);
    assert_eq!(calls("ls-remote"), 2);
    // By commit: no git process at all once cached.
    let pinned = app("pinned", &commit);
    let before = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(build(&pinned, &[]), cold);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        before
    );
}

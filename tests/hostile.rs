//! Hostile and careless inputs (issue 13): each case is generated here, run
//! through the binary in a child process under an address-space cap, and
//! must end with a non-zero exit and one clear line on stderr, within 1 s of
//! CPU and 256 MiB of RSS, writing nothing it was not asked to write.
//! Legitimate inputs kustomize accepts must print kustomize's output
//! (goldens in tests/hostile/, from `kubectl kustomize`).

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CPU_LIMIT: Duration = Duration::from_secs(1);
const RSS_LIMIT_KIB: i64 = 256 * 1024;
/// Address-space cap of the child: a runaway allocation fails here rather
/// than taking the machine down.
const AS_LIMIT: u64 = 2 << 30;
const WALL_LIMIT: Duration = Duration::from_secs(30);

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    cpu: Duration,
    max_rss_kib: i64,
}

impl Outcome {
    /// A clean refusal: exit 1 (or 2 for diff), one line on stderr, no panic,
    /// bounded CPU and memory.
    fn assert_refused(&self, case: &str, needle: &str) {
        assert!(
            matches!(self.code, Some(1 | 2)),
            "{case}: exit {:?} signal {:?}, stderr: {}",
            self.code,
            self.signal,
            self.stderr
        );
        // kustomize's own warnings for deprecated fields come first, as
        // kustomize prints them; the refusal is one line after them.
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("# Warning: "))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "{case}: stderr is not one line: {}",
            self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "{case}: stderr lacks {needle:?}: {}",
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{case}: {}", self.stderr);
        self.assert_bounded(case);
    }

    fn assert_bounded(&self, case: &str) {
        assert!(
            self.cpu < CPU_LIMIT,
            "{case}: {:?} of CPU (limit {CPU_LIMIT:?})",
            self.cpu
        );
        assert!(
            self.max_rss_kib < RSS_LIMIT_KIB,
            "{case}: peak RSS {} KiB",
            self.max_rss_kib
        );
    }
}

/// Runs the binary with `args` in `cwd`, stdin closed, under the caps; CPU
/// and peak RSS come from the child's own rusage (wait4), so a busy machine
/// does not make the timing flaky.
fn run_in(cwd: &Path, args: &[&str]) -> Outcome {
    run_with(cwd, args, |_| {})
}

// The child is reaped by wait4 (for its rusage), which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_with(cwd: &Path, args: &[&str], tweak: impl FnOnce(&mut Command)) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tweak(&mut cmd);
    // SAFETY: only async-signal-safe calls (setrlimit, umask) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: AS_LIMIT,
                rlim_max: AS_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::umask(0o022);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn nest-kz");
    let pid = child.id() as libc::pid_t;
    let (mut out_pipe, mut err_pipe) = (child.stdout.take(), child.stderr.take());
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut buf);
        }
        buf
    });
    let start = Instant::now();
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid out-parameter.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our child; status and usage are valid pointers.
        let rc = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if rc == pid {
            break (status, usage);
        }
        if start.elapsed() > WALL_LIMIT {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Outcome {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every file and directory under `dir`, to check nothing appeared.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_path_buf())
        .collect();
    all.sort();
    all
}

/// Builds `rel` in a fresh tree made by `make`; the build must be refused
/// with `needle` in its one-line message and leave the tree as it was.
fn refused(case: &str, make: impl FnOnce(&Path), rel: &str, needle: &str) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    make(tmp.path());
    let before = listing(tmp.path());
    let out = run_in(tmp.path(), &["build", rel]);
    out.assert_refused(case, needle);
    assert!(out.stdout.is_empty(), "{case}: stdout not empty");
    assert_eq!(listing(tmp.path()), before, "{case}: files changed");
    out
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

fn alias_bomb(indent: &str) -> String {
    let mut s = format!(
        "{indent}a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    );
    let names = "abcdefghi".as_bytes();
    for w in names.windows(2) {
        let (prev, cur) = (w[0] as char, w[1] as char);
        let refs = vec![format!("*{prev}"); 10].join(",");
        s.push_str(&format!("{indent}{cur}: &{cur} [{refs}]\n"));
    }
    s
}

#[test]
fn alias_bombs_are_refused_early() {
    refused(
        "01 kustomization",
        |d| {
            write(
                d,
                "app/kustomization.yaml",
                &format!("resources: []\n{}", alias_bomb("")),
            )
        },
        "app",
        "excessive aliasing",
    );
    refused(
        "02 resource",
        |d| {
            write(d, "app/kustomization.yaml", "resources:\n- cm.yaml\n");
            write(
                d,
                "app/cm.yaml",
                &format!("{CM}data:\n{}", alias_bomb("  ")),
            );
        },
        "app",
        "cm.yaml",
    );
    refused(
        "02b patch",
        |d| {
            write(
                d,
                "app/kustomization.yaml",
                "resources:\n- cm.yaml\npatches:\n- path: patch.yaml\n",
            );
            write(d, "app/cm.yaml", CM);
            write(
                d,
                "app/patch.yaml",
                &format!("{CM}data:\n{}", alias_bomb("  ")),
            );
        },
        "app",
        "patch.yaml",
    );
    // Few aliases of one long string: the node ratio allows it, the byte budget does not.
    refused(
        "alias of a long string",
        |d| {
            write(d, "app/kustomization.yaml", "resources:\n- cm.yaml\n");
            let refs = vec!["*s"; 100].join(",");
            let body = format!(
                "{CM}data:\n  s: &s {}\n  l: [{refs},{refs},{refs}]\n",
                "x".repeat(1 << 20)
            );
            write(d, "app/cm.yaml", &body);
        },
        "app",
        "aliasing",
    );
}

#[test]
fn depth_through_aliases_is_bounded() {
    refused(
        "03",
        |d| {
            let mut s = format!("{CM}x:\n");
            for i in 0..200 {
                let inner = if i == 0 {
                    "1".to_string()
                } else {
                    format!("*a{}", i - 1)
                };
                s.push_str(&format!(
                    "  a{i}: &a{i} {}{inner}{}\n",
                    "[".repeat(190),
                    "]".repeat(190)
                ));
            }
            write(d, "app/cm.yaml", &s);
            write(d, "app/kustomization.yaml", "resources:\n- cm.yaml\n");
        },
        "app",
        "nesting deeper than 200",
    );
}

#[test]
fn deep_field_paths_are_refused() {
    let path = vec!["a"; 20_000];
    let dotted = path.join(".");
    let slashed = path.join("/");
    refused(
        "04 replacement",
        |d| {
            write(d, "app/cm.yaml", CM);
            write(
                d,
                "app/kustomization.yaml",
                &format!(
                    "resources:\n- cm.yaml\nreplacements:\n- source:\n    kind: ConfigMap\n    fieldPath: metadata.name\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths:\n    - spec.{dotted}\n    options:\n      create: true\n"
                ),
            );
        },
        "app",
        "field path has 20001 segments",
    );
    refused(
        "05 configurations",
        |d| {
            write(d, "app/cm.yaml", CM);
            write(
                d,
                "app/kustomization.yaml",
                "resources:\n- cm.yaml\ncommonLabels:\n  x: z\nconfigurations:\n- conf.yaml\n",
            );
            write(
                d,
                "app/conf.yaml",
                &format!("commonLabels:\n- path: spec/{slashed}\n  create: true\n"),
            );
        },
        "app",
        "conf.yaml",
    );
}

#[test]
fn copying_steps_cannot_grow_objects_without_bound() {
    // JSON patch: each copy doubles the object.
    refused(
        "json patch copy bomb",
        |d| {
            write(
                d,
                "app/cm.yaml",
                &format!("{CM}data:\n  a: {}\n", "x".repeat(1000)),
            );
            let ops: String = (0..40)
                .map(|i| format!("- op: copy\n  from: /data\n  path: /data/k{i}\n"))
                .collect();
            write(d, "app/ops.yaml", &ops);
            write(
                d,
                "app/kustomization.yaml",
                "resources:\n- cm.yaml\npatches:\n- path: ops.yaml\n  target:\n    kind: ConfigMap\n",
            );
        },
        "app",
        "ops.yaml",
    );
    // Replacements copying an object into itself, over and over.
    refused(
        "replacement chain",
        |d| {
            write(
                d,
                "app/cm.yaml",
                &format!("{CM}data:\n  a: {}\n", "x".repeat(1000)),
            );
            let all: String = (0..40)
                .map(|i| format!("- source:\n    kind: ConfigMap\n    fieldPath: data\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths:\n    - data.k{i}\n    options:\n      create: true\n"))
                .collect();
            write(
                d,
                "app/kustomization.yaml",
                &format!("resources:\n- cm.yaml\nreplacements:\n{all}"),
            );
        },
        "app",
        "kustomization.yaml",
    );
}

#[test]
fn var_expansion_cannot_multiply_a_value_without_bound() {
    refused(
        "vars bomb",
        |d| {
            write(
                d,
                "app/cm.yaml",
                &format!("{CM}data:\n  v: {}\n", "x".repeat(100_000)),
            );
            write(
                d,
                "app/pod.yaml",
                &format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n    command:\n    - \"{}\"\n",
                    "$(V)".repeat(1000)
                ),
            );
            write(
                d,
                "app/kustomization.yaml",
                "resources:\n- cm.yaml\n- pod.yaml\nvars:\n- name: V\n  objref:\n    apiVersion: v1\n    kind: ConfigMap\n    name: c\n  fieldref:\n    fieldpath: data.v\n",
            );
        },
        "app",
        "vars expansion",
    );
}

#[test]
fn absolute_roots_are_refused() {
    for field in ["resources", "components"] {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        write(
            &elsewhere,
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: other-tenant\nstringData:\n  k: SECRET\n",
        );
        let kind = if field == "components" {
            "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\n"
        } else {
            ""
        };
        write(
            &elsewhere,
            "kustomization.yaml",
            &format!("{kind}resources:\n- s.yaml\n"),
        );
        write(
            tmp.path(),
            "app/kustomization.yaml",
            &format!("{field}:\n- {}\n", elsewhere.display()),
        );
        let out = run_in(tmp.path(), &["build", "app"]);
        out.assert_refused(field, "cannot be absolute");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("SECRET"));
    }
}

#[test]
fn kustomization_files_obey_the_load_restrictor_and_errors_hide_content() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "outside/creds.yaml",
        "resources: hunter2-secret-value\n",
    );
    std::fs::create_dir_all(tmp.path().join("app")).unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("outside/creds.yaml"),
        tmp.path().join("app/kustomization.yaml"),
    )
    .unwrap();
    let out = run_in(tmp.path(), &["build", "app"]);
    out.assert_refused("07", "security");
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[test]
fn fifos_are_refused_not_waited_on() {
    refused(
        "08 resource",
        |d| {
            write(d, "app/kustomization.yaml", "resources:\n- f.yaml\n");
            mkfifo(&d.join("app/f.yaml"));
        },
        "app",
        "not a regular file",
    );
    refused(
        "08 kustomization",
        |d| {
            std::fs::create_dir_all(d.join("app")).unwrap();
            mkfifo(&d.join("app/kustomization.yaml"));
        },
        "app",
        "app",
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn output_dir_names_stay_inside_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "app/r.yaml",
        "apiVersion: ../escaped/v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  namespace: ../escaped2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\n  namespace: other\n",
    );
    write(
        tmp.path(),
        "app/kustomization.yaml",
        "resources:\n- r.yaml\n",
    );
    let before = listing(tmp.path());
    let out = run_in(tmp.path(), &["build", "app", "-o", "out/"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.assert_bounded("09");
    let new: Vec<PathBuf> = listing(tmp.path())
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new.len(), 4, "{new:?}"); // out/ and three files
    for p in &new {
        assert!(p.starts_with(tmp.path().join("out")), "{p:?} escaped");
    }
}

#[test]
fn diff_base_is_never_an_option_to_git() {
    if Command::new("git").arg("--version").output().is_err() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("r");
    write(&repo, "kustomization.yaml", "resources: []\n");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.email=a@b", "-c", "user.name=a"])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "x"]);
    let precious = tmp.path().join("precious.txt");
    std::fs::write(&precious, "precious\n").unwrap();
    let base = format!("--base=--output={}", precious.display());
    let out = run_in(&repo, &["diff", ".", &base]);
    out.assert_refused("10", "not a commit");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "precious\n");
    // A real revision still works.
    let ok = run_in(&repo, &["diff", ".", "--base", "HEAD"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
}

#[test]
fn special_output_targets_are_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "app/cm.yaml", CM);
    write(
        tmp.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    let fifo = tmp.path().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = run_in(tmp.path(), &["build", "app", "-o", "pipe"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(reader.join().unwrap(), CM);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let out = run_in(tmp.path(), &["build", "app", "-o", "/dev/null"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn output_files_get_the_umask_mode_or_keep_theirs() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "app/cm.yaml", CM);
    write(
        tmp.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    let out = run_in(tmp.path(), &["build", "app", "-o", "new.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mode = |p: &str| {
        std::fs::metadata(tmp.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("new.yaml"), 0o644);
    std::fs::set_permissions(
        tmp.path().join("new.yaml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = run_in(tmp.path(), &["build", "app", "-o", "new.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(mode("new.yaml"), 0o640);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("new.yaml")).unwrap(),
        CM
    );
}

#[test]
fn sigkill_during_output_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let chunk: String = (0..50)
        .map(|j| format!("  k{j}: value-{j}-{}\n", "x".repeat(60)))
        .collect();
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n{chunk}"
        ));
    }
    write(tmp.path(), "app/cm.yaml", &big);
    write(
        tmp.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    let full = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(["build", "app"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(full.status.success());
    let full = String::from_utf8(full.stdout).unwrap();
    std::fs::write(tmp.path().join("out.yaml"), "OLD\n").unwrap();
    let before = listing(tmp.path());
    for delay_ms in [50, 150, 300, 600] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .args(["build", "app", "-o", "out.yaml"])
            .current_dir(tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(listing(tmp.path()), before, "after a kill at {delay_ms} ms");
        let text = std::fs::read_to_string(tmp.path().join("out.yaml")).unwrap();
        // Either the old file or the whole output, never a part of it.
        assert!(
            text == "OLD\n" || text == full,
            "a partial file after a kill at {delay_ms} ms"
        );
    }
}

#[test]
fn closed_stdout_and_stderr_end_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "app/cm.yaml", CM);
    write(
        tmp.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(
        tmp.path(),
        "bad/kustomization.yaml",
        "resources:\n- missing.yaml\n",
    );
    // A reader that went away: stdout is a pipe whose read end is closed.
    let closed_pipe = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let out = run_with(tmp.path(), &["build", "app"], |c| {
        c.stdout(closed_pipe());
    });
    assert_eq!(out.code, Some(1), "closed stdout: {}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let out = run_with(tmp.path(), &["build", "bad"], |c| {
        c.stderr(closed_pipe());
    });
    assert_eq!(out.code, Some(1), "closed stderr: exit {:?}", out.code);
}

#[test]
fn exponential_overlay_graphs_are_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "l0/cm.yaml", CM);
    write(d, "l0/kustomization.yaml", "resources:\n- cm.yaml\n");
    let k = 16;
    for i in 1..=k {
        for s in ["a", "b"] {
            write(
                d,
                &format!("l{i}/{s}/kustomization.yaml"),
                &format!("resources:\n- ../../l{}\nnamePrefix: {s}-\n", i - 1),
            );
        }
        write(
            d,
            &format!("l{i}/kustomization.yaml"),
            "resources:\n- a\n- b\n",
        );
    }
    let out = run_in(d, &["build", &format!("l{k}")]);
    out.assert_refused("16", "limit");
}

#[test]
fn path_escapes_and_cycles_stay_errors() {
    let cases: &[(&str, &str)] = &[
        ("r-dotdot", "resources:\n- ../../outside/secret.yaml\n"),
        (
            "g-files",
            "configMapGenerator:\n- name: g\n  files:\n  - ../../outside/secret.yaml\n",
        ),
        (
            "p-path",
            "resources:\n- cm.yaml\npatches:\n- path: ../../outside/secret.yaml\n",
        ),
        ("self", "resources:\n- .\n"),
        ("symlink-loop", "resources:\n- l1/x.yaml\n"),
    ];
    for (name, kustomization) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(
            d,
            "outside/secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\nstringData:\n  k: SECRET\n",
        );
        write(d, &format!("esc/{name}/cm.yaml"), CM);
        write(d, &format!("esc/{name}/kustomization.yaml"), kustomization);
        if *name == "symlink-loop" {
            std::os::unix::fs::symlink("l2", d.join("esc/symlink-loop/l1")).unwrap();
            std::os::unix::fs::symlink("l1", d.join("esc/symlink-loop/l2")).unwrap();
        }
        let out = run_in(d, &["build", &format!("esc/{name}")]);
        assert_eq!(out.code, Some(1), "{name}: {}", out.stderr);
        out.assert_bounded(name);
        assert!(
            !out.stderr.contains("SECRET") && out.stdout.is_empty(),
            "{name}"
        );
    }
}

/// Inputs kustomize accepts print exactly what `kubectl kustomize` prints.
#[test]
fn legitimate_inputs_match_kustomize() {
    let golden = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/hostile/{name}.yaml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "12-quoted-scalar-continuation-indent",
            format!("{CM}data:\n  b: \"two\n  lines\"\n"),
        ),
        (
            "13-bom-in-second-document",
            format!("{CM}---\n\u{FEFF}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n"),
        ),
        (
            "14-key-over-128-chars",
            format!("{CM}data:\n  {}: v\n", "k".repeat(129)),
        ),
        (
            "15-number-1e400",
            "apiVersion: v1\nkind: X\nmetadata:\n  name: c\nspec:\n  x: 1e400\n".to_string(),
        ),
    ];
    for (name, text) in cases {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "app/r.yaml", &text);
        write(
            tmp.path(),
            "app/kustomization.yaml",
            "resources:\n- r.yaml\n",
        );
        let out = run_in(tmp.path(), &["build", "app"]);
        assert_eq!(out.code, Some(0), "{name}: {}", out.stderr);
        out.assert_bounded(name);
        assert_eq!(String::from_utf8_lossy(&out.stdout), golden(name), "{name}");
    }
}

// ---------------------------------------------------------------------------
// Where a build calls out (issue 27): helm, ArgoCD parameters, budgets,
// outputs, `create --autodetect`, the remote cache. Each runs with TMPDIR
// pointing at a fresh directory that must be empty afterwards.

/// A tree to build and a TMPDIR of its own; `check_tmp` asserts the run
/// left nothing there.
struct Sandbox {
    root: tempfile::TempDir,
    tmp: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            root: tempfile::tempdir().unwrap(),
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.root.path()
    }

    fn write(&self, rel: &str, text: &str) {
        write(self.path(), rel, text);
    }

    /// A fake helm that answers the version probe as Helm 3 does, and for
    /// anything else records that it ran (a marker file) and then does what
    /// `body` says.
    fn fake_helm(&self, body: &str) -> PathBuf {
        let path = self.path().join("bin/helm");
        let marker = self.path().join("helm-ran");
        self.write(
            "bin/helm",
            &format!(
                "#!/bin/sh\nif [ \"$1\" = version ]; then echo v3.16.4+g7877b45; exit 0; fi\n\
                 echo $$ >> '{}'\n{body}\n",
                marker.display()
            ),
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn helm_ran(&self) -> bool {
        self.path().join("helm-ran").exists()
    }

    fn run(&self, args: &[&str]) -> Outcome {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let tmp = self.tmp.path().to_path_buf();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        run_with(self.path(), args, move |c| {
            c.env("TMPDIR", &tmp);
            c.envs(env);
        })
    }

    fn check_tmp(&self, case: &str) {
        let left: Vec<PathBuf> = listing(self.tmp.path())
            .into_iter()
            .filter(|p| p != self.tmp.path())
            .collect();
        assert!(left.is_empty(), "{case}: left in TMPDIR: {left:?}");
    }
}

/// A local chart `c` under `app/charts`, rendering one ConfigMap.
fn local_chart(sb: &Sandbox) {
    sb.write(
        "app/charts/c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    sb.write("app/charts/c/values.yaml", "x: 1\n");
    sb.write(
        "app/charts/c/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  f: {{ .Files.Get \"files/f\" | quote }}\n",
    );
}

#[test]
fn helm_options_never_come_from_the_repository() {
    for (case, release) in [
        ("post-renderer", "--post-renderer=./x.sh"),
        ("set-file", "--set-file=k=/etc/passwd"),
        ("output-dir", "--output-dir=/tmp/escaped"),
        ("short flag", "-x"),
    ] {
        let sb = Sandbox::new();
        local_chart(&sb);
        sb.write(
            "app/kustomization.yaml",
            &format!("helmCharts:\n- name: c\n  releaseName: \"{release}\"\n"),
        );
        sb.write("app/x.sh", "#!/bin/sh\ntouch ../pwned\n");
        let helm = sb.fake_helm("exit 0");
        let out = sb.run(&[
            "build",
            "app",
            "--enable-helm",
            "--helm-command",
            helm.to_str().unwrap(),
        ]);
        out.assert_refused(case, "not a valid release name");
        assert!(out.stdout.is_empty());
        assert!(!sb.helm_ran(), "{case}: helm ran");
        assert!(!sb.path().join("pwned").exists());
        sb.check_tmp(case);
    }
    // A chart name may not read as an option to `helm pull` either.
    let sb = Sandbox::new();
    sb.write(
        "app/kustomization.yaml",
        "helmCharts:\n- name: \"--untardir=/tmp\"\n  repo: https://example.com\n",
    );
    let helm = sb.fake_helm("exit 0");
    let out = sb.run(&[
        "build",
        "app",
        "--enable-helm",
        "--helm-command",
        helm.to_str().unwrap(),
    ]);
    out.assert_refused("chart name", "plain name");
    assert!(!sb.helm_ran());
}

#[test]
fn helm_plugins_from_the_repository_never_run() {
    let Some(helm) = support::any_helm("helm_plugins_from_the_repository_never_run") else {
        return;
    };
    let sb = Sandbox::new();
    let marker = sb.path().join("plugin-ran");
    // A downloader plugin for x:// in the repository's configHome, where
    // kustomize would point HELM_DATA_HOME.
    for home in [".config/.data/plugins/x", ".config/plugins/x"] {
        sb.write(
            &format!("app/{home}/plugin.yaml"),
            "name: x\nversion: 0.1.0\ncommand: ./run.sh\ndownloaders:\n- command: ./run.sh\n  protocols: [x]\n",
        );
        sb.write(
            &format!("app/{home}/run.sh"),
            &format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
        );
        use std::os::unix::fs::PermissionsExt;
        let script = sb.path().join(format!("app/{home}/run.sh"));
        std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sb.write(
        "app/kustomization.yaml",
        "helmGlobals:\n  configHome: .config\nhelmCharts:\n- name: c\n  repo: x://example\n  version: 1.0.0\n",
    );
    let out = sb.run_env(
        &[
            "build",
            "app",
            "--enable-helm",
            "--helm-command",
            helm.to_str().unwrap(),
        ],
        &[(
            "HELM_PLUGINS",
            sb.path().join("app/.config/plugins").to_str().unwrap(),
        )],
    );
    assert!(matches!(out.code, Some(1)), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(!marker.exists(), "a plugin from the repository ran");
    sb.check_tmp("helm plugins");
}

#[test]
fn charts_stay_in_the_repository_holding_the_kustomization() {
    // Outside any git work tree the kustomization's root is the bound; in
    // one (a repo-server's checkout) the work tree is, and a chartHome past
    // it (another repository's checkout) is refused before helm runs.
    for (git, chart_home) in [(None, "../charts"), (Some("repo/.git"), "../../charts")] {
        let sb = Sandbox::new();
        if let Some(git) = git {
            std::fs::create_dir_all(sb.path().join(git)).unwrap();
        }
        sb.write(
            "charts/c/Chart.yaml",
            "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        );
        sb.write(
            "charts/c/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        );
        sb.write("repo/app/values.yaml", "x: 1\n");
        sb.write(
            "repo/app/kustomization.yaml",
            &format!("helmGlobals:\n  chartHome: {chart_home}\nhelmCharts:\n- name: c\n  valuesFile: values.yaml\n"),
        );
        let helm = sb.fake_helm("exit 0");
        let out = sb.run(&[
            "build",
            "repo/app",
            "--enable-helm",
            "--helm-command",
            helm.to_str().unwrap(),
        ]);
        assert_eq!(out.code, Some(1), "{chart_home}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("chartHome"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(!sb.helm_ran());
        sb.check_tmp("chart home");
    }
}

/// In an ArgoCD checkout without its `.git` (tar exclusions), the
/// repository ArgoCD unpacked is the bound: charts beside the overlays
/// render, a chartHome past the checkout is refused.
#[test]
fn charts_in_an_argocd_checkout_without_git() {
    let Some(helm) = support::any_helm("charts_in_an_argocd_checkout_without_git") else {
        return;
    };
    let sb = Sandbox::new();
    sb.write(
        "repo/charts/c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    sb.write(
        "repo/charts/c/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beside\n",
    );
    sb.write(
        "charts/c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    sb.write("repo/apps/web/values.yaml", "x: 1\n");
    let helm = helm.to_str().unwrap().to_string();
    for (chart_home, ok) in [("../../charts", true), ("../../../charts", false)] {
        sb.write(
            "repo/apps/web/kustomization.yaml",
            &format!("helmGlobals:\n  chartHome: {chart_home}\nhelmCharts:\n- name: c\n  valuesFile: values.yaml\n"),
        );
        let out = run_with(
            &sb.path().join("repo/apps/web"),
            &[
                "build",
                ".",
                "--enable-helm",
                "--helm-command",
                &helm,
                "--helm-cache",
                "off",
            ],
            |cmd| {
                cmd.env("ARGOCD_APP_SOURCE_PATH", "apps/web");
            },
        );
        if ok {
            assert_eq!(out.code, Some(0), "{chart_home}: {}", out.stderr);
            assert!(String::from_utf8_lossy(&out.stdout).contains("name: beside"));
        } else {
            assert_eq!(out.code, Some(1), "{chart_home}");
            assert!(out.stdout.is_empty());
            assert!(out.stderr.contains("chartHome"), "{}", out.stderr);
        }
    }
    sb.check_tmp("argocd checkout");
}

#[test]
fn chart_links_may_not_leave_the_root() {
    for (case, target, needle, restrictor) in [
        (
            "link out",
            "/etc/hostname",
            "outside the kustomization root",
            "LoadRestrictionsRootOnly",
        ),
        (
            "device",
            "/dev/zero",
            "not a regular file",
            "LoadRestrictionsNone",
        ),
    ] {
        let sb = Sandbox::new();
        local_chart(&sb);
        std::fs::create_dir_all(sb.path().join("app/charts/c/files")).unwrap();
        std::os::unix::fs::symlink(target, sb.path().join("app/charts/c/files/f")).unwrap();
        sb.write("app/kustomization.yaml", "helmCharts:\n- name: c\n");
        let helm = sb.fake_helm("exit 0");
        let out = sb.run(&[
            "build",
            "app",
            "--enable-helm",
            "--helm-command",
            helm.to_str().unwrap(),
            "--load-restrictor",
            restrictor,
        ]);
        out.assert_refused(case, needle);
        assert!(!sb.helm_ran(), "{case}: helm read the chart");
        sb.check_tmp(case);
    }
}

#[test]
fn argocd_parameters_never_widen_the_plugin_command() {
    let sb = Sandbox::new();
    sb.write("app/cm.yaml", CM);
    sb.write("app/kustomization.yaml", "resources:\n- cm.yaml\n");
    sb.write(
        "other/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: host-secret\n",
    );
    sb.write(
        "other/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- secret.yaml\n",
    );
    let app = sb.path().join("app");
    let other = sb.path().join("other");
    // helm: off in the command, on in the parameter.
    for env in [
        vec![("PARAM_ENABLEHELM", "true")],
        vec![("ARGOCD_ENV_ENABLE_HELM", "true")],
        vec![(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"enableHelm","string":"true"}]"#,
        )],
    ] {
        let out = run_with(
            &app,
            &["build", ".", "--argocd", "--enable-helm=false"],
            |c| {
                c.envs(env.iter().copied());
            },
        );
        out.assert_refused("enableHelm", "may only narrow");
    }
    // network: refused by the command, a patch downloaded by a parameter.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    server.set_nonblocking(true).unwrap();
    let patches =
        format!(r#"[{{"name":"patches","array":["path: http://127.0.0.1:{port}/p.yaml\n"]}}]"#);
    let out = run_with(&app, &["build", ".", "--argocd", "--network=false"], |c| {
        c.env("ARGOCD_APP_PARAMETERS", &patches);
    });
    out.assert_refused("patch download", "--network=false");
    assert!(server.accept().is_err(), "the patch was downloaded");
    // components: an absolute path builds no other tree on the host.
    let components = format!(
        r#"[{{"name":"components","array":["{}"]}}]"#,
        other.display()
    );
    let out = run_with(&app, &["build", ".", "--argocd"], |c| {
        c.env("ARGOCD_APP_PARAMETERS", &components);
    });
    out.assert_refused("absolute component", "absolute");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("host-secret"));
}

#[test]
fn children_are_bounded_and_die_with_the_build() {
    // A helm that hangs: stopped at the deadline, and gone afterwards.
    let sb = Sandbox::new();
    local_chart(&sb);
    sb.write("app/kustomization.yaml", "helmCharts:\n- name: c\n");
    let helm = sb.fake_helm("sleep 100");
    let start = Instant::now();
    let out = sb.run(&[
        "build",
        "app",
        "--enable-helm",
        "--helm-command",
        helm.to_str().unwrap(),
        "--timeout=1s",
    ]);
    out.assert_refused("hanging helm", "deadline");
    assert!(start.elapsed() < Duration::from_secs(5));
    let pid = std::fs::read_to_string(sb.path().join("helm-ran")).unwrap();
    assert!(!alive(pid.trim()), "helm still runs");
    sb.check_tmp("hanging helm");
    // A helm that floods stdout: stopped at the cap.
    let sb = Sandbox::new();
    local_chart(&sb);
    sb.write("app/kustomization.yaml", "helmCharts:\n- name: c\n");
    let helm = sb.fake_helm("yes");
    let out = sb.run(&[
        "build",
        "app",
        "--enable-helm",
        "--helm-command",
        helm.to_str().unwrap(),
        "--max-child-output=4Mi",
    ]);
    out.assert_refused("flooding helm", "--max-child-output");
    sb.check_tmp("flooding helm");
}

/// Whether process `pid` exists (and is not a zombie).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.split(' ').nth(2).is_none_or(|state| state != "Z"))
}

#[test]
fn a_terminated_build_ends_its_children_and_removes_its_temporary_files() {
    let sb = Sandbox::new();
    local_chart(&sb);
    sb.write("app/kustomization.yaml", "helmCharts:\n- name: c\n");
    let helm = sb.fake_helm("sleep 100");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(["build", "app", "--enable-helm", "--helm-command"])
        .arg(&helm)
        .current_dir(sb.path())
        .env("TMPDIR", sb.tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let marker = sb.path().join("helm-ran");
    let start = Instant::now();
    while !marker.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!listing(sb.tmp.path()).is_empty() || marker.exists());
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGTERM), "ends with the signal");
    let pid = std::fs::read_to_string(&marker).unwrap();
    let start = Instant::now();
    while alive(pid.trim()) && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid.trim()), "helm outlived the build");
    sb.check_tmp("SIGTERM");
}

#[test]
fn slow_urls_share_one_deadline() {
    // A server that accepts and never answers: three URLs must not take
    // three timeouts.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for s in server.incoming().take(3).flatten() {
            open.push(s);
        }
        std::thread::sleep(Duration::from_secs(6));
    });
    let sb = Sandbox::new();
    let urls: String = (0..3)
        .map(|i| format!("- http://127.0.0.1:{port}/r{i}.yaml\n"))
        .collect();
    sb.write("app/kustomization.yaml", &format!("resources:\n{urls}"));
    let start = Instant::now();
    let out = sb.run(&["build", "app", "--timeout=2s"]);
    assert!(matches!(out.code, Some(1)), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    drop(held);
}

#[test]
fn keys_whose_order_has_cycles_build_without_panic() {
    // go-yaml's key comparison is not transitive on these: Rust's sort
    // refused it with a panic; kustomize builds them.
    let keys = [
        "x010", "f001", "v001", "v1", "x007", "v010", "f1", "x1", "f010", "v007", "x001", "f007",
        "a1", "a01", "a001", "b10", "b010", "b1", "c007", "c7", "c07",
    ];
    let data: String = keys.iter().map(|k| format!("  {k}: v\n")).collect();
    let sb = Sandbox::new();
    sb.write("app/cm.yaml", &format!("{CM}data:\n{data}"));
    sb.write("app/kustomization.yaml", "resources:\n- cm.yaml\n");
    let first = sb.run(&["build", "app"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    for command in [vec!["explain", "app"], vec!["diff", "app", "app"]] {
        let out = sb.run(&command);
        assert_eq!(out.code, Some(0), "{command:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"));
    }
    // Always the same order.
    let again = sb.run(&["build", "app"]);
    assert_eq!(first.stdout, again.stdout);
    let text = String::from_utf8(first.stdout).unwrap();
    for k in keys {
        assert!(text.contains(&format!("  {k}: v\n")), "{k}");
    }
}

#[test]
fn fan_out_from_a_small_tree_stops_at_the_memory_budget() {
    // 1 MB copied into 10 fields of 2,000 objects: 20 GB if let run.
    let sb = Sandbox::new();
    let objects: String = (0..2000)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"))
        .collect();
    sb.write("app/objects.yaml", &objects);
    sb.write(
        "app/source.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: big\ndata:\n  v: {}\n",
            "x".repeat(1 << 20)
        ),
    );
    let targets: String = (0..10).map(|i| format!("    - data.f{i}\n")).collect();
    sb.write(
        "app/kustomization.yaml",
        &format!("resources:\n- objects.yaml\n- source.yaml\nreplacements:\n- source:\n    kind: Secret\n    name: big\n    fieldPath: data.v\n  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths:\n{targets}    options:\n      create: true\n"),
    );
    let out = sb.run(&["build", "app"]);
    out.assert_refused("replacement fan-out", "memory");
    sb.check_tmp("replacement fan-out");
    // The same through vars.
    let sb = Sandbox::new();
    let pods: String = (0..2000)
        .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: i\n    args: [\"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\", \"$(V)\"]\n"))
        .collect();
    sb.write("app/pods.yaml", &pods);
    sb.write(
        "app/cm.yaml",
        &format!("{CM}data:\n  v: {}\n", "x".repeat(1 << 20)),
    );
    sb.write(
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n- pods.yaml\nvars:\n- name: V\n  objref:\n    apiVersion: v1\n    kind: ConfigMap\n    name: c\n  fieldref:\n    fieldpath: data.v\n",
    );
    let out = sb.run(&["build", "app"]);
    out.assert_refused("vars fan-out", "memory");
}

#[test]
fn files_past_the_file_limit_are_refused_before_reading() {
    // Sparse: the size is checked before a byte is read.
    for (case, rel, args) in [
        ("resource", "app/big.yaml", vec!["build", "app"]),
        (
            "kustomization in build",
            "app/kustomization.yaml",
            vec!["build", "app"],
        ),
    ] {
        let sb = Sandbox::new();
        sb.write("app/kustomization.yaml", "resources:\n- big.yaml\n");
        let f = std::fs::File::create(sb.path().join(rel)).unwrap();
        f.set_len(300 << 20).unwrap();
        let out = sb.run(&args);
        out.assert_refused(case, "larger than");
    }
    let sb = Sandbox::new();
    let f = std::fs::File::create(sb.path().join("kustomization.yaml")).unwrap();
    f.set_len(300 << 20).unwrap();
    let out = sb.run(&["edit", "set", "namespace", "x"]);
    out.assert_refused("kustomization in edit", "larger than");
}

#[test]
fn output_links_are_written_through() {
    let sb = Sandbox::new();
    sb.write("app/cm.yaml", CM);
    sb.write("app/kustomization.yaml", "resources:\n- cm.yaml\n");
    sb.write("real.yaml", "old\n");
    std::os::unix::fs::symlink("real.yaml", sb.path().join("link.yaml")).unwrap();
    let out = sb.run(&["build", "app", "-o", "link.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        std::fs::symlink_metadata(sb.path().join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(sb.path().join("real.yaml")).unwrap(),
        CM
    );
    // -o /dev/stdout with stdout redirected to a file: the file gets the
    // output, /dev/stdout stays the link it was.
    let captured = sb.path().join("captured.yaml");
    let file = std::fs::File::create(&captured).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_nest-kz"))
        .args(["build", "app", "-o", "/dev/stdout"])
        .current_dir(sb.path())
        .stdout(file)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&captured).unwrap(), CM);
    assert!(
        std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
    sb.check_tmp("output links");
}

#[test]
fn autodetect_reads_through_the_file_access_policy() {
    let sb = Sandbox::new();
    sb.write("app/cm.yaml", CM);
    std::os::unix::fs::symlink("/dev/zero", sb.path().join("app/zero.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", sb.path().join("app/out.yaml")).unwrap();
    mkfifo(&sb.path().join("app/fifo.yaml"));
    let app = sb.path().join("app");
    let out = run_with(&app, &["create", "--autodetect"], |_| {});
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.assert_bounded("autodetect");
    let k = std::fs::read_to_string(app.join("kustomization.yaml")).unwrap();
    assert!(k.contains("cm.yaml"), "{k}");
    for skipped in ["zero.yaml", "out.yaml", "fifo.yaml"] {
        assert!(!k.contains(skipped), "{skipped}: {k}");
    }
}

#[test]
fn the_remote_cache_does_not_trust_its_files() {
    let sb = Sandbox::new();
    let cache = sb.path().join("cache");
    let url = "https://example.com/org/repo//app?ref=main";
    sb.write("app/kustomization.yaml", &format!("resources:\n- {url}\n"));
    // Plant a refs/ entry for every repository hash: its content is a path.
    // The hash is the cache's own (sha256 of the clone URL), found by
    // letting an offline build create the directories first.
    let _ = sb.run(&[
        "build",
        "app",
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let repos: Vec<PathBuf> = std::fs::read_dir(cache.join("git"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(repos.len(), 1);
    let refs = repos[0].join("refs");
    for entry in std::fs::read_dir(&refs).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let ref_hash: String = {
        // sha256("main") as lowercase hex, as the cache names ref files.
        let out = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(b"main")?;
                c.wait_with_output()
            })
            .unwrap();
        String::from_utf8(out.stdout).unwrap()[..64].to_string()
    };
    std::fs::write(refs.join(ref_hash), "../../../../../../etc\n").unwrap();
    let out = sb.run(&[
        "build",
        "app",
        "--offline",
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    out.assert_refused("planted ref", "not a commit id");
    assert!(out.stdout.is_empty());
}

// Plugins (issue 28): whatever a plugin does, the build ends in one
// refusal, nothing on stdout, no child and no temporary file left.

impl Sandbox {
    /// An exec plugin `Gen` of example.com/v1 in a plugin home of the
    /// sandbox, doing what `body` says; app/ lists it as a generator.
    fn plugin(&self, body: &str) -> String {
        let rel = "home/example.com/v1/gen/Gen";
        self.write(rel, &format!("#!/bin/sh\n{body}\n"));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            self.path().join(rel),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        self.write("app/kustomization.yaml", "generators:\n- gen.yaml\n");
        self.write(
            "app/gen.yaml",
            "apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: g\n",
        );
        self.path().join("home").to_string_lossy().into_owned()
    }
}

#[test]
fn plugins_that_misbehave_fail_cleanly() {
    for (case, body, extra, needle) in [
        ("hangs", "sleep 100", &["--timeout=2s"][..], "--timeout"),
        (
            "floods",
            "yes",
            &["--max-child-output=1Mi"][..],
            "--max-child-output",
        ),
        ("invalid YAML", "echo 'a: [b'", &[][..], "printed"),
        ("not an object", "echo '- a'", &[][..], "printed"),
        (
            "exits non-zero",
            "echo broken >&2; exit 3",
            &[][..],
            "broken",
        ),
        ("binary output", "printf '\\377\\376'", &[][..], "UTF-8"),
    ] {
        let sb = Sandbox::new();
        let home = sb.plugin(body);
        let mut args = vec!["build", "app", "--enable-alpha-plugins"];
        args.extend(extra);
        let out = sb.run_env(&args, &[("KUSTOMIZE_PLUGIN_HOME", &home)]);
        out.assert_refused(case, needle);
        sb.check_tmp(case);
    }
}

#[test]
fn plugins_only_from_the_operators_plugin_home() {
    // A plugin that is a link out of its home.
    let sb = Sandbox::new();
    let home = sb.plugin("echo never");
    sb.write("outside/Gen", "#!/bin/sh\necho ran\n");
    let plugin = sb.path().join("home/example.com/v1/gen/Gen");
    std::fs::remove_file(&plugin).unwrap();
    std::os::unix::fs::symlink(sb.path().join("outside/Gen"), &plugin).unwrap();
    sb.run_env(
        &["build", "app", "--enable-alpha-plugins"],
        &[("KUSTOMIZE_PLUGIN_HOME", &home)],
    )
    .assert_refused("link out of the home", "out of the plugin home");
    // A kind or version that would walk out of the home.
    let sb = Sandbox::new();
    let home = sb.plugin("echo never");
    sb.write(
        "app/gen.yaml",
        "apiVersion: example.com/..\nkind: Gen\nmetadata:\n  name: g\n",
    );
    sb.run_env(
        &["build", "app", "--enable-alpha-plugins"],
        &[("KUSTOMIZE_PLUGIN_HOME", &home)],
    )
    .assert_refused("dot-dot version", "plain names");
    // Exec functions outside the kustomization (a path up, an absolute
    // path) are refused under the default load restrictor.
    for path in ["../outside/Gen", "/bin/sh"] {
        let sb = Sandbox::new();
        sb.write("outside/Gen", "#!/bin/sh\necho ran\n");
        sb.write("app/kustomization.yaml", "generators:\n- fn.yaml\n");
        sb.write(
            "app/fn.yaml",
            &format!("apiVersion: example.com/v1\nkind: Fn\nmetadata:\n  name: f\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {path}\n"),
        );
        sb.run(&["build", "app", "--enable-alpha-plugins", "--enable-exec"])
            .assert_refused(path, "load-restrictor");
        sb.check_tmp(path);
    }
    // Without --enable-alpha-plugins nothing runs, whatever the tree says.
    let sb = Sandbox::new();
    let home = sb.plugin("touch ran");
    sb.run_env(&["build", "app"], &[("KUSTOMIZE_PLUGIN_HOME", &home)])
        .assert_refused("not enabled", "--enable-alpha-plugins");
    assert!(!sb.path().join("app/ran").exists());
}

#[test]
fn argocd_parameters_cannot_turn_plugins_on() {
    let sb = Sandbox::new();
    let home = sb.plugin("touch ran");
    for (k, v) in [
        ("PARAM_ENABLE_ALPHA_PLUGINS", "true"),
        ("ARGOCD_ENV_ENABLE_ALPHA_PLUGINS", "true"),
        (
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"enableAlphaPlugins","string":"true"}]"#,
        ),
    ] {
        let out = sb.run_env(
            &["build", "app", "--argocd"],
            &[
                ("KUSTOMIZE_PLUGIN_HOME", &home),
                ("ARGOCD_APP_SOURCE_PATH", "app"),
                (k, v),
            ],
        );
        assert!(matches!(out.code, Some(1 | 2)), "{k}: {}", out.stderr);
        assert!(!sb.path().join("app/ran").exists(), "{k}: the plugin ran");
    }
}

//! Hostile and careless inputs (issue 13): each case is generated here, run
//! through the binary in a child process under an address-space cap, and
//! must end with a non-zero exit and one clear line on stderr, within 1 s of
//! CPU and 256 MiB of RSS, writing nothing it was not asked to write.
//! Legitimate inputs kustomize accepts must print kustomize's output
//! (goldens in tests/hostile/, from `kubectl kustomize`).

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
        let lines: Vec<&str> = self.stderr.lines().collect();
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

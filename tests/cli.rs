//! The binary as users and pipelines call it: stdout holds only manifests,
//! errors go to stderr with exit 1, usage errors exit 2, `-o` writes whole files.

mod support;

use std::process::Command;

fn nest_kz() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nest-kz"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn build_prints_the_prod_bundle() {
    let out = nest_kz().args(["build", "overlays/prod"]).output().unwrap();
    assert!(out.status.success());
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/prod.yaml"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn build_error_leaves_stdout_empty_and_exits_1() {
    let out = nest_kz()
        .args(["build", "tests/errors/patch-target-missing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("patch.yaml"));
}

#[test]
fn usage_error_exits_2() {
    let out = nest_kz()
        .args(["build", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn output_file_and_directory_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bundle.yaml");
    let ok = nest_kz()
        .args(["build", "overlays/dev", "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(ok.success());
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/dev.yaml"
    ))
    .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);

    let dir = tmp.path().join("out/");
    assert!(
        nest_kz()
            .args(["build", "overlays/dev", "-o"])
            .arg(&dir)
            .status()
            .unwrap()
            .success()
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.contains(&"apps_v1_deployment_nest.yaml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"networking.k8s.io_v1_ingress_nest.yaml".to_string()),
        "{names:?}"
    );

    let failed = tmp.path().join("never.yaml");
    let status = nest_kz()
        .args(["build", "tests/errors/cycle", "-o"])
        .arg(&failed)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(
        !failed.exists(),
        "a failed build must not write its output file"
    );
}

#[test]
fn json_format_is_an_array_of_objects() {
    let out = nest_kz()
        .args(["build", "overlays/staging", "--format", "json"])
        .output()
        .unwrap();
    let v: nest_kz::model::value::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "HorizontalPodAutoscaler")
    );
}

#[test]
fn version_help_and_completions() {
    // Exactly what the emulated kustomize release prints (tools compare
    // it with `kustomize version`); v5.8 by default, any release on request.
    let version = |args: &[&str]| {
        let out = nest_kz()
            .env_remove("NEST_KZ_KUSTOMIZE_VERSION")
            .args(args)
            .output()
            .unwrap();
        (String::from_utf8(out.stdout).unwrap(), out.status.code())
    };
    assert_eq!(version(&["version"]).0, "v5.8.1\n");
    assert_eq!(
        version(&["version", "--kustomize-version", "5.5"]).0,
        "v5.5.0\n"
    );
    assert_eq!(
        version(&["--kustomize-version=v5.7", "version"]).0,
        "v5.7.1\n"
    );
    let env = nest_kz()
        .env("NEST_KZ_KUSTOMIZE_VERSION", "v5.4")
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(env.stdout).unwrap(), "v5.4.3\n");
    assert_eq!(
        version(&["version", "--short"]).0,
        "{kustomize/v5.8.1  unknown   }\n"
    );
    assert_eq!(
        version(&["version", "--kustomize-version", "4.5"]).1,
        Some(2)
    );
    let (json, _) = version(&["version", "-o", "json"]);
    let info: nest_kz::model::value::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(info["version"], "kustomize/v5.8.1");
    let keys: Vec<&str> = json
        .lines()
        .filter_map(|l| l.trim().split('"').nth(1))
        .collect();
    assert_eq!(
        keys,
        [
            "version",
            "gitCommit",
            "buildDate",
            "goOs",
            "goArch",
            "goVersion"
        ]
    );
    let (yaml, _) = version(&["version", "-o", "yaml"]);
    assert!(
        yaml.starts_with("version: kustomize/v5.8.1\ngitCommit: "),
        "{yaml}"
    );
    assert!(
        yaml.ends_with("\n\n"),
        "kustomize prints a line after the YAML"
    );
    // nest-kz's own version.
    let (own, _) = version(&["--version"]);
    assert_eq!(own, concat!("nest-kz ", env!("CARGO_PKG_VERSION"), "\n"));
    let help = nest_kz().arg("--help").output().unwrap();
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("nest-kz build overlays/prod")
    );
    // kustomize spells it `completion`; `completions` stays as an alias.
    for spelling in ["completion", "completions"] {
        let bash = nest_kz().args([spelling, "bash"]).output().unwrap();
        assert!(bash.status.success(), "{spelling}");
        assert!(String::from_utf8(bash.stdout).unwrap().contains("nest-kz"));
    }
}

#[test]
fn deferred_commands_keep_their_help_and_completions() {
    // Commands declare their flags only when parsed; their about text and
    // the help trees completions list must not change with that.
    for (args, about) in [
        (vec!["build", "--help"], "Build a kustomization directory"),
        (
            vec!["help", "diff"],
            "Compare two builds per object and field",
        ),
        (
            vec!["create", "--help"],
            "Create a kustomization in the current directory",
        ),
        (
            vec!["edit", "add", "patch", "--help"],
            "Add an entry to patches",
        ),
        (
            vec!["edit", "add", "configmap", "--help"],
            "Add (or extend) a configMapGenerator entry",
        ),
    ] {
        let out = nest_kz().args(&args).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with(about), "{args:?}: {text}");
    }
    let bash = nest_kz().args(["completion", "bash"]).output().unwrap();
    let script = String::from_utf8(bash.stdout).unwrap();
    for nested in [
        "nest__kz__subcmd__help__subcmd__edit__subcmd__add__subcmd__resource",
        "nest__kz__subcmd__edit__subcmd__help__subcmd__add__subcmd__resource",
        "nest__kz__subcmd__edit__subcmd__add__subcmd__resource",
    ] {
        assert!(script.contains(nested), "{nested}");
    }
}

#[test]
fn kustomize_flags_nest_kz_lacks_are_refused_by_name() {
    for (args, flag) in [
        (vec!["--enable-managedby-label"], "--enable-managedby-label"),
        (vec!["--enable-star"], "--enable-star"),
    ] {
        let out = nest_kz()
            .args(["build", "overlays/dev"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{flag} is not supported")),
            "{args:?}: {err}"
        );
    }
    // Asking for kustomize's default is fine.
    let off = nest_kz()
        .args(["build", "overlays/dev", "--enable-managedby-label=false"])
        .output()
        .unwrap();
    assert!(off.status.success());
}

#[test]
fn plugin_flags_are_accepted_and_change_nothing_without_plugins() {
    let plain = nest_kz().args(["build", "overlays/dev"]).output().unwrap();
    for args in [
        vec!["--enable-alpha-plugins"],
        vec!["--enable-alpha-plugins", "--enable-exec"],
        vec!["--network-name", "host"],
        vec!["-e", "FOO=1"],
        vec!["--env", "FOO"],
        vec!["--mount", "type=bind,src=/,dst=/x"],
        vec!["--as-current-user", "--network"],
    ] {
        let out = nest_kz()
            .args(["build", "overlays/dev"])
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert_eq!(out.stdout, plain.stdout, "{args:?}");
    }
}

#[test]
fn helm_flags_are_implemented_not_refused() {
    // A tree without helmCharts builds the same with every helm flag, in
    // kustomize's spellings (booleans bare or with =true/=false).
    let plain = nest_kz().args(["build", "overlays/dev"]).output().unwrap();
    assert!(plain.status.success());
    for args in [
        vec!["--enable-helm"],
        vec!["--enable-helm=true", "--helm-debug=false"],
        vec!["--enable-helm=false"],
        vec![
            "--enable-helm",
            "--helm-command",
            "helm3",
            "--helm-api-versions",
            "example.com/v1",
            "--helm-kube-version",
            "1.31.0",
            "--helm-debug",
        ],
    ] {
        let out = nest_kz()
            .args(["build", "overlays/dev"])
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, plain.stdout, "{args:?}");
    }
    // `--enable-helm=false` is the default: a chart is refused as kustomize refuses it.
    let off = nest_kz()
        .args(["build", "tests/errors/helm-charts", "--enable-helm=false"])
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&off.stderr).contains("must specify --enable-helm"));
}

#[test]
fn reorder_none_keeps_load_order_like_kustomize() {
    // `kubectl kustomize tests/cases/legacy-order --reorder none` (v5.5.0) kinds, in order.
    let out = nest_kz()
        .args(["build", "tests/cases/legacy-order", "--reorder", "none"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let legacy = nest_kz()
        .args(["build", "tests/cases/legacy-order", "--reorder", "legacy"])
        .output()
        .unwrap();
    let plain = nest_kz()
        .args(["build", "tests/cases/legacy-order"])
        .output()
        .unwrap();
    assert_eq!(legacy.stdout, plain.stdout);
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/legacy-order-reorder-none.yaml"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

/// Two kustomizations differing in a Secret value, a ConfigMap value and an object.
fn secret_pair() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (side, password, extra) in [
        ("old", "hunter2", ""),
        ("new", "swordfish", "- extra.yaml\n"),
    ] {
        let dir = tmp.path().join(side);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("objects.yaml"),
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {password}\n  user: app\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  level: {side}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("extra.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("kustomization.yaml"),
            format!("resources:\n- objects.yaml\n{extra}"),
        )
        .unwrap();
    }
    tmp
}

#[test]
fn diff_masks_secret_values_unless_asked() {
    let tmp = secret_pair();
    let run = |extra: &[&str]| {
        let out = nest_kz()
            .current_dir(tmp.path())
            .args(["diff", "old", "new"])
            .args(extra)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "differences exit 1");
        String::from_utf8(out.stdout).unwrap()
    };
    let masked = run(&[]);
    assert!(
        !masked.contains("hunter2") && !masked.contains("swordfish"),
        "{masked}"
    );
    assert!(
        masked.contains("stringData.password: *** (before) -> *** (after)"),
        "{masked}"
    );
    assert!(
        masked.contains("data.level: old -> new"),
        "ConfigMaps stay visible"
    );
    let shown = run(&["--show-secrets"]);
    assert!(
        shown.contains("stringData.password: hunter2 -> swordfish"),
        "{shown}"
    );
    // Colour: never by default into a pipe, always on request, even with NO_COLOR unset.
    assert!(!masked.contains('\x1b'));
    assert!(run(&["--color=always"]).contains('\x1b'));
    let no_color = nest_kz()
        .current_dir(tmp.path())
        .args(["diff", "old", "new", "--color", "never"])
        .output()
        .unwrap();
    assert!(!String::from_utf8(no_color.stdout).unwrap().contains('\x1b'));
}

#[test]
fn diff_markdown_is_a_collapsible_summary() {
    let tmp = secret_pair();
    let out = nest_kz()
        .current_dir(tmp.path())
        .args(["diff", "old", "new", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("**3 objects differ**: 1 added, 0 removed, 2 changed"),
        "{md}"
    );
    assert_eq!(md.matches("<details>").count(), 3, "{md}");
    assert_eq!(md.matches("</details>").count(), 3);
    assert!(
        md.contains("<summary>✏️ <code>Secret/db (v1)</code> (1 field)</summary>"),
        "{md}"
    );
    assert!(
        md.contains("| `stringData.password` | `*** (before)` | `*** (after)` |"),
        "{md}"
    );
    assert!(!md.contains("hunter2"));
    assert!(!md.contains('\x1b'));
}

#[test]
fn output_directory_prefixes_namespaces_like_kustomize() {
    // File names `kubectl kustomize tests/cases/legacy-order -o DIR` writes (v5.5.0).
    let expected = [
        "a_v1_service_a.yaml",
        "admissionregistration.k8s.io_v1_validatingwebhookconfiguration_v.yaml",
        "default_apps_v1_deployment_d.yaml",
        "default_example.com_v1_alpha_w.yaml",
        "default_example.com_v1_widget_w.yaml",
        "default_extensions_v1beta1_deployment_a.yaml",
        "default_networking.k8s.io_v1_ingress_i.yaml",
        "default_v1_service_c.yaml",
        "v1_namespace_z.yaml",
        "z_v1_service_a.yaml",
        "z_v1_service_b.yaml",
    ];
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        nest_kz()
            .args(["build", "tests/cases/legacy-order", "-o"])
            .arg(tmp.path())
            .status()
            .unwrap()
            .success()
    );
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

#[test]
fn deprecated_fields_warn_as_kustomize_does() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "commonLabels:\n  a: b\nbases: []\nvars: []\nimageTags: []\nresources:\n- cm.yaml\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    )
    .unwrap();
    let out = nest_kz().arg("build").arg(tmp.path()).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let want = "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.\n\
# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.\n\
# Warning: 'imageTags' is deprecated. Please use 'images' instead. Run 'kustomize edit fix' to update your Kustomization automatically.\n\
# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.\n";
    assert_eq!(stderr, want);
    // Where kubectl is installed, its kustomize prints the same.
    if let Ok(live) = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(tmp.path())
        .output()
    {
        assert_eq!(String::from_utf8_lossy(&live.stderr), want);
    }
}

/// The completion scripts in the real shells: subcommands, flags and flag
/// values at every depth (bash through its completion function, fish
/// through `complete -C`, zsh typed into a pseudo-terminal).
#[test]
fn completions_work_in_bash_zsh_and_fish() {
    let cases: &[(&str, &[&str])] = &[
        ("nest-kz ", &["build", "edit", "completion"]),
        ("nest-kz build --format ", &["yaml", "json"]),
        (
            "nest-kz build --load-restrictor ",
            &["LoadRestrictionsNone"],
        ),
        ("nest-kz edit set ", &["image", "namespace", "replicas"]),
        ("nest-kz edit add ", &["patch", "resource", "component"]),
        ("nest-kz edit add patch --", &["--path", "--kind"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/completion");
    for shell in ["bash", "zsh", "fish"] {
        let test = format!("completions_work_in_bash_zsh_and_fish ({shell})");
        let found = Command::new(shell)
            .arg("-c")
            .arg("exit 0")
            .output()
            .is_ok_and(|o| o.status.success());
        if !support::have(shell, found, &test, "install Debian's bash, zsh and fish") {
            continue;
        }
        let out = nest_kz().args(["completion", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = dir.path().join(format!("nest-kz.{shell}"));
        std::fs::write(&script, &out.stdout).unwrap();
        for (line, want) in cases {
            let listed = match shell {
                "bash" => Command::new("bash")
                    .arg(here.join("bash.sh"))
                    .args([script.as_os_str(), line.as_ref()])
                    .output(),
                "zsh" => Command::new("zsh")
                    .arg("-f")
                    .arg(here.join("zsh.zsh"))
                    .args([script.as_os_str(), line.as_ref()])
                    .output(),
                _ => Command::new("fish")
                    .arg("--no-config")
                    .arg("-c")
                    .arg(format!("source {}; complete -C '{line}'", script.display()))
                    .output(),
            }
            .unwrap();
            let text = without_escapes(&String::from_utf8_lossy(&listed.stdout));
            for w in *want {
                assert!(
                    text.split_whitespace().any(|word| word == *w),
                    "{shell}: '{line}' should offer {w}; got:\n{text}"
                );
            }
        }
    }
}

/// A terminal's output without its escape sequences (`ESC [ ... letter`).
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                while chars.next().is_some_and(|c| !c.is_ascii_alphabetic()) {}
            }
            continue;
        }
        out.push(if c == '\r' { '\n' } else { c });
    }
    out
}

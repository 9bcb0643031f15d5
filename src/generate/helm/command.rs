//! Running helm so that a repository cannot make it do more than render a
//! chart. kustomize hands helm whatever a kustomization says and the
//! environment it was started with; nest-kz narrows both:
//!
//! - every value from a kustomization reaches helm as a flag's value or as
//!   an operand that cannot read as an option (release names are checked
//!   against helm's own rule before helm runs, chart paths are absolute);
//! - helm's config, cache and data homes are directories of the build's
//!   own, with an empty plugin directory, so no plugin (a downloader, a
//!   post-renderer) from the repository or the host can run. A
//!   `helmGlobals.configHome` inside the kustomization root lends only the
//!   repository list and the registry logins kustomize uses it for;
//! - the environment is cleared but for what helm needs to reach a chart
//!   repository (PATH, proxies, CA locations): chart and name templates
//!   cannot read the host's variables (ArgoCD's credentials among them);
//! - helm runs through `sys::child`: its own process group, the run's
//!   deadline, an output cap.

use super::HelmError;
use crate::sys::child::{self, ChildError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Host variables helm may still see: how to find programs and reach a
/// chart repository through the host's proxies and CAs.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// What a configHome may lend helm, relative to it: the repository list
/// and the registry logins.
const LENT_CONFIG: &[&str] = &["repositories.yaml", "registry/config.json"];

/// The homes helm runs with: inside the build's temporary directory, or
/// one kept in the inflation cache for `helm template` of local charts.
pub struct Homes {
    config: PathBuf,
    cache: PathBuf,
    data: PathBuf,
    plugins: PathBuf,
    home: PathBuf,
}

impl Homes {
    /// Names the homes under `tmp` (helm makes what it writes); with a configHome,
    /// copies in what it lends.
    pub fn new(tmp: &Path, lent: Option<&Path>, chart: &str) -> Result<Homes, HelmError> {
        let homes = Homes {
            config: tmp.join("config"),
            cache: tmp.join("cache"),
            data: tmp.join("data"),
            plugins: tmp.join("plugins"),
            home: tmp.join("home"),
        };
        // Not made: helm makes what it writes to (a pull's repository
        // cache) and needs none of them to exist for the rest, and every
        // directory made is one more to remove on a disk where that is slow.
        if let Some(from) = lent {
            homes.lend(from, chart)?;
        }
        Ok(homes)
    }

    /// Copies the lent files that exist, read under the file-access policy
    /// (regular files only, size-limited).
    fn lend(&self, from: &Path, chart: &str) -> Result<(), HelmError> {
        for name in LENT_CONFIG {
            let source = from.join(name);
            if !source.is_file() {
                continue;
            }
            let bytes = crate::load::loader::read_file(&source).map_err(|e| HelmError::Values {
                chart: chart.to_string(),
                path: source.clone(),
                message: e.to_string(),
            })?;
            let target = self.config.join(name);
            let io = |source| HelmError::Io {
                chart: chart.to_string(),
                path: target.clone(),
                source,
            };
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&target, bytes).map_err(io)?;
        }
        Ok(())
    }

    /// helm's variables for these homes.
    fn env(&self) -> Vec<(&'static str, String)> {
        let text = |p: &Path| p.display().to_string();
        vec![
            ("HELM_CONFIG_HOME", text(&self.config)),
            ("HELM_CACHE_HOME", text(&self.cache)),
            ("HELM_DATA_HOME", text(&self.data)),
            ("HELM_PLUGINS", text(&self.plugins)),
            (
                "HELM_REPOSITORY_CONFIG",
                text(&self.config.join("repositories.yaml")),
            ),
            (
                "HELM_REPOSITORY_CACHE",
                text(&self.cache.join("repository")),
            ),
            (
                "HELM_REGISTRY_CONFIG",
                text(&self.config.join("registry/config.json")),
            ),
            ("HOME", text(&self.home)),
        ]
    }
}

/// One helm invocation's settings.
pub struct Helm<'a> {
    pub chart: &'a str,
    pub command: &'a str,
    pub homes: &'a Homes,
    pub debug: bool,
}

impl Helm<'_> {
    /// Runs helm with `args`; returns stdout, or an error with the command
    /// line and helm's stderr.
    pub fn run(&self, args: &[String]) -> Result<Vec<u8>, HelmError> {
        self.run_with_input(args, None)
    }

    /// [`Helm::run`] with `input` on helm's standard input.
    pub fn run_with_input(
        &self,
        args: &[String],
        input: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, HelmError> {
        let env = self.homes.env();
        let mut cmd = Command::new(self.command);
        cmd.args(args).env_clear();
        for name in KEPT_ENV {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let what = format!("helm {}", args.first().map_or("", String::as_str));
        let spec = child::Spec {
            what: &what,
            // helm has no limit of its own: only the run's deadline.
            timeout: Duration::MAX,
            stdin: input,
            max_output: None,
        };
        let output = child::run(cmd, spec).map_err(|e| match e {
            ChildError::Spawn { source, .. } => HelmError::Spawn {
                chart: self.chart.into(),
                command: self.command.into(),
                source,
            },
            other => HelmError::Stopped {
                chart: self.chart.into(),
                source: other,
            },
        })?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        let mut stderr = String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_string();
        if self.debug {
            stderr = format!(
                "Helm stack trace:\n{stderr}\nHelm template:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        Err(HelmError::Failed {
            chart: self.chart.into(),
            command: format!("{} {}", self.command, args.join(" ")),
            status: output.status.to_string(),
            env: env
                .iter()
                .take(3)
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            stderr,
        })
    }
}

impl Helm<'_> {
    /// kustomize's `checkHelmVersion`: helm must say it is version 3 (or,
    /// from v5.8, 4). Asked once per helm command and run.
    pub fn check_version(&self) -> Result<(), HelmError> {
        static ASKED: std::sync::Mutex<Vec<(String, Result<(), String>)>> =
            std::sync::Mutex::new(Vec::new());
        let release = crate::release::current();
        let probe = release.helm_version_probe();
        let key = format!("{} {}", self.command, probe.join(" "));
        let known = ASKED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, r)| r.clone());
        let answer = match known {
            Some(answer) => answer,
            // A Go helm whose module names an accepted major answers as
            // `helm version` would, without a process (see go_buildinfo).
            None if self.is_accepted_go_helm(release.accepts_helm_4()) => Ok(()),
            None => {
                let args: Vec<String> = probe.iter().map(|a| a.to_string()).collect();
                let answer = match self.run(&args) {
                    Ok(out) => supported(&String::from_utf8_lossy(&out), release.accepts_helm_4()),
                    Err(HelmError::Failed { stderr, .. }) => Err(format!(
                        "unable to run: '{} {}': {stderr}",
                        self.command,
                        probe.join(" ")
                    )),
                    Err(other) => return Err(other),
                };
                ASKED
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((key, answer.clone()));
                answer
            }
        };
        answer.map_err(|reason| HelmError::InvalidChart {
            chart: self.chart.into(),
            reason,
        })
    }
}

impl Helm<'_> {
    fn is_accepted_go_helm(&self, helm4: bool) -> bool {
        let Some(path) = super::cache::resolve(self.command) else {
            return false;
        };
        match super::go_buildinfo::helm_major(&path) {
            Some(3) => true,
            Some(4) => helm4,
            _ => false,
        }
    }
}

/// Whether `helm version` printed a major version kustomize accepts: 3,
/// or also 4 where `helm4` says so.
fn supported(printed: &str, helm4: bool) -> Result<(), String> {
    static VERSION: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"v?\d+(\.\d+)+").expect("static regex"));
    let Some(found) = VERSION.find(printed) else {
        return Err(format!("cannot find version string in {printed}"));
    };
    let version = found.as_str().trim_start_matches('v');
    let major = version.split('.').next().unwrap_or_default();
    match (major, helm4) {
        ("3", _) | ("4", true) => Ok(()),
        (_, true) => Err(format!(
            "this plugin requires helm V3 or V4 but got v{version}"
        )),
        (_, false) => Err(format!("this plugin requires helm V3 but got v{version}")),
    }
}

/// helm's rule for release names (`chartutil.ValidateReleaseName`): at most
/// 53 characters, lower-case letters, digits, `-` and `.`, starting and
/// ending with a letter or digit, in dot-separated labels. A name that
/// breaks it would be refused by helm anyway; checking first also keeps a
/// flag (`--post-renderer=...`) from ever reaching helm's command line.
pub fn check_release_name(name: &str) -> Result<(), String> {
    const MAX: usize = 53;
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    if name.len() > MAX || !name.split('.').all(label_ok) {
        return Err(format!(
            "releaseName {name:?} is not a valid release name (helm: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most {MAX} characters)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_kustomize_accepts() {
        assert!(supported("v3.17.0+g301108e", false).is_ok());
        assert!(supported("v4.1.4+gabc", false).is_err());
        assert!(supported("v4.1.4+gabc", true).is_ok());
        assert!(supported("v2.16.1", true).is_err());
        assert!(supported("nothing", true).is_err());
    }

    #[test]
    fn release_names_follow_helms_rule() {
        for ok in ["r1", "my-app", "a.b-c", "x"] {
            assert!(check_release_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "--post-renderer=./x.sh",
            "-x",
            "--set-file=k=/etc/passwd",
            "UPPER",
            "a_b",
            "a..b",
            "-a",
            "a-",
            "",
            &"a".repeat(54),
        ] {
            assert!(check_release_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn homes_keep_plugins_empty_and_lend_only_repository_config() {
        let tmp = tempfile::tempdir().unwrap();
        let lent = tmp.path().join("lent");
        std::fs::create_dir_all(lent.join("plugins/evil")).unwrap();
        std::fs::write(lent.join("plugins/evil/plugin.yaml"), "name: evil\n").unwrap();
        std::fs::write(lent.join("repositories.yaml"), "repositories: []\n").unwrap();
        let homes = Homes::new(&tmp.path().join("h"), Some(&lent), "c").unwrap();
        assert!(homes.config.join("repositories.yaml").is_file());
        // No plugin: the directory helm would look in is absent or empty.
        assert!(std::fs::read_dir(&homes.plugins).map_or(true, |d| d.count() == 0));
        assert!(!homes.config.join("plugins").exists());
        let env = homes.env();
        assert!(
            env.iter()
                .any(|(k, v)| *k == "HELM_PLUGINS" && v.ends_with("plugins"))
        );
    }
}

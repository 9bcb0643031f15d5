//! The flags every building command shares (`build`, `explain`, `diff`,
//! `affected`): kustomize's load restrictor and helm flags, nest-kz's
//! remote-resource flags, and the kustomize flags nest-kz refuses by name.
//! `BuildFlags::options` turns them into the library's `BuildOptions`.

use crate::BuildOptions;
use crate::load::loader::LoadRestriction;
use clap::ValueEnum;
use std::path::PathBuf;

// The flags of every command that builds.
#[derive(clap::Args)]
pub struct BuildFlags {
    /// Which files may be loaded (kustomize's --load-restrictor).
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: Restrictor,
    #[command(flatten)]
    pub helm: HelmArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(flatten)]
    pub plugins: PluginArgs,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

impl BuildFlags {
    /// Sets the run's budgets and returns the library's options for these
    /// flags.
    pub fn options(self) -> BuildOptions {
        self.budget.start();
        let plugins = self.plugins.options(self.remote.network == Some(true));
        let mut helm = self.helm.options();
        // kustomize: alpha plugins turn the helm inflator on too.
        helm.enabled |= plugins.enabled;
        BuildOptions {
            load_restriction: self.load_restrictor.into(),
            helm,
            plugins,
            remote: self.remote.into(),
            deprecation_warnings: true,
            ..BuildOptions::default()
        }
    }
}

// The run's budgets (docs/security.md): one deadline for everything that
// waits (network, helm, git, plugins), a cap on each child's output, and
// the memory ceiling.
#[derive(clap::Args)]
pub struct BudgetArgs {
    /// Time for the whole run, shared by every download and child process (80s, 2m, 1h30m).
    #[arg(long, value_name = "DURATION", default_value = "80s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Output accepted from one child process such as helm (256Mi, 1Gi, bytes).
    #[arg(long, value_name = "SIZE", default_value = "256Mi", value_parser = parse_size)]
    pub max_child_output: u64,
    /// Memory the run may hold at most (default: 60% of the smallest of the host's memory, its cgroup limit and `ulimit -v`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
}

impl BudgetArgs {
    /// Sets the run's deadline, output cap and memory ceiling.
    pub fn start(&self) {
        use crate::model::{heap, limits};
        limits::set_deadline(Some(std::time::Instant::now() + self.timeout));
        limits::set_max_child_output(self.max_child_output);
        heap::set_budget(self.max_memory);
    }
}

/// A duration as Go writes them: `90s`, `2m`, `1h30m`, `500ms`; a bare
/// number is seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("invalid duration {text:?} (for example 80s, 2m, 1h30m)");
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    if total <= 0.0 || !total.is_finite() || total > 1e9 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

/// A size in bytes, with an optional `Ki`/`Mi`/`Gi` (or `K`/`M`/`G`,
/// powers of 1000) suffix, as Kubernetes writes quantities.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {text:?} (for example 512Mi, 2Gi or a number of bytes)");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: u64 = text[..split].parse().map_err(|_| bad())?;
    let factor: u64 = match &text[split..] {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "K" | "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    match number.checked_mul(factor) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_and_sizes_read_as_go_and_kubernetes_write_them() {
        assert_eq!(parse_duration("80s"), Ok(Duration::from_secs(80)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        for bad in ["", "s", "10x", "-1s", "0s", "1e9h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_size("256Mi"), Ok(256 << 20));
        assert_eq!(parse_size("2G"), Ok(2_000_000_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        for bad in ["", "Mi", "1.5Gi", "-1", "0", "99999999999999Ti"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}

// kustomize build flags nest-kz does not implement: accepted by the parser
// so that the error names the flag instead of clap's generic "unexpected
// argument", then refused.
#[derive(clap::Args, Default)]
pub struct UnsupportedBuildFlags {
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_star: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_managedby_label: Option<String>,
}

/// A kustomize flag nest-kz cannot honour.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--{flag} is not supported by nest-kz{hint}")]
pub struct UnsupportedFlag {
    flag: &'static str,
    hint: &'static str,
}

impl UnsupportedBuildFlags {
    /// The first flag that asks for something nest-kz lacks. A boolean set
    /// to false asks for kustomize's default, which nest-kz does.
    pub fn check(&self) -> Result<(), UnsupportedFlag> {
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| v != "false");
        let bools: [(&'static str, &Option<String>, &'static str); 2] = [
            ("enable-star", &self.enable_star, ""),
            (
                "enable-managedby-label",
                &self.enable_managedby_label,
                " (use buildMetadata: [managedByLabel] in the kustomization)",
            ),
        ];
        match bools.into_iter().find(|(_, v, _)| on(v)) {
            Some((flag, _, hint)) => Err(UnsupportedFlag { flag, hint }),
            None => Ok(()),
        }
    }
}

// kustomize's plugin flags (docs/plugins.md). The booleans also take
// kustomize's `=true` / `=false` forms.
#[derive(clap::Args, Clone, Default)]
pub struct PluginArgs {
    /// Run external plugins: exec plugins and KRM functions in generators, transformers and validators.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    enable_alpha_plugins: bool,
    /// Let KRM functions be local programs (exec.path); needs --enable-alpha-plugins.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    enable_exec: bool,
    /// Run container functions as the current user instead of nobody.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    as_current_user: bool,
    /// Environment for KRM functions: KEY=VALUE, or KEY to pass the host's value (repeatable).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    env: Vec<String>,
    /// A mount for container functions: type=bind,src=DIR,dst=PATH[,rw=true] (repeatable).
    #[arg(long, value_name = "MOUNT")]
    mount: Vec<String>,
    /// Accepted for kustomize's command lines; kustomize does not use it either.
    #[arg(long, value_name = "NAME", default_value = "bridge")]
    network_name: String,
}

impl PluginArgs {
    /// The library's plugin options; `network` is `--network` given as true.
    pub fn options(&self, network: bool) -> crate::plugin::PluginOptions {
        crate::plugin::PluginOptions {
            enabled: self.enable_alpha_plugins,
            exec: self.enable_exec,
            network,
            mounts: self.mount.clone(),
            envs: self.env.clone(),
            as_current_user: self.as_current_user,
        }
    }
}

// kustomize's helm flags. The booleans also take kustomize's `=true` /
// `=false` forms (`--enable-helm=false` asks for the default).
#[derive(clap::Args, Clone, Default)]
pub struct HelmArgs {
    /// Enable the Helm chart inflator (helmCharts).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    enable_helm: bool,
    /// The helm executable (Helm 3 or Helm 4).
    #[arg(long, default_value = "helm")]
    helm_command: String,
    /// Kubernetes API versions for helm's Capabilities.APIVersions (repeatable).
    #[arg(long = "helm-api-versions")]
    helm_api_versions: Vec<String>,
    /// Kubernetes version for helm's Capabilities.KubeVersion.
    #[arg(long, default_value = "")]
    helm_kube_version: String,
    /// Pass --debug to helm template.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    helm_debug: bool,
    /// Where helm's inflations and pulled charts are kept, or `off` (default: $XDG_CACHE_HOME/nest-kz/helm; also NEST_KZ_HELM_CACHE_DIR).
    #[arg(long, value_name = "DIR|off", overrides_with = "helm_cache")]
    helm_cache: Option<String>,
    /// Bound on that cache's size; the least recently used entries go past it (512Mi).
    #[arg(long, value_name = "SIZE", default_value = "512Mi", value_parser = parse_size)]
    helm_cache_size: u64,
}

impl HelmArgs {
    pub fn options(&self) -> crate::generate::helm::HelmOptions {
        crate::generate::helm::HelmOptions {
            enabled: self.enable_helm,
            command: self.helm_command.clone(),
            api_versions: self.helm_api_versions.clone(),
            kube_version: self.helm_kube_version.clone(),
            debug: self.helm_debug,
            cache: self.cache(),
        }
    }

    fn cache(&self) -> Option<crate::generate::helm::cache::Cache> {
        let from_env = std::env::var("NEST_KZ_HELM_CACHE_DIR").ok();
        let dir = match self.helm_cache.as_deref().or(from_env.as_deref()) {
            Some("off") => return None,
            Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
            _ => crate::load::remote::cache::default_base().join("helm"),
        };
        Some(crate::generate::helm::cache::Cache {
            dir,
            max_bytes: self.helm_cache_size,
        })
    }
}

// Remote (git and HTTP(S)) resources; see docs/remote.md.
#[derive(clap::Args)]
pub struct RemoteArgs {
    /// `--network=false` refuses every remote resource (an error naming
    /// the URL), for hermetic builds. `--network` (kustomize's flag) lets
    /// container functions that ask for the network have it.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub network: Option<bool>,
    /// Use only the cache: branches and tags are not re-resolved, nothing
    /// is cloned or downloaded.
    #[arg(long)]
    offline: bool,
    /// Where fetched repositories are cached (default: $XDG_CACHE_HOME/nest-kz).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Trust a branch or tag resolved less than this long ago without asking the server (5m, 1h; default: ask once per build).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    remote_ref_ttl: Option<std::time::Duration>,
}

impl From<RemoteArgs> for crate::load::remote::RemoteOptions {
    fn from(a: RemoteArgs) -> Self {
        crate::load::remote::RemoteOptions {
            refuse: a.network == Some(false),
            offline: a.offline,
            cache_dir: a.cache_dir,
            ref_ttl: a.remote_ref_ttl,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Restrictor {
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "LoadRestrictionsNone")]
    None,
}

impl From<Restrictor> for LoadRestriction {
    fn from(r: Restrictor) -> Self {
        match r {
            Restrictor::RootOnly => LoadRestriction::RootOnly,
            Restrictor::None => LoadRestriction::None,
        }
    }
}

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
}

impl BuildFlags {
    /// The library's options for these flags.
    pub fn options(self) -> BuildOptions {
        BuildOptions {
            load_restriction: self.load_restrictor.into(),
            helm: self.helm.options(),
            remote: self.remote.into(),
            ..BuildOptions::default()
        }
    }
}

// kustomize build flags nest-kz does not implement: accepted by the parser
// so that the error names the flag instead of clap's generic "unexpected
// argument", then refused.
#[derive(clap::Args, Default)]
pub struct UnsupportedBuildFlags {
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_alpha_plugins: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_exec: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_star: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    as_current_user: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    enable_managedby_label: Option<String>,
    #[arg(short = 'e', long, hide = true)]
    env: Vec<String>,
    #[arg(long, hide = true)]
    mount: Vec<String>,
    #[arg(long, hide = true)]
    network_name: Option<String>,
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
        let bools: [(&'static str, &Option<String>, &'static str); 5] = [
            (
                "enable-alpha-plugins",
                &self.enable_alpha_plugins,
                " (generators and transformers run only as built-ins)",
            ),
            ("enable-exec", &self.enable_exec, " (no exec functions)"),
            ("enable-star", &self.enable_star, ""),
            (
                "as-current-user",
                &self.as_current_user,
                " (no container functions)",
            ),
            (
                "enable-managedby-label",
                &self.enable_managedby_label,
                " (use buildMetadata: [managedByLabel] in the kustomization)",
            ),
        ];
        if let Some((flag, _, hint)) = bools.into_iter().find(|(_, v, _)| on(v)) {
            return Err(UnsupportedFlag { flag, hint });
        }
        let valued: [(&'static str, bool); 3] = [
            ("env", !self.env.is_empty()),
            ("mount", !self.mount.is_empty()),
            ("network-name", self.network_name.is_some()),
        ];
        match valued.into_iter().find(|(_, set)| *set) {
            Some((flag, _)) => Err(UnsupportedFlag { flag, hint: "" }),
            None => Ok(()),
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
}

impl HelmArgs {
    pub fn options(&self) -> crate::generate::helm::HelmOptions {
        crate::generate::helm::HelmOptions {
            enabled: self.enable_helm,
            command: self.helm_command.clone(),
            api_versions: self.helm_api_versions.clone(),
            kube_version: self.helm_kube_version.clone(),
            debug: self.helm_debug,
        }
    }
}

// Remote (git and HTTP(S)) resources; see README, Remote resources.
#[derive(clap::Args)]
pub struct RemoteArgs {
    /// `--network=false` refuses every remote resource (an error naming
    /// the URL), for hermetic builds. A bare `--network` (kustomize's flag
    /// for container functions, which nest-kz does not run) changes nothing.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    network: bool,
    /// Use only the cache: branches and tags are not re-resolved, nothing
    /// is cloned or downloaded.
    #[arg(long)]
    offline: bool,
    /// Where fetched repositories are cached (default: $XDG_CACHE_HOME/nest-kz).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

impl From<RemoteArgs> for crate::load::remote::RemoteOptions {
    fn from(a: RemoteArgs) -> Self {
        crate::load::remote::RemoteOptions {
            refuse: !a.network,
            offline: a.offline,
            cache_dir: a.cache_dir,
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

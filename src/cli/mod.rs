//! The command line: argument parsing and the commands (`build`,
//! `explain`, `diff`, `version`, `completions`), and the ArgoCD plugin's
//! parameters (`argocd`). Commands call the library's pipeline and print;
//! no build logic lives here.

pub mod argocd;
pub mod output;

use crate::load::loader::LoadRestriction;
use crate::{BuildOptions, build};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nest-kz", version, about = "A Kustomize-compatible overlay compiler", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "Examples:
  nest-kz build overlays/prod                 print the bundle
  nest-kz build overlays/prod -o bundle.yaml  write it to a file
  nest-kz build overlays/prod -o out/         one file per object
  nest-kz build . --format json               a JSON array of objects";

#[derive(Subcommand)]
enum Command {
    /// Build a kustomization directory and print the resulting objects.
    Build {
        /// Directory holding kustomization.yaml (default: current directory).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write to this file, or to this directory (trailing `/` or existing dir) one file per object.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Which files may be loaded (kustomize's --load-restrictor).
        #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: Restrictor,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: Format,
        #[command(flatten)]
        helm: HelmArgs,
        /// Run as an ArgoCD config-management plugin: honour ARGOCD_ENV_NAMESPACE,
        /// ARGOCD_ENV_IMAGES, ARGOCD_ENV_NAME_PREFIX/SUFFIX (see argocd/README.md).
        #[arg(long)]
        argocd: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Explain every field of the output: the file and line that last set it.
    Explain {
        /// Directory holding kustomization.yaml.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Only this object: KIND/NAME (current or original name).
        #[arg(long)]
        object: Option<String>,
        #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: Restrictor,
        #[command(flatten)]
        helm: HelmArgs,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Compare two builds per object and field; exit 1 when they differ (like diff).
    Diff {
        /// The old kustomization directory (or, with --base, the one to compare across revisions).
        old: PathBuf,
        /// The new kustomization directory.
        new: Option<PathBuf>,
        /// Compare OLD as it is in the working tree against the same path at this git revision.
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: Restrictor,
        #[command(flatten)]
        helm: HelmArgs,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Print the version.
    Version,
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
}

/// kustomize's helm flags.
#[derive(clap::Args, Clone, Default)]
struct HelmArgs {
    /// Enable the Helm chart inflator (helmCharts).
    #[arg(long)]
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
    #[arg(long)]
    helm_debug: bool,
}

impl HelmArgs {
    fn options(&self) -> crate::generate::helm::HelmOptions {
        crate::generate::helm::HelmOptions {
            enabled: self.enable_helm,
            command: self.helm_command.clone(),
            api_versions: self.helm_api_versions.clone(),
            kube_version: self.helm_kube_version.clone(),
            debug: self.helm_debug,
        }
    }
}

/// Remote (git and HTTP(S)) resources; see README, Remote resources.
#[derive(clap::Args)]
struct RemoteArgs {
    /// `--network=false` refuses every remote resource (an error naming
    /// the URL), for hermetic builds.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
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
enum Restrictor {
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

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Yaml,
    Json,
}

/// Runs the command line; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!(
                "nest-kz {} (kustomize v5.5.0 compatible)",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        Command::Explain {
            dir,
            object,
            load_restrictor,
            helm,
            remote,
        } => {
            let options = BuildOptions {
                load_restriction: load_restrictor.into(),
                remote: remote.into(),
                track_provenance: true,
                helm: helm.options(),
                ..BuildOptions::default()
            };
            match crate::build_resources(&dir, &options) {
                Ok(resources) => {
                    let cwd = std::env::current_dir()
                        .and_then(|d| d.canonicalize())
                        .unwrap_or_default();
                    let text = crate::review::explain::render(&resources, object.as_deref(), &cwd);
                    if text.is_empty() {
                        eprintln!("Error: no object matches {}", object.unwrap_or_default());
                        return ExitCode::from(1);
                    }
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Diff {
            old,
            new,
            base,
            load_restrictor,
            helm,
            remote,
        } => {
            let options = BuildOptions {
                load_restriction: load_restrictor.into(),
                helm: helm.options(),
                remote: remote.into(),
                ..BuildOptions::default()
            };
            match run_diff(&old, new.as_deref(), base.as_deref(), &options) {
                Ok(false) => ExitCode::SUCCESS,
                Ok(true) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "nest-kz",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Build {
            dir,
            output,
            load_restrictor,
            format,
            helm,
            argocd,
            remote,
        } => {
            let mut options = BuildOptions {
                load_restriction: load_restrictor.into(),
                helm: helm.options(),
                remote: remote.into(),
                ..BuildOptions::default()
            };
            if argocd {
                match crate::cli::argocd::overrides_from_env(|k| std::env::var(k).ok()) {
                    Ok(o) => options.overrides = o,
                    Err(e) => {
                        eprintln!("Error: {e}");
                        return ExitCode::from(1);
                    }
                }
                crate::cli::argocd::helm_from_env(|k| std::env::var(k).ok(), &mut options.helm);
                let var = |k: &str| std::env::var(k).unwrap_or_default();
                eprintln!(
                    "nest-kz: building {} for ArgoCD application {:?} at revision {:?}",
                    dir.display(),
                    var("ARGOCD_APP_NAME"),
                    var("ARGOCD_APP_REVISION")
                );
            }
            match run_build(&dir, output.as_deref(), &options, format) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn run_build(
    dir: &Path,
    output: Option<&Path>,
    options: &BuildOptions,
    format: Format,
) -> anyhow::Result<()> {
    let objects = build(dir, options)?;
    let render = |objs: &[serde_json::Value]| -> anyhow::Result<String> {
        Ok(match format {
            Format::Yaml => crate::yaml::emit_stream(objs),
            Format::Json => serde_json::to_string_pretty(objs)? + "\n",
        })
    };
    match output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                Format::Yaml => crate::yaml::emit::write_stream(&mut out, &objects)?,
                Format::Json => out.write_all(render(&objects)?.as_bytes())?,
            }
            out.flush()?;
        }
        Some(path) if path.is_dir() || path.to_string_lossy().ends_with('/') => {
            std::fs::create_dir_all(path)?;
            let namespaces: std::collections::BTreeSet<String> =
                objects.iter().filter_map(output::namespace_of).collect();
            for obj in &objects {
                output::write_atomically(
                    &path.join(output::file_name_for(obj, namespaces.len() > 1)),
                    &render(std::slice::from_ref(obj))?,
                )?;
            }
        }
        Some(path) => output::write_atomically(path, &render(&objects)?)?,
    }
    Ok(())
}

/// Builds both sides and prints the differences; true when they differ.
fn run_diff(
    old: &Path,
    new: Option<&Path>,
    base: Option<&str>,
    options: &BuildOptions,
) -> anyhow::Result<bool> {
    let checkout;
    let (old_dir, new_dir) = match (new, base) {
        (Some(new), None) => (old.to_path_buf(), new.to_path_buf()),
        (None, Some(rev)) => {
            checkout = checkout_revision(old, rev)?;
            (checkout.1.clone(), old.to_path_buf())
        }
        _ => anyhow::bail!("give either two directories, or one directory and --base REV"),
    };
    let old_res = crate::build_resources(&old_dir, options)?;
    let new_res = crate::build_resources(&new_dir, options)?;
    let diffs = crate::review::diff::diff(&old_res, &new_res);
    use std::io::IsTerminal;
    print!(
        "{}",
        crate::review::diff::render(&diffs, std::io::stdout().is_terminal())
    );
    Ok(!diffs.is_empty())
}

/// Extracts the repository at `rev` into a temporary directory and returns
/// it with the path of `dir` inside it.
fn checkout_revision(dir: &Path, rev: &str) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    use std::process::{Command, Stdio};
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let out = Command::new("git").arg("-C").arg(dir).args(args).output()?;
        anyhow::ensure!(
            out.status.success(),
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(String::from_utf8(out.stdout)?.trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    let tmp = tempfile::tempdir()?;
    let mut archive = Command::new("git")
        .args(["-C", &top, "archive", "--format=tar", rev])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("git archive produced no output"))?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(tmp.path())
        .stdin(stdout)
        .status()?;
    anyhow::ensure!(
        archive.wait()?.success() && untar.success(),
        "cannot read revision {rev}"
    );
    let path = tmp.path().join(prefix);
    Ok((tmp, path))
}

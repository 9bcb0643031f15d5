//! The command line: argument parsing and the commands (`build`,
//! `explain`, `diff`, `affected`, `edit`, `create`, `version`, `completion`), and the ArgoCD plugin's
//! parameters (`argocd`). Commands call the library's pipeline and print;
//! no build logic lives here.

pub mod argocd;
pub mod output;

use crate::load::loader::LoadRestriction;
use crate::{BuildOptions, build};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

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

// Deferred: each subcommand's arguments are declared only when that
// subcommand is parsed, so a build does not construct the flags of every
// other command (the whole tree was 6% of a Nest build's instructions).
// Help and errors read the same; completions need the full tree
// (`completion_tree`). The argument structs flattened into commands carry
// plain comments, not doc comments: a deferred command takes a struct's
// doc comment as its about text, over its own.
#[derive(Subcommand)]
#[command(defer = true)]
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
        /// Final ordering when the kustomization has no sortOptions (kustomize's deprecated --reorder).
        #[arg(long, value_enum)]
        reorder: Option<Reorder>,
        /// Run as an ArgoCD config-management plugin: apply the Application's
        /// kustomize-style parameters (see argocd/README.md).
        #[arg(long)]
        argocd: bool,
        // Boxed: the refused flags are large and only checked once.
        #[command(flatten)]
        unsupported: Box<UnsupportedBuildFlags>,
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
        /// Print Secret data in clear (masked by default, as kubectl diff does).
        #[arg(long)]
        show_secrets: bool,
        /// Colour: auto (a terminal, and NO_COLOR unset), always or never.
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
        /// text, or markdown: a collapsible per-object summary for a pull-request comment.
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// List the kustomization directories whose build output changes between
    /// a git revision and the working tree.
    Affected {
        /// The git revision to compare with (a commit, branch or tag).
        #[arg(long)]
        base: String,
        /// Kustomization directories to consider (default: every one in the repository).
        dirs: Vec<PathBuf>,
        /// Only follow the kustomization graph; do not build both sides to confirm.
        #[arg(long)]
        no_confirm: bool,
        #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
        load_restrictor: Restrictor,
        #[command(flatten)]
        helm: HelmArgs,
    },
    /// Print the kustomize version nest-kz matches, then nest-kz's own.
    Version {
        /// kustomize's deprecated short form.
        #[arg(long)]
        short: bool,
        /// yaml or json.
        #[arg(short, long, value_enum)]
        output: Option<VersionFormat>,
    },
    /// Edit the kustomization in the current directory (kustomize's `edit`).
    Edit {
        #[command(subcommand)]
        command: crate::edit::EditCommand,
    },
    /// Create a kustomization in the current directory (kustomize's `create`).
    #[command(alias = "init")]
    Create(crate::edit::CreateArgs),
    /// Print shell completions.
    #[command(alias = "completions")]
    Completion { shell: clap_complete::Shell },
}

/// The command tree with everything completion scripts list: built, and
/// each `help` subcommand holding the whole tree beneath it. clap copies
/// that tree while building a command, before it has expanded deferred
/// subcommands, so the copies stop at the first deferred level; they are
/// completed here from the built tree, as clap would have made them.
fn completion_tree() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.set_bin_name("nest-kz");
    cmd.build();
    complete_help_trees(&mut cmd);
    cmd
}

fn complete_help_trees(cmd: &mut clap::Command) {
    let built: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .cloned()
        .collect();
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() != "help" {
            complete_help_trees(sub);
            continue;
        }
        for entry in sub.get_subcommands_mut() {
            let original = built.iter().find(|c| c.get_name() == entry.get_name());
            if let (Some(original), false) = (original, entry.has_subcommands()) {
                let bin = entry.get_bin_name().unwrap_or(entry.get_name()).to_owned();
                let copies = help_copies(original, &bin);
                *entry = std::mem::take(entry).subcommands(copies);
            }
        }
    }
}

/// What clap's help subcommand holds for each subcommand of `original`:
/// its name, about and visibility, and no flags of its own.
fn help_copies(original: &clap::Command, parent_bin: &str) -> Vec<clap::Command> {
    let own = original
        .get_subcommands()
        .filter(|c| c.get_name() != "help");
    own.map(|sub| {
        let bin = format!("{parent_bin} {}", sub.get_name());
        let mut copy = clap::Command::new(sub.get_name().to_owned())
            .hide(sub.is_hide_set())
            .disable_help_flag(true)
            .disable_version_flag(true)
            .disable_help_subcommand(true)
            .subcommands(help_copies(sub, &bin))
            .bin_name(bin);
        if let Some(about) = sub.get_about() {
            copy = copy.about(about.clone());
        }
        copy
    })
    .collect()
}

// kustomize build flags nest-kz does not implement: accepted by the parser
// so that the error names the flag instead of clap's generic "unexpected
// argument", then refused.
#[derive(clap::Args, Default)]
struct UnsupportedBuildFlags {
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
    fn check(&self) -> Result<(), UnsupportedFlag> {
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

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Reorder {
    Legacy,
    None,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum VersionFormat {
    Yaml,
    Json,
}

// kustomize's helm flags. The booleans also take kustomize's `=true` /
// `=false` forms (`--enable-helm=false` asks for the default).
#[derive(clap::Args, Clone, Default)]
struct HelmArgs {
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

// Remote (git and HTTP(S)) resources; see README, Remote resources.
#[derive(clap::Args)]
struct RemoteArgs {
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

/// The kustomize release nest-kz is measured against.
const KUSTOMIZE_VERSION: &str = "v5.5.0";

/// Writes to stdout; an error (a closed pipe: `nest-kz build | head`) is
/// returned, never a panic as `print!` would.
fn out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes one line to stderr; a closed stderr is ignored (`eprintln!` panics).
fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Prints a command's whole output; success, or the exit for a failed write.
fn print_text(text: &str) -> u8 {
    match out(text) {
        Ok(()) => 0,
        Err(e) => write_failed(&e),
    }
}

/// The exit for a failed write to stdout: quiet when the reader went away.
fn write_failed(e: &std::io::Error) -> u8 {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        err_line(&format!("Error: writing output: {e}"));
    }
    1
}

/// A closed stdout pipe: the reader is gone, so say nothing.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Runs the command line; the binary's `main`. Returns the process's exit
/// status, which the binary passes to the system itself (see `main.rs`).
pub fn main() -> u8 {
    let cli = Cli::parse();
    match cli.command {
        Command::Version { short, output } => print_version(short, output),
        Command::Edit { command } => report_edit(crate::edit::run_edit(Path::new("."), command)),
        Command::Create(args) => report_edit(crate::edit::run_create(Path::new("."), args)),
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
                        err_line(&format!(
                            "Error: no object matches {}",
                            object.unwrap_or_default()
                        ));
                        return 1;
                    }
                    print_text(&text)
                }
                Err(e) => {
                    err_line(&format!("Error: {e}"));
                    1
                }
            }
        }
        Command::Diff {
            old,
            new,
            base,
            load_restrictor,
            helm,
            show_secrets,
            color,
            format,
            remote,
        } => {
            let options = BuildOptions {
                load_restriction: load_restrictor.into(),
                helm: helm.options(),
                remote: remote.into(),
                ..BuildOptions::default()
            };
            let how = DiffOutput {
                show_secrets,
                colour: use_colour(color),
                format,
            };
            match run_diff(&old, new.as_deref(), base.as_deref(), &options, &how) {
                Ok(false) => 0,
                Ok(true) => 1,
                Err(e) => {
                    if !is_broken_pipe(&e) {
                        err_line(&format!("Error: {e}"));
                    }
                    2
                }
            }
        }
        Command::Affected {
            base,
            dirs,
            no_confirm,
            load_restrictor,
            helm,
        } => {
            let options = BuildOptions {
                load_restriction: load_restrictor.into(),
                helm: helm.options(),
                ..BuildOptions::default()
            };
            match crate::review::affected::affected(&base, &dirs, !no_confirm, &options) {
                Ok(list) => {
                    let text: String = list.iter().map(|d| format!("{}\n", d.display())).collect();
                    print_text(&text)
                }
                Err(e) => {
                    err_line(&format!("Error: {e}"));
                    1
                }
            }
        }
        Command::Completion { shell } => {
            // Generated into memory: clap_complete panics on a closed pipe
            // (`nest-kz completion bash | head`), a plain write does not.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut completion_tree(), "nest-kz", &mut script);
            let _ = std::io::stdout().write_all(&script);
            0
        }
        Command::Build {
            dir,
            output,
            load_restrictor,
            format,
            helm,
            reorder,
            argocd,
            unsupported,
            remote,
        } => {
            if let Err(e) = unsupported.check() {
                err_line(&format!("Error: {e}"));
                return 2;
            }
            let mut options = BuildOptions {
                load_restriction: load_restrictor.into(),
                helm: helm.options(),
                remote: remote.into(),
                ..BuildOptions::default()
            };
            let mut overrides = crate::cli::argocd::SourceOverrides::default();
            if argocd {
                let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
                match crate::cli::argocd::SourceOverrides::from_env(&env) {
                    Ok(o) => overrides = o,
                    Err(e) => {
                        err_line(&format!("Error: {e}"));
                        return 1;
                    }
                }
                // enableHelm, and the repo-server's cluster versions for helm.
                overrides.apply_helm(&env, &mut options.helm);
                let var = |k: &str| env.get(k).cloned().unwrap_or_default();
                err_line(&format!(
                    "nest-kz: building {} for ArgoCD application {:?} at revision {:?}",
                    dir.display(),
                    var("ARGOCD_APP_NAME"),
                    var("ARGOCD_APP_REVISION")
                ));
            }
            // kustomize: the file's sortOptions win over --reorder (with a warning).
            if reorder.is_some() && has_sort_options(&dir) {
                err_line(
                    "Warning: Sorting order is set both in 'kustomization.yaml' ('sortOptions') and in a CLI flag ('--reorder'). Using the kustomization file over the CLI flag.",
                );
            } else if reorder == Some(Reorder::None) {
                overrides.load_order = true;
            }
            let built = crate::cli::argocd::build_dir(&dir, &overrides, options.load_restriction)
                .map_err(anyhow::Error::from)
                .and_then(|(build_dir, _guard)| {
                    run_build(&build_dir, output.as_deref(), &options, format)
                });
            match built {
                Ok(()) => 0,
                Err(e) => {
                    if !is_broken_pipe(&e) {
                        err_line(&format!("Error: {e}"));
                    }
                    1
                }
            }
        }
    }
}

fn has_sort_options(dir: &Path) -> bool {
    // Read under the file-access policy: a FIFO must not hang this peek.
    crate::load::loader::Loader::new(dir, LoadRestriction::RootOnly)
        .and_then(|l| l.read_kustomization())
        .ok()
        .and_then(|(_, t)| crate::yaml::parse_config_documents(&t).ok())
        .and_then(|d| d.into_iter().next())
        .is_some_and(|d| d.value.get("sortOptions").is_some())
}

/// `NO_COLOR` (no-color.org) turns colour off unless asked for explicitly.
fn use_colour(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// kustomize's `version` output first (tools parse it), then nest-kz's.
fn print_version(short: bool, output: Option<VersionFormat>) -> u8 {
    let nest = env!("CARGO_PKG_VERSION");
    let info = crate::json!({
        "version": format!("kustomize/{KUSTOMIZE_VERSION}"),
        "gitCommit": "unknown",
        "buildDate": "unknown",
        "goOs": std::env::consts::OS,
        "goArch": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
        "nestKzVersion": nest,
    });
    let text = match (short, output) {
        (true, Some(_)) => {
            err_line("Error: --short and --output are mutually exclusive");
            return 2;
        }
        (true, None) => format!("{{kustomize/{KUSTOMIZE_VERSION}  unknown   }}\nnest-kz {nest}\n"),
        (false, None) => format!("{KUSTOMIZE_VERSION}\nnest-kz {nest}\n"),
        (false, Some(VersionFormat::Yaml)) => format!("{}\n", crate::yaml::emit_document(&info)),
        (false, Some(VersionFormat::Json)) => match serde_json::to_string_pretty(&info) {
            Ok(text) => format!("{text}\n"),
            Err(e) => {
                err_line(&format!("Error: {e}"));
                return 1;
            }
        },
    };
    print_text(&text)
}

struct DiffOutput {
    show_secrets: bool,
    colour: bool,
    format: DiffFormat,
}

fn run_build(
    dir: &Path,
    output: Option<&Path>,
    options: &BuildOptions,
    format: Format,
) -> anyhow::Result<()> {
    let objects = build(dir, options)?;
    let render = |objs: &[crate::model::value::Value]| -> anyhow::Result<String> {
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
                let name = output::file_name_for(obj, namespaces.len() > 1);
                // A link planted in DIR is replaced, not followed.
                output::write_output(
                    &output::path_in_dir(path, &name)?,
                    render(std::slice::from_ref(obj))?.as_bytes(),
                    false,
                )?;
            }
        }
        Some(path) => output::write_output(path, render(&objects)?.as_bytes(), true)?,
    }
    // The process ends next: freeing every node one by one only costs time.
    std::mem::forget(objects);
    Ok(())
}

/// Builds both sides and prints the differences; true when they differ.
fn run_diff(
    old: &Path,
    new: Option<&Path>,
    base: Option<&str>,
    options: &BuildOptions,
    how: &DiffOutput,
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
    let mut diffs = crate::review::diff::diff(&old_res, &new_res);
    if !how.show_secrets {
        crate::review::diff::mask_secrets(&mut diffs);
    }
    out(&match how.format {
        DiffFormat::Text => crate::review::diff::render(&diffs, how.colour),
        DiffFormat::Markdown => crate::review::diff::render_markdown(&diffs),
    })?;
    Ok(!diffs.is_empty())
}

/// Extracts the repository at `rev` into a temporary directory and returns
/// it with the path of `dir` inside it.
fn checkout_revision(dir: &Path, rev: &str) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    Ok(crate::review::affected::checkout_revision(dir, rev)?)
}

/// Prints an edit's notes and error on stderr; exit 1 on error.
fn report_edit(result: crate::edit::Result<crate::edit::Outcome>) -> u8 {
    match result {
        Ok(outcome) => {
            for note in outcome.notes {
                eprintln!("nest-kz: {note}");
            }
            0
        }
        Err(e) => {
            eprintln!("Error: {e}");
            1
        }
    }
}

//! The `nest-kz` command line.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use nest_kz::loader::LoadRestriction;
use nest_kz::{build, BuildOptions};
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
        /// Run as an ArgoCD config-management plugin: honour ARGOCD_ENV_NAMESPACE,
        /// ARGOCD_ENV_IMAGES, ARGOCD_ENV_NAME_PREFIX/SUFFIX (see argocd/README.md).
        #[arg(long)]
        argocd: bool,
    },
    /// Print the version.
    Version,
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
}

#[derive(Clone, Copy, ValueEnum)]
enum Restrictor {
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "LoadRestrictionsNone")]
    None,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Yaml,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("nest-kz {} (kustomize v5.5.0 compatible)", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "nest-kz", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Build { dir, output, load_restrictor, format, argocd } => {
            let mut options = BuildOptions {
                load_restriction: match load_restrictor {
                    Restrictor::RootOnly => LoadRestriction::RootOnly,
                    Restrictor::None => LoadRestriction::None,
                },
                ..BuildOptions::default()
            };
            if argocd {
                match nest_kz::argocd::overrides_from_env(|k| std::env::var(k).ok()) {
                    Ok(o) => options.overrides = o,
                    Err(e) => {
                        eprintln!("Error: {e}");
                        return ExitCode::from(1);
                    }
                }
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

fn run_build(dir: &Path, output: Option<&Path>, options: &BuildOptions, format: Format) -> anyhow::Result<()> {
    let objects = build(dir, options)?;
    let render = |objs: &[serde_json::Value]| -> anyhow::Result<String> {
        Ok(match format {
            Format::Yaml => nest_kz::yaml::emit_stream(objs),
            Format::Json => serde_json::to_string_pretty(objs)? + "\n",
        })
    };
    match output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                Format::Yaml => nest_kz::yaml::emit::write_stream(&mut out, &objects)?,
                Format::Json => out.write_all(render(&objects)?.as_bytes())?,
            }
            out.flush()?;
        }
        Some(path) if path.is_dir() || path.to_string_lossy().ends_with('/') => {
            std::fs::create_dir_all(path)?;
            for obj in &objects {
                write_atomically(&path.join(file_name_for(obj)), &render(std::slice::from_ref(obj))?)?;
            }
        }
        Some(path) => write_atomically(path, &render(&objects)?)?,
    }
    Ok(())
}

/// kustomize's `--output DIR` naming: `group_version_kind_name.yaml`, lowercased.
fn file_name_for(obj: &serde_json::Value) -> String {
    let id = nest_kz::resid::ResId::of(obj);
    let parts: Vec<&str> = [id.gvk.group.as_str(), id.gvk.version.as_str(), id.gvk.kind.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    format!("{}_{}.yaml", parts.join("_"), id.name).to_lowercase()
}

/// Writes through a temporary file and a rename, so a failed write leaves nothing half-written.
fn write_atomically(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.persist(path)?;
    Ok(())
}

// The build allocates many small maps and strings; mimalloc's size-class
// arenas cut glibc malloc's consolidation cost (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

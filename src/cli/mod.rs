//! The command line: argument parsing and the commands, one module each
//! (`build`, `explain`, `diff`, `affected`, `version`, `completion`; `edit`
//! and `create` live in the `edit` stage), the flags every building command
//! shares (`args`), how output files are written (`output`), and the ArgoCD
//! plugin's parameters (`argocd`). Commands call the library's pipeline and
//! print; no build logic lives here.

pub mod affected;
pub mod argocd;
pub mod args;
pub mod build;
pub mod completion;
pub mod diff;
pub mod explain;
mod fish_completion;
pub mod graph;
pub mod output;
pub mod review;
pub mod version;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::Path;

#[derive(Parser)]
#[command(name = "nest-kz", version, about = "A Kustomize-compatible overlay compiler", after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The kustomize release to emulate: v5.4, v5.5, v5.6, v5.7 or v5.8 (the default; also NEST_KZ_KUSTOMIZE_VERSION).
    #[arg(long, global = true, value_name = "VERSION")]
    kustomize_version: Option<String>,
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
// (`completion::tree`). The argument structs of the commands carry plain
// comments, not doc comments: a deferred command takes a struct's doc
// comment as its about text, over its own.
#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// Build a kustomization directory and print the resulting objects.
    Build(build::BuildArgs),
    /// Explain every field of the output: the file and line that last set it.
    Explain(explain::ExplainArgs),
    /// Compare two builds per object and field; exit 1 when they differ (like diff).
    Diff(diff::DiffArgs),
    /// List the kustomization directories whose build output changes between
    /// a git revision and the working tree.
    Affected(affected::AffectedArgs),
    /// Draw what feeds a kustomization (bases, components, patches,
    /// generators, charts, remote resources) as Graphviz DOT or Mermaid.
    Graph(graph::GraphArgs),
    /// Review a change for a pull request: every affected kustomization
    /// diffed against a git revision, as one markdown comment (or text).
    Review(review::ReviewArgs),
    /// Print the kustomize version nest-kz emulates, as that release prints it (nest-kz's own: --version).
    Version(version::VersionArgs),
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

/// Runs the command line; the binary's `main`. Returns the process's exit
/// status, which the binary passes to the system itself (see `main.rs`).
pub fn main() -> u8 {
    let cli = Cli::parse();
    // Every command reads files: all run under the memory budget (the
    // building commands may set its ceiling with --max-memory).
    crate::model::heap::set_budget(None);
    if let Err(e) = select_release(cli.kustomize_version.as_deref()) {
        err_line(&format!("Error: {e}"));
        return 2;
    }
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Affected(args) => affected::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Review(args) => review::run(args),
        Command::Version(args) => version::run(args),
        Command::Edit { command } => report_edit(crate::edit::run_edit(Path::new("."), command)),
        Command::Create(args) => report_edit(crate::edit::run_create(Path::new("."), args)),
        Command::Completion { shell } => completion::run(shell),
    }
}

/// Selects the emulated kustomize release: the flag, else
/// NEST_KZ_KUSTOMIZE_VERSION, else the newest.
fn select_release(flag: Option<&str>) -> Result<(), crate::release::UnknownRelease> {
    let env = std::env::var("NEST_KZ_KUSTOMIZE_VERSION").ok();
    let chosen = flag.or(env.as_deref().filter(|v| !v.trim().is_empty()));
    if let Some(text) = chosen {
        crate::release::set(crate::release::Release::parse(text)?);
    }
    Ok(())
}

/// Writes to stdout; an error (a closed pipe: `nest-kz build | head`) is
/// returned, never a panic as `print!` would.
pub(crate) fn out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes one line to stderr; a closed stderr is ignored (`eprintln!` panics).
pub(crate) fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Prints a command's whole output; success, or the exit for a failed write.
pub(crate) fn print_text(text: &str) -> u8 {
    match out(text) {
        Ok(()) => 0,
        Err(e) => write_failed(&e),
    }
}

/// The exit for a failed write to stdout: quiet when the reader went away.
pub(crate) fn write_failed(e: &std::io::Error) -> u8 {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        err_line(&format!("Error: writing output: {e}"));
    }
    1
}

/// A closed stdout pipe: the reader is gone, so say nothing.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
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

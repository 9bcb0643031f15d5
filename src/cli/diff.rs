//! `nest-kz diff`: two builds compared object by object and field by
//! field, as text (coloured on a terminal) or markdown; exit 0 when equal,
//! 1 when they differ, 2 on errors.

use super::args::BuildFlags;
use super::{err_line, is_broken_pipe, out};
use crate::BuildOptions;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

// The flags of `diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The old kustomization directory (or, with --base, the one to compare across revisions).
    old: PathBuf,
    /// The new kustomization directory.
    new: Option<PathBuf>,
    /// Compare OLD as it is in the working tree against the same path at this git revision.
    #[arg(long)]
    base: Option<String>,
    #[command(flatten)]
    flags: BuildFlags,
    /// Print Secret data in clear (masked by default, as kubectl diff does).
    #[arg(long)]
    show_secrets: bool,
    /// Colour: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// text, or markdown: a collapsible per-object summary for a pull-request comment.
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
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

struct DiffOutput {
    show_secrets: bool,
    colour: bool,
    format: DiffFormat,
}

/// Runs `diff`; the exit status.
pub fn run(args: DiffArgs) -> u8 {
    let options = args.flags.options();
    let how = DiffOutput {
        show_secrets: args.show_secrets,
        colour: use_colour(args.color),
        format: args.format,
    };
    match run_diff(
        &args.old,
        args.new.as_deref(),
        args.base.as_deref(),
        &options,
        &how,
    ) {
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
fn checkout_revision(
    dir: &Path,
    rev: &str,
) -> anyhow::Result<(crate::sys::cleanup::TempDir, PathBuf)> {
    Ok(crate::review::affected::checkout_revision(dir, rev)?)
}

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
pub enum ColorChoice {
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
pub fn use_colour(choice: ColorChoice) -> bool {
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
    let mut diffs = match (new, base) {
        (Some(new), None) => crate::review::diff::diff(
            &crate::build_resources(old, options)?,
            &crate::build_resources(new, options)?,
        ),
        (None, Some(rev)) => {
            let tree = crate::review::affected::BaseTree::open(Some(old), rev)?;
            let sides = tree.sides(old)?;
            // A directory on one side only renders as all-added or all-removed.
            let build = |d: &Option<PathBuf>| match d {
                Some(d) => crate::build_resources(d, options),
                None => Ok(Vec::new()),
            };
            crate::review::diff::diff(&build(&sides.old)?, &build(&sides.new)?)
        }
        _ => anyhow::bail!("give either two directories, or one directory and --base REV"),
    };
    if !how.show_secrets {
        crate::review::diff::mask_secrets(&mut diffs);
    }
    out(&match how.format {
        DiffFormat::Text => crate::review::diff::render(&diffs, how.colour),
        DiffFormat::Markdown => crate::review::diff::render_markdown(&diffs),
    })?;
    Ok(!diffs.is_empty())
}

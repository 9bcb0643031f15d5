//! `nest-kz review`: the review of everything a change since a git
//! revision affects, as one markdown document (a pull-request comment) or
//! as text.

use super::args::BuildFlags;
use super::{err_line, print_text};
use clap::ValueEnum;
use std::path::PathBuf;

// The flags of `review`.
#[derive(clap::Args)]
pub struct ReviewArgs {
    /// The git revision the change is compared with (the pull request's base).
    #[arg(long)]
    base: String,
    /// Kustomization directories to consider (default: every one in the repository, and every deleted one).
    dirs: Vec<PathBuf>,
    /// markdown (a pull-request comment) or text.
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReviewFormat,
    /// The most characters the markdown may have (GitHub refuses comments over 65,536).
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(2_000..))]
    max_chars: u32,
    /// Print Secret data in clear (masked by default).
    #[arg(long)]
    show_secrets: bool,
    /// Colour for text: auto, always or never.
    #[arg(long, value_enum, default_value = "auto")]
    color: super::diff::ColorChoice,
    #[command(flatten)]
    flags: BuildFlags,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ReviewFormat {
    Markdown,
    Text,
}

/// Runs `review`; the exit status (0 when the report was printed).
pub fn run(args: ReviewArgs) -> u8 {
    let options = args.flags.options();
    match crate::review::report::review(&args.base, &args.dirs, &options, args.show_secrets) {
        Ok(review) => print_text(&match args.format {
            ReviewFormat::Markdown => {
                crate::review::report::render_markdown(&review, args.max_chars as usize)
            }
            ReviewFormat::Text => {
                crate::review::report::render_text(&review, super::diff::use_colour(args.color))
            }
        }),
        Err(e) => {
            err_line(&format!("Error: {e}"));
            1
        }
    }
}

//! `nest-kz affected`: the kustomization directories whose output a change
//! since a git revision touches.

use super::args::BuildFlags;
use super::{err_line, print_text};
use std::path::PathBuf;

// The flags of `affected`.
#[derive(clap::Args)]
pub struct AffectedArgs {
    /// The git revision to compare with (a commit, branch or tag).
    #[arg(long)]
    base: String,
    /// Kustomization directories to consider (default: every one in the repository).
    dirs: Vec<PathBuf>,
    /// Only follow the kustomization graph; do not build both sides to confirm.
    #[arg(long)]
    no_confirm: bool,
    #[command(flatten)]
    flags: BuildFlags,
}

/// Runs `affected`; the exit status.
pub fn run(args: AffectedArgs) -> u8 {
    let options = args.flags.options();
    match crate::review::affected::affected(&args.base, &args.dirs, !args.no_confirm, &options) {
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

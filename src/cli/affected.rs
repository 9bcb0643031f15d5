//! `nest-kz affected`: the kustomization directories whose output a change
//! since a git revision touches.

use super::args::{HelmArgs, Restrictor};
use super::{err_line, print_text};
use crate::BuildOptions;
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
    /// Which files may be loaded (kustomize's --load-restrictor).
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    load_restrictor: Restrictor,
    #[command(flatten)]
    helm: HelmArgs,
}

/// Runs `affected`; the exit status.
pub fn run(args: AffectedArgs) -> u8 {
    let options = BuildOptions {
        load_restriction: args.load_restrictor.into(),
        helm: args.helm.options(),
        ..BuildOptions::default()
    };
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

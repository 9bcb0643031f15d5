//! `nest-kz affected`: the kustomization directories whose output a change
//! since a git revision touches.

use super::args::BuildFlags;
use super::{err_line, print_text};
use std::path::PathBuf;

// The flags of `affected`.
#[derive(clap::Args)]
pub struct AffectedArgs {
    /// The git revision to compare with (a commit, branch or tag).
    #[arg(long, required_unless_present = "generate_paths")]
    base: Option<String>,
    /// Kustomization directories to consider (default: every one in the repository).
    dirs: Vec<PathBuf>,
    /// Only follow the kustomization graph; do not build both sides to confirm.
    #[arg(long)]
    no_confirm: bool,
    /// Print, per directory and after a tab, the paths its build reads as ArgoCD's
    /// `argocd.argoproj.io/manifest-generate-paths` annotation takes them (`.;/base;...`).
    /// Without --base: every kustomization (or those given).
    #[arg(long)]
    generate_paths: bool,
    #[command(flatten)]
    flags: BuildFlags,
}

/// Runs `affected`; the exit status.
pub fn run(args: AffectedArgs) -> u8 {
    match listing(args) {
        Ok(text) => print_text(&text),
        Err(e) => {
            err_line(&format!("Error: {e}"));
            1
        }
    }
}

fn listing(args: AffectedArgs) -> Result<String, crate::review::affected::AffectedError> {
    use crate::review::affected;
    let AffectedArgs {
        base,
        dirs,
        no_confirm,
        generate_paths,
        flags,
    } = args;
    let options = flags.options();
    let dirs = match &base {
        Some(base) => affected::affected(base, &dirs, !no_confirm, &options)?,
        None if dirs.is_empty() => affected::all_kustomizations()?,
        None => dirs,
    };
    let mut text = String::new();
    for d in dirs {
        if !generate_paths {
            text.push_str(&format!("{}\n", d.display()));
        } else if d.is_dir() {
            // A deleted directory has no application left to annotate.
            text.push_str(&format!(
                "{}\t{}\n",
                d.display(),
                affected::generate_paths(&d)?
            ));
        }
    }
    Ok(text)
}

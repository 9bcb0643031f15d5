//! `nest-kz explain`: every field of the output with the file and line
//! that set it and its earlier values, filtered by object, field or file.

use super::args::BuildFlags;
use super::{err_line, print_text};
use std::path::PathBuf;

// The flags of `explain`.
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Directory holding kustomization.yaml.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Only this object: KIND/NAME (current or original name).
    #[arg(long)]
    object: Option<String>,
    /// Only this field and the fields below it, as explain names them (spec.replicas,
    /// spec.template.spec.containers[name=app]).
    #[arg(long)]
    field: Option<String>,
    /// Only the fields this file sets (or set before a later step changed them).
    #[arg(long)]
    file: Option<PathBuf>,
    #[command(flatten)]
    flags: BuildFlags,
}

/// Runs `explain`; the exit status.
pub fn run(args: ExplainArgs) -> u8 {
    let wanted = describe(&args);
    let mut options = args.flags.options();
    options.track_provenance = true;
    let file = match args
        .file
        .as_ref()
        .map(|f| f.canonicalize().map_err(|e| (f, e)))
    {
        Some(Err((f, e))) => {
            err_line(&format!("Error: {}: {e}", f.display()));
            return 1;
        }
        Some(Ok(f)) => Some(f),
        None => None,
    };
    match crate::build_resources(&args.dir, &options) {
        Ok(resources) => {
            let cwd = std::env::current_dir()
                .and_then(|d| d.canonicalize())
                .unwrap_or_default();
            let filter = crate::review::explain::Filter {
                object: args.object.as_deref(),
                field: args.field.as_deref(),
                file: file.as_deref(),
            };
            let text = crate::review::explain::render(&resources, &filter, &cwd);
            if text.is_empty() {
                err_line(&format!("Error: nothing matches {}", wanted));
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

/// The filters given, as a user wrote them.
fn describe(args: &ExplainArgs) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &args.object {
        parts.push(format!("--object {o}"));
    }
    if let Some(f) = &args.field {
        parts.push(format!("--field {f}"));
    }
    if let Some(f) = &args.file {
        parts.push(format!("--file {}", f.display()));
    }
    parts.join(" ")
}

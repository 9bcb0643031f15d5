//! `nest-kz explain`: every field of the output with the file and line
//! that set it and its earlier values, filtered by object, field or file.

use super::args::BuildFlags;
use super::{err_line, write_failed};
use std::io::Write;
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
    let mut options = args.flags.options();
    options.track_provenance = true;
    match chained_build(&args.dir, &options) {
        Ok(resources) => {
            let cwd = std::env::current_dir()
                .and_then(|d| d.canonicalize())
                .unwrap_or_default();
            let filter = crate::review::explain::Filter {
                object: args.object.as_deref(),
                field: args.field.as_deref(),
                file: file.as_deref(),
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = crate::review::explain::write(&mut out, &resources, &filter, &cwd)
                .and_then(|n| out.flush().map(|()| n));
            match written {
                Ok(0) => {
                    err_line(&format!("Error: nothing matches {wanted}"));
                    1
                }
                Ok(_) => 0,
                Err(e) => write_failed(&e),
            }
        }
        Err(e) => {
            err_line(&format!("Error: {e}"));
            1
        }
    }
}

/// The build with provenance, and each overwritten field's earlier values.
/// Keeping every value an object ever had would cost a copy of every
/// object; instead a first build finds the fields a later step overwrote,
/// and, only when there are any, a second build keeps those fields' values
/// as they are set (builds are deterministic, so both see the same steps).
fn chained_build(
    dir: &std::path::Path,
    options: &crate::BuildOptions,
) -> crate::error::Result<Vec<crate::model::resource::Resource>> {
    let first = crate::build_resources(dir, options)?;
    if !crate::model::provenance::watch(&first) {
        return Ok(first);
    }
    drop(first);
    let second = crate::build_resources(dir, options);
    crate::model::provenance::unwatch();
    second
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

//! `nest-kz explain`: every field of the output with the file and line
//! that last set it.

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
    #[command(flatten)]
    flags: BuildFlags,
}

/// Runs `explain`; the exit status.
pub fn run(args: ExplainArgs) -> u8 {
    let mut options = args.flags.options();
    options.track_provenance = true;
    match crate::build_resources(&args.dir, &options) {
        Ok(resources) => {
            let cwd = std::env::current_dir()
                .and_then(|d| d.canonicalize())
                .unwrap_or_default();
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written =
                crate::review::explain::write(&mut out, &resources, args.object.as_deref(), &cwd)
                    .and_then(|n| out.flush().map(|()| n));
            match written {
                Ok(0) => {
                    err_line(&format!(
                        "Error: no object matches {}",
                        args.object.unwrap_or_default()
                    ));
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

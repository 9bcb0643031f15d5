//! `nest-kz version`: what `kustomize version` prints for the release
//! nest-kz emulates, then nest-kz's own version.

use super::{err_line, print_text};
use clap::ValueEnum;

// The flags of `version`.
#[derive(clap::Args)]
pub struct VersionArgs {
    /// kustomize's deprecated short form.
    #[arg(long)]
    short: bool,
    /// yaml or json.
    #[arg(short, long, value_enum)]
    output: Option<VersionFormat>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum VersionFormat {
    Yaml,
    Json,
}

/// The kustomize release nest-kz is measured against.
const KUSTOMIZE_VERSION: &str = "v5.5.0";

/// Prints the version in the shape asked for.
pub fn run(args: VersionArgs) -> u8 {
    print_version(args.short, args.output)
}

/// kustomize's `version` output first (tools parse it), then nest-kz's.
fn print_version(short: bool, output: Option<VersionFormat>) -> u8 {
    let nest = env!("CARGO_PKG_VERSION");
    let info = crate::json!({
        "version": format!("kustomize/{KUSTOMIZE_VERSION}"),
        "gitCommit": "unknown",
        "buildDate": "unknown",
        "goOs": std::env::consts::OS,
        "goArch": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
        "nestKzVersion": nest,
    });
    let text = match (short, output) {
        (true, Some(_)) => {
            err_line("Error: --short and --output are mutually exclusive");
            return 2;
        }
        (true, None) => format!("{{kustomize/{KUSTOMIZE_VERSION}  unknown   }}\nnest-kz {nest}\n"),
        (false, None) => format!("{KUSTOMIZE_VERSION}\nnest-kz {nest}\n"),
        (false, Some(VersionFormat::Yaml)) => format!("{}\n", crate::yaml::emit_document(&info)),
        (false, Some(VersionFormat::Json)) => match serde_json::to_string_pretty(&info) {
            Ok(text) => format!("{text}\n"),
            Err(e) => {
                err_line(&format!("Error: {e}"));
                return 1;
            }
        },
    };
    print_text(&text)
}

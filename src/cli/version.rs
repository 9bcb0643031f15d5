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

/// Prints the version in the shape asked for.
pub fn run(args: VersionArgs) -> u8 {
    print_version(args.short, args.output)
}

/// What `kustomize version` prints for the emulated release, in each of
/// its shapes (kustomize's `provenance.Provenance`: its fields in their
/// order, the empty ones left out, then a line break). nest-kz's own
/// version is `nest-kz --version`.
fn print_version(short: bool, output: Option<VersionFormat>) -> u8 {
    let version = crate::release::current().version();
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    let fields = [
        ("version", format!("kustomize/{version}")),
        ("gitCommit", "unknown".to_string()),
        ("buildDate", "unknown".to_string()),
        ("goOs", std::env::consts::OS.to_string()),
        ("goArch", arch.to_string()),
        ("goVersion", "unknown".to_string()),
    ];
    let text = match (short, output) {
        (true, Some(_)) => {
            err_line("Error: --short and --output are mutually exclusive");
            return 1;
        }
        (true, None) => {
            // cobra's notice for a deprecated flag.
            err_line("Flag --short has been deprecated, and will be removed in the future.");
            // Go's %v of the struct with only the version and build date set.
            format!("{{kustomize/{version}  unknown   }}\n")
        }
        (false, None) => format!("{version}\n"),
        (false, Some(VersionFormat::Yaml)) => {
            let body: String = fields.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
            format!("{body}\n")
        }
        (false, Some(VersionFormat::Json)) => {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("  {}: {}", json_string(k), json_string(v)))
                .collect();
            format!("{{\n{}\n}}\n", body.join(",\n"))
        }
    };
    print_text(&text)
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

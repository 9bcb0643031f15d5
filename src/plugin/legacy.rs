//! Legacy exec plugins (kustomize's `execplugin`): the program under the
//! plugin home, run with the config written to a temporary file as its
//! first argument, then `argsOneLiner` and `argsFromFile`; the config also
//! in `KUSTOMIZE_PLUGIN_CONFIG_STRING` and the kustomization's directory in
//! `KUSTOMIZE_PLUGIN_CONFIG_ROOT` and as working directory. A generator
//! gets an empty stdin, a transformer the resources. stderr is kept only
//! for a failure's message. The temporary file goes whatever happens.

use super::{Plugin, PluginError, Role};
use std::path::Path;
use std::process::Command;

/// kustomize leaves out an environment entry longer than this.
const MAX_ENV_ENTRY: usize = 131_071;

pub fn run(
    p: &Plugin,
    exe: &Path,
    role: Role,
    stdin: Option<String>,
) -> Result<Vec<u8>, PluginError> {
    let config = crate::yaml::emit_document(p.config);
    let mut args = one_liner_args(p)?;
    args.extend(file_args(p)?);
    let tmp =
        crate::sys::cleanup::TempDir::new("nest-kz-plugin-").map_err(|e| PluginError::Io {
            path: std::env::temp_dir(),
            source: e,
        })?;
    let config_file = tmp.path().join("kust-plugin-config");
    std::fs::write(&config_file, &config).map_err(|e| PluginError::Io {
        path: config_file.clone(),
        source: e,
    })?;
    let mut cmd = Command::new(exe);
    cmd.arg(&config_file).args(&args).current_dir(p.dir());
    for (key, value) in [
        ("KUSTOMIZE_PLUGIN_CONFIG_STRING", config.as_str()),
        ("KUSTOMIZE_PLUGIN_CONFIG_ROOT", &p.dir().to_string_lossy()),
    ] {
        if key.len() + 1 + value.len() <= MAX_ENV_ENTRY {
            cmd.env(key, value);
        } else {
            eprintln!(
                "{key} exceeds hard limit of {MAX_ENV_ENTRY} characters, the environment variable will be omitted"
            );
        }
    }
    let what = format!("{} ({})", p.what(), exe.display());
    // A generator's stdin is empty, not absent.
    let input = match role {
        Role::Generator => Vec::new(),
        Role::Transformer | Role::Validator => stdin.unwrap_or_default().into_bytes(),
    };
    let output = super::run_child(cmd, &what, input)?;
    if !output.status.success() {
        return Err(PluginError::Failed {
            what,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        });
    }
    Ok(output.stdout)
}

fn one_liner_args(p: &Plugin) -> Result<Vec<String>, PluginError> {
    match p.config["argsOneLiner"].as_str().filter(|t| !t.is_empty()) {
        None => Ok(Vec::new()),
        Some(text) => {
            let splitter = crate::release::current().args_one_liner_splitter();
            super::args::split_one_liner(text, splitter).map_err(PluginError::Args)
        }
    }
}

/// `argsFromFile`, read by the kustomization's loader (so under its load
/// restrictor).
fn file_args(p: &Plugin) -> Result<Vec<String>, PluginError> {
    match p.config["argsFromFile"].as_str().filter(|t| !t.is_empty()) {
        None => Ok(Vec::new()),
        Some(path) => {
            let (_, text) = p
                .loader
                .read_text(path)
                .map_err(|e| PluginError::Invalid(format!("argsFromFile: {e}")))?;
            Ok(super::args::file_lines(&text))
        }
    }
}

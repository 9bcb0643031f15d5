//! `nest-kz build`: build a kustomization and print (or write) the objects,
//! as kustomize's `build`; with `--argocd`, as the ArgoCD plugin (the
//! Application's parameters applied first, see `argocd`).

use super::args::{BuildFlags, UnsupportedBuildFlags};
use super::{err_line, is_broken_pipe, output};
use crate::load::loader::LoadRestriction;
use crate::{BuildOptions, build};
use clap::ValueEnum;
use std::io::Write;
use std::path::{Path, PathBuf};

// The flags of `build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// Directory holding kustomization.yaml (default: current directory), or a repository URL.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Write to this file, or to this directory (trailing `/` or existing dir) one file per object.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
    /// Final ordering when the kustomization has no sortOptions (kustomize's deprecated --reorder).
    #[arg(long, value_enum)]
    reorder: Option<Reorder>,
    /// Run as an ArgoCD config-management plugin: apply the Application's
    /// kustomize-style parameters (see argocd/README.md).
    #[arg(long)]
    argocd: bool,
    #[command(flatten)]
    flags: BuildFlags,
    // Boxed: the refused flags are large and only checked once.
    #[command(flatten)]
    unsupported: Box<UnsupportedBuildFlags>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Reorder {
    Legacy,
    None,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Yaml,
    Json,
}

/// Runs `build`; the exit status.
pub fn run(args: BuildArgs) -> u8 {
    let BuildArgs {
        dir,
        output,
        format,
        reorder,
        argocd,
        flags,
        unsupported,
    } = args;
    if let Err(e) = unsupported.check() {
        err_line(&format!("Error: {e}"));
        return 2;
    }
    let mut options = flags.options();
    let env: std::collections::BTreeMap<String, String> = match argocd {
        true => std::env::vars().collect(),
        false => Default::default(),
    };
    if argocd {
        match argocd_root(&dir, &env, &mut options) {
            Ok(text) => options.root_text = text,
            Err(e) => {
                err_line(&format!("Error: {e}"));
                return 1;
            }
        }
    }
    // A repository URL builds its clone's kustomization (kustomize's
    // remote root).
    let remote = match crate::build::build_target(&dir.to_string_lossy(), &options) {
        Ok(remote) => remote,
        Err(e) => {
            err_line(&format!("Error: {e}"));
            return 1;
        }
    };
    let root_dir = remote.as_ref().map_or(dir.as_path(), |r| r.dir.as_path());
    // kustomize: the file's sortOptions win over --reorder (with a warning).
    if reorder.is_some() && has_sort_options(root_dir) {
        err_line(
            "Warning: Sorting order is set both in 'kustomization.yaml' ('sortOptions') and in a CLI flag ('--reorder'). Using the kustomization file over the CLI flag.",
        );
    } else if reorder == Some(Reorder::None) {
        options.load_order = true;
    }
    match run_build(&dir, remote.as_ref(), output.as_deref(), &options, format) {
        Ok(()) if argocd => {
            // The repo-server keeps the plugin's stderr: which app it built.
            let var = |k: &str| env.get(k).cloned().unwrap_or_default();
            err_line(&format!(
                "nest-kz: built {} for ArgoCD application {:?} at revision {:?}",
                dir.display(),
                var("ARGOCD_APP_NAME"),
                var("ARGOCD_APP_REVISION")
            ));
            0
        }
        Ok(()) => 0,
        Err(e) => {
            if !is_broken_pipe(&e) {
                err_line(&format!("Error: {e}"));
            }
            1
        }
    }
}

/// The ArgoCD plugin's parameters, read from its environment: the release
/// to emulate, helm's options narrowed or completed from them, and the
/// app's kustomization as ArgoCD's edits leave it (none when there is
/// nothing to edit).
fn argocd_root(
    dir: &Path,
    env: &std::collections::BTreeMap<String, String>,
    options: &mut BuildOptions,
) -> Result<Option<String>, crate::cli::argocd::ParamError> {
    let overrides = crate::cli::argocd::SourceOverrides::from_env(env)?;
    if let Some(release) = overrides.kustomize_version {
        crate::release::set(release);
    }
    overrides.apply_helm(env, &mut options.helm)?;
    overrides.apply(dir, env)
}

fn has_sort_options(dir: &Path) -> bool {
    // Read under the file-access policy: a FIFO must not hang this peek.
    crate::load::loader::Loader::new(dir, LoadRestriction::RootOnly)
        .and_then(|l| l.read_kustomization())
        .ok()
        .and_then(|(_, t)| crate::yaml::parse_config_documents(&t).ok())
        .and_then(|d| d.into_iter().next())
        .is_some_and(|d| d.value.get("sortOptions").is_some())
}

fn run_build(
    dir: &Path,
    remote: Option<&crate::load::remote::RemoteRoot>,
    output: Option<&Path>,
    options: &BuildOptions,
    format: Format,
) -> anyhow::Result<()> {
    let objects = match remote {
        Some(root) => crate::build::build_remote(root, options)?
            .into_iter()
            .map(|r| r.value)
            .collect(),
        None => build(dir, options)?,
    };
    let render = |objs: &[crate::model::value::Value]| -> anyhow::Result<String> {
        Ok(match format {
            Format::Yaml => crate::yaml::emit_stream(objs),
            Format::Json => serde_json::to_string_pretty(objs)? + "\n",
        })
    };
    match output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                Format::Yaml => crate::yaml::emit::write_stream(&mut out, &objects)?,
                Format::Json => out.write_all(render(&objects)?.as_bytes())?,
            }
            out.flush()?;
        }
        Some(path) if path.is_dir() || path.to_string_lossy().ends_with('/') => {
            std::fs::create_dir_all(path)?;
            let namespaces: std::collections::BTreeSet<String> =
                objects.iter().filter_map(output::namespace_of).collect();
            for obj in &objects {
                let name = output::file_name_for(obj, namespaces.len() > 1);
                // A link planted in DIR is replaced, not followed.
                output::write_output(
                    &output::path_in_dir(path, &name)?,
                    render(std::slice::from_ref(obj))?.as_bytes(),
                    false,
                )?;
            }
        }
        Some(path) => output::write_output(path, render(&objects)?.as_bytes(), true)?,
    }
    // The process ends next: freeing every node one by one only costs time.
    std::mem::forget(objects);
    Ok(())
}

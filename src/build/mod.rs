//! Builds a kustomization directory into its final list of objects, in
//! kustomize's phases: each kustomization accumulates its resources
//! (building the kustomizations below it), runs its generators, applies its
//! components and runs its transformers (`target`, with one module per
//! phase: `resources`, `generators`, `components`, `transformers`); then,
//! at the root only, `finish` adds hash suffixes, fixes name references,
//! expands vars and sorts.
//!
//! This stage owns the order of everything (kustomize's accumulator and
//! target); the steps themselves live in `generate`, `patch`, `transform`
//! and `refs`. Build annotations (`annotations`), builtin plugin configs
//! (`plugins`), resource prefetching (`prefetch`) and the output order
//! (`ordering`) are its helpers.

mod annotations;
mod components;
mod finish;
mod generators;
pub mod ordering;
pub mod plugins;
pub mod prefetch;
mod resources;
mod target;
mod transformers;

pub use generators::inflate_helm_chart;
pub use resources::{load_resource_bytes, load_resource_file, load_resources_from_text};

use crate::error::{BuildError, Result};
use crate::load::loader::LoadRestriction;
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restriction: LoadRestriction,
    /// Record, for every field, the file and line that last set it.
    pub track_provenance: bool,
    /// Helm chart inflation (`--enable-helm` and the helm flags).
    pub helm: crate::generate::helm::HelmOptions,
    /// External plugins (`--enable-alpha-plugins` and the function flags).
    pub plugins: crate::plugin::PluginOptions,
    /// Git and HTTP(S) entries: refusal, offline mode, cache location.
    pub remote: crate::load::remote::RemoteOptions,
    /// The root kustomization's text, read in place of its file (the
    /// ArgoCD plugin builds the app's kustomization as ArgoCD's `kustomize
    /// edit` calls leave it, edited in memory).
    pub root_text: Option<String>,
    /// Keep load order when the root kustomization has no sortOptions
    /// (kustomize's deprecated `build --reorder none`).
    pub load_order: bool,
    /// Print kustomize's warnings for deprecated fields on stderr, as
    /// `kustomize build` does (off for builds a command makes for itself).
    pub deprecation_warnings: bool,
}

/// Builds `dir` and returns the objects in output order.
pub fn build(dir: &Path, options: &BuildOptions) -> Result<Vec<Value>> {
    Ok(build_resources(dir, options)?
        .into_iter()
        .map(|r| r.value)
        .collect())
}

/// Builds `dir` and returns the resources (objects with their history and,
/// when tracked, field origins) in output order.
pub fn build_resources(dir: &Path, options: &BuildOptions) -> Result<Vec<Resource>> {
    build_in(dir, None, options)
}

/// What `build` is asked to build: a directory, or a repository URL.
/// kustomize asks the repository-URL parser first (`loader.NewLoader`), so
/// a path that reads as one is cloned even if a directory of that name
/// exists.
pub fn build_target(
    arg: &str,
    options: &BuildOptions,
) -> Result<Option<crate::load::remote::RemoteRoot>> {
    let Ok(spec) = crate::load::remote::RepoSpec::parse(arg) else {
        return Ok(None);
    };
    let wrap = |source| BuildError::Remote {
        url: arg.to_string(),
        source,
    };
    if options.remote.refuse {
        return Err(wrap(crate::load::remote::RemoteError::Refused));
    }
    crate::load::remote::fetch_root(&spec, &options.remote)
        .map(Some)
        .map_err(wrap)
}

/// Builds the kustomization of a repository URL (`build URL`): loads are
/// restricted as in a remote base (files below each kustomization, bases
/// inside the clone, whatever `--load-restrictor` says), origins are
/// relative to it as to a local root.
pub fn build_remote(
    root: &crate::load::remote::RemoteRoot,
    options: &BuildOptions,
) -> Result<Vec<Resource>> {
    build_in(&root.dir, Some(&root.repo), options)
}

fn build_in(dir: &Path, clone: Option<&Path>, options: &BuildOptions) -> Result<Vec<Resource>> {
    let _budget = crate::model::limits::BuildBudget::start(dir);
    crate::load::memo::clear();
    let mut builder = target::Builder::new(options);
    builder.root_clone = clone.map(Path::to_path_buf);
    let built = builder
        .accumulate(dir, ResMap::default(), false)
        .and_then(|(acc, root)| {
            let asked = finish::BuildAnnotations {
                origin: builder.origin_annotations,
                transformer: builder.transformer_annotations,
            };
            finish::at_root(acc, &root, dir, options, asked)
        });
    // The memory budget ran out somewhere in the build: the message names
    // the build's root.
    built.map_err(|e| match e {
        BuildError::Budget(budget) => BuildError::invalid(dir, budget.to_string()),
        other => other,
    })
}

/// `to` relative to the directory `from` (both canonical), with `..` as needed.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn with_context(e: BuildError, kfile: &Path, field: &str) -> BuildError {
    match e {
        // An error about the same file names it once.
        BuildError::Invalid { path, message } if path == kfile => {
            BuildError::invalid(kfile, format!("{field}: {message}"))
        }
        e => BuildError::invalid(kfile, format!("{field}: {e}")),
    }
}

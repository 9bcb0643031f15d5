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
use crate::load::transformer_config::TransformerConfig;
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use crate::transform::prefix_suffix::Affix;
use crate::transform::{self, images, namespace, prefix_suffix};
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restriction: LoadRestriction,
    /// Applied on top of the root kustomization, as a wrapping overlay would.
    pub overrides: Overrides,
    /// Record, for every field, the file and line that last set it.
    pub track_provenance: bool,
    /// Helm chart inflation (`--enable-helm` and the helm flags).
    pub helm: crate::generate::helm::HelmOptions,
    /// Git and HTTP(S) entries: refusal, offline mode, cache location.
    pub remote: crate::load::remote::RemoteOptions,
}

/// What a wrapping kustomization (`resources: [DIR]`) could set; the ArgoCD
/// plugin fills it from `ARGOCD_ENV_*` parameters.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub images: Vec<crate::load::kustomization::ImageSpec>,
}

impl Overrides {
    pub(super) fn apply(
        &self,
        resmap: &mut ResMap,
        config: &TransformerConfig,
    ) -> transform::TransformResult {
        let t = namespace::Namespace {
            namespace: self.namespace.as_deref().unwrap_or_default(),
            specs: config.specs("namespace"),
            ..Default::default()
        };
        namespace::apply(resmap, &t)?;
        for (affix, text, specs) in [
            (Affix::Prefix, &self.name_prefix, "namePrefix"),
            (Affix::Suffix, &self.name_suffix, "nameSuffix"),
        ] {
            if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
                prefix_suffix::apply(resmap, affix, text, config.specs(specs))?;
            }
        }
        images::apply(resmap, &self.images, config.specs("images"))
    }
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
    let _budget = crate::model::limits::BuildBudget::start(dir);
    let mut builder = target::Builder::new(options);
    let (acc, root) = builder.accumulate(dir, ResMap::default(), false)?;
    let asked = finish::BuildAnnotations {
        origin: builder.origin_annotations,
        transformer: builder.transformer_annotations,
    };
    finish::at_root(acc, &root, dir, options, asked)
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
    BuildError::invalid(kfile, format!("{field}: {e}"))
}

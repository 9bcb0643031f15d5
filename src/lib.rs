//! nest-kz: a Kustomize-compatible overlay compiler.
//!
//! Data flows one way: `kustomization` (load) -> `build` (resolve resources,
//! generators, transformers) -> `namereference`/`ordering` -> `yaml::emit`.

pub mod argocd;
pub mod build;
pub mod diff;
pub mod error;
pub mod explain;
pub mod fieldspec;
pub mod generators;
pub mod hash;
pub mod json6902;
pub mod kustomization;
pub mod loader;
pub mod namereference;
pub mod openapi;
#[rustfmt::skip]
mod openapi_table;
pub mod ordering;
pub mod patches;
pub mod plugins;
pub mod provenance;
pub mod replacements;
pub mod resid;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod strategic_merge;
pub mod transformer_config;
pub mod transformers;
pub mod vars;
pub mod yaml;

pub use build::{build, build_resources, BuildOptions, Overrides};
pub use error::BuildError;

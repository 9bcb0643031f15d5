//! nest-kz: a Kustomize-compatible overlay compiler.
//!
//! Data flows one way, one folder per stage:
//!
//! - `load`: kustomization files, file-access policy, transformer
//!   configurations and OpenAPI merge metadata;
//! - `build`: accumulates resources in kustomize's order (resources,
//!   generators, components, transformers) and finishes at the root (hash
//!   suffixes, name references, vars, ordering);
//! - the steps it runs: `generate`, `patch`, `transform`, `refs`;
//! - `yaml`: reading (go-yaml v3 rules) and printing (go-yaml v2 rules);
//! - `model`: the resource types all stages share;
//! - `review`: provenance, `explain` and `diff`, reading the build's output;
//! - `edit`: `edit set|add|remove|fix` and `create`, changing kustomization
//!   files through text-span edits (`yaml::edit`);
//! - `cli`: the command line and the ArgoCD plugin entry points.

pub mod build;
pub mod cli;
pub mod edit;
pub mod error;
pub mod generate;
pub mod load;
pub mod model;
pub mod patch;
pub mod plugin;
pub mod refs;
pub mod release;
pub mod review;
pub mod sys;
pub mod transform;
pub mod yaml;

pub use build::{BuildOptions, build, build_remote, build_resources, build_target};
pub use error::BuildError;

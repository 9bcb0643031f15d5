//! nest-kz: a Kustomize-compatible overlay compiler.
//!
//! Data flows one way, one folder per stage (docs/architecture.md walks
//! through them; tests/layers.rs checks that imports only point down):
//!
//! - `release`: the rules that differ between kustomize releases, one
//!   module per release that changed them;
//! - `model`: the resource types all stages share, and the run's limits;
//! - `yaml`: reading (go-yaml v3 rules) and printing (go-yaml v2 rules);
//! - `sys`: child processes and temporary files, bounded and cleaned up;
//! - `load`: kustomization files, file-access policy, remote resources,
//!   transformer configurations and OpenAPI merge metadata;
//! - the steps the build runs: `generate` (helm included), `patch`,
//!   `transform`, `refs`;
//! - `plugin`: exec plugins and KRM functions (exec and container);
//! - `build`: accumulates resources in kustomize's phases (resources,
//!   components, generators, transformers, validators) and finishes at the
//!   root (hash suffixes, name references, vars, ordering);
//! - `review`: `explain`, `diff`, `affected` and `graph`, reading builds;
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

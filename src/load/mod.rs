//! Loading: everything read from disk before objects are built. The
//! kustomization file and its schema (`kustomization`, helm's fields in
//! `kustomization::helm`), the file-access policy and load restrictions
//! (`loader`, with what a build learned about the file system in
//! `memo`), transformer configurations and CRD markers
//! (`transformer_config`, with kustomize's defaults in the generated
//! `builtin_config_table`), the OpenAPI merge metadata the strategic-merge
//! engine walks (`openapi`, generated `openapi_table`), and remote git and
//! HTTP(S) entries with their cache (`remote`).
//!
//! It produces configuration, never objects: resources are read by `build`.
pub mod go_json;
pub mod kustomization;
pub mod loader;
pub mod memo;
pub mod openapi;
pub mod remote;
#[rustfmt::skip]
pub(crate) mod openapi_table;
#[rustfmt::skip]
mod builtin_config_table;
pub mod transformer_config;

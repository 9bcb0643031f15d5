//! Generators: objects made from a kustomization's own fields rather than
//! read from resource files. `configmap_secret` builds `configMapGenerator`
//! and `secretGenerator` output (with merge/replace behaviour against
//! existing objects); `hash` computes the content suffix kustomize appends
//! to generated names; `helm` inflates `helmCharts` with the helm binary.
//!
//! Generators add objects to a `ResMap`; they do not transform others.
pub mod configmap_secret;
pub mod hash;
pub mod helm;

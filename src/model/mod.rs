//! The object model every pipeline stage shares: resource identity
//! (`resid`), a resource in flight with its history (`resource`), the ordered
//! collection a kustomization accumulates (`resmap`), field specs and their
//! walker (`fieldspec`), target selectors (`selector`), and field lookups
//! that skip hashing for small maps (`lookup`).
//!
//! This layer knows nothing about kustomization files or transformers: it
//! may not read files or call into `load`, `build` or the transformation
//! stages.
pub mod fieldspec;
pub mod lookup;
pub mod resid;
pub mod resmap;
pub mod resource;
pub mod selector;

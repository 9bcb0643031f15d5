//! The object model every pipeline stage shares: the document itself
//! (`value`, with its mappings in `map` and their interned keys in `key`),
//! resource identity (`resid`), a resource in flight with its history
//! (`resource`), the ordered collection
//! a kustomization accumulates (`resmap`), field specs and their walker
//! (`fieldspec`), target selectors (`selector`), and returning freed
//! memory between passes over a big collection (`memory`).
//!
//! This layer knows nothing about kustomization files or transformers: it
//! may not read files or call into `load`, `build` or the transformation
//! stages.
pub mod fieldspec;
pub mod key;
pub mod map;
pub mod memory;
pub mod resid;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod value;

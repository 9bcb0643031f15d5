//! The object model every pipeline stage shares, at the bottom of the
//! layers: the document itself (`value`, with its mappings in `map`, their
//! interned keys in `key` and the order they print in, `key_order`),
//! kept paths to nodes (`node_path`) and the untagged scalars among them
//! (`untagged`), texts the values do not keep (`written`), resource
//! identity (`resid`, with which kinds are cluster-scoped in
//! `cluster_scope` and kustomize's kind ranks in `kind_order`), a resource
//! in flight with its history (`resource`) and, when asked, who set each
//! field (`provenance`), the ordered collection a kustomization accumulates
//! (`resmap`), field specs and their walker (`fieldspec`), target selectors
//! (`selector`), the bounds every layer charges (`limits`), and returning
//! freed memory between passes over a big collection (`memory`).
//!
//! This layer knows nothing about YAML text, kustomization files or
//! transformers: it imports only `release`, and may not read files.
pub mod cluster_scope;
pub mod fieldspec;
pub mod go_format;
pub mod go_regex;
pub mod go_sort;
#[rustfmt::skip]
pub mod go_unicode;
pub mod heap;
pub mod key;
pub mod key_order;
pub mod kind_order;
pub mod limits;
pub mod map;
pub mod memory;
pub mod node_path;
pub mod provenance;
pub mod resid;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod untagged;
pub mod value;
pub mod written;

/// What the model refuses: an object or selector that cannot be held (a
/// duplicate id, an invalid target pattern) or a limit reached. The build
/// turns it into its own error (`error::BuildError`), naming the same file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: {message}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
    #[error(transparent)]
    Limit(#[from] limits::LimitError),
    #[error(transparent)]
    Budget(#[from] heap::Exceeded),
}

impl ModelError {
    pub fn invalid(path: impl Into<std::path::PathBuf>, message: impl Into<String>) -> Self {
        ModelError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

//! YAML reading (go-yaml v3 rules) and writing (go-yaml v2 rules, as kustomize prints),
//! and go-yaml v3 nodes for the text kustomize edits and prints without JSON.
pub mod edit;
pub mod emit;
mod fast;
pub mod folded;
pub mod keyed_lines;
pub mod node;
pub mod node_comments;
pub mod node_emit;
pub mod parse;
pub mod scalars;
#[cfg(test)]
pub mod testing;

pub use emit::{emit_document, emit_stream};
pub use parse::{
    Document, DuplicateKeys, LineTree, Reader, StylePaths, YamlError, parse_config_documents,
    parse_documents, parse_documents_with, parse_json_patch_documents, parse_node_documents,
    parse_resource_documents,
};

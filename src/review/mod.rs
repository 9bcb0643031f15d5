//! Reviewer tools built on the pipeline's output: `explain` prints, per
//! field, the file and line that last set it (the origins the build records
//! through `model::provenance` when asked); `diff` compares two builds
//! object by object; `affected` finds the kustomizations a change touches;
//! `graph` draws what feeds a kustomization; `review` (`report`) puts them
//! together for a pull request; `warnings` flags risky changes.
//!
//! Nothing here changes objects: it only reads what the build produced.
pub mod affected;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod report;
pub mod warnings;

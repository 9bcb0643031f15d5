//! Reviewer tools built on the pipeline's output: `provenance` records, per
//! field, the file and line that last set it (an observer of the build
//! steps, off unless `explain` asks for it); `explain` prints it; `diff`
//! compares two builds object by object; `affected` finds the
//! kustomizations a change touches.
//!
//! Nothing here changes objects: it only reads what the build produced.
pub mod affected;
pub mod diff;
pub mod explain;
pub mod provenance;

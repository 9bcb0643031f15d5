//! `replacements`: copy a field of one resource into fields of others.
//!
//! Not implemented yet: a kustomization that uses it fails with a clear
//! message rather than building something different from kustomize.

use crate::error::{BuildError, Result};
use crate::kustomization::ReplacementEntry;
use crate::loader::Loader;
use crate::resmap::ResMap;
use std::path::Path;

pub fn apply(_resmap: &mut ResMap, entries: &[ReplacementEntry], _loader: &Loader, kfile: &Path) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    Err(BuildError::invalid(kfile, "the kustomization field 'replacements' is not supported by nest-kz yet"))
}

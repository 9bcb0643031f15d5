//! placeholder
use crate::error::Result;
use crate::kustomization::ReplacementEntry;
use crate::loader::Loader;
use crate::resmap::ResMap;
use std::path::Path;
pub fn apply(_resmap: &mut ResMap, _entries: &[ReplacementEntry], _loader: &Loader, _kfile: &Path) -> Result<()> { Ok(()) }

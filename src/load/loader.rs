//! Reads files relative to a kustomization, enforcing kustomize's default
//! load restriction (`LoadRestrictionsRootOnly`): a file must sit in or under
//! the kustomization's own directory. Directories of other kustomizations
//! may be anywhere, as in kustomize.

use crate::error::{BuildError, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestriction {
    #[default]
    RootOnly,
    None,
}

#[derive(Debug, Clone)]
pub struct Loader {
    /// The kustomization's directory, canonical.
    pub dir: PathBuf,
    pub restriction: LoadRestriction,
}

impl Loader {
    pub fn new(dir: &Path, restriction: LoadRestriction) -> Result<Self> {
        let dir = dir.canonicalize().map_err(|e| BuildError::io(dir, e))?;
        Ok(Loader { dir, restriction })
    }

    /// The canonical path of `rel`, which must exist.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        if rel.contains("://") || rel.starts_with("github.com/") || rel.starts_with("git@") {
            return Err(BuildError::invalid(
                self.dir.join("kustomization.yaml"),
                format!("remote resource '{rel}' is not supported by nest-kz"),
            ));
        }
        let joined = self.dir.join(rel);
        joined.canonicalize().map_err(|e| BuildError::io(joined, e))
    }

    /// Checks the load restriction for a file (not a kustomization directory).
    pub fn check_file(&self, path: &Path) -> Result<()> {
        if self.restriction == LoadRestriction::RootOnly && !path.starts_with(&self.dir) {
            return Err(BuildError::invalid(
                path,
                format!(
                    "security; file is not in or below '{}' (use --load-restrictor LoadRestrictionsNone to allow it)",
                    self.dir.display()
                ),
            ));
        }
        Ok(())
    }

    /// Reads a file named relative to the kustomization.
    pub fn read(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.resolve(rel)?;
        self.check_file(&path)?;
        let bytes = std::fs::read(&path).map_err(|e| BuildError::io(&path, e))?;
        Ok((path, bytes))
    }

    pub fn read_text(&self, rel: &str) -> Result<(PathBuf, String)> {
        let (path, bytes) = self.read(rel)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| BuildError::invalid(&path, "file is not valid UTF-8"))?;
        Ok((path, text))
    }
}

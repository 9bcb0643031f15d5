//! Reads files relative to a kustomization, enforcing kustomize's default
//! load restriction (`LoadRestrictionsRootOnly`): a file must sit in or under
//! the kustomization's own directory. Directories of other kustomizations
//! may be anywhere, as in kustomize, except below a remote (cloned) root:
//! there every load is root-only whatever the command line says, and bases
//! must stay inside the clone (`repo`).

use crate::error::{BuildError, Result};
use crate::load::remote::{Kind, RemoteOptions};
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
    /// The clone this kustomization came from, when remote (canonical).
    pub repo: Option<PathBuf>,
    /// How HTTP(S) file URLs may be fetched (`read`).
    pub remote: RemoteOptions,
}

impl Loader {
    pub fn new(dir: &Path, restriction: LoadRestriction) -> Result<Self> {
        let dir = dir.canonicalize().map_err(|e| BuildError::io(dir, e))?;
        Ok(Loader {
            dir,
            restriction,
            repo: None,
            remote: RemoteOptions::default(),
        })
    }

    /// A loader for a kustomization inside the clone `repo`: kustomize
    /// never lets a remote root load files from above itself, and refuses
    /// bases outside the clone (a symlink or `..` leading out of it).
    pub fn in_repo(dir: &Path, repo: &Path) -> Result<Self> {
        let mut loader = Loader::new(dir, LoadRestriction::RootOnly)?;
        if !loader.dir.starts_with(repo) {
            return Err(BuildError::invalid(
                &loader.dir,
                format!(
                    "security; bases in kustomizations found in cloned git repos must be within the repo, but this base is outside '{}'",
                    repo.display()
                ),
            ));
        }
        loader.repo = Some(repo.to_path_buf());
        Ok(loader)
    }

    /// The canonical path of `rel`, which must exist.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        let joined = self.dir.join(rel);
        // Remote entries of resources and components are resolved before
        // this (`load::remote`), HTTP(S) files by `read`; a git URL
        // anywhere else is not a file, as in kustomize.
        if !joined.exists() && crate::load::remote::classify(rel, &self.dir) != Kind::Local {
            return Err(BuildError::invalid(
                self.dir.join("kustomization.yaml"),
                format!(
                    "'{rel}' is a git repository URL, which only resources and components may name"
                ),
            ));
        }
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

    /// Reads a file named relative to the kustomization, or downloads one
    /// named by an HTTP(S) URL (kustomize allows these for any file).
    pub fn read(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        if crate::load::remote::is_http_url(rel) {
            let bytes = crate::load::remote::download_file(rel, &self.remote)?;
            return Ok((PathBuf::from(rel), bytes));
        }
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

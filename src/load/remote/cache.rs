//! The cache of fetched repositories, under `$XDG_CACHE_HOME/nest-kz`
//! (kustomize clones again on every build; we clone each commit once).
//!
//! Layout, per repository URL (directory named by the URL's SHA-256):
//!
//! ```text
//! git/<url-hash>/lock                    held while resolving and cloning
//! git/<url-hash>/refs/<ref-hash>         the commit a branch/tag last named
//! git/<url-hash>/trees/<commit>[+sub]    the checked-out tree, never changed
//! ```
//!
//! A tree is keyed by its commit (and whether submodules were cloned), so
//! it is valid forever. A commit-id ref is used as is; a branch or tag is
//! re-resolved with `git ls-remote` on every build unless `--offline`, when
//! the commit recorded in `refs/` is used. Trees are cloned into a
//! temporary directory beside `trees/` and renamed into place, so a reader
//! never sees a half-written tree; the lock file keeps concurrent builds of
//! one repository from cloning it twice.

use super::git;
use super::repospec::RepoSpec;
use super::{RemoteError, RemoteOptions, debug};
use std::path::{Path, PathBuf};

/// The cache's root directory.
pub fn root(options: &RemoteOptions) -> PathBuf {
    if let Some(dir) = &options.cache_dir {
        return dir.clone();
    }
    default_base()
}

/// `$XDG_CACHE_HOME/nest-kz` (else `~/.cache/nest-kz`, else under the
/// temporary directory): where nest-kz's caches live by default.
pub fn default_base() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .unwrap_or_else(std::env::temp_dir);
    base.join("nest-kz")
}

/// Branches and tags resolved by this run, by repository key and ref: a
/// build asks the server once per ref, however many entries name it.
static RESOLVED: std::sync::Mutex<Vec<(String, String, String)>> =
    std::sync::Mutex::new(Vec::new());

fn resolved_this_run(key: &str, git_ref: &str) -> Option<String> {
    let known = RESOLVED.lock().unwrap_or_else(|e| e.into_inner());
    known
        .iter()
        .find(|(k, r, _)| k == key && r == git_ref)
        .map(|(_, _, c)| c.clone())
}

fn remember(key: &str, git_ref: &str, commit: &str) {
    RESOLVED.lock().unwrap_or_else(|e| e.into_inner()).push((
        key.to_string(),
        git_ref.to_string(),
        commit.to_string(),
    ));
}

/// The commit recorded for a ref, if recorded less than `ttl` ago.
fn recorded_within(ref_file: &Path, ttl: Option<std::time::Duration>) -> Option<String> {
    let age = std::fs::metadata(ref_file)
        .ok()?
        .modified()
        .ok()?
        .elapsed()
        .ok()?;
    (age < ttl?)
        .then(|| std::fs::read_to_string(ref_file).ok())
        .flatten()
        .map(|c| c.trim().to_string())
}

fn hash(text: &str) -> String {
    crate::sys::digest::sha256(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The checked-out tree of `spec` at its ref, fetched if needed.
pub fn checkout(spec: &RepoSpec, options: &RemoteOptions) -> Result<PathBuf, RemoteError> {
    let git_ref = if spec.git_ref.is_empty() {
        "HEAD"
    } else {
        spec.git_ref.as_str()
    };
    // Also checked by git (the ref follows `--`), but refused up front with
    // a clearer message than git's "invalid refspec".
    if git_ref.starts_with('-') {
        return Err(RemoteError::OptionLikeRef(git_ref.to_string()));
    }
    let url = spec.clone_spec();
    // Trees fetched with an Application's git credentials are kept apart,
    // per source repository (see `credentials::fetched_as`).
    let key = match super::credentials::fetched_as(&url) {
        Some(source) => format!("{url}\u{0}fetched as {source}"),
        None => url.clone(),
    };
    let repo_dir = root(options).join("git").join(hash(&key));
    let trees = repo_dir.join("trees");
    let refs = repo_dir.join("refs");
    for dir in [&trees, &refs] {
        std::fs::create_dir_all(dir).map_err(|e| RemoteError::cache(dir, e))?;
    }
    let lock_path = repo_dir.join("lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| RemoteError::cache(&lock_path, e))?;
    lock.lock().map_err(|e| RemoteError::cache(&lock_path, e))?;
    remove_stale_clones(&repo_dir);

    let tree_name = |commit: &str| {
        let commit = commit.to_ascii_lowercase();
        if spec.submodules {
            format!("{commit}+sub")
        } else {
            commit
        }
    };
    let ref_file = refs.join(hash(git_ref));
    let commit = if git::is_commit_id(git_ref) {
        git_ref.to_string()
    } else if options.offline {
        let recorded = std::fs::read_to_string(&ref_file).map_err(|_| RemoteError::NotCached)?;
        recorded.trim().to_string()
    } else if let Some(known) =
        resolved_this_run(&key, git_ref).or_else(|| recorded_within(&ref_file, options.ref_ttl))
    {
        known
    } else {
        let commit = git::ls_remote(&repo_dir, &url, git_ref, spec.timeout)?
            .ok_or_else(|| RemoteError::RefNotFound(git_ref.to_string()))?;
        remember(&key, git_ref, &commit);
        // Recorded when the server answered: `--remote-ref-ttl` counts
        // from here, and `--offline` builds use it.
        if git::is_commit_id(&commit) {
            write_atomically(&ref_file, &commit)?;
        }
        commit
    };
    // The commit names a directory: it must be a commit id, whatever a
    // cache file or a server said.
    let commit = checked_commit(&commit, &ref_file)?;
    let tree = trees.join(tree_name(&commit));
    if tree.is_dir() {
        debug(|| format!("cache hit {url} {git_ref} -> {commit}"));
        return Ok(tree);
    }
    if options.offline {
        return Err(RemoteError::NotCached);
    }
    debug(|| format!("cloning {url} at {git_ref}"));
    // Beside trees/, so the rename below stays on one filesystem (atomic);
    // dropped (deleted) on any error.
    let tmp = crate::sys::cleanup::TempDir::new_in(&repo_dir, "clone-")
        .map_err(|e| RemoteError::cache(&repo_dir, e))?;
    let head = git::clone(tmp.path(), &url, git_ref, spec.submodules, spec.timeout)?;
    let head = checked_commit(&head, tmp.path())?;
    let tree = trees.join(tree_name(&head));
    if !tree.is_dir() {
        let staged = tmp.keep();
        if let Err(e) = std::fs::rename(&staged, &tree) {
            let _ = std::fs::remove_dir_all(&staged);
            // Another process (without our lock, e.g. another cache
            // version) may have placed it first; that tree is as good.
            if !tree.is_dir() {
                return Err(RemoteError::cache(&tree, e));
            }
        }
    }
    if !git::is_commit_id(git_ref) {
        write_atomically(&ref_file, &head)?;
    }
    Ok(tree)
}

/// `text` if it is a full commit id; else the cache entry (or clone) at
/// `source` is corrupt, and nothing is built from it.
fn checked_commit(text: &str, source: &Path) -> Result<String, RemoteError> {
    match git::is_commit_id(text) {
        true => Ok(text.to_ascii_lowercase()),
        false => Err(RemoteError::cache(
            source,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not a commit id: the cache entry is corrupt (remove it to fetch again)",
            ),
        )),
    }
}

/// Clones only happen under the lock we now hold, so any temporary clone
/// left here is from a build that was killed mid-clone.
fn remove_stale_clones(repo_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(repo_dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("clone-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write_atomically(path: &Path, text: &str) -> Result<(), RemoteError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| RemoteError::cache(dir, e))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())
        .map_err(|e| RemoteError::cache(path, e))?;
    tmp.persist(path)
        .map_err(|e| RemoteError::cache(path, e.error))?;
    Ok(())
}

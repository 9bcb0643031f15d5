//! What one build has learned about the file system: canonical paths and
//! what kind of file a path names.
//!
//! A build asks the same questions many times: the read-ahead looks at
//! every entry before the accumulation loop reads it, each kustomization
//! resolves its own directory, and resolving a path asks the system about
//! each of its components. Over 200 small kustomizations that was some
//! 4,800 `readlink` and `statx` calls, 72% of the build's system calls.
//! Each answer is kept here until the next build starts
//! ([`clear`]), so a process that builds again (`edit fix`, `diff`,
//! `affected`) sees the tree as it is then. Within a build the answer is
//! the one the first question got, as if every question were asked at
//! that moment; file contents are never kept, and reads check their own
//! size and type on the open file (`loader::read_file`).

use hashbrown::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

/// Entries kept per table, at most: a tree of more paths than this asks
/// the system again for the rest rather than growing the tables.
const MAX_ENTRIES: usize = 1 << 16;

/// What a path names, following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    pub is_file: bool,
    pub is_dir: bool,
    pub len: u64,
}

/// Keyed by the path's bytes: hashing a `Path` walks its components,
/// which cost more than the system call saved on a small tree.
#[derive(Default)]
struct Memo {
    canonical: HashMap<Box<[u8]>, PathBuf>,
    /// `None`: the path names nothing.
    kinds: HashMap<Box<[u8]>, Option<FileKind>>,
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);

fn with<R>(memo: &Mutex<Memo>, f: impl FnOnce(&mut Memo) -> R) -> R {
    // A panic elsewhere while the lock was held leaves the tables whole.
    let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut memo)
}

/// Forgets everything: called when a build starts.
pub fn clear() {
    with(&MEMO, |m| *m = Memo::default());
}

/// The canonical form of `path`, computed once by `compute`; errors are
/// not kept.
pub fn canonical(
    path: &Path,
    compute: impl FnOnce() -> io::Result<PathBuf>,
) -> io::Result<PathBuf> {
    canonical_in(&MEMO, path, compute)
}

/// What `path` names (`std::fs::metadata`), or `None` when it names
/// nothing or cannot be examined (only "names nothing" is kept).
pub fn kind(path: &Path) -> Option<FileKind> {
    kind_in(&MEMO, path)
}

// The lock is never held across a system call: the read-ahead asks from
// every core at once.
fn canonical_in(
    memo: &Mutex<Memo>,
    path: &Path,
    compute: impl FnOnce() -> io::Result<PathBuf>,
) -> io::Result<PathBuf> {
    if let Some(known) = with(memo, |m| m.canonical.get(key(path)).cloned()) {
        return Ok(known);
    }
    let found = compute()?;
    with(memo, |m| {
        if m.canonical.len() < MAX_ENTRIES {
            m.canonical.insert(key(path).into(), found.clone());
        }
    });
    Ok(found)
}

/// Keeps what `meta` says `path` names, unless something is known already.
pub fn note(path: &Path, meta: &std::fs::Metadata) {
    let found = Some(FileKind {
        is_file: meta.is_file(),
        is_dir: meta.is_dir(),
        len: meta.len(),
    });
    with(&MEMO, |m| {
        if m.kinds.len() < MAX_ENTRIES {
            m.kinds.entry(key(path).into()).or_insert(found);
        }
    });
}

fn kind_in(memo: &Mutex<Memo>, path: &Path) -> Option<FileKind> {
    if let Some(known) = with(memo, |m| m.kinds.get(key(path)).copied()) {
        return known;
    }
    let (found, keep) = match std::fs::metadata(path) {
        Ok(meta) => (
            Some(FileKind {
                is_file: meta.is_file(),
                is_dir: meta.is_dir(),
                len: meta.len(),
            }),
            true,
        ),
        Err(e) => (None, e.kind() == io::ErrorKind::NotFound),
    };
    if keep {
        with(memo, |m| {
            if m.kinds.len() < MAX_ENTRIES {
                m.kinds.insert(key(path).into(), found);
            }
        });
    }
    found
}

/// Whether `path` names a regular file (following symlinks).
pub fn is_file(path: &Path) -> bool {
    kind(path).is_some_and(|k| k.is_file)
}

/// Whether `path` names a directory (following symlinks).
pub fn is_dir(path: &Path) -> bool {
    kind(path).is_some_and(|k| k.is_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_once_until_cleared() {
        let memo = Mutex::default();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        assert_eq!(kind_in(&memo, &file), None);
        std::fs::write(&file, "x").unwrap();
        // Kept: a file made after the first question is not seen yet.
        assert_eq!(kind_in(&memo, &file), None);
        *memo.lock().unwrap() = Memo::default();
        let made = kind_in(&memo, &file).unwrap();
        assert!(made.is_file && !made.is_dir && made.len == 1);
        assert!(kind_in(&memo, dir.path()).unwrap().is_dir);
        let canon = canonical_in(&memo, dir.path(), || dir.path().canonicalize()).unwrap();
        assert_eq!(
            canonical_in(&memo, dir.path(), || unreachable!()).unwrap(),
            canon
        );
        // Errors are asked again.
        let missing = dir.path().join("missing");
        assert!(canonical_in(&memo, &missing, || missing.canonicalize()).is_err());
        assert!(canonical_in(&memo, &missing, || Ok(missing.clone())).is_ok());
    }
}

//! The file-access policy: every file nest-kz reads while building goes
//! through here.
//!
//! - Paths are resolved with symlinks followed, then checked against
//!   kustomize's default load restriction (`LoadRestrictionsRootOnly`): a
//!   file, the kustomization file itself included, must sit in or under the
//!   kustomization's own directory. Directories of other kustomizations may
//!   be anywhere relative to it, as in kustomize, but never absolute
//!   (kustomize: "new root cannot be absolute"), except below a remote
//!   (cloned) root: there every load is root-only whatever the command line
//!   says, and bases must stay inside the clone (`repo`).
//! - Only regular files are read: a FIFO or device is opened non-blocking
//!   and refused by the type of the opened handle, so it can neither hang
//!   the build nor be swapped in between a check and the open.
//! - A file larger than `limits::MAX_FILE_BYTES` is refused.
//! - Errors name the path, never the content.

use crate::error::{BuildError, Result};
use crate::load::remote::{Kind, RemoteOptions};
use crate::model::limits;
use std::io::Read;
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
        let dir = super::memo::canonical(dir, || dir.canonicalize())
            .map_err(|e| BuildError::io(dir, e))?;
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
        canonical_below(&self.dir, rel).map_err(|e| {
            let joined = self.dir.join(rel);
            // Remote entries of resources and components are resolved
            // before this (`load::remote`), HTTP(S) files by `read`; a git
            // URL anywhere else is not a file, as in kustomize.
            if !joined.exists() && crate::load::remote::classify(rel, &self.dir) != Kind::Local {
                return BuildError::invalid(
                    self.dir.join("kustomization.yaml"),
                    format!(
                        "'{rel}' is a git repository URL, which only resources and components may name"
                    ),
                );
            }
            BuildError::io(joined, e)
        })
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

    /// Refuses an absolute path naming another kustomization's directory,
    /// as kustomize refuses it: a repository must not build the host's trees.
    pub fn check_new_root(&self, rel: &str) -> Result<()> {
        if Path::new(rel).is_absolute() {
            return Err(BuildError::invalid(
                self.dir.join("kustomization.yaml"),
                format!("new root '{rel}' cannot be absolute"),
            ));
        }
        Ok(())
    }

    /// The directory of a component or resource kustomization named by `rel`.
    pub fn resolve_root(&self, rel: &str) -> Result<PathBuf> {
        self.check_new_root(rel)?;
        self.resolve(rel)
    }

    /// Finds and reads this directory's kustomization file, symlinks
    /// resolved and the load restriction applied like any other file.
    pub fn read_kustomization(&self) -> Result<(PathBuf, String)> {
        let found = crate::load::kustomization::find_file_in_build(&self.dir)?;
        let path = canonical_below(&self.dir, found.file_name().unwrap_or_default())
            .map_err(|e| BuildError::io(&found, e))?;
        self.check_file(&path)?;
        let text = read_resolved_text(&path)?;
        // Errors name the file as written in the directory, not the link target.
        Ok((found, text))
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
        let bytes = read_resolved_file(&path)?;
        Ok((path, bytes))
    }

    pub fn read_text(&self, rel: &str) -> Result<(PathBuf, String)> {
        let (path, bytes) = self.read(rel)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| BuildError::invalid(&path, "file is not valid UTF-8"))?;
        Ok((path, text))
    }
}

/// `dir.join(rel)` with every symlink resolved, exactly as `canonicalize`
/// (the C library's `realpath`) gives it, for a canonical `dir`.
///
/// `realpath` asks the system about every component of the whole path,
/// and a build resolves hundreds of paths under the same few directories.
/// Below a canonical directory, a `rel` made of plain names none of which
/// is a symlink resolves to the joined path itself, so one `lstat` per
/// name of `rel` decides it (and tells the build what each name is, see
/// `load::memo`). Anything else (`..`, a trailing slash, a
/// symlink, a missing name) goes to `canonicalize`, for its answer and
/// its error.
pub fn canonical_below(dir: &Path, rel: impl AsRef<Path>) -> std::io::Result<PathBuf> {
    let rel = rel.as_ref();
    // Go's filepath.Join cleans before anything is looked up: `nope/../x`
    // is `x`, whether or not `nope` exists.
    let joined = lexical_clean(&dir.join(rel));
    super::memo::canonical(&joined, || resolve_below(dir, rel, &joined))
}

fn resolve_below(dir: &Path, rel: &Path, joined: &Path) -> std::io::Result<PathBuf> {
    use std::path::Component;
    let plain = !rel.as_os_str().is_empty()
        && !rel.as_os_str().as_encoded_bytes().ends_with(b"/")
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain {
        return joined.canonicalize();
    }
    let mut at = dir.to_path_buf();
    for name in rel.components() {
        let Component::Normal(name) = name else {
            continue;
        };
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            // Not a symlink: what it names is what `lstat` saw.
            Ok(meta) if !meta.file_type().is_symlink() => super::memo::note(&at, &meta),
            _ => return joined.canonicalize(),
        }
    }
    Ok(at)
}

/// Go's `filepath.Clean` of an absolute path: `.` and empty parts gone,
/// each `..` taking back the part before it (never above the root).
pub fn lexical_clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !matches!(
                    out.components().next_back(),
                    None | Some(Component::RootDir)
                ) {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reads a regular file of at most `limits::MAX_FILE_BYTES`. The caller has
/// applied the load restriction to `path`.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading blocks until a writer appears;
    // non-blocking, the open returns at once and the type check below refuses it.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| BuildError::io(path, e))?;
    read_open(file, path)
}

/// `read_file` for a path the build resolved (`canonical_below`, which
/// follows every link): a symlink met anywhere on the way now was put there
/// after the path was resolved, and is refused, not followed. The build
/// resolves each path once (`load::memo`); this keeps a tree changed under
/// it from leading a read out of the tree.
pub fn read_resolved_file(path: &Path) -> Result<Vec<u8>> {
    read_open(open_without_links(path)?, path)
}

/// `read_resolved_file` as UTF-8 text.
pub fn read_resolved_text(path: &Path) -> Result<String> {
    String::from_utf8(read_resolved_file(path)?)
        .map_err(|_| BuildError::invalid(path, "file is not valid UTF-8"))
}

/// Opens `path` for reading with no symlink followed on the way
/// (`openat2`'s `RESOLVE_NO_SYMLINKS`). Where the kernel lacks `openat2`
/// (before Linux 5.6) or a seccomp filter refuses it, the last name at
/// least is not followed (`O_NOFOLLOW`).
fn open_without_links(path: &Path) -> Result<std::fs::File> {
    use rustix::fs::{CWD, Mode, OFlags, ResolveFlags};
    use rustix::io::Errno;
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let how = ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    let moved = |path: &Path| {
        BuildError::invalid(
            path,
            "a symlink appeared in this path after the build resolved it; it is not followed",
        )
    };
    match rustix::fs::openat2(CWD, path, flags, Mode::empty(), how) {
        Ok(fd) => Ok(std::fs::File::from(fd)),
        Err(Errno::LOOP) => Err(moved(path)),
        Err(Errno::NOSYS | Errno::PERM) => {
            match rustix::fs::open(path, flags | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => Ok(std::fs::File::from(fd)),
                Err(Errno::LOOP) => Err(moved(path)),
                Err(e) => Err(BuildError::io(path, e.into())),
            }
        }
        Err(e) => Err(BuildError::io(path, e.into())),
    }
}

/// The checks and the read `read_file` makes on an opened file.
fn read_open(file: std::fs::File, path: &Path) -> Result<Vec<u8>> {
    let meta = file.metadata().map_err(|e| BuildError::io(path, e))?;
    if !meta.is_file() {
        return Err(BuildError::invalid(
            path,
            "not a regular file (FIFOs, devices and sockets are not read)",
        ));
    }
    if meta.len() > limits::MAX_FILE_BYTES {
        return Err(limits::LimitError::new(
            path,
            format!("file is larger than {} bytes", limits::MAX_FILE_BYTES),
            limits::MAX_FILE_BYTES,
        )
        .into());
    }
    // It must fit what is left of the run's memory budget.
    crate::model::heap::room_for(meta.len())
        .map_err(|e| BuildError::invalid(path, e.to_string()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the check: read one byte past the limit to see it.
    file.take(limits::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| BuildError::io(path, e))?;
    if bytes.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(limits::LimitError::new(
            path,
            format!("file is larger than {} bytes", limits::MAX_FILE_BYTES),
            limits::MAX_FILE_BYTES,
        )
        .into());
    }
    crate::model::heap::add_input(bytes.len() as u64);
    Ok(bytes)
}

/// `read_file` as UTF-8 text.
pub fn read_text_file(path: &Path) -> Result<String> {
    String::from_utf8(read_file(path)?)
        .map_err(|_| BuildError::invalid(path, "file is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_fifos_without_blocking_and_absolute_roots() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.yaml");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_file(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let loader = Loader::new(dir.path(), LoadRestriction::None).unwrap();
        let e = loader.resolve_root("/etc").unwrap_err();
        assert!(
            e.to_string().contains("new root '/etc' cannot be absolute"),
            "{e}"
        );
    }

    #[test]
    fn a_link_swapped_in_after_resolving_is_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().canonicalize().unwrap();
        std::fs::create_dir_all(dir.join("app/base")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("app/base/cm.yaml"), "kind: ConfigMap\n").unwrap();
        std::fs::write(dir.join("outside/cm.yaml"), "secret\n").unwrap();
        let resolved = canonical_below(&dir.join("app"), "base/cm.yaml").unwrap();
        assert_eq!(read_resolved_file(&resolved).unwrap(), b"kind: ConfigMap\n");
        // The directory becomes a link out of the tree, then the file.
        std::fs::rename(dir.join("app/base"), dir.join("app/moved")).unwrap();
        std::os::unix::fs::symlink(dir.join("outside"), dir.join("app/base")).unwrap();
        let e = read_resolved_file(&resolved).unwrap_err().to_string();
        assert!(e.contains("a symlink appeared"), "{e}");
        std::fs::remove_file(dir.join("app/base")).unwrap();
        std::fs::rename(dir.join("app/moved"), dir.join("app/base")).unwrap();
        std::fs::remove_file(&resolved).unwrap();
        std::os::unix::fs::symlink(dir.join("outside/cm.yaml"), &resolved).unwrap();
        let e = read_resolved_file(&resolved).unwrap_err().to_string();
        assert!(e.contains("a symlink appeared"), "{e}");
    }

    #[test]
    fn canonical_below_answers_as_canonicalize_does() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().canonicalize().unwrap();
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/f.yaml"), "x").unwrap();
        std::fs::write(dir.join("top.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("link-dir")).unwrap();
        std::os::unix::fs::symlink("a/b/f.yaml", dir.join("link-file")).unwrap();
        std::os::unix::fs::symlink("missing", dir.join("dangling")).unwrap();
        for rel in [
            "top.yaml",
            "./top.yaml",
            "a/b/f.yaml",
            "a/./b//f.yaml",
            "link-dir/b/f.yaml",
            "link-file",
            "a/b/../b/f.yaml",
            "a/b/",
            "top.yaml/",
            "top.yaml/..",
            "top.yaml/x",
            "missing.yaml",
            "dangling",
            "",
            ".",
        ] {
            let ours = canonical_below(&dir, rel).map_err(|e| e.kind());
            // Go cleans the joined path before looking anything up.
            let std = lexical_clean(&dir.join(rel))
                .canonicalize()
                .map_err(|e| e.kind());
            assert_eq!(ours, std, "{rel:?}");
        }
    }

    #[test]
    fn kustomization_file_obeys_the_restriction() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("secret"), "resources: hunter2\n").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("secret"),
            dir.path().join("app/kustomization.yaml"),
        )
        .unwrap();
        let loader = Loader::new(&dir.path().join("app"), LoadRestriction::RootOnly).unwrap();
        let e = loader.read_kustomization().unwrap_err().to_string();
        assert!(e.contains("security") && !e.contains("hunter2"), "{e}");
        let loader = Loader::new(&dir.path().join("app"), LoadRestriction::None).unwrap();
        assert!(loader.read_kustomization().is_ok());
    }
}

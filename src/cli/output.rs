//! Where `build` output goes: stdout, one file, or one file per object in a
//! directory (named as kustomize's `--output DIR` names them).
//!
//! Writing is careful because the names and the target come from untrusted
//! places (object names, a repository's layout, a careless command line):
//!
//! - `-o DIR/` file names are built from apiVersion, kind, namespace and
//!   name; anything but `[a-z0-9._-]` becomes `_`, so a name is always one
//!   path component, and the joined path is checked to stay in DIR.
//! - `-o FILE` writes through symbolic links, as kustomize does: the link
//!   stays and its target gets the content (a link into `/proc`, such as
//!   `/dev/stdout`, is opened and written like kustomize's `os.WriteFile`).
//!   Inside `-o DIR/`, a link planted where a file goes is replaced instead.
//! - A target that exists and is not a regular file (`/dev/null`, a pipe)
//!   is written straight through, never replaced.
//! - A regular file is replaced atomically: the content goes to an unnamed
//!   file (`O_TMPFILE`) that gets a name only when complete, so a crash or
//!   SIGKILL leaves the old file and nothing else. Filesystems without
//!   `O_TMPFILE` fall back to a named temporary file, removed on error.
//! - A new file gets the umask's mode (0644 usually); a replaced file keeps
//!   its mode.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: output file name '{name}' would leave the output directory", dir.display())]
    Escapes { dir: PathBuf, name: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The namespace a namespaced object lands in ("" means "default"); None when cluster-scoped.
pub fn namespace_of(obj: &crate::model::value::Value) -> Option<String> {
    let id = crate::model::resid::ResId::of(obj);
    (!crate::load::openapi::is_cluster_scoped(&id.gvk))
        .then(|| id.effective_namespace().to_string())
}

/// kustomize's `--output DIR` naming: `group_version_kind_name.yaml`, lowercased,
/// with a `namespace_` prefix for namespaced objects when there are several
/// namespaces. Characters a Kubernetes name cannot hold (`/` above all) become
/// `_`, so the result is a single path component; valid objects are named
/// exactly as kustomize names them.
pub fn file_name_for(obj: &crate::model::value::Value, several_namespaces: bool) -> String {
    let id = crate::model::resid::ResId::of(obj);
    let parts: Vec<&str> = [
        id.gvk.group.as_str(),
        id.gvk.version.as_str(),
        id.gvk.kind.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    let name = format!("{}_{}.yaml", parts.join("_"), id.name);
    let name = match namespace_of(obj).filter(|_| several_namespaces) {
        Some(ns) => format!("{ns}_{name}").to_lowercase(),
        None => name.to_lowercase(),
    };
    name.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '_',
        })
        .collect()
}

/// `dir/name`, refused unless it is a direct child of `dir`.
pub fn path_in_dir(dir: &Path, name: &str) -> Result<PathBuf, OutputError> {
    let escapes = || OutputError::Escapes {
        dir: dir.to_path_buf(),
        name: name.to_string(),
    };
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) => Ok(dir.join(name)),
        _ => Err(escapes()),
    }
}

/// Where writing `path` through its symbolic links lands.
enum Target {
    /// A path that is not a link (or no longer one): written there.
    Path(PathBuf),
    /// A link into `/proc` (`/dev/stdout`, `/dev/fd/N`): what it names
    /// exists only as an open file, so it is opened through the link.
    Through(PathBuf),
}

/// Follows the links at `path` (at most 40, as the kernel does) to the path
/// they name.
fn follow_links(path: &Path) -> Result<Target, OutputError> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {}
            _ => return Ok(Target::Path(at)),
        }
        let next = std::fs::read_link(&at).map_err(io(&at))?;
        let next = match next.is_absolute() {
            true => next,
            false => at.parent().unwrap_or(Path::new("/")).join(next),
        };
        if next.starts_with("/proc") {
            return Ok(Target::Through(path.to_path_buf()));
        }
        at = next;
    }
    Err(OutputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::from_raw_os_error(libc::ELOOP),
    })
}

/// Opens `path` and writes `content` into it, truncating a regular file
/// (kustomize's `os.WriteFile`).
fn write_through(path: &Path, content: &[u8]) -> Result<(), OutputError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .create(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(content).map_err(io(path))
}

/// Writes `content` to `path` (see the module comment). `follow` says
/// whether symbolic links at `path` are written through (`-o FILE`); for
/// files inside `-o DIR/` a link is replaced instead.
pub fn write_output(path: &Path, content: &[u8], follow: bool) -> Result<(), OutputError> {
    let target = match follow {
        true => follow_links(path)?,
        false => Target::Path(path.to_path_buf()),
    };
    let path = match &target {
        Target::Through(link) => return write_through(link, content),
        Target::Path(p) => p.as_path(),
    };
    let meta = std::fs::symlink_metadata(path);
    let existing_mode = match &meta {
        Ok(m) if m.is_file() => Some(m.permissions().mode() & 0o7777),
        Ok(m) if !m.is_dir() && !m.file_type().is_symlink() => {
            // A device, FIFO or socket: write into it, never replace the node.
            return write_through(path, content);
        }
        _ => None,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match write_unnamed(dir, path, content, existing_mode) {
        Ok(()) => Ok(()),
        Err(Fallback::No(e)) => Err(e),
        Err(Fallback::Yes) => write_named(dir, path, content, existing_mode),
    }
}

enum Fallback {
    /// `O_TMPFILE` or `/proc` is not available here: use a named temporary file.
    Yes,
    No(OutputError),
}

fn temp_name(dir: &Path, target: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(
        ".{base}.nest-kz-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

fn cstring(path: &Path) -> Result<CString, OutputError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| OutputError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "path holds a NUL byte"),
    })
}

/// O_TMPFILE: the file has no name while it is written; it is linked under a
/// temporary name only when complete and renamed over the target at once.
fn write_unnamed(
    dir: &Path,
    target: &Path,
    content: &[u8],
    mode: Option<u32>,
) -> Result<(), Fallback> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .mode(0o666)
        .custom_flags(libc::O_TMPFILE)
        .open(dir)
    {
        Ok(f) => f,
        // Filesystems without O_TMPFILE answer with one of these.
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL | libc::ENOENT)
            ) && dir.is_dir() =>
        {
            return Err(Fallback::Yes);
        }
        Err(e) => return Err(Fallback::No(io(dir)(e))),
    };
    finish(&mut file, target, content, mode).map_err(Fallback::No)?;
    let proc_path = PathBuf::from(format!("/proc/self/fd/{}", {
        use std::os::fd::AsRawFd;
        file.as_raw_fd()
    }));
    if !proc_path.exists() {
        return Err(Fallback::Yes);
    }
    let tmp = temp_name(dir, target);
    let (from, to) = (
        cstring(&proc_path).map_err(Fallback::No)?,
        cstring(&tmp).map_err(Fallback::No)?,
    );
    // SAFETY: both are valid NUL-terminated paths; linkat has no other
    // preconditions. AT_SYMLINK_FOLLOW makes it link the open file.
    let rc = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT | libc::EPERM | libc::EOPNOTSUPP) => Err(Fallback::Yes),
            _ => Err(Fallback::No(io(target)(e))),
        };
    }
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Fallback::No(io(target)(e))
    })
}

/// Without O_TMPFILE: a named temporary file, removed if anything fails.
fn write_named(
    dir: &Path,
    target: &Path,
    content: &[u8],
    mode: Option<u32>,
) -> Result<(), OutputError> {
    let tmp = temp_name(dir, target);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(&tmp)
            .map_err(io(&tmp))?;
        finish(&mut file, target, content, mode)?;
        std::fs::rename(&tmp, target).map_err(io(target))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes the content and gives the file its final mode: a replaced file's,
/// or 0666 less the umask (applied by the kernel at creation).
fn finish(
    file: &mut File,
    target: &Path,
    content: &[u8],
    mode: Option<u32>,
) -> Result<(), OutputError> {
    file.write_all(content).map_err(io(target))?;
    if let Some(mode) = mode {
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io(target))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn names_stay_in_the_directory() {
        let obj = json!({"apiVersion": "../escaped/v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "../x"}});
        let name = file_name_for(&obj, true);
        assert!(!name.contains('/'), "{name}");
        assert!(path_in_dir(Path::new("out"), &name).is_ok());
        assert!(path_in_dir(Path::new("out"), "..").is_err());
        assert!(path_in_dir(Path::new("out"), "a/b").is_err());
        let plain =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nest"}});
        assert_eq!(file_name_for(&plain, false), "apps_v1_deployment_nest.yaml");
    }

    #[test]
    fn replaces_files_keeping_their_mode_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.yaml");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_output(&target, b"new", true).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let fresh = dir.path().join("fresh.yaml");
        write_output(&fresh, b"x", true).unwrap();
        let fresh_mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        // 0666 less the umask: never the 0600 of a private temporary file.
        assert_ne!(fresh_mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let named = dir.path().join("named.yaml");
        write_named(dir.path(), &named, b"y", None).unwrap();
        assert_eq!(std::fs::read_to_string(&named).unwrap(), "y");
    }

    #[test]
    fn special_files_are_written_through() {
        write_output(Path::new("/dev/null"), b"x", true).unwrap();
        use std::os::unix::fs::FileTypeExt;
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }

    #[test]
    fn links_are_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.yaml");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_output(&link, b"new", true).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // A dangling link gets its target created, as kustomize's WriteFile does.
        let dangling = dir.path().join("dangling.yaml");
        std::os::unix::fs::symlink("made.yaml", &dangling).unwrap();
        write_output(&dangling, b"x", true).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.yaml")).unwrap(),
            "x"
        );
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A loop is an error, not a hang.
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        assert!(write_output(&a, b"x", true).is_err());
    }

    #[test]
    fn a_link_into_proc_is_opened_like_kustomize() {
        // /dev/stdout names whatever fd 1 is: here a file, which must get
        // the content through the link, and the link must stay.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("captured");
        let fd = std::fs::File::create(&file).unwrap();
        let link = dir.path().join("stdout-link");
        let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
        std::os::unix::fs::symlink(&proc_path, &link).unwrap();
        write_output(&link, b"through", true).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "through");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}

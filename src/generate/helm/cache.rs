//! The helm cache: what `helm template` printed and what `helm pull`
//! unpacked, kept so an unchanged chart costs no helm process.
//!
//! - **Inflations** are keyed by everything that can change helm's output:
//!   the chart's files (every path and byte), the values helm is given (the
//!   merged values and each additional values file's bytes), every argument
//!   (paths that differ per checkout written relative to the chart home or
//!   the run's temporary folder), the kustomize release emulated, and the
//!   helm binary's identity (its resolved path, size, modification time and
//!   inode; a new helm is a new binary). An entry is written only after
//!   helm succeeded, and the release's version check passed for that binary.
//! - **Pulled charts** with an exact version (`1.2.3`, no range) are kept
//!   by repository, name and version, and copied into the chart home as
//!   `helm pull` would have unpacked them.
//!
//! Entries are written to a temporary name and renamed into place, so
//! concurrent builds (ArgoCD generates applications in parallel), also on a
//! volume several repo-servers share, read whole entries or none. The
//! cache is bounded: past its size, the entries used least recently go
//! (a hit refreshes an entry's modification time). Off with `--helm-cache
//! off` or `NEST_KZ_HELM_CACHE_DIR=off`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Default bound on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// A cache directory and its bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Cache {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

/// A key under construction: a SHA-256 over length-prefixed parts, so no
/// two different part lists hash the same text. A key covers a whole
/// chart, so it is hashed on the CPU's SHA extensions (`sys::digest`).
pub struct Key(crate::sys::digest::Sha256);

impl Key {
    pub fn new(kind: &str) -> Key {
        let mut key = Key(crate::sys::digest::Sha256::default());
        key.part(b"nest-kz helm cache v1");
        key.part(kind.as_bytes());
        key
    }

    pub fn part(&mut self, bytes: &[u8]) -> &mut Key {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// Every regular file under `dir` (links followed, as helm reads
    /// them), by path relative to it, in a fixed order.
    pub fn tree(&mut self, dir: &Path) -> io::Result<&mut Key> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(io::Error::other)?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
        for file in files {
            let rel = file.strip_prefix(dir).unwrap_or(&file);
            self.part(rel.as_os_str().as_encoded_bytes());
            self.part(&fs::read(&file)?);
        }
        Ok(self)
    }

    /// The helm binary `command` names (a path, or a name found on PATH).
    pub fn helm(&mut self, command: &str) -> io::Result<&mut Key> {
        let path = resolve(command)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, command.to_string()))?;
        let meta = fs::metadata(&path)?;
        let mtime = meta
            .modified()?
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        self.part(path.as_os_str().as_encoded_bytes());
        self.part(&meta.len().to_le_bytes());
        self.part(&mtime.as_nanos().to_le_bytes());
        self.part(&std::os::unix::fs::MetadataExt::ino(&meta).to_le_bytes());
        Ok(self)
    }

    pub fn hex(self) -> String {
        self.0.finish().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `command` as the system would run it: a path as is, a bare name from PATH.
pub(super) fn resolve(command: &str) -> Option<PathBuf> {
    if command.contains('/') {
        return fs::canonicalize(command).ok();
    }
    crate::sys::child::on_path(command).and_then(|p| fs::canonicalize(p).ok())
}

impl Cache {
    fn entry(&self, kind: &str, key: &str) -> PathBuf {
        self.dir.join(kind).join(key)
    }

    /// The inflation stored under `key`, refreshed as recently used.
    pub fn inflation(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.entry("template", key);
        let bytes = fs::read(&path).ok()?;
        touch(&path);
        Some(bytes)
    }

    /// Stores an inflation; a failure to store is no failure of the build.
    pub fn store_inflation(&self, key: &str, bytes: &[u8]) {
        let path = self.entry("template", key);
        let _ = self.write_atomically(&path, |tmp| fs::write(tmp, bytes));
        self.evict();
    }

    /// Whether the release's version check passed for the helm binary
    /// `key` names (see `version_key`): a cold build then runs one helm
    /// process per chart, `helm template`.
    pub fn version_checked(&self, key: &str) -> bool {
        self.entry("version", key).is_file()
    }

    pub fn store_version_checked(&self, key: &str) {
        let path = self.entry("version", key);
        let _ = self.write_atomically(&path, |tmp| fs::write(tmp, b"ok\n"));
    }

    /// Copies the pulled chart stored under `key` to `target` (absent);
    /// false when there is none.
    pub fn restore_chart(&self, key: &str, target: &Path) -> bool {
        let path = self.entry("pull", key);
        if !path.is_dir() {
            return false;
        }
        touch(&path);
        if let Some(parent) = target.parent()
            && fs::create_dir_all(parent).is_err()
        {
            return false;
        }
        let partial = target.with_extension("nest-kz-cached");
        let done = copy_tree(&path, &partial).and_then(|_| fs::rename(&partial, target));
        if done.is_err() {
            let _ = fs::remove_dir_all(&partial);
        }
        done.is_ok()
    }

    /// Keeps a copy of the chart `helm pull` unpacked at `from`.
    pub fn store_chart(&self, key: &str, from: &Path) {
        let path = self.entry("pull", key);
        if path.is_dir() {
            return;
        }
        let _ = self.write_atomically(&path, |tmp| copy_tree(from, tmp));
        self.evict();
    }

    /// Writes through `fill` to a temporary name beside `path`, then renames
    /// it into place (a concurrent writer of the same key wrote the same).
    fn write_atomically(
        &self,
        path: &Path,
        fill: impl FnOnce(&Path) -> io::Result<()>,
    ) -> io::Result<()> {
        let parent = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
            std::process::id()
        ));
        let result = fill(&tmp).and_then(|_| fs::rename(&tmp, path));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
            let _ = fs::remove_dir_all(&tmp);
        }
        result
    }

    /// Removes the least recently used entries while the cache is past
    /// its bound.
    fn evict(&self) {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        for kind in ["template", "pull"] {
            let Ok(dir) = fs::read_dir(self.dir.join(kind)) else {
                continue;
            };
            for entry in dir.flatten() {
                let path = entry.path();
                if path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                {
                    continue;
                }
                let Ok(meta) = fs::metadata(&path) else {
                    continue;
                };
                let size = if meta.is_dir() {
                    tree_size(&path)
                } else {
                    meta.len()
                };
                let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                entries.push((used, size, path));
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort();
        for (_, size, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            let gone = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            if gone.is_ok() {
                total = total.saturating_sub(size);
            }
        }
    }
}

fn touch(path: &Path) {
    if let Ok(f) = fs::File::options()
        .append(true)
        .open(path)
        .or_else(|_| fs::File::open(path))
    {
        let _ = f.set_modified(SystemTime::now());
    }
}

fn tree_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Copies the tree under `from` to `to`: folders recreated, everything
/// else copied as the file it is or links to (a chart's links were checked
/// to stay inside it before it got here).
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// A version `helm pull` resolves to one chart: no range, wildcard or
/// constraint, so what it names cannot change between builds.
pub fn is_exact_version(version: &str) -> bool {
    let v = version.strip_prefix('v').unwrap_or(version);
    let core: Vec<&str> = v
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .collect();
    core.len() == 3
        && core
            .iter()
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_versions_only() {
        for v in ["1.2.3", "v0.2.0", "1.0.0-rc.1", "2.3.4+build.5"] {
            assert!(is_exact_version(v), "{v}");
        }
        for v in [
            "",
            "1.2",
            "^1.2.3",
            "~1.2.3",
            ">=1.0.0",
            "1.2.x",
            "1.x.x",
            "*",
            "1.2.3 || 2.0.0",
            "latest",
        ] {
            assert!(!is_exact_version(v), "{v}");
        }
    }

    #[test]
    fn keys_differ_by_any_part_and_by_where_parts_split() {
        let key = |parts: &[&str]| {
            let mut k = Key::new("t");
            for p in parts {
                k.part(p.as_bytes());
            }
            k.hex()
        };
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab"]));
        assert_ne!(key(&["a", "b"]), key(&["a", "c"]));
    }

    #[test]
    fn least_recently_used_entries_go_past_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache {
            dir: dir.path().to_path_buf(),
            max_bytes: 350,
        };
        for (i, key) in ["a", "b", "c"].iter().enumerate() {
            cache.store_inflation(key, &[b'x'; 100]);
            let past = SystemTime::now() - std::time::Duration::from_secs(100 - i as u64 * 10);
            fs::File::options()
                .append(true)
                .open(dir.path().join("template").join(key))
                .unwrap()
                .set_modified(past)
                .unwrap();
        }
        // "a" is used again: "b" is now the least recent.
        assert!(cache.inflation("a").is_some());
        cache.store_inflation("d", &[b'x'; 100]);
        assert!(cache.inflation("b").is_none());
        for key in ["a", "d"] {
            assert!(cache.inflation(key).is_some(), "{key}");
        }
    }
}

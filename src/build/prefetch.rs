//! Reading and parsing a kustomization's resource files ahead of the
//! accumulation loop, on every core. Parsing is most of a big build's time
//! and each file parses on its own; the loop still takes the results in
//! the order of `resources:`, so objects, errors and their order are what a
//! file-by-file load gives.
//!
//! Only local files are read ahead, a window at a time: the run of entries
//! from the one asked for that are local files or local kustomization
//! directories (whose own local resource files join the window, so a root
//! over many small kustomizations parses them together). A URL ends the
//! window. So a failing entry stops the build after bounded extra work,
//! and small trees never start threads.

use super::load_resource_file;
use crate::error::Result;
use crate::load::kustomization::Kustomization;
use crate::load::loader::Loader;
use crate::model::resource::Resource;
use hashbrown::HashMap;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Below this many bytes in a window, threads cost more than they save
/// (starting them is about 0.1 ms; parsing 64 KiB about 4 ms).
const PARALLEL_FROM_BYTES: u64 = 64 << 10;

/// From this size, a file parsed ahead returns what parsing it freed.
const BIG_FILE_BYTES: u64 = 256 << 10;

/// Most bytes read ahead at once: bounds what a failing build reads past
/// its error, and the memory of parsed files not yet accumulated.
const WINDOW_BYTES: u64 = 64 << 20;

/// Files parsed ahead, by path, until the kustomization that lists them
/// takes them (one build's worth).
#[derive(Default)]
pub struct Prefetch {
    parsed: HashMap<PathBuf, Result<Vec<Resource>>>,
    /// Per kustomization directory, the first entry no window has reached
    /// yet: each entry is looked at once, however many times it is asked.
    reached: HashMap<PathBuf, usize>,
    /// Kustomizations a window read to find their files, by directory,
    /// until the build visits them: each file is read and parsed once.
    kustomizations: HashMap<PathBuf, Read>,
    /// Per kustomization directory, the files its last window read ahead
    /// that are its own entries (not those of a directory below it).
    own_files: HashMap<PathBuf, Vec<PathBuf>>,
}

/// A kustomization file as read: its path, text and meaning.
pub type Read = (PathBuf, String, Kustomization);

impl Prefetch {
    /// The kustomization `loader` is for, if a window read it (never for
    /// a kustomization in a clone, see [`Prefetch::window`]).
    pub fn take_kustomization(&mut self, loader: &Loader) -> Option<Read> {
        match loader.repo {
            None => self.kustomizations.remove(&loader.dir),
            Some(_) => None,
        }
    }

    /// The objects of entry `index`, the file `path`: parsed ahead if it
    /// was, else (with the window after it) now.
    pub fn load(
        &mut self,
        entries: &[&String],
        index: usize,
        path: &Path,
        loader: &Loader,
        track: bool,
    ) -> Result<Vec<Resource>> {
        if let Some(parsed) = self.parsed.remove(path) {
            return parsed;
        }
        let window = self.window(entries, index, loader, Some(path));
        self.parse(window, track);
        self.parsed
            .remove(path)
            .unwrap_or_else(|| load_resource_file(path, track))
    }

    /// Before a local kustomization directory (entry `index`) is built:
    /// reads ahead its files and those of the entries after it, when they
    /// are worth threads.
    pub fn ahead_of_dir(
        &mut self,
        entries: &[&String],
        index: usize,
        loader: &Loader,
        track: bool,
    ) {
        let window = self.window(entries, index, loader, None);
        self.parse(window, track);
    }

    /// How many objects the files of `dir`'s own entries parsed ahead
    /// hold, not yet taken: its collection can grow once for all of them.
    pub fn objects_ahead(&self, dir: &Path) -> usize {
        self.own_files.get(dir).map_or(0, |files| {
            files
                .iter()
                .filter_map(|p| self.parsed.get(p)?.as_ref().ok())
                .map(Vec::len)
                .sum()
        })
    }

    /// Parses a window on every core, if it is worth it.
    fn parse(&mut self, window: Vec<(PathBuf, u64)>, track: bool) {
        let window: Vec<(PathBuf, u64)> = window
            .into_iter()
            .filter(|(p, _)| !self.parsed.contains_key(p))
            .collect();
        if window.len() < 2 || window.iter().map(|(_, n)| n).sum::<u64>() < PARALLEL_FROM_BYTES {
            return;
        }
        let parsed: Vec<_> = window
            .into_par_iter()
            .map(|(p, n)| {
                let r = load_resource_file(&p, track);
                // What parsing a big file freed (its text, its line tree,
                // the scratch of its origins) lies in this thread's own
                // heap, which only this thread returns: left, all of the
                // window's would be held until after the last file. Only
                // with origins, whose scratch makes it worth the time (a
                // plain build's peak is elsewhere, and the next file would
                // fault the pages in again).
                if track && n >= BIG_FILE_BYTES {
                    crate::model::memory::give_back_freed();
                }
                (p, r)
            })
            .collect();
        self.parsed.extend(parsed);
    }

    /// The local files of entries `index` onwards, with their sizes, up
    /// to [`WINDOW_BYTES`]: files, and the local files a directory's
    /// kustomization lists. `first` is entry `index`'s file when it is
    /// one. Entries an earlier window reached are skipped. In a clone,
    /// directories are not looked into: its loader restricts reads to the
    /// clone, and the plain loader a look would use does not.
    fn window(
        &mut self,
        entries: &[&String],
        index: usize,
        loader: &Loader,
        first: Option<&Path>,
    ) -> Vec<Sized> {
        let dirs = loader.repo.is_none();
        let mut out = Vec::new();
        let mut total = 0;
        let mut add = |(p, n): Sized| {
            if total + n > WINDOW_BYTES {
                return false;
            }
            total += n;
            out.push((p, n));
            true
        };
        let mut own = Vec::new();
        if let Some(path) = first {
            let size = crate::load::memo::kind(path).map_or(0, |k| k.len);
            add((path.to_path_buf(), size));
            own.push(path.to_path_buf());
        }
        let reached = self.reached.entry(loader.dir.clone()).or_default();
        let mut next = (*reached).max(index + usize::from(first.is_some()));
        let ahead = &entries[next.min(entries.len())..];
        let ahead = &ahead[..ahead.len().min(LOOK_AHEAD)];
        // Finding the files is mostly system calls and kustomization
        // parsing: on every core when there are many entries.
        let look = |entry: &&String| look_at(entry, loader, dirs);
        let found: Vec<_> = if ahead.len() < LOOK_AHEAD_PARALLEL {
            ahead.iter().map(look).collect()
        } else {
            ahead.par_iter().map(look).collect()
        };
        for seen in found {
            let Some((files, read)) = seen else {
                break;
            };
            let own_file = match (&read, files.as_slice()) {
                (None, [(path, _)]) => Some(path.clone()),
                _ => None,
            };
            if let Some((dir, read)) = read {
                self.kustomizations.insert(dir, read);
            }
            if !files.into_iter().all(&mut add) {
                break;
            }
            own.extend(own_file);
            next += 1;
        }
        *reached = next.max(*reached);
        // Files already taken are out of `parsed`: this window's are enough.
        self.own_files.insert(loader.dir.clone(), own);
        out
    }
}

/// Entries looked at by one window, at most.
const LOOK_AHEAD: usize = 512;

/// From this many entries, a window looks at them on every core.
const LOOK_AHEAD_PARALLEL: usize = 16;

/// A file to read ahead, with its size in bytes.
type Sized = (PathBuf, u64);

/// What a window takes from one entry: its local files, and for a
/// directory the kustomization read to find them. `None` ends the window.
type Seen = Option<(Vec<Sized>, Option<(PathBuf, Read)>)>;

fn look_at(entry: &str, loader: &Loader, dirs: bool) -> Seen {
    if let Some(p) = local_file(entry, loader) {
        return Some((vec![p], None));
    }
    let (files, dir, read) = dirs.then(|| files_of_dir(entry, loader)).flatten()?;
    Some((files, Some((dir, read))))
}

/// A local kustomization directory's local files, as its own
/// accumulation would find them (under the same restriction), with the
/// directory and its kustomization as read, kept for the build's visit.
fn files_of_dir(entry: &str, loader: &Loader) -> Option<(Vec<Sized>, PathBuf, Read)> {
    // An absolute directory is refused by the build, so never read here.
    if crate::load::remote::is_http_url(entry) || loader.check_new_root(entry).is_err() {
        return None;
    }
    let dir = loader.resolve(entry).ok()?;
    if !crate::load::memo::is_dir(&dir) {
        return None;
    }
    let sub = Loader::new(&dir, loader.restriction).ok()?;
    let (kfile, text) = sub.read_kustomization().ok()?;
    let k = crate::load::kustomization::parse(&kfile, &text).ok()?;
    let files = k
        .resources
        .iter()
        .chain(&k.bases)
        .filter_map(|e| local_file(e, &sub))
        .collect();
    Some((files, sub.dir, (kfile, text, k)))
}

/// The file an entry names, with its size, when the accumulation loop
/// would read it as a plain local file: not a URL, an existing file,
/// allowed by the load restriction. Anything else is left to the loop and
/// its errors.
fn local_file(entry: &str, loader: &Loader) -> Option<Sized> {
    if crate::load::remote::is_http_url(entry) {
        return None;
    }
    let path = loader.resolve(entry).ok()?;
    let kind = crate::load::memo::kind(&path)?;
    (kind.is_file && loader.check_file(&path).is_ok()).then_some((path, kind.len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::loader::LoadRestriction;

    #[test]
    fn looks_only_where_the_build_may_read() {
        let root = tempfile::tempdir().unwrap();
        let sub = root.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("kustomization.yaml"), "resources:\n- cm.yaml\n").unwrap();
        std::fs::write(sub.join("cm.yaml"), "kind: ConfigMap\n").unwrap();
        let loader = Loader::new(root.path(), LoadRestriction::RootOnly).unwrap();
        let (files, dir, _) = files_of_dir("sub", &loader).unwrap();
        assert_eq!(files, vec![(dir.join("cm.yaml"), 16)]);
        // The build refuses an absolute directory: nothing is read ahead.
        let absolute = sub.canonicalize().unwrap();
        assert!(files_of_dir(absolute.to_str().unwrap(), &loader).is_none());
        // URLs are the remote loader's.
        assert!(look_at("https://example.com/x.yaml", &loader, true).is_none());
    }
}

//! Reading and parsing a kustomization's resource files ahead of the
//! accumulation loop, on every core. Parsing is most of a big build's time
//! and each file parses on its own; the loop still takes the results in
//! the order of `resources:`, so objects, errors and their order are what a
//! file-by-file load gives.
//!
//! Only runs of plain local files are read ahead (no URLs, no directories),
//! a window at a time, so a failing entry stops the build after bounded
//! extra work, and small trees never start threads.

use super::load_resource_file;
use crate::error::Result;
use crate::load::loader::Loader;
use crate::model::resource::Resource;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Below this many bytes in a window, threads cost more than they save.
const PARALLEL_FROM_BYTES: u64 = 256 << 10;

/// Most bytes read ahead at once: bounds what a failing build reads past
/// its error, and the memory of parsed files not yet accumulated.
const WINDOW_BYTES: u64 = 64 << 20;

/// Files parsed ahead, by their index in the kustomization's entries.
#[derive(Default)]
pub struct Prefetch {
    parsed: HashMap<usize, (PathBuf, Result<Vec<Resource>>)>,
}

impl Prefetch {
    /// The objects of entry `index`, the file `path`: parsed ahead if it
    /// was, else (with the run of local files after it) now.
    pub fn load(
        &mut self,
        entries: &[&String],
        index: usize,
        path: &Path,
        loader: &Loader,
        track: bool,
    ) -> Result<Vec<Resource>> {
        if let Some((p, parsed)) = self.parsed.remove(&index)
            && p == path
        {
            return parsed;
        }
        let window = window(entries, index, path, loader);
        if window.len() < 2 || window.iter().map(|(_, _, n)| n).sum::<u64>() < PARALLEL_FROM_BYTES {
            return load_resource_file(path, track);
        }
        let mut parsed: Vec<_> = window
            .into_par_iter()
            .map(|(i, p, _)| {
                let r = load_resource_file(&p, track);
                (i, (p, r))
            })
            .collect();
        let (_, (_, first)) = parsed.remove(0);
        self.parsed.extend(parsed);
        first
    }
}

/// Entry `index` (the file `path`) and the local files that follow it
/// directly, with their sizes, up to [`WINDOW_BYTES`].
fn window(
    entries: &[&String],
    index: usize,
    path: &Path,
    loader: &Loader,
) -> Vec<(usize, PathBuf, u64)> {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut total = size(path);
    let mut out = vec![(index, path.to_path_buf(), total)];
    for (i, entry) in entries.iter().enumerate().skip(index + 1) {
        let Some(p) = local_file(entry, loader) else {
            break;
        };
        let n = size(&p);
        if total + n > WINDOW_BYTES {
            break;
        }
        total += n;
        out.push((i, p, n));
    }
    out
}

/// The file an entry names, when the accumulation loop would read it as a
/// plain local file: not a URL, an existing file, allowed by the load
/// restriction. Anything else is left to the loop and its errors.
fn local_file(entry: &str, loader: &Loader) -> Option<PathBuf> {
    if crate::load::remote::is_http_url(entry) || !loader.dir.join(entry).is_file() {
        return None;
    }
    let path = loader.resolve(entry).ok()?;
    (path.is_file() && loader.check_file(&path).is_ok()).then_some(path)
}

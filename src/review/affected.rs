//! `nest-kz affected`: which kustomization directories a change touches.
//!
//! Each directory's build reads a set of files: its kustomization, the files
//! it names (resources, patches, generator inputs, configurations, helm
//! chart folders and values files, …) and,
//! recursively, those of the kustomizations and components it includes. A
//! directory is a candidate when that set meets the files changed since the
//! base revision (`git diff --name-only`, plus untracked files); candidates
//! are then confirmed by building both sides and comparing the output, so a
//! comment-only edit does not count. A side that fails to build counts as
//! changed when the other builds (or fails differently).

use crate::BuildOptions;
use crate::load::kustomization::{self, Kustomization};
use crate::model::value::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum AffectedError {
    #[error("git {args}: {message}")]
    Git { args: String, message: String },
    #[error("'{0}' is not a commit in this repository")]
    BadRevision(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read revision {0}")]
    Archive(String),
    #[error("{0}")]
    NotKustomization(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AffectedError + '_ {
    move |source| AffectedError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, AffectedError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(io(Path::new("git")))?;
    if !out.status.success() {
        return Err(AffectedError::Git {
            args: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The commit `rev` names. `--end-of-options` keeps a revision that starts
/// with `-` from being read as an option.
pub fn resolve_revision(dir: &Path, rev: &str) -> Result<String, AffectedError> {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map(|s| s.trim().to_string())
    .map_err(|_| AffectedError::BadRevision(rev.to_string()))
}

/// Extracts the repository at `rev` into a temporary directory and returns
/// it with the path of `dir` inside it.
pub fn checkout_revision(
    dir: &Path,
    rev: &str,
) -> Result<(crate::sys::cleanup::TempDir, PathBuf), AffectedError> {
    let commit = resolve_revision(dir, rev)?;
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?;
    let tmp = crate::sys::cleanup::TempDir::new("nest-kz-review-")
        .map_err(io(Path::new("temporary directory")))?;
    extract(Path::new(top.trim()), &commit, tmp.path())?;
    let path = tmp.path().join(prefix.trim());
    Ok((tmp, path))
}

fn extract(top: &Path, commit: &str, into: &Path) -> Result<(), AffectedError> {
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["archive", "--format=tar", commit])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(io(Path::new("git")))?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| AffectedError::Archive(commit.to_string()))?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(stdout)
        .status()
        .map_err(io(Path::new("tar")))?;
    let archived = archive.wait().map_err(io(Path::new("git")))?;
    if !(archived.success() && untar.success()) {
        return Err(AffectedError::Archive(commit.to_string()));
    }
    Ok(())
}

/// Every directory under `top` holding a kustomization (not a component),
/// skipping `.git`, `target` and hidden directories.
pub fn kustomization_dirs(top: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(top)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || name == "target")
        });
    for entry in walk.filter_map(|e| e.ok()) {
        if !entry.file_type().is_dir() {
            continue;
        }
        let Ok(file) = kustomization::find_file(entry.path()) else {
            continue;
        };
        let is_component = crate::load::loader::read_text_file(&file)
            .ok()
            .and_then(|t| kustomization::parse(&file, &t).ok())
            .is_some_and(|k| k.is_component());
        if !is_component {
            out.push(entry.path().to_path_buf());
        }
    }
    out
}

/// The files building `dir` reads, canonical, and the chart folders of its
/// helmCharts. Entries that do not resolve are skipped: the confirming build
/// reports them.
pub fn files_read(dir: &Path) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    let mut seen = BTreeSet::new();
    visit(dir, &mut files, &mut seen);
    files
}

fn visit(dir: &Path, files: &mut BTreeSet<PathBuf>, seen: &mut BTreeSet<PathBuf>) {
    let Ok(dir) = dir.canonicalize() else {
        return;
    };
    if !seen.insert(dir.clone()) {
        return;
    }
    let Ok(kfile) = kustomization::find_file(&dir) else {
        return;
    };
    let k = crate::load::loader::read_text_file(&kfile)
        .ok()
        .and_then(|t| kustomization::parse(&kfile, &t).ok());
    files.insert(kfile);
    let Some(k) = k else { return };
    let plugin_configs: BTreeSet<String> = k
        .generators
        .iter()
        .chain(&k.transformers)
        .cloned()
        .collect();
    for entry in named_paths(&k) {
        let Ok(path) = dir.join(&entry).canonicalize() else {
            continue;
        };
        if path.is_dir() {
            visit(&path, files, seen);
            continue;
        }
        // A built-in generator or transformer configured in its own file
        // names further files, relative to the kustomization.
        if plugin_configs.contains(&entry) {
            for named in plugin_config_paths(&path) {
                if let Ok(p) = dir.join(named).canonicalize() {
                    files.insert(p);
                }
            }
        }
        files.insert(path);
    }
    // helmCharts read their chart's folder (listed whole, so a file added
    // to or removed from the chart counts) and their values files.
    let (charts, globals) = k.helm();
    for chart in &charts {
        let home = crate::generate::helm::chart_home(chart, &globals, &dir);
        let named = std::iter::once(chart.values_file.as_str())
            .chain(chart.additional_values_files.iter().map(String::as_str))
            .filter(|f| !f.is_empty())
            .map(|f| dir.join(f));
        for path in std::iter::once(home.join(&chart.name)).chain(named) {
            if let Ok(p) = path.canonicalize() {
                files.insert(p);
            }
        }
    }
}

/// Whether a changed file is one of `read`, or inside a folder of `read`.
fn touches(read: &BTreeSet<PathBuf>, changed: &BTreeSet<PathBuf>) -> bool {
    changed
        .iter()
        .any(|c| c.ancestors().any(|a| read.contains(a)))
}

/// The `path`, `files`, `envs` and `env` entries of a plugin configuration.
fn plugin_config_paths(file: &Path) -> Vec<String> {
    let Some(docs) = crate::load::loader::read_text_file(file)
        .ok()
        .and_then(|t| crate::yaml::parse_config_documents(&t).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in docs {
        let strings = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => vec![s.to_string()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            }
        };
        out.extend(strings(d.value.get("path")));
        out.extend(strings(d.value.get("envs")));
        out.extend(strings(d.value.get("env")));
        for f in strings(d.value.get("files")) {
            out.push(f.split_once('=').map_or(f.as_str(), |(_, p)| p).to_string());
        }
    }
    out
}

/// Every path a kustomization names, relative to its directory.
fn named_paths(k: &Kustomization) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    out.extend(k.resources.iter().cloned());
    out.extend(k.bases.iter().cloned());
    out.extend(k.components.iter().cloned());
    out.extend(k.crds.iter().cloned());
    out.extend(k.configurations.iter().cloned());
    out.extend(k.generators.iter().cloned());
    out.extend(k.transformers.iter().cloned());
    // A patchesStrategicMerge entry is a file name or an inline patch; an
    // inline one simply does not resolve to a file.
    out.extend(k.patches_strategic_merge.iter().cloned());
    for p in k.patches.iter().chain(&k.patches_json6902) {
        out.extend(p.path.iter().cloned());
    }
    for g in k.config_map_generator.iter().chain(&k.secret_generator) {
        for f in &g.files {
            // `key=path` or `path`.
            out.push(f.split_once('=').map_or(f.as_str(), |(_, p)| p).to_string());
        }
        out.extend(g.envs.iter().cloned());
        out.extend(g.env.iter().cloned());
    }
    for r in &k.replacements {
        if let Some(p) = &r.path {
            out.push(p.clone());
        }
    }
    if let Some(p) = k.openapi.as_ref().and_then(|o| o.path.clone()) {
        out.push(p);
    }
    out
}

/// The files changed between `commit` and the working tree, plus untracked
/// ones, as canonical-looking absolute paths under `top`.
fn changed_files(top: &Path, commit: &str) -> Result<BTreeSet<PathBuf>, AffectedError> {
    let diff = git(top, &["diff", "--name-only", "-z", commit, "--"])?;
    let untracked = git(top, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    Ok(diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|p| !p.is_empty())
        .map(|p| top.join(p))
        .collect())
}

/// The files changed between `rev` and the working tree (untracked ones
/// included) of the repository holding `dir`, canonical where they exist.
pub fn changed_since(dir: &Path, rev: &str) -> Result<BTreeSet<PathBuf>, AffectedError> {
    let commit = resolve_revision(dir, rev)?;
    let top_text = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = Path::new(top_text.trim())
        .canonicalize()
        .map_err(io(Path::new(top_text.trim())))?;
    Ok(changed_files(&top, &commit)?
        .into_iter()
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect())
}

/// The directories among `dirs` (default: every kustomization in the
/// repository of the current directory) whose output differs between `base`
/// and the working tree, as given (or relative to the current directory).
pub fn affected(
    base: &str,
    dirs: &[PathBuf],
    confirm: bool,
    options: &BuildOptions,
) -> Result<Vec<PathBuf>, AffectedError> {
    let cwd = std::env::current_dir().map_err(io(Path::new(".")))?;
    let start = dirs.first().map_or(cwd.as_path(), |d| d.as_path());
    let start = if start.is_dir() { start } else { cwd.as_path() };
    let commit = resolve_revision(start, base)?;
    let top_text = git(start, &["rev-parse", "--show-toplevel"])?;
    let top = Path::new(top_text.trim())
        .canonicalize()
        .map_err(io(Path::new(top_text.trim())))?;
    let changed = changed_files(&top, &commit)?;
    let candidates: Vec<PathBuf> = if dirs.is_empty() {
        // Relative to where the command runs, also from a subdirectory
        // (`../base`), and `.` for a kustomization at that very place.
        let here = cwd.canonicalize().unwrap_or_else(|_| cwd.clone());
        kustomization_dirs(&top)
            .into_iter()
            .map(|d| match crate::build::relative_path(&here, &d) {
                rel if rel.is_empty() => PathBuf::from("."),
                rel => PathBuf::from(rel),
            })
            .collect()
    } else {
        // A directory without a kustomization would read no files and so
        // never be listed: say so instead.
        for d in dirs {
            kustomization::find_file(d)
                .map_err(|e| AffectedError::NotKustomization(e.to_string()))?;
        }
        dirs.to_vec()
    };
    let touched: Vec<PathBuf> = candidates
        .into_iter()
        .filter(|d| touches(&files_read(d), &changed))
        .collect();
    if !confirm || touched.is_empty() {
        return Ok(touched);
    }
    let old_tree = crate::sys::cleanup::TempDir::new("nest-kz-review-")
        .map_err(io(Path::new("temporary directory")))?;
    extract(&top, &commit, old_tree.path())?;
    let mut out = Vec::new();
    for dir in touched {
        let abs = cwd.join(&dir).canonicalize().map_err(io(&dir))?;
        let old_dir = abs
            .strip_prefix(&top)
            .map(|rel| old_tree.path().join(rel))
            .unwrap_or_default();
        let render = |d: &Path| -> Result<String, String> {
            crate::build(d, options)
                .map(|objs| crate::yaml::emit_stream(&objs))
                .map_err(|e| e.to_string().replace(&*d.to_string_lossy(), "<dir>"))
        };
        let differs = !old_dir.is_dir() || render(&old_dir) != render(&abs);
        if differs {
            out.push(dir);
        }
    }
    Ok(out)
}

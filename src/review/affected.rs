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
use crate::load::loader::lexical_clean;
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
    #[error("{}: not inside a git work tree", .0.display())]
    NotRepository(PathBuf),
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

/// The top of the git work tree holding `dir`, canonical.
fn repo_top(dir: &Path) -> Result<PathBuf, AffectedError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|_| AffectedError::NotRepository(dir.to_path_buf()))?;
    let top = Path::new(top.trim());
    top.canonicalize().map_err(io(top))
}

/// `path` as the user sees it from `cwd`: relative, `.` for `cwd` itself.
fn shown_from(cwd: &Path, path: &Path) -> PathBuf {
    match crate::build::relative_path(cwd, path) {
        r if r.is_empty() => PathBuf::from("."),
        r => PathBuf::from(r),
    }
}

/// The files changed between `rev` and the working tree (untracked ones
/// included) of the repository holding `dir`, canonical where they exist.
pub fn changed_since(dir: &Path, rev: &str) -> Result<BTreeSet<PathBuf>, AffectedError> {
    let top = repo_top(dir)?;
    let commit = resolve_revision(dir, rev)?;
    Ok(canonical(changed_files(&top, &commit)?))
}

fn canonical(paths: BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    paths
        .into_iter()
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect()
}

/// Whether `dir` holds a kustomization file (a component's too).
fn is_kustomization(dir: &Path) -> bool {
    kustomization::find_file(dir).is_ok()
}

/// The repository at a base revision, extracted beside the working tree,
/// and what moved between them.
pub struct BaseTree {
    tree: crate::sys::cleanup::TempDir,
    /// The working tree's top, canonical.
    pub top: PathBuf,
    /// The current directory, canonical: paths are shown relative to it.
    pub cwd: PathBuf,
    pub commit: String,
    /// Kustomization directories renamed since the base: (old, new), relative to `top`.
    renames: Vec<(PathBuf, PathBuf)>,
    /// The files changed since the base (untracked ones included), canonical where they exist.
    pub changed: BTreeSet<PathBuf>,
}

/// One kustomization directory on the two sides of a change.
#[derive(Debug, Clone)]
pub struct Sides {
    /// As given, or relative to the current directory.
    pub shown: PathBuf,
    /// The directory at the base revision, when it was a kustomization there.
    pub old: Option<PathBuf>,
    /// The directory in the working tree, when it is a kustomization now.
    pub new: Option<PathBuf>,
    /// The old directory's path, shown relative to the current directory, when it moved.
    pub renamed_from: Option<PathBuf>,
}

impl BaseTree {
    /// Extracts `rev` of the repository holding `start` (or the current directory).
    pub fn open(start: Option<&Path>, rev: &str) -> Result<BaseTree, AffectedError> {
        let cwd_raw = std::env::current_dir().map_err(io(Path::new(".")))?;
        let cwd = cwd_raw.canonicalize().map_err(io(&cwd_raw))?;
        // The nearest existing directory: a deleted overlay no longer exists.
        let start = start
            .map(|s| lexical_clean(&cwd.join(s)))
            .and_then(|s| s.ancestors().find(|a| a.is_dir()).map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.clone());
        let top = repo_top(&start)?;
        let commit = resolve_revision(&start, rev)?;
        let tree = crate::sys::cleanup::TempDir::new("nest-kz-review-")
            .map_err(io(Path::new("temporary directory")))?;
        extract(&top, &commit, tree.path())?;
        let renames = kustomization_renames(&top, &commit)?;
        let changed = canonical(changed_files(&top, &commit)?);
        Ok(BaseTree {
            tree,
            top,
            cwd,
            commit,
            renames,
            changed,
        })
    }

    /// The extracted tree's top.
    pub fn old_top(&self) -> &Path {
        self.tree.path()
    }

    /// `path` (relative to the current directory, or absolute) relative to the top.
    fn in_repo(&self, path: &Path) -> Option<PathBuf> {
        let abs = match path.canonicalize() {
            Ok(p) => p,
            Err(_) => lexical_clean(&self.cwd.join(path)),
        };
        abs.strip_prefix(&self.top).ok().map(Path::to_path_buf)
    }

    /// A path under the top shown relative to the current directory (`.` for it).
    pub fn shown(&self, rel: &Path) -> PathBuf {
        shown_from(&self.cwd, &self.top.join(rel))
    }

    /// Both sides of `dir` (as a user gave it): absent where it is no
    /// kustomization; a directory renamed since the base pairs with its old path.
    pub fn sides(&self, dir: &Path) -> Result<Sides, AffectedError> {
        let rel = self.in_repo(dir).ok_or_else(|| {
            AffectedError::NotKustomization(format!(
                "{}: not inside the repository at {}",
                dir.display(),
                self.top.display()
            ))
        })?;
        let new = is_kustomization(&self.top.join(&rel)).then(|| dir.to_path_buf());
        let mut renamed_from = None;
        let mut old = Some(self.old_top().join(&rel)).filter(|d| is_kustomization(d));
        let moved = self.renames.iter().find(|(_, to)| *to == rel);
        if let (None, Some(_), Some((from, _))) = (&old, &new, moved) {
            old = Some(self.old_top().join(from)).filter(|d| is_kustomization(d));
            renamed_from = old.as_ref().map(|_| self.shown(from));
        }
        if old.is_none() && new.is_none() {
            return Err(AffectedError::NotKustomization(format!(
                "{}: no kustomization here, neither in the working tree nor at the base revision",
                dir.display()
            )));
        }
        Ok(Sides {
            shown: dir.to_path_buf(),
            old,
            new,
            renamed_from,
        })
    }

    /// Whether building `sides` may read a file changed since the base: the
    /// files its new side reads, or those its old side read (a deleted base file).
    fn touched(&self, sides: &Sides) -> bool {
        if sides.old.is_none() || sides.new.is_none() || sides.renamed_from.is_some() {
            return true;
        }
        let new_reads = sides.new.as_deref().map(files_read).unwrap_or_default();
        let old_top = self.old_top().canonicalize().unwrap_or_default();
        let old_reads: BTreeSet<PathBuf> = sides
            .old
            .as_deref()
            .map(files_read)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.strip_prefix(&old_top).ok().map(|r| self.top.join(r)))
            .collect();
        touches(&new_reads, &self.changed) || touches(&old_reads, &self.changed)
    }
}

/// Kustomization files git sees renamed between `commit` and the working
/// tree, as their directories (old, new) relative to the top.
fn kustomization_renames(
    top: &Path,
    commit: &str,
) -> Result<Vec<(PathBuf, PathBuf)>, AffectedError> {
    let status = git(top, &["diff", "-M90%", "--name-status", "-z", commit, "--"])?;
    let mut fields = status.split('\0');
    let mut out = Vec::new();
    let is_kfile = |p: &str| {
        kustomization::FILE_NAMES
            .iter()
            .any(|n| Path::new(p).file_name().is_some_and(|f| f == *n))
    };
    while let Some(code) = fields.next() {
        if code.is_empty() {
            break;
        }
        let paths: Vec<&str> = match code.chars().next() {
            Some('R') | Some('C') => fields.by_ref().take(2).collect(),
            _ => fields.by_ref().take(1).collect(),
        };
        if let [from, to] = paths[..]
            && code.starts_with('R')
            && is_kfile(from)
            && is_kfile(to)
        {
            let dir = |p: &str| {
                Path::new(p)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            };
            out.push((dir(from), dir(to)));
        }
    }
    Ok(out)
}

/// The directories among `dirs` (default: every kustomization in the
/// repository of the current directory, and every one deleted since `base`)
/// whose output differs between `base` and the working tree, as given (or
/// relative to the current directory).
pub fn affected(
    base: &str,
    dirs: &[PathBuf],
    confirm: bool,
    options: &BuildOptions,
) -> Result<Vec<PathBuf>, AffectedError> {
    let tree = BaseTree::open(dirs.first().map(PathBuf::as_path), base)?;
    Ok(affected_sides(&tree, dirs, confirm, options)?
        .into_iter()
        .map(|s| s.shown)
        .collect())
}

/// Like [`affected`], with both sides of each directory.
pub fn affected_sides(
    tree: &BaseTree,
    dirs: &[PathBuf],
    confirm: bool,
    options: &BuildOptions,
) -> Result<Vec<Sides>, AffectedError> {
    let candidates: Vec<Sides> = if dirs.is_empty() {
        all_sides(tree)?
    } else {
        dirs.iter()
            .map(|d| tree.sides(d))
            .collect::<Result<_, _>>()?
    };
    let touched = candidates.into_iter().filter(|s| tree.touched(s));
    if !confirm {
        return Ok(touched.collect());
    }
    let render = |d: &Path| -> Result<String, String> {
        crate::build(d, options)
            .map(|objs| crate::yaml::emit_stream(&objs))
            .map_err(|e| e.to_string().replace(&*d.to_string_lossy(), "<dir>"))
    };
    Ok(touched
        .filter(|s| match (&s.old, &s.new) {
            (Some(old), Some(new)) => s.renamed_from.is_some() || render(old) != render(new),
            _ => true,
        })
        .collect())
}

/// Every kustomization of the working tree, then every one deleted since the
/// base (a renamed one appears once, under its new path).
fn all_sides(tree: &BaseTree) -> Result<Vec<Sides>, AffectedError> {
    let mut out = Vec::new();
    for dir in kustomization_dirs(&tree.top) {
        let rel = dir.strip_prefix(&tree.top).unwrap_or(&dir).to_path_buf();
        out.push(tree.sides(&tree.shown(&rel))?);
    }
    let old_top = tree.old_top().to_path_buf();
    for dir in kustomization_dirs(&old_top) {
        let rel = dir.strip_prefix(&old_top).unwrap_or(&dir).to_path_buf();
        let moved = tree.renames.iter().any(|(from, _)| *from == rel);
        if !moved && !is_kustomization(&tree.top.join(&rel)) {
            out.push(Sides {
                shown: tree.shown(&rel),
                old: Some(dir),
                new: None,
                renamed_from: None,
            });
        }
    }
    Ok(out)
}

/// The value of ArgoCD's `argocd.argoproj.io/manifest-generate-paths`
/// annotation for an application of `dir`: `.` for the directory itself,
/// then every other kustomization directory and file its build reads, from
/// the repository's top (`/base`), so ArgoCD regenerates the application
/// only when one of them changes. Remote resources are not paths; nothing
/// names them.
pub fn generate_paths(dir: &Path) -> Result<String, AffectedError> {
    let own = dir.canonicalize().map_err(io(dir))?;
    let top = repo_top(&own)?;
    let read = files_read(&own);
    let is_kfile = |p: &Path| {
        p.file_name()
            .is_some_and(|f| kustomization::FILE_NAMES.iter().any(|n| f == *n))
    };
    let dirs: BTreeSet<PathBuf> = read
        .iter()
        .filter(|p| is_kfile(p))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut paths = vec![".".to_string()];
    // A directory covers what lies inside it; `own` is `.` already.
    let covered = |p: &Path| dirs.iter().any(|d| p != d && p.starts_with(d)) || p.starts_with(&own);
    for p in dirs.iter().chain(read.iter().filter(|p| !is_kfile(p))) {
        if covered(p) {
            continue;
        }
        if let Ok(rel) = p.strip_prefix(&top) {
            let entry = format!("/{}", rel.display());
            if !paths.contains(&entry) {
                paths.push(entry);
            }
        }
    }
    Ok(paths.join(";"))
}

/// Every kustomization of the repository holding the current directory,
/// relative to it.
pub fn all_kustomizations() -> Result<Vec<PathBuf>, AffectedError> {
    let cwd_raw = std::env::current_dir().map_err(io(Path::new(".")))?;
    let cwd = cwd_raw.canonicalize().map_err(io(&cwd_raw))?;
    let top = repo_top(&cwd)?;
    Ok(kustomization_dirs(&top)
        .into_iter()
        .map(|d| shown_from(&cwd, &d))
        .collect())
}

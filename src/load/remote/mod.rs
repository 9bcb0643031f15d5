//! Remote `resources:` and `components:` entries: git repository URLs and
//! HTTP(S) file URLs, resolved as kustomize v5.5.0 resolves them.
//!
//! This module owns deciding whether an entry is remote at all
//! (`classify`), parsing repository URLs (`repospec`), running the `git`
//! command line safely (`git`), the on-disk cache of fetched commits shared
//! by concurrent builds (`cache`) and downloading single files (`http`).
//! The build stage calls one function, [`resolve_entry`], and gets back
//! either "local: carry on", a downloaded file's parsed contents, or a
//! directory inside a cached clone together with the clone's root, which
//! the build must use to restrict loads (kustomize's rule for remote roots:
//! files only in or below the kustomization's directory, bases only inside
//! the clone).

pub mod cache;
pub mod credentials;
pub mod git;
pub mod http;
pub mod repospec;

use crate::error::BuildError;
pub use repospec::RepoSpec;
use repospec::SpecError;
use std::path::{Path, PathBuf};

/// Wraps an error from building a remote kustomization so that it names
/// the URL that brought it in.
pub fn in_remote(url: &str, e: BuildError) -> BuildError {
    BuildError::Remote {
        url: url.to_string(),
        source: RemoteError::Build(Box::new(e)),
    }
}

/// How remote references may be resolved.
#[derive(Debug, Clone, Default)]
pub struct RemoteOptions {
    /// Refuse every remote reference (`--network=false`), for hermetic builds.
    pub refuse: bool,
    /// Use only what is cached: no `git ls-remote`, clone or download.
    pub offline: bool,
    /// The cache's root; default `$XDG_CACHE_HOME/nest-kz`.
    pub cache_dir: Option<PathBuf>,
    /// `--remote-ref-ttl`: a branch or tag resolved less than this long
    /// ago is taken from the cache without asking the server (opt-in).
    pub ref_ttl: Option<std::time::Duration>,
}

/// Why a remote reference could not be used. The build wraps it with the
/// URL ([`BuildError::Remote`]).
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("remote references are refused (--network=false)")]
    Refused,
    #[error("not in the cache, and --offline forbids fetching it")]
    NotCached,
    #[error("ref '{0}' looks like a command-line option; refusing it")]
    OptionLikeRef(String),
    #[error("ref '{0}' does not exist in the repository")]
    RefNotFound(String),
    #[error("cannot run git: {0}")]
    GitMissing(std::io::Error),
    #[error("git {command} failed: {stderr}")]
    Git { command: String, stderr: String },
    #[error("git {command} timed out after {}s (set ?timeout= in the URL)", timeout.as_secs())]
    Timeout {
        command: String,
        timeout: std::time::Duration,
    },
    /// git stopped by the run's bounds (deadline, output cap).
    #[error(transparent)]
    Child(crate::sys::child::ChildError),
    #[error("'{0}' is not a directory in the repository")]
    NotADirectory(String),
    #[error("'{0}' refers to a directory outside of the repository")]
    OutsideRepo(String),
    #[error("not a repository URL: {0}")]
    Spec(#[from] SpecError),
    #[error("download failed: {0}")]
    Http(String),
    #[error("download failed: HTTP status {0}")]
    HttpStatus(u16),
    #[error("download is larger than the {0}-byte limit")]
    TooLarge(u64),
    /// An http(s) URL that was neither a resource file nor a repository:
    /// both attempts, as kustomize reports them.
    #[error("{download}; as a git repository: {clone}")]
    Fallback {
        download: String,
        clone: Box<RemoteError>,
    },
    /// An error building the remote kustomization itself.
    #[error("{0}")]
    Build(Box<BuildError>),
    #[error("cache {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl RemoteError {
    pub(crate) fn cache(path: &Path, source: std::io::Error) -> Self {
        RemoteError::Cache {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What kind of entry a `resources:` string is, by kustomize's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A path on the local disk.
    Local,
    /// `http://` or `https://`: downloaded first; if that is not a resource
    /// file and the URL also parses as a repository, cloned instead.
    Http(Option<RepoSpec>),
    /// A git repository to clone.
    Git(RepoSpec),
}

/// kustomize tries an entry as a file first (an HTTP(S) URL is downloaded),
/// then as a repository URL, then as a local directory. An existing local
/// file therefore wins over a repository URL, but a local directory loses.
pub fn classify(entry: &str, dir: &Path) -> Kind {
    if is_http_url(entry) {
        return Kind::Http(RepoSpec::parse(entry).ok());
    }
    // Most entries are no repository URL: those need not be looked up.
    match RepoSpec::parse(entry) {
        Ok(_) if crate::load::memo::is_file(&dir.join(entry)) => Kind::Local,
        Ok(spec) => Kind::Git(spec),
        Err(_) => Kind::Local,
    }
}

/// True for strings Go's `url.Parse` reads with an http or https scheme.
pub fn is_http_url(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && !s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// A kustomization root inside a cached clone (paths canonical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRoot {
    /// The clone's top directory: bases below `dir` must stay inside it.
    pub repo: PathBuf,
    /// The kustomization's directory (the URL's subpath).
    pub dir: PathBuf,
    /// The repository URL and ref as kustomize's origin annotations name
    /// them (`repo:`, `ref:`).
    pub url: String,
    pub git_ref: String,
}

impl RemoteRoot {
    /// What kustomize puts before paths relative to the clone in origin
    /// annotations: when the URL names the repository's top, its origin
    /// code cuts the placeholder clone directory's name (`notCloned`) into
    /// the path instead of removing it, and every path keeps it.
    pub fn origin_path_prefix(&self) -> &'static str {
        if self.dir == self.repo {
            "notCloned/"
        } else {
            ""
        }
    }

    /// The `repo:` and `ref:` lines of kustomize's origin annotation.
    pub fn origin_lines(&self) -> String {
        let mut text = crate::yaml::emit::emit_document(&crate::json!({ "repo": self.url }));
        if !self.git_ref.is_empty() {
            text.push_str(&crate::yaml::emit::emit_document(
                &crate::json!({ "ref": self.git_ref }),
            ));
        }
        text
    }
}

/// kustomize's origin annotation text for objects downloaded from `url`,
/// listed by a kustomization whose origin path is `base` ("" at the root),
/// inside the clone described by `within` (its `repo:`/`ref:` lines, or "").
/// kustomize builds it with its repository-URL logic even for plain files:
/// a URL that parses as a repository gets `repo:` and a path cut from its
/// subpath; any other is joined to `base` as a file path (so `http://`
/// becomes `http:/`).
pub fn url_origin_text(url: &str, base: &str, within: &str) -> String {
    match RepoSpec::parse(url) {
        Ok(spec) => {
            let abs = go_clean(&format!("/notCloned/{}", spec.kust_root));
            let after = &abs[1..];
            let path = after.find('/').map_or(after, |i| &after[i + 1..]);
            let root = RemoteRoot {
                repo: PathBuf::new(),
                dir: PathBuf::new(),
                url: spec.clone_spec(),
                git_ref: spec.git_ref.clone(),
            };
            format!("path: {}\n{}", go_clean(path), root.origin_lines())
        }
        Err(_) => {
            let joined = if base.is_empty() {
                url.to_string()
            } else {
                format!("{base}/{url}")
            };
            format!("path: {}\n{within}", go_clean(&joined))
        }
    }
}

/// Go's `path.Clean`: one slash between elements, no `.`, `..` resolved
/// lexically.
fn go_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// The outcome of [`resolve_entry`].
pub enum Entry<T> {
    /// Not remote: read it from disk as before.
    Local,
    /// A downloaded file, as parsed by the caller.
    File(T),
    /// A kustomization directory in a clone.
    Dir(RemoteRoot),
}

/// Resolves one `resources:` entry. `dir` is the referring kustomization's directory; `parse` turns a
/// downloaded file's bytes into resources (its error makes a URL that is
/// also a repository URL fall back to cloning, as in kustomize).
pub fn resolve_entry<T>(
    entry: &str,
    dir: &Path,
    options: &RemoteOptions,
    parse: impl FnOnce(&str, &[u8]) -> crate::error::Result<T>,
) -> crate::error::Result<Entry<T>> {
    let wrap = |source: RemoteError| BuildError::Remote {
        url: entry.to_string(),
        source,
    };
    let kind = classify(entry, dir);
    if kind != Kind::Local && options.refuse {
        return Err(wrap(RemoteError::Refused));
    }
    match kind {
        Kind::Local => {
            exits_repo(entry, dir).map_err(wrap)?;
            Ok(Entry::Local)
        }
        Kind::Git(spec) => fetch_root(&spec, options).map(Entry::Dir).map_err(wrap),
        Kind::Http(spec) => {
            if options.offline {
                // Offline, only repositories can come from the cache.
                return match spec {
                    Some(spec) => fetch_root(&spec, options).map(Entry::Dir).map_err(wrap),
                    None => Err(wrap(RemoteError::NotCached)),
                };
            }
            let downloaded = http::download(entry);
            // Not a resource file: clone it if it names a repository.
            let fallback = |spec: &RepoSpec, download: String| {
                fetch_root(spec, options).map(Entry::Dir).map_err(|e| {
                    wrap(RemoteError::Fallback {
                        download,
                        clone: Box::new(e),
                    })
                })
            };
            match (downloaded, spec) {
                (Ok(bytes), spec) => match parse(entry, &bytes) {
                    Ok(parsed) => Ok(Entry::File(parsed)),
                    Err(e) => match spec {
                        Some(spec) => fallback(&spec, format!("not a resource file ({e})")),
                        None => Err(e),
                    },
                },
                // A size overrun is never a repository: stop here.
                (Err(e @ RemoteError::TooLarge(_)), _) | (Err(e), None) => Err(wrap(e)),
                (Err(e), Some(spec)) => fallback(&spec, e.to_string()),
            }
        }
    }
}

/// Downloads a file named by an HTTP(S) URL in a field other than
/// `resources:` (patches, generator files, configurations), as kustomize's
/// loader does for every file it loads.
pub fn download_file(url: &str, options: &RemoteOptions) -> crate::error::Result<Vec<u8>> {
    let wrap = |source: RemoteError| BuildError::Remote {
        url: url.to_string(),
        source,
    };
    if options.refuse {
        return Err(wrap(RemoteError::Refused));
    }
    if options.offline {
        return Err(wrap(RemoteError::NotCached));
    }
    http::download(url).map_err(wrap)
}

/// Resolves a `components:` entry: only repositories are remote there.
pub fn resolve_component(
    entry: &str,
    dir: &Path,
    options: &RemoteOptions,
) -> crate::error::Result<Option<RemoteRoot>> {
    let wrap = |source: RemoteError| BuildError::Remote {
        url: entry.to_string(),
        source,
    };
    // kustomize asks the repo-spec parser first: a local directory whose
    // path parses as a repository URL is still cloned.
    match RepoSpec::parse(entry) {
        Err(_) => exits_repo(entry, dir).map(|_| None).map_err(wrap),
        Ok(_) if options.refuse => Err(wrap(RemoteError::Refused)),
        Ok(spec) => fetch_root(&spec, options).map(Some).map_err(wrap),
    }
}

/// kustomize treats a URL whose subpath leaves the repository (`//../..`)
/// as a local path that then does not exist; say what is wrong instead.
fn exits_repo(entry: &str, dir: &Path) -> Result<(), RemoteError> {
    match RepoSpec::parse(entry) {
        Err(e @ SpecError::ExitsRepo(_)) if !dir.join(entry).exists() => Err(e.into()),
        _ => Ok(()),
    }
}

/// Clones (or finds in the cache) the repository and checks the subpath:
/// it must be a directory, and, symlinks resolved, inside the clone.
pub fn fetch_root(spec: &RepoSpec, options: &RemoteOptions) -> Result<RemoteRoot, RemoteError> {
    let tree = cache::checkout(spec, options)?;
    let repo = tree
        .canonicalize()
        .map_err(|e| RemoteError::cache(&tree, e))?;
    let joined = repo.join(&spec.kust_root);
    let dir = joined
        .canonicalize()
        .map_err(|_| RemoteError::NotADirectory(spec.kust_root.clone()))?;
    if !dir.starts_with(&repo) {
        return Err(RemoteError::OutsideRepo(spec.kust_root.clone()));
    }
    if !dir.is_dir() {
        return Err(RemoteError::NotADirectory(spec.kust_root.clone()));
    }
    Ok(RemoteRoot {
        repo,
        dir,
        url: spec.clone_spec(),
        git_ref: spec.git_ref.clone(),
    })
}

/// `NEST_KZ_DEBUG` set: report clones and cache hits on stderr (the tests
/// read these to check that a cached build does not clone).
pub(crate) fn debug(message: impl FnOnce() -> String) {
    if std::env::var_os("NEST_KZ_DEBUG").is_some_and(|v| !v.is_empty()) {
        // A warning: a closed stderr must not panic the build.
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr().lock(),
            format_args!("nest-kz: {}\n", message()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_origins_follow_kustomize() {
        assert_eq!(
            url_origin_text("http://127.0.0.1:8/cm.yaml", "", ""),
            "path: http:/127.0.0.1:8/cm.yaml\n"
        );
        assert_eq!(
            url_origin_text("https://h.example/cm.yaml", "base", "repo: r\n"),
            "path: base/https:/h.example/cm.yaml\nrepo: r\n"
        );
        assert_eq!(
            url_origin_text("https://h.example/org/repo/main/cm.yaml?ref=x", "base", ""),
            "path: main/cm.yaml\nrepo: https://h.example/org/repo\nref: x\n"
        );
        assert_eq!(
            url_origin_text("https://h.example/org/repo", "", ""),
            "path: notCloned\nrepo: https://h.example/org/repo\n"
        );
        assert_eq!(go_clean("a//b/./c/../d"), "a/b/d");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_clean("../a/.."), "..");
    }
}

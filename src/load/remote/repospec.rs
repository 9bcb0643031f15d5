//! Parsing of git repository references in `resources:` entries, following
//! kustomize v5.5.0's repo-spec rules (`api/internal/git`): which strings are
//! repository URLs at all, how the host, the repository path and the
//! kustomization's path inside it are split, and the `?ref=`, `?version=`,
//! `?timeout=` and `?submodules=` query parameters.
//!
//! Pure: no I/O. Whether a string is remote decides between cloning and
//! reading the local disk, so anything this parser accepts is a URL, exactly
//! as in kustomize (a local path that parses is still treated as remote).

use std::time::Duration;

/// kustomize's default for `?timeout=`: arbitrary but finite.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);
/// kustomize clones submodules unless `?submodules=false`.
pub const DEFAULT_SUBMODULES: bool = true;

const FILE_SCHEME: &str = "file://";
const HTTP_SCHEME: &str = "http://";
const HTTPS_SCHEME: &str = "https://";
const SSH_SCHEME: &str = "ssh://";

/// Why a string is not a repository URL (kustomize's wording, so messages
/// stay recognisable to its users).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("uri looks like abs path: {0}")]
    AbsolutePath(String),
    #[error("failed to parse scheme")]
    Scheme,
    #[error("failed to parse host segment")]
    Host,
    #[error("failed to parse repo path segment")]
    RepoPath,
    #[error("url path exits repo: {0}")]
    ExitsRepo(String),
}

/// A parsed repository reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSpec {
    /// The entry as written.
    pub raw: String,
    /// Scheme, user and host with their trailing separator, e.g.
    /// `https://github.com/` or `git@github.com:`.
    pub host: String,
    /// The repository's path on the host, e.g. `org/repo.git`.
    pub repo_path: String,
    /// The kustomization's directory inside the repository ("" for its top).
    pub kust_root: String,
    /// Branch, tag or commit; "" means the remote's HEAD.
    pub git_ref: String,
    pub submodules: bool,
    pub timeout: Duration,
}

impl RepoSpec {
    /// What `git fetch` is given: host and repository path.
    pub fn clone_spec(&self) -> String {
        format!("{}{}", self.host, self.repo_path)
    }

    /// Parses `n` as kustomize does; an error means "not a repository URL".
    pub fn parse(n: &str) -> Result<RepoSpec, SpecError> {
        if n.starts_with('/') {
            return Err(SpecError::AbsolutePath(n.to_string()));
        }
        // "?" only ever starts the query (RFC 3986), so cutting first is safe.
        let (rest, query) = n.split_once('?').unwrap_or((n, ""));
        let (git_ref, timeout, submodules) = parse_query(query);
        let (host, path) = extract_host(rest)?;
        let segments = if host.starts_with(FILE_SCHEME) {
            Segments::All
        } else {
            Segments::OrgRepo
        };
        let (repo_path, kust_root) = parse_path_parts(path, segments)?;
        Ok(RepoSpec {
            raw: n.to_string(),
            host,
            repo_path,
            kust_root,
            git_ref,
            submodules,
            timeout,
        })
    }
}

/// How many path segments name the repository when no marker says.
#[derive(Clone, Copy)]
enum Segments {
    /// `file://`: the whole path is the repository.
    All,
    /// GitHub's historical default: `org/repo`.
    OrgRepo,
}

fn parse_path_parts(n: &str, default: Segments) -> Result<(String, String), SpecError> {
    let (repo, root) = explicit_marker_split(n)
        .or_else(|| default_length_split(n, default))
        .ok_or(SpecError::RepoPath)?;
    if repo.is_empty() {
        return Err(SpecError::RepoPath);
    }
    if exits_repo(&root) {
        return Err(SpecError::ExitsRepo(n.to_string()));
    }
    let root = root.strip_prefix('/').unwrap_or(&root).to_string();
    Ok((repo, root))
}

/// Splits on `_git/` (Azure DevOps: the repository is the next segment),
/// else `//`, else the first `.git`.
fn explicit_marker_split(n: &str) -> Option<(String, String)> {
    if let Some(i) = n.find("_git/") {
        let (head, tail) = n.split_at(i + "_git/".len());
        let (repo, root) = tail.split_once('/').unwrap_or((tail, ""));
        return Some((format!("{head}{repo}"), root.to_string()));
    }
    if let Some(i) = n.find("//") {
        return Some((n[..i].to_string(), n[i + 2..].to_string()));
    }
    if let Some(i) = n.find(".git") {
        let (repo, root) = n.split_at(i + ".git".len());
        return Some((repo.to_string(), root.to_string()));
    }
    None
}

fn default_length_split(n: &str, default: Segments) -> Option<(String, String)> {
    match default {
        Segments::All => Some((n.to_string(), String::new())),
        Segments::OrgRepo => {
            let parts: Vec<&str> = n.split('/').collect();
            (parts.len() >= 2).then(|| (parts[..2].join("/"), parts[2..].join("/")))
        }
    }
}

/// True when the cleaned path starts by leaving the repository (`..`).
fn exits_repo(root: &str) -> bool {
    let root = root.strip_prefix('/').unwrap_or(root);
    let mut stack: Vec<&str> = Vec::new();
    let mut leading_up = 0usize;
    for part in root.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if stack.pop().is_none() {
                    leading_up += 1;
                }
            }
            p => stack.push(p),
        }
    }
    leading_up > 0
}

/// `ref` (or else `version`), `timeout` and `submodules`, with kustomize's
/// defaults for missing, empty or malformed values.
fn parse_query(query: &str) -> (String, Duration, bool) {
    let defaults = (String::new(), DEFAULT_TIMEOUT, DEFAULT_SUBMODULES);
    let Some(values) = parse_form(query) else {
        return defaults;
    };
    let first = |key: &str| {
        values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let git_ref = match first("ref") {
        "" => first("version"),
        r => r,
    }
    .to_string();
    let timeout = match first("timeout") {
        "" => DEFAULT_TIMEOUT,
        t => match t.parse::<i64>() {
            Ok(secs) if secs > 0 => Duration::from_secs(secs.unsigned_abs()),
            _ => parse_go_duration(t)
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_TIMEOUT),
        },
    };
    let submodules = parse_go_bool(first("submodules")).unwrap_or(DEFAULT_SUBMODULES);
    (git_ref, timeout, submodules)
}

/// `application/x-www-form-urlencoded` pairs in order; None where Go's
/// `url.ParseQuery` reports an error (a `;`, a bad `%` escape).
fn parse_form(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if pair.contains(';') {
            return None;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((unescape(k)?, unescape(v)?));
    }
    Some(out)
}

fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `time.ParseDuration` for non-negative values ("1m1s", "1.5h",
/// "300ms"); a negative duration is as unusable as a malformed one.
fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Some(Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// Splits off scheme, user and host; returns them joined, and the path.
fn extract_host(n: &str) -> Result<(String, &str), SpecError> {
    // go-getter's "git::" prefix is accepted and ignored, as in kustomize.
    let n = strip_prefix_ignore_case(n, "git::").unwrap_or(n);
    let (mut scheme, n) = [SSH_SCHEME, HTTPS_SCHEME, HTTP_SCHEME, FILE_SCHEME]
        .into_iter()
        .find_map(|p| strip_prefix_ignore_case(n, p).map(|rest| (p, rest)))
        .unwrap_or(("", n));
    let after_scheme = n;
    let (mut username, n) = extract_username(n);
    let github = {
        let lower = n.get(..11).map(str::to_ascii_lowercase);
        matches!(lower.as_deref(), Some("github.com/") | Some("github.com:"))
    };
    // SCP-like `user@host:path`; kustomize requires the user except on GitHub.
    let accept_scp = scheme.is_empty() && (!username.is_empty() || github);
    if scheme.is_empty() && !accept_scp {
        return Err(SpecError::Scheme);
    }
    if scheme == FILE_SCHEME {
        // Everything after file:// is a local path, "user@" included.
        return Ok((FILE_SCHEME.to_string(), after_scheme));
    }
    let (mut host, rest) = match find_path_separator(n, accept_scp) {
        Some(i) => (&n[..=i], &n[i + 1..]),
        None => (n, ""),
    };
    if github {
        // GitHub URLs are normalised: ssh or a user means SCP form, else https.
        if scheme == SSH_SCHEME || !username.is_empty() {
            scheme = "";
            host = "github.com:";
        } else {
            scheme = HTTPS_SCHEME;
            username = "";
            host = "github.com/";
        }
    }
    if host.is_empty() {
        return Err(SpecError::Host);
    }
    Ok((format!("{scheme}{username}{host}"), rest))
}

/// A leading `user@` where user starts with a letter (kustomize's rule).
fn extract_username(s: &str) -> (&str, &str) {
    let bytes = s.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return ("", s);
    }
    let end = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
        .unwrap_or(bytes.len());
    if bytes.get(end) == Some(&b'@') {
        s.split_at(end + 1)
    } else {
        ("", s)
    }
}

/// The first `/`, or with SCP syntax a `:` before it.
fn find_path_separator(s: &str, accept_scp: bool) -> Option<usize> {
    let slash = s.find('/');
    if accept_scp {
        let colon = s.find(':');
        match (slash, colon) {
            (None, c) => return c,
            // A colon after a slash is part of the path, not SCP's separator.
            (Some(sl), Some(c)) if c > 0 && c < sl => return Some(c),
            _ => {}
        }
    }
    slash
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kustomize's permutation table: every host form with every repository,
    /// subpath and ref parses to the same normalised parts.
    #[test]
    fn permutations() {
        let hosts = [
            ("gitHub.com/", "https://github.com/"),
            ("github.com:", "https://github.com/"),
            ("http://github.com/", "https://github.com/"),
            ("https://github.com/", "https://github.com/"),
            ("hTTps://github.com/", "https://github.com/"),
            (
                "https://git-codecommit.us-east-2.amazonaws.com/",
                "https://git-codecommit.us-east-2.amazonaws.com/",
            ),
            (
                "https://fabrikops2.visualstudio.com/",
                "https://fabrikops2.visualstudio.com/",
            ),
            ("ssh://git.example.com:7999/", "ssh://git.example.com:7999/"),
            ("git::https://gitlab.com/", "https://gitlab.com/"),
            ("git::http://git.example.com/", "http://git.example.com/"),
            ("git::https://git.example.com/", "https://git.example.com/"),
            ("git@github.com:", "git@github.com:"),
            ("git@github.com/", "git@github.com:"),
            ("git::git@github.com:", "git@github.com:"),
            ("org-12345@github.com:", "org-12345@github.com:"),
            ("org-12345@github.com/", "org-12345@github.com:"),
        ];
        let mut n = 0;
        for (raw, host) in hosts {
            for repo in ["someOrg/someRepo", "kubernetes/website"] {
                for path in ["README.md", "foo/krusty.txt", ""] {
                    for r in ["group/version", "someBranch", "master", "v0.1.0", ""] {
                        let mut url = format!("{raw}{repo}");
                        if !path.is_empty() {
                            url = format!("{url}/{path}");
                        }
                        if !r.is_empty() {
                            url = format!("{url}?ref={r}");
                        }
                        let spec = RepoSpec::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
                        assert_eq!(spec.host, host, "{url}");
                        assert_eq!(spec.repo_path, repo, "{url}");
                        assert_eq!(spec.kust_root, path, "{url}");
                        assert_eq!(spec.git_ref, r, "{url}");
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 480);
    }

    #[test]
    fn not_repository_urls() {
        let cases = [
            ("/tmp", "uri looks like abs path"),
            ("../../tmp", "failed to parse scheme"),
            ("src/github.com/org/repo/path", "failed to parse scheme"),
            ("iauhsdiuashduas", "failed to parse scheme"),
            ("htxxxtp://github.com/", "failed to parse scheme"),
            ("ssh://git.example.com", "failed to parse repo path segment"),
            ("git::___", "failed to parse scheme"),
            (
                "https://host?ref=group/version/minor_version",
                "failed to parse repo path segment",
            ),
            (
                "https://github.com/org/repo.git//path/../../exits/repo",
                "url path exits repo",
            ),
            ("github.com!org/repo.git//path", "failed to parse scheme"),
            ("gh:org/repo", "failed to parse scheme"),
            (
                "https://github.com/thisisa404.yaml",
                "failed to parse repo path segment",
            ),
            (
                "file:////tmp//path/to/whatever",
                "failed to parse repo path segment",
            ),
            (
                "git@scp://github.com/org/repo.git//path",
                "failed to parse repo path segment",
            ),
            (
                "git@ssh://github.com/org/repo.git//path",
                "failed to parse repo path segment",
            ),
            ("base", "failed to parse scheme"),
            ("./overlays/prod", "failed to parse scheme"),
        ];
        for (url, want) in cases {
            match RepoSpec::parse(url) {
                Ok(spec) => panic!("{url} parsed as {spec:?}"),
                Err(e) => assert!(e.to_string().contains(want), "{url}: {e}"),
            }
        }
    }

    /// kustomize's end-to-end table: input, clone spec, host, repository
    /// path, kustomization root and ref.
    #[test]
    fn smoke() {
        let cases: &[(&str, &str, &str, &str, &str, &str)] = &[
            (
                "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir",
                "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
                "https://git-codecommit.us-east-2.amazonaws.com/",
                "someorg/somerepo",
                "somedir",
                "",
            ),
            (
                "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir?ref=testbranch",
                "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
                "https://git-codecommit.us-east-2.amazonaws.com/",
                "someorg/somerepo",
                "somedir",
                "testbranch",
            ),
            (
                "https://fabrikops2.visualstudio.com/someorg/somerepo?ref=master",
                "https://fabrikops2.visualstudio.com/someorg/somerepo",
                "https://fabrikops2.visualstudio.com/",
                "someorg/somerepo",
                "",
                "master",
            ),
            (
                "http://github.com/someorg/somerepo/somedir",
                "https://github.com/someorg/somerepo",
                "https://github.com/",
                "someorg/somerepo",
                "somedir",
                "",
            ),
            (
                "git@github.com:someorg/somerepo/somedir",
                "git@github.com:someorg/somerepo",
                "git@github.com:",
                "someorg/somerepo",
                "somedir",
                "",
            ),
            (
                "http://github.com/someorg/somerepo.git/somedir",
                "https://github.com/someorg/somerepo.git",
                "https://github.com/",
                "someorg/somerepo.git",
                "somedir",
                "",
            ),
            (
                "git@github.com:someorg/somerepo.git/somedir",
                "git@github.com:someorg/somerepo.git",
                "git@github.com:",
                "someorg/somerepo.git",
                "somedir",
                "",
            ),
            (
                "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git?ref=v0.1.0",
                "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git",
                "git@gitlab2.sqtools.ru:",
                "infra/kubernetes/thanos-base.git",
                "",
                "v0.1.0",
            ),
            (
                "git@bitbucket.org:company/project.git//path?ref=branch",
                "git@bitbucket.org:company/project.git",
                "git@bitbucket.org:",
                "company/project.git",
                "path",
                "branch",
            ),
            (
                "git@bitbucket.org/company/project.git//path?ref=branch",
                "git@bitbucket.org/company/project.git",
                "git@bitbucket.org/",
                "company/project.git",
                "path",
                "branch",
            ),
            (
                "ssh://git@bitbucket.org/company/project.git//path?ref=branch",
                "ssh://git@bitbucket.org/company/project.git",
                "ssh://git@bitbucket.org/",
                "company/project.git",
                "path",
                "branch",
            ),
            (
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/",
                "collection/project/_git/somerepos",
                "",
                "",
            ),
            (
                "https://itfs.mycompany.com/collection/project/_git/somerepos?version=v1.0.0",
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/",
                "collection/project/_git/somerepos",
                "",
                "v1.0.0",
            ),
            (
                "https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0",
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/",
                "collection/project/_git/somerepos",
                "somedir",
                "v1.0.0",
            ),
            (
                "git::https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "https://itfs.mycompany.com/",
                "collection/project/_git/somerepos",
                "",
                "",
            ),
            (
                "https://bitbucket.example.com/scm/project/repository.git",
                "https://bitbucket.example.com/scm/project/repository.git",
                "https://bitbucket.example.com/",
                "scm/project/repository.git",
                "",
                "",
            ),
            (
                "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somepath",
                "ssh://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo",
                "ssh://git-codecommit.us-east-2.amazonaws.com/",
                "someorg/somerepo",
                "somepath",
                "",
            ),
            (
                "git@github.com/someorg/somerepo/somepath",
                "git@github.com:someorg/somerepo",
                "git@github.com:",
                "someorg/somerepo",
                "somepath",
                "",
            ),
            (
                "https://github.com/kubernetes-sigs/kustomize//examples/multibases/dev/?ref=v1.0.6",
                "https://github.com/kubernetes-sigs/kustomize",
                "https://github.com/",
                "kubernetes-sigs/kustomize",
                "examples/multibases/dev/",
                "v1.0.6",
            ),
            (
                "file://a/b/c/someRepo.git/somepath?ref=someBranch",
                "file://a/b/c/someRepo.git",
                "file://",
                "a/b/c/someRepo.git",
                "somepath",
                "someBranch",
            ),
            (
                "file://a/b/c/someRepo//somepath?ref=someBranch",
                "file://a/b/c/someRepo",
                "file://",
                "a/b/c/someRepo",
                "somepath",
                "someBranch",
            ),
            (
                "file://a/b/c/someRepo?ref=someBranch",
                "file://a/b/c/someRepo",
                "file://",
                "a/b/c/someRepo",
                "",
                "someBranch",
            ),
            (
                "file:///a/b/c/someRepo?ref=someBranch",
                "file:///a/b/c/someRepo",
                "file://",
                "/a/b/c/someRepo",
                "",
                "someBranch",
            ),
            (
                "ssh://git@github.com/kubernetes-sigs/kustomize//examples/multibases/dev?ref=v1.0.6",
                "git@github.com:kubernetes-sigs/kustomize",
                "git@github.com:",
                "kubernetes-sigs/kustomize",
                "examples/multibases/dev",
                "v1.0.6",
            ),
            (
                "file:///a/b/c/someRepo",
                "file:///a/b/c/someRepo",
                "file://",
                "/a/b/c/someRepo",
                "",
                "",
            ),
            ("file:///", "file:///", "file://", "/", "", ""),
            (
                "https://example.org/path/to/repo//examples/multibases/dev",
                "https://example.org/path/to/repo",
                "https://example.org/",
                "path/to/repo",
                "examples/multibases/dev",
                "",
            ),
            (
                "https://example.org/path/to/repo.git/examples/multibases/dev",
                "https://example.org/path/to/repo.git",
                "https://example.org/",
                "path/to/repo.git",
                "examples/multibases/dev",
                "",
            ),
            (
                "ssh://alice@example.com/path/to/repo//examples/multibases/dev",
                "ssh://alice@example.com/path/to/repo",
                "ssh://alice@example.com/",
                "path/to/repo",
                "examples/multibases/dev",
                "",
            ),
            (
                "https://authority/org/repo?ref=group/version",
                "https://authority/org/repo",
                "https://authority/",
                "org/repo",
                "",
                "group/version",
            ),
            (
                "https://authority/org/repo/?ref=includes_git/for_some_reason",
                "https://authority/org/repo",
                "https://authority/",
                "org/repo",
                "",
                "includes_git/for_some_reason",
            ),
            (
                "https://authority/org/repo/?ref=includes.git/for_some_reason",
                "https://authority/org/repo",
                "https://authority/",
                "org/repo",
                "",
                "includes.git/for_some_reason",
            ),
            (
                "https://authority/org/repo/%-invalid-uri-so-not-parsable-by-net/url.Parse",
                "https://authority/org/repo",
                "https://authority/",
                "org/repo",
                "%-invalid-uri-so-not-parsable-by-net/url.Parse",
                "",
            ),
            (
                "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git//path?ref=branch",
                "ssh://myusername@bitbucket.org/ourteamname/ourrepositoryname.git",
                "ssh://myusername@bitbucket.org/",
                "ourteamname/ourrepositoryname.git",
                "path",
                "branch",
            ),
            (
                "file://git@home/path/to/repository.git//path?ref=branch",
                "file://git@home/path/to/repository.git",
                "file://",
                "git@home/path/to/repository.git",
                "path",
                "branch",
            ),
            (
                "http://git@home.com/path/to/repository.git//path?ref=branch",
                "http://git@home.com/path/to/repository.git",
                "http://git@home.com/",
                "path/to/repository.git",
                "path",
                "branch",
            ),
            (
                "https://git@home.com/path/to/repository.git//path?ref=branch",
                "https://git@home.com/path/to/repository.git",
                "https://git@home.com/",
                "path/to/repository.git",
                "path",
                "branch",
            ),
            (
                "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git",
                "ssh://git@ssh.github.com:443/YOUR-USERNAME/YOUR-REPOSITORY.git",
                "ssh://git@ssh.github.com:443/",
                "YOUR-USERNAME/YOUR-REPOSITORY.git",
                "",
                "",
            ),
            (
                "git@gitlab.com/user:name/YOUR-REPOSITORY.git/path",
                "git@gitlab.com/user:name/YOUR-REPOSITORY.git",
                "git@gitlab.com/",
                "user:name/YOUR-REPOSITORY.git",
                "path",
                "",
            ),
            (
                "git@gitlab.com:gitlab-tests/sample-project.git",
                "git@gitlab.com:gitlab-tests/sample-project.git",
                "git@gitlab.com:",
                "gitlab-tests/sample-project.git",
                "",
                "",
            ),
            (
                "git@gitlab.com:gitlab-tests/sample-project",
                "git@gitlab.com:gitlab-tests/sample-project",
                "git@gitlab.com:",
                "gitlab-tests/sample-project",
                "",
                "",
            ),
            (
                "https://username@dev.azure.com/org/project/_git/repo//path/to/kustomization/root",
                "https://username@dev.azure.com/org/project/_git/repo",
                "https://username@dev.azure.com/",
                "org/project/_git/repo",
                "path/to/kustomization/root",
                "",
            ),
            (
                "https://org.visualstudio.com/project/_git/repo/path/to/kustomization/root",
                "https://org.visualstudio.com/project/_git/repo",
                "https://org.visualstudio.com/",
                "project/_git/repo",
                "path/to/kustomization/root",
                "",
            ),
            (
                "ssh://org-12345@github.com/kubernetes-sigs/kustomize",
                "org-12345@github.com:kubernetes-sigs/kustomize",
                "org-12345@github.com:",
                "kubernetes-sigs/kustomize",
                "",
                "",
            ),
            (
                "org-12345@github.com/kubernetes-sigs/kustomize",
                "org-12345@github.com:kubernetes-sigs/kustomize",
                "org-12345@github.com:",
                "kubernetes-sigs/kustomize",
                "",
                "",
            ),
            (
                "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git",
                "git@gist.github.com:bc7947cb727d7f9217e7862d961a1ffd.git",
                "git@gist.github.com:",
                "bc7947cb727d7f9217e7862d961a1ffd.git",
                "",
                "",
            ),
            (
                "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git",
                "https://gist.github.com/bc7947cb727d7f9217e7862d961a1ffd.git",
                "https://gist.github.com/",
                "bc7947cb727d7f9217e7862d961a1ffd.git",
                "",
                "",
            ),
        ];
        for &(url, clone, host, repo, root, r) in cases {
            let spec = RepoSpec::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(spec.clone_spec(), clone, "{url}");
            assert_eq!(spec.host, host, "{url}");
            assert_eq!(spec.repo_path, repo, "{url}");
            assert_eq!(spec.kust_root, root, "{url}");
            assert_eq!(spec.git_ref, r, "{url}");
            assert_eq!(spec.raw, url);
        }
    }

    #[test]
    fn query() {
        let t = DEFAULT_TIMEOUT;
        let d = DEFAULT_SUBMODULES;
        let s61 = Duration::from_secs(61);
        let cases = [
            ("", "", d, t),
            ("ref=v1.0.0", "v1.0.0", d, t),
            ("ref=kustomize/v4.5.7", "kustomize/v4.5.7", d, t),
            ("version=master", "master", d, t),
            ("version=master&ref=v1.0.0", "v1.0.0", d, t),
            ("version=master&submodules=", "master", d, t),
            ("version=master&submodules=maybe", "master", d, t),
            ("version=master&submodules=true", "master", true, t),
            ("version=master&submodules=false", "master", false, t),
            ("version=master&timeout=", "master", d, t),
            ("version=master&timeout=jiffy", "master", d, t),
            ("version=master&timeout=0", "master", d, t),
            ("version=master&timeout=0s", "master", d, t),
            ("version=master&timeout=61", "master", d, s61),
            ("version=master&timeout=1m1s", "master", d, s61),
            (
                "version=master&submodules=false&timeout=1m1s",
                "master",
                false,
                s61,
            ),
            // A malformed query falls back to every default, as in Go.
            ("ref=a;b&timeout=61", "", d, t),
            ("ref=%zz", "", d, t),
            ("ref=a%2Fb+c", "a/b c", d, t),
            ("timeout=1.5s", "", d, Duration::from_millis(1500)),
            ("timeout=-5", "", d, t),
        ];
        for (q, r, sub, timeout) in cases {
            assert_eq!(parse_query(q), (r.to_string(), timeout, sub), "{q}");
        }
        let spec = RepoSpec::parse("https://github.com/org/repo").unwrap();
        assert_eq!((spec.submodules, spec.timeout), (d, t));
    }
}

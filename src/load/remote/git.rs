//! Runs the `git` command line, as kustomize does, with three safeguards it
//! lacks: user text (URLs, refs) always comes after `--`, so it can never be
//! read as an option (`--upload-pack=...`); git never prompts for
//! credentials (`GIT_TERMINAL_PROMPT=0`), so a build fails instead of
//! hanging; and every command, with the helpers it spawns, is killed at the
//! URL's timeout or the run's deadline, whichever comes first.

use super::RemoteError;
use crate::sys::child::{self, ChildError};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs `git ARGS` in `cwd` (see `sys::child`: its own process group,
/// killed at the timeout or the run's deadline); returns its stdout.
pub fn run(cwd: &Path, args: &[&OsStr], timeout: Duration) -> Result<String, RemoteError> {
    run_for(cwd, args, timeout, None)
}

/// `run` for a command that contacts `url`: ArgoCD's credentials reach it
/// only where they belong (see `credentials`).
fn run_for(
    cwd: &Path,
    args: &[&OsStr],
    timeout: Duration,
    url: Option<&str>,
) -> Result<String, RemoteError> {
    // For messages: what was asked, without the separator and the peeled
    // pattern `ls_remote` adds.
    let command_text = args
        .iter()
        .map(|a| a.to_string_lossy())
        .filter(|a| a != "--" && !a.ends_with("^{}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("git");
    // The transport that runs arbitrary commands stays off whatever
    // the user's configuration says.
    cmd.args(["-c", "protocol.ext.allow=never"]);
    if let Some(url) = url {
        super::credentials::scope(&mut cmd, url);
    }
    cmd.args(args)
        .current_dir(cwd)
        // Never pick up the configuration of a repository above the cache.
        .env(
            "GIT_CEILING_DIRECTORIES",
            cwd.parent().unwrap_or(cwd).as_os_str(),
        )
        .env("GIT_TERMINAL_PROMPT", "0")
        // No editor or pager can be waited on.
        .env("GIT_EDITOR", "true")
        .env("GIT_PAGER", "cat");
    let what = format!("git {command_text}");
    let spec = child::Spec {
        what: &what,
        timeout,
        stdin: None,
        max_output: None,
    };
    let out = child::run(cmd, spec).map_err(|e| match e {
        ChildError::Spawn { source, .. } => RemoteError::GitMissing(source),
        ChildError::Timeout {
            after,
            deadline: false,
            ..
        } => RemoteError::Timeout {
            command: command_text.clone(),
            timeout: after,
        },
        other => RemoteError::Child(other),
    })?;
    if !out.status.success() {
        return Err(RemoteError::Git {
            command: command_text,
            stderr: summary(&String::from_utf8_lossy(&out.stderr)),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// git's diagnosis in one line: its `fatal:`/`error:` lines (advice such as
/// "Please make sure you have the correct access rights" dropped).
fn summary(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .collect();
    if errors.is_empty() {
        lines.last().copied().unwrap_or("no message").to_string()
    } else {
        errors.join("; ")
    }
}

/// The commit `git_ref` names on the remote, from `git ls-remote`, following
/// git fetch's precedence (exact name, `refs/NAME`, tag, branch); None when
/// the remote has no such ref.
pub fn ls_remote(
    cwd: &Path,
    url: &str,
    git_ref: &str,
    timeout: Duration,
) -> Result<Option<String>, RemoteError> {
    // ls-remote lists a tag's peeled line only when asked for by name.
    let peeled = format!("{git_ref}^{{}}");
    let out = run_for(
        cwd,
        &[
            OsStr::new("ls-remote"),
            OsStr::new("--"),
            OsStr::new(url),
            OsStr::new(git_ref),
            OsStr::new(&peeled),
        ],
        timeout,
        Some(url),
    )?;
    let refs: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(sha, name)| (sha.trim(), name.trim()))
        .collect();
    let find = |name: &str| refs.iter().find(|(_, n)| *n == name).map(|(s, _)| *s);
    let candidates = [
        git_ref.to_string(),
        format!("refs/{git_ref}"),
        format!("refs/tags/{git_ref}"),
        format!("refs/heads/{git_ref}"),
    ];
    for name in candidates {
        // An annotated tag's commit is on its peeled `^{}` line.
        if let Some(sha) = find(&format!("{name}^{{}}")).or_else(|| find(&name)) {
            return Ok(Some(sha.to_string()));
        }
    }
    Ok(None)
}

/// Clones `url` at `git_ref` into the empty directory `dir` the way
/// kustomize does: init, `origin` (relative submodule URLs need it), a
/// shallow fetch of the one ref, checkout, and submodules when asked.
/// Returns the checked-out commit.
pub fn clone(
    dir: &Path,
    url: &str,
    git_ref: &str,
    submodules: bool,
    timeout: Duration,
) -> Result<String, RemoteError> {
    let git = |args: &[&str]| {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        run_for(dir, &args, timeout, Some(url))
    };
    git(&["init", "--quiet"])?;
    git(&["remote", "add", "--", "origin", url])?;
    git(&["fetch", "--quiet", "--depth=1", "--", url, git_ref])?;
    git(&["checkout", "--quiet", "--detach", "FETCH_HEAD"])?;
    // Without a .gitmodules the update does nothing; skipping it spares
    // git's `submodule` command, a shell script, where there is no shell
    // (the sidecar image).
    if submodules && dir.join(".gitmodules").exists() {
        git(&["submodule", "--quiet", "update", "--init", "--recursive"])?;
    }
    Ok(git(&["rev-parse", "--verify", "HEAD^{commit}"])?
        .trim()
        .to_string())
}

/// A full hexadecimal commit id (SHA-1 or SHA-256).
pub fn is_commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

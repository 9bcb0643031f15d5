//! Runs the `git` command line, as kustomize does, with three safeguards it
//! lacks: user text (URLs, refs) always comes after `--`, so it can never be
//! read as an option (`--upload-pack=...`); git never prompts for
//! credentials (`GIT_TERMINAL_PROMPT=0`), so a build fails instead of
//! hanging; and every command, with the helpers it spawns, is killed at the
//! URL's timeout.

use super::RemoteError;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `git ARGS` in `cwd`; returns its stdout.
pub fn run(cwd: &Path, args: &[&OsStr], timeout: Duration) -> Result<String, RemoteError> {
    // For messages: what was asked, without the separator and the peeled
    // pattern `ls_remote` adds.
    let command_text = args
        .iter()
        .map(|a| a.to_string_lossy())
        .filter(|a| a != "--" && !a.ends_with("^{}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new("git")
        // The transport that runs arbitrary commands stays off whatever
        // the user's configuration says.
        .args(["-c", "protocol.ext.allow=never"])
        .args(args)
        .current_dir(cwd)
        // Never pick up the configuration of a repository above the cache.
        .env(
            "GIT_CEILING_DIRECTORIES",
            cwd.parent().unwrap_or(cwd).as_os_str(),
        )
        .env("GIT_TERMINAL_PROMPT", "0")
        // No editor or pager can be waited on.
        .env("GIT_EDITOR", "true")
        .env("GIT_PAGER", "cat")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout also ends git's helpers
        // (remote-http, ssh, upload-pack).
        .process_group(0)
        .spawn()
        .map_err(RemoteError::GitMissing)?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return Err(RemoteError::Timeout {
                    command: command_text,
                    timeout,
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(RemoteError::GitMissing(e)),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        return Err(RemoteError::Git {
            command: command_text,
            stderr: summary(&String::from_utf8_lossy(&stderr)),
        });
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
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

/// Ends git and everything it started (the group made by `process_group(0)`).
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .arg(format!("-{pid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
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
    let out = run(
        cwd,
        &[
            OsStr::new("ls-remote"),
            OsStr::new("--"),
            OsStr::new(url),
            OsStr::new(git_ref),
            OsStr::new(&peeled),
        ],
        timeout,
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
        run(dir, &args, timeout)
    };
    git(&["init", "--quiet"])?;
    git(&["remote", "add", "--", "origin", url])?;
    git(&["fetch", "--quiet", "--depth=1", "--", url, git_ref])?;
    git(&["checkout", "--quiet", "--detach", "FETCH_HEAD"])?;
    if submodules {
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

//! Running a child process (helm, git, a plugin) so that it cannot outlast
//! or overwhelm the build: it runs in a process group of its own (so it
//! and everything it starts can be ended together), is asked to die with
//! its parent, gets at most its timeout (and never more than the run's
//! deadline), and its output is capped: past the cap the group is killed
//! and the run fails with a message, instead of holding gigabytes. Its
//! group is registered with `cleanup`, so a signal to nest-kz ends it too.
//!
//! Callers build the `Command` (program, arguments, environment, working
//! directory); they are responsible for keeping user text out of option
//! positions.

use super::cleanup;
use crate::model::limits;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// stderr kept for messages; the rest is read and dropped so the child
/// never blocks on a full pipe.
const STDERR_KEPT: usize = 64 << 10;

/// How to run one child.
pub struct Spec<'a> {
    /// What it is, for messages (`helm template`, `git fetch`).
    pub what: &'a str,
    /// Its own time limit; the run's deadline may shorten it.
    pub timeout: Duration,
    /// Bytes written to its stdin (closed afterwards); none: stdin is /dev/null.
    pub stdin: Option<Vec<u8>>,
    /// Its output cap, when not the run's (`limits::max_child_output`).
    pub max_output: Option<u64>,
}

/// What a finished child left.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// Its first [`STDERR_KEPT`] bytes.
    pub stderr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("cannot run '{program}': {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{what} did not finish within {}s and was stopped{}", after.as_secs_f64(), if *deadline { " (the build's deadline; raise it with --timeout)" } else { "" })]
    Timeout {
        what: String,
        after: Duration,
        deadline: bool,
    },
    #[error(
        "{what} printed more than {limit} bytes and was stopped (raise the limit with --max-child-output)"
    )]
    TooMuchOutput { what: String, limit: u64 },
    #[error(transparent)]
    Deadline(#[from] limits::DeadlineError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

/// The file a bare program name runs, as the system finds it: the first
/// directory of PATH holding it.
pub fn on_path(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Runs `cmd` to its end under `spec`; its output, whatever its status.
pub fn run(mut cmd: Command, spec: Spec) -> Result<Output, ChildError> {
    let timeout = limits::time_for(spec.timeout, spec.what)?;
    let cap = spec.max_output.unwrap_or_else(limits::max_child_output);
    let parent = std::process::id() as libc::pid_t;
    cmd.process_group(0)
        .stdin(match spec.stdin {
            Some(_) => Stdio::piped(),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: prctl, getppid and _exit are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            // Die with nest-kz, even if it is killed without a chance to
            // clean up; if it is already gone, do not start at all.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    cleanup::arm();
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .map_err(|source| ChildError::Spawn { program, source })?;
    let pgid = child.id() as libc::pid_t;
    cleanup::register_group(pgid);
    let overflowed = Arc::new(AtomicBool::new(false));
    let writer = spec.stdin.and_then(|input| {
        let mut pipe = child.stdin.take()?;
        std::thread::Builder::new()
            .spawn(move || {
                // A child that stops reading early is its own business.
                let _ = pipe.write_all(&input);
            })
            .ok()
    });
    let stdout = child.stdout.take().map(|pipe| {
        let overflowed = overflowed.clone();
        std::thread::spawn(move || read_capped(pipe, cap, pgid, &overflowed))
    });
    let stderr = child
        .stderr
        .take()
        .map(|pipe| std::thread::spawn(move || read_kept(pipe)));
    let watch = Watchdog::start(pgid, timeout);
    let waited = child.wait();
    let timed_out = watch.stop();
    // Whatever the child left running in its group goes with it.
    cleanup::kill_group(pgid);
    cleanup::forget_group(pgid);
    let stdout = stdout
        .and_then(|t| t.join().ok())
        .unwrap_or_else(|| Ok(Vec::new()));
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    if let Some(w) = writer {
        let _ = w.join();
    }
    let io = |source| ChildError::Io {
        what: spec.what.to_string(),
        source,
    };
    let status = waited.map_err(io)?;
    if timed_out {
        return Err(ChildError::Timeout {
            what: spec.what.to_string(),
            after: timeout,
            deadline: limits::deadline_passed(),
        });
    }
    if overflowed.load(Ordering::SeqCst) {
        return Err(ChildError::TooMuchOutput {
            what: spec.what.to_string(),
            limit: cap,
        });
    }
    let stdout = stdout.map_err(io)?;
    crate::model::heap::add_input(stdout.len() as u64);
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Reads all of `pipe`, or kills the group once more than `cap` bytes came.
fn read_capped(
    mut pipe: impl Read,
    cap: u64,
    pgid: libc::pid_t,
    overflowed: &AtomicBool,
) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 64 << 10];
    loop {
        let n = match pipe.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if out.len() as u64 + n as u64 > cap {
            overflowed.store(true, Ordering::SeqCst);
            cleanup::kill_group(pgid);
            return Ok(Vec::new());
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Reads all of `pipe`, keeping its first [`STDERR_KEPT`] bytes.
fn read_kept(mut pipe: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    while let Ok(n) = pipe.read(&mut chunk) {
        if n == 0 {
            break;
        }
        let room = STDERR_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
    kept
}

/// Kills a child's group when its time is up, unless stopped first.
struct Watchdog {
    state: Arc<(Mutex<WatchState>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct WatchState {
    done: bool,
    fired: bool,
}

impl Watchdog {
    fn start(pgid: libc::pid_t, timeout: Duration) -> Watchdog {
        let state = Arc::new((Mutex::new(WatchState::default()), Condvar::new()));
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*shared;
            let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            let (mut guard, _) = wake
                .wait_timeout_while(guard, timeout, |s| !s.done)
                .unwrap_or_else(|e| e.into_inner());
            if !guard.done {
                guard.fired = true;
                cleanup::kill_group(pgid);
            }
        });
        Watchdog {
            state,
            thread: Some(thread),
        }
    }

    /// Stops watching; whether the time ran out first.
    fn stop(mut self) -> bool {
        let (lock, wake) = &*self.state;
        let fired = {
            let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
            s.done = true;
            s.fired
        };
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    fn spec(timeout: Duration) -> Spec<'static> {
        Spec {
            what: "test child",
            timeout,
            stdin: None,
            max_output: None,
        }
    }

    #[test]
    fn returns_output_and_status() {
        let out = run(
            sh("echo hi; echo oops >&2; exit 3"),
            spec(Duration::from_secs(10)),
        )
        .expect("runs");
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"oops\n");
        assert_eq!(out.status.code(), Some(3));
    }

    #[test]
    fn feeds_stdin() {
        let mut s = spec(Duration::from_secs(10));
        s.stdin = Some(b"abc".to_vec());
        let out = run(sh("cat"), s).expect("runs");
        assert_eq!(out.stdout, b"abc");
    }

    #[test]
    fn kills_the_whole_group_at_the_timeout() {
        let start = std::time::Instant::now();
        // The grandchild keeps the pipe open: only killing the group ends it.
        let e = run(sh("sleep 30 & sleep 30"), spec(Duration::from_millis(200))).unwrap_err();
        assert!(matches!(e, ChildError::Timeout { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn stops_a_flood_at_the_cap() {
        let mut s = spec(Duration::from_secs(10));
        s.max_output = Some(1 << 20);
        let e = run(sh("yes"), s).unwrap_err();
        assert!(matches!(e, ChildError::TooMuchOutput { .. }), "{e}");
    }
}

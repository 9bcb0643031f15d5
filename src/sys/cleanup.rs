//! Leaving nothing behind. Child process groups and temporary directories
//! are registered while they live; the first time either is made, handlers
//! for SIGINT, SIGTERM and SIGHUP are installed, and on such a signal every
//! registered group is killed and every registered directory removed
//! before the process ends with that signal, as it would have without the
//! handler. (ArgoCD's plugin server sends SIGTERM to the plugin's process
//! group when a request times out; the children, in groups of their own,
//! would not get it.)
//!
//! SIGKILL cannot be caught: children are also asked to die with their
//! parent (`PR_SET_PDEATHSIG`, see `child`), and a directory left by a
//! killed run stays until the system's temporary files are cleaned.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, Once};

#[derive(Default)]
struct Registry {
    groups: Vec<libc::pid_t>,
    dirs: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    groups: Vec::new(),
    dirs: Vec::new(),
});
static ARMED: Once = Once::new();
/// The write end of the pipe the signal handler reports through.
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

/// Set once a signal has arrived and the cleanup begun.
static TERMINATING: AtomicBool = AtomicBool::new(false);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the signal handlers, once. A handler may only do what is
/// async-signal-safe, so it writes the signal's number to a pipe; a thread
/// reading the pipe does the cleanup.
pub fn arm() {
    ARMED.call_once(|| {
        let mut fds = [0; 2];
        // SAFETY: pipe2 fills the two descriptors it is given.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        PIPE_WRITE.store(fds[1], Ordering::SeqCst);
        let read_end = fds[0];
        let spawned = std::thread::Builder::new()
            .name("nest-kz-signals".into())
            .spawn(move || wait_for_signal(read_end));
        if spawned.is_err() {
            return;
        }
        for sig in SIGNALS {
            // SAFETY: a zeroed sigaction with a handler and an empty mask
            // is valid; the handler only calls write(2).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn on_signal(sig: libc::c_int) {
    let byte = sig as u8;
    let fd = PIPE_WRITE.load(Ordering::Relaxed);
    // SAFETY: write(2) is async-signal-safe; the buffer is one valid byte.
    unsafe {
        libc::write(fd, (&byte as *const u8).cast(), 1);
    }
}

fn wait_for_signal(fd: libc::c_int) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reads one byte into a valid buffer.
        let n = unsafe { libc::read(fd, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            break;
        }
        if n == 0 {
            return;
        }
    }
    TERMINATING.store(true, Ordering::SeqCst);
    clean_up();
    let sig = libc::c_int::from(byte);
    // SAFETY: restoring the default disposition and re-sending the signal
    // ends the process as the signal would have without the handler.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::kill(libc::getpid(), sig);
    }
}

/// Called as the process is about to end on its own: once a signal has
/// arrived, the process ends by that signal, not by an exit status the
/// interrupted command reached meanwhile (a killed child reads as a
/// failure), so the caller waits for the cleanup thread to end it.
pub fn settle() {
    if TERMINATING.load(Ordering::SeqCst) {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

/// Kills every registered child group and removes every registered
/// directory.
fn clean_up() {
    let mut r = registry();
    for pgid in r.groups.drain(..) {
        kill_group(pgid);
    }
    for dir in r.dirs.drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Ends a process group, the child and whatever it started.
pub fn kill_group(pgid: libc::pid_t) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals that group only.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Registers a child's process group until `forget_group`.
pub fn register_group(pgid: libc::pid_t) {
    arm();
    registry().groups.push(pgid);
}

pub fn forget_group(pgid: libc::pid_t) {
    registry().groups.retain(|g| *g != pgid);
}

/// A temporary directory, removed when dropped and on a signal.
pub struct TempDir {
    dir: Option<tempfile::TempDir>,
}

impl TempDir {
    /// A new directory under the system's temporary directory, named
    /// `PREFIX` and random characters.
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        Self::new_in(&std::env::temp_dir(), prefix)
    }

    /// A new directory in `parent`, named `PREFIX` and random characters.
    pub fn new_in(parent: &Path, prefix: &str) -> std::io::Result<TempDir> {
        arm();
        let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?;
        registry().dirs.push(dir.path().to_path_buf());
        Ok(TempDir { dir: Some(dir) })
    }

    /// Keeps the directory: it is no longer removed, on drop or on a signal.
    pub fn keep(mut self) -> PathBuf {
        match self.dir.take() {
            Some(dir) => {
                registry().dirs.retain(|d| d != dir.path());
                dir.keep()
            }
            None => PathBuf::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            registry().dirs.retain(|d| d != dir.path());
            // tempfile removes it (and says nothing if it cannot).
            drop(dir);
        }
    }
}

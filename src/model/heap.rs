//! The memory budget: how many bytes of heap a run may hold, and the safe
//! points where the build stops cleanly once it holds more.
//!
//! The binary's allocator (`main.rs`) reports every allocation and free
//! here. Each thread keeps its own running count and folds it into the
//! shared total once it has moved by a MiB, so counting costs an add on
//! the allocating thread; crossing the limit raises a flag. Safe points
//! (`check`, called once per object by the passes over a collection, by
//! the YAML reader every few thousand nodes, and by every step that copies
//! values) turn the flag into an error naming the budget. Nothing aborts:
//! the build ends with one message, as for any other bad input.
//!
//! The limit grows with what the run reads (files, downloads, the output
//! of helm and plugins): [`BASE_BYTES`] plus [`PER_INPUT_BYTE`] times the
//! input, so a small tree that fans out into gigabytes (one value copied
//! into thousands of fields) stops at a few hundred MiB, while a big tree
//! gets the room it needs, up to a ceiling: the `--max-memory` flag, or
//! else a share of the address-space and cgroup limits the process runs
//! under. Without a limit set (library callers, tests), nothing is refused.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// Heap a run may always hold, whatever it read.
pub const BASE_BYTES: u64 = 128 << 20;
/// Heap allowed per byte of input read: real trees hold about eight
/// (docs/performance.md); the rest is headroom for generators and helm.
pub const PER_INPUT_BYTE: u64 = 16;
/// Share of an address-space or cgroup limit the budget may reach: the
/// allocator's own reservations and the stacks need the rest.
const SHARE_OF_HOST_LIMIT: f64 = 0.6;
/// How far a thread's count may move before it is folded into the total.
const FOLD_BYTES: i64 = 1 << 20;

static LIVE: AtomicI64 = AtomicI64::new(0);
static INPUT: AtomicU64 = AtomicU64::new(0);
/// The ceiling; 0 while no budget is set.
static CEILING: AtomicU64 = AtomicU64::new(0);
static OVER: AtomicBool = AtomicBool::new(false);

thread_local! {
    static LOCAL: Cell<i64> = const { Cell::new(0) };
}

/// The allocator's report of `bytes` newly allocated.
#[inline]
pub fn allocated(bytes: usize) {
    LOCAL.with(|c| {
        let v = c.get() + bytes as i64;
        if v > FOLD_BYTES {
            c.set(0);
            fold(v);
        } else {
            c.set(v);
        }
    });
}

/// The allocator's report of `bytes` freed.
#[inline]
pub fn freed(bytes: usize) {
    LOCAL.with(|c| {
        let v = c.get() - bytes as i64;
        if v < -FOLD_BYTES {
            c.set(0);
            fold(v);
        } else {
            c.set(v);
        }
    });
}

#[cold]
fn fold(delta: i64) {
    let live = LIVE.fetch_add(delta, Relaxed) + delta;
    let ceiling = CEILING.load(Relaxed);
    if ceiling != 0 && live > 0 && live as u64 > limit_for(ceiling) {
        OVER.store(true, Relaxed);
    }
}

fn limit_for(ceiling: u64) -> u64 {
    let input = INPUT.load(Relaxed);
    BASE_BYTES
        .saturating_add(input.saturating_mul(PER_INPUT_BYTE))
        .min(ceiling)
}

/// Bytes of heap held now, as far as the allocator has told (each thread's
/// last MiB may not be counted yet).
pub fn live() -> u64 {
    LIVE.load(Relaxed).max(0) as u64
}

/// The limit in force now; `None` while no budget is set.
pub fn limit() -> Option<u64> {
    match CEILING.load(Relaxed) {
        0 => None,
        ceiling => Some(limit_for(ceiling)),
    }
}

/// Sets the budget for this run: `max_bytes` as the ceiling, or the host's
/// limits when `None`. The counting starts from what is held now.
pub fn set_budget(max_bytes: Option<u64>) {
    let ceiling = max_bytes.unwrap_or_else(host_ceiling).max(1);
    CEILING.store(ceiling, Relaxed);
    OVER.store(false, Relaxed);
}

/// Counts `bytes` of input read (a file, a download, a child's output):
/// the limit grows with it.
pub fn add_input(bytes: u64) {
    INPUT.fetch_add(bytes, Relaxed);
}

/// Whether `bytes` more can be read and held: a file larger than what is
/// left (counting the room its own bytes add as input) is refused before
/// it is read.
pub fn room_for(bytes: u64) -> Result<(), Exceeded> {
    let ceiling = CEILING.load(Relaxed);
    if ceiling == 0 {
        return Ok(());
    }
    let input = INPUT.load(Relaxed).saturating_add(bytes);
    let limit = BASE_BYTES
        .saturating_add(input.saturating_mul(PER_INPUT_BYTE))
        .min(ceiling);
    let after = live().saturating_add(bytes);
    match after > limit {
        true => Err(Exceeded { limit, live: after }),
        false => Ok(()),
    }
}

/// A safe point: an error once the run holds more than its budget.
#[inline]
pub fn check() -> Result<(), Exceeded> {
    if !OVER.load(Relaxed) {
        return Ok(());
    }
    over()
}

#[cold]
fn over() -> Result<(), Exceeded> {
    let live = live();
    match limit() {
        Some(limit) if live > limit => Err(Exceeded { limit, live }),
        // Memory was freed since the flag was raised.
        _ => {
            OVER.store(false, Relaxed);
            Ok(())
        }
    }
}

/// The budget was exceeded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the build needs more than {} MiB of memory (it holds {} MiB; the budget is 128 MiB plus 16 bytes per byte of input, at most --max-memory): refused as hostile or runaway input",
    limit >> 20,
    live >> 20
)]
pub struct Exceeded {
    pub limit: u64,
    pub live: u64,
}

impl From<Exceeded> for String {
    fn from(e: Exceeded) -> String {
        e.to_string()
    }
}

/// The ceiling the host allows: a share of the smallest of the address
/// space limit (`ulimit -v`), the cgroup's memory limit and the machine's
/// memory.
fn host_ceiling() -> u64 {
    let mut limits = vec![physical_memory()];
    // SAFETY: getrlimit fills the struct it is given.
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut rl) } == 0
        && rl.rlim_cur != libc::RLIM_INFINITY
    {
        limits.push(rl.rlim_cur);
    }
    for file in [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ] {
        if let Some(n) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
        {
            limits.push(n);
        }
    }
    let smallest = limits.into_iter().min().unwrap_or(u64::MAX);
    (smallest as f64 * SHARE_OF_HOST_LIMIT) as u64
}

fn physical_memory() -> u64 {
    // SAFETY: sysconf takes a constant and returns a number.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages <= 0 || size <= 0 {
        return u64::MAX;
    }
    (pages as u64).saturating_mul(size as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_grows_with_input_up_to_the_ceiling() {
        assert!(limit_for(u64::MAX) >= BASE_BYTES);
        let before = limit_for(u64::MAX);
        add_input(1 << 20);
        assert_eq!(limit_for(u64::MAX), before + (16 << 20));
        assert_eq!(limit_for(1000), 1000);
        assert!(host_ceiling() > 0);
    }
}

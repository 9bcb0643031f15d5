//! Handing freed memory back to the system as a big build goes.
//!
//! mimalloc (the binary's allocator) keeps freed pages for a second before
//! returning them, to reuse them cheaply. A big build's transformers grow
//! every object a field at a time (labels, annotations, namespaces,
//! patched fields), and each growth frees the mapping's smaller block;
//! those blocks pile up pass after pass, between live objects. Returning
//! the pages that became free after each pass over the whole collection,
//! and before the last stages that hold every object at once, keeps the
//! 100k tree's peak near its live objects (167 to 157 MiB) at no
//! measurable cost. Small builds never call it: a few pages are not worth
//! the call.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Freed blocks worth returning at once: below it, a call costs more than
/// the pages it returns weigh.
const RETURN_FROM_BYTES: usize = 4 << 20;

static FREED: AtomicUsize = AtomicUsize::new(0);

/// Smaller blocks are soon reused by allocations of their size.
const BIG_BLOCK_BYTES: usize = 256 << 10;

/// Notes a block of `bytes` just freed (a list as long as a file's
/// objects): big ones are rarely reused, and once they add up to
/// [`RETURN_FROM_BYTES`], what was freed is returned.
pub fn freed(bytes: usize) {
    if bytes < BIG_BLOCK_BYTES {
        return;
    }
    let total = FREED.fetch_add(bytes, Ordering::Relaxed) + bytes;
    if total >= RETURN_FROM_BYTES {
        FREED.store(0, Ordering::Relaxed);
        give_back_freed();
    }
}

/// `mi_option_arena_reserve` in the v3 `mimalloc.h` libmimalloc-sys
/// bundles, which exports no constant for it (a test checks the index
/// against the option's default).
const ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;

/// The address space mimalloc reserves for its first arena, in KiB. At its
/// default, 1 GiB, the first allocation of every process writes the
/// arena's bitmaps, about 40 pages: a 1-resource build took 1.46 ms with
/// it and 1.28 ms with 64 MiB (alternated runs), and the 100k tree kept
/// its time and peak. Later arenas grow as more are needed, so a big
/// build takes a few more of them.
const FIRST_ARENA_KIB: std::ffi::c_long = 64 << 10;

/// Sets the first arena's size; the binary calls it before its first
/// allocation (the arena is reserved then). It overrides
/// `MIMALLOC_ARENA_RESERVE`.
pub fn reserve_small_first_arena() {
    // SAFETY: mi_option_set stores an integer in mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_RESERVE, FIRST_ARENA_KIB) }
}

/// Returns the memory freed so far to the system. Without mimalloc as the
/// allocator there is nothing of its own to return, and the call does
/// nothing.
pub fn give_back_freed() {
    // SAFETY: mi_collect takes a flag and only walks mimalloc's own heaps.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[cfg(test)]
mod tests {
    /// The index names the option whose default is 1 GiB in KiB (no
    /// other option has that default), in this process where nothing set it.
    #[test]
    fn arena_reserve_is_the_option_it_names() {
        // The variable sets the option when the process starts: the default
        // cannot be seen then, and the test says so rather than pass.
        assert!(
            std::env::var_os("MIMALLOC_ARENA_RESERVE").is_none(),
            "unset MIMALLOC_ARENA_RESERVE to check the option's index"
        );
        // SAFETY: mi_option_get reads mimalloc's option table.
        let value = unsafe { libmimalloc_sys::mi_option_get(super::ARENA_RESERVE) };
        assert_eq!(value, 1 << 20);
    }
}

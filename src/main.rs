//! The `nest-kz` binary: the command line lives in `nest_kz::cli`.

use std::io::Write;

/// Runs before the runtime's first allocation, with the other
/// constructors, while `main` would be too late: Rust's runtime allocates
/// before it, and mimalloc reserves its first arena then.
#[used]
#[unsafe(link_section = ".init_array")]
static SMALL_FIRST_ARENA: extern "C" fn() = small_first_arena;

extern "C" fn small_first_arena() {
    nest_kz::model::memory::reserve_small_first_arena();
}

fn main() {
    no_transparent_huge_pages();
    let status = nest_kz::cli::main();
    nest_kz::sys::cleanup::settle();
    exit_without_teardown(status);
}

/// Ends the process once the command is done, its output flushed and its
/// files closed, without the exit handlers: the allocator's would hand
/// every page back to the system one `madvise` at a time and walk its
/// heaps, about a twentieth of a small build's time, for memory the kernel
/// takes back anyway when the process ends.
fn exit_without_teardown(status: u8) -> ! {
    // Rust flushes stdout itself only when `main` returns.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit takes a status and ends the process; nothing runs after it.
    unsafe { libc::_exit(status.into()) }
}

/// Transparent huge pages make the kernel zero 2 MiB at a time as the
/// build first touches memory: on this allocation pattern that was up to a
/// fifth of a big build and a few hundred microseconds of a small one
/// (docs/performance.md); ordinary pages are faster here. mimalloc is built
/// without asking for them (its `no_thp` feature, which also spares its
/// start-up one huge page); this covers systems whose kernel gives them
/// unasked (`always`). A failure only leaves the kernel's default.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

// The build allocates many small maps and strings; mimalloc's size-class
// arenas cut glibc malloc's consolidation cost (see docs/performance.md).
// Every allocation is also counted for the memory budget (model::heap).
#[global_allocator]
static GLOBAL: Counting = Counting;

/// mimalloc, reporting each allocation's size to the memory budget: an add
/// to the allocating thread's own counter, folded into the total every MiB.
struct Counting;

// SAFETY: every call is forwarded to mimalloc unchanged; the counting
// touches only a thread-local integer (and, rarely, an atomic).
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        nest_kz::model::heap::allocated(layout.size());
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        nest_kz::model::heap::allocated(layout.size());
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        nest_kz::model::heap::freed(layout.size());
        // SAFETY: ptr was allocated by mimalloc with this layout.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        nest_kz::model::heap::freed(layout.size());
        nest_kz::model::heap::allocated(new_size);
        // SAFETY: ptr was allocated by mimalloc with this layout.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

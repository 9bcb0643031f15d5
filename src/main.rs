//! The `nest-kz` binary: the command line lives in `nest_kz::cli`.

fn main() -> std::process::ExitCode {
    no_transparent_huge_pages();
    nest_kz::cli::main()
}

/// mimalloc asks for transparent huge pages on its arena, and the kernel
/// then zeroes 2 MiB at a time as the build first touches memory: on this
/// allocation pattern that is up to a fifth of a big build and a few
/// hundred microseconds of a small one (README, Performance). Ordinary
/// pages are faster here. A failure only leaves the kernel's default.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

// The build allocates many small maps and strings; mimalloc's size-class
// arenas cut glibc malloc's consolidation cost (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

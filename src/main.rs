//! The `nest-kz` binary: the command line lives in `nest_kz::cli`.

fn main() -> std::process::ExitCode {
    nest_kz::cli::main()
}

// The build allocates many small maps and strings; mimalloc's size-class
// arenas cut glibc malloc's consolidation cost (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

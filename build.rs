//! Link-time choices for glibc targets that make the binary start faster.
//!
//! The unwinder: Rust's standard library takes `_Unwind_*` from the shared
//! libgcc_s, and loading libgcc_s runs its constructor, which probes the
//! CPU with a few dozen `cpuid` instructions. Under a hypervisor each of
//! those traps (about 8 us apiece on the machines this was measured on),
//! so loading libgcc_s cost a tenth of a small build (README,
//! Performance). The same unwinder as a static archive (GCC's libgcc_eh,
//! the one a static build links) resolves those symbols first; the linker
//! then drops libgcc_s as unneeded. Panics unwind exactly as before.
//!
//! Packed relative relocations (DT_RELR): the binary's 14,600 relative
//! relocations take 350 KB as RELA entries, which the dynamic loader pages
//! in and reads at every start; packed, they take 5 KB. The loader of
//! glibc 2.36 and later applies them, and the linker marks the binary as
//! needing it (`GLIBC_ABI_DT_RELR`), so it is asked for only when the
//! glibc being linked against is that new: a binary built on an older one
//! would not start on it.
fn main() {
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "gnu");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|o| o == "linux");
    // A static build (crt-static) links libgcc_eh already.
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|f| f == "crt-static"));
    if gnu && linux && !static_crt {
        println!("cargo:rustc-link-lib=static:-bundle,+verbatim=libgcc_eh.a");
    }
    if gnu && linux && native_build() && glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// Whether the binary links against this machine's own glibc: only then
/// does its version say what the linker sees.
fn native_build() -> bool {
    std::env::var("HOST").ok() == std::env::var("TARGET").ok()
}

/// This machine's glibc version, as `getconf` reports it ("glibc 2.36").
/// Any failure to tell counts as too old.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .trim()
        .strip_prefix("glibc ")
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

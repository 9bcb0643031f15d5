//! Links the unwinder into the binary on glibc targets.
//!
//! Rust's standard library takes `_Unwind_*` from the shared libgcc_s,
//! and loading libgcc_s runs its constructor, which probes the CPU with a
//! few dozen `cpuid` instructions. Under a hypervisor each of those traps
//! (about 8 us apiece on the machines this was measured on), so loading
//! libgcc_s cost a tenth of a small build (README, Performance). The same
//! unwinder as a static archive (GCC's libgcc_eh, the one a static build
//! links) resolves those symbols first; the linker then drops libgcc_s as
//! unneeded. Panics unwind exactly as before.
fn main() {
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "gnu");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|o| o == "linux");
    // A static build (crt-static) links libgcc_eh already.
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|f| f == "crt-static"));
    if gnu && linux && !static_crt {
        println!("cargo:rustc-link-lib=static:-bundle,+verbatim=libgcc_eh.a");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

//! Parsing a kustomization file: schema, Go null semantics, deprecated
//! fields and the "not supported" checks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = nest_kz::load::kustomization::parse(Path::new("kustomization.yaml"), text);
});

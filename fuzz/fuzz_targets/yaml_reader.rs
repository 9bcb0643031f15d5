//! The YAML reader, both typings (resources: go-yaml v3; kustomization
//! files: go-yaml v2), on any text: errors, never a panic, a hang or an
//! allocation the limits do not bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::yaml::{self, DuplicateKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = yaml::parse_documents(text);
    let _ = yaml::parse_documents_with(text, DuplicateKeys::FirstWins);
    let _ = yaml::parse_config_documents(text);
});

//! RFC 6902 patches: the first document is the target, the second the op
//! list; ops are bounded by the growth limits.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::patch::json6902;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = nest_kz::yaml::parse_documents(text) else {
        return;
    };
    let mut docs = docs.into_iter().map(|d| d.value);
    let (Some(mut target), Some(ops)) = (docs.next(), docs.next()) else {
        return;
    };
    if let Ok(patch) = json6902::decode(&ops) {
        let _ = json6902::apply(&mut target, &patch);
    }
});

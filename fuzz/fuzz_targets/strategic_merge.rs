//! Strategic merge: the first document is the target, every later one a
//! patch applied in turn (with the builtin schema's merge keys).
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::patch::strategic_merge;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = nest_kz::yaml::parse_documents(text) else {
        return;
    };
    let mut docs = docs.into_iter().map(|d| d.value);
    let Some(mut target) = docs.next() else {
        return;
    };
    for patch in docs {
        let _ = strategic_merge::apply(&mut target, &patch, None);
    }
});

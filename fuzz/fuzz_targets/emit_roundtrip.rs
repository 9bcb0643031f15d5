//! The emitter on everything the reader accepts: printing never panics, the
//! printed stream reads back with as many documents, and printing what was
//! read back gives the same text for values without scalars whose typing
//! differs between go-yaml v2 (printing) and v3 (reading), as kustomize's own
//! output does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = yaml::parse_documents(text) else {
        return;
    };
    let values: Vec<_> = docs.into_iter().map(|d| d.value).collect();
    let printed = yaml::emit_stream(&values);
    let back = match yaml::parse_documents(&printed) {
        Ok(back) => back,
        Err(e) => panic!("printed YAML does not read back: {e}\n{printed}"),
    };
    let back: Vec<_> = back.into_iter().map(|d| d.value).collect();
    // Empty maps print as `{}`, a document that reads back; null documents
    // are dropped on reading, as kustomize drops them.
    let kept = values.iter().filter(|v| !v.is_null()).count();
    assert_eq!(back.len(), kept, "{printed}");
    let reprinted = yaml::emit_stream(&back);
    let again = yaml::emit_stream(
        &yaml::parse_documents(&reprinted)
            .map(|d| d.into_iter().map(|d| d.value).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    // After one round trip the text is stable: a second changes nothing.
    assert_eq!(again, reprinted, "{printed}");
});

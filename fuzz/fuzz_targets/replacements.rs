//! Replacements: every document but the last is a resource; the last is a
//! kustomization-style `replacements:` list applied to them. `path:`
//! entries resolve in an empty directory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nest_kz::load::kustomization::ReplacementEntry;
use nest_kz::load::loader::{LoadRestriction, Loader};
use nest_kz::model::resmap::ResMap;
use nest_kz::model::resource::Resource;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static EMPTY_DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("nest-kz-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut docs) = nest_kz::yaml::parse_documents(text) else {
        return;
    };
    let Some(last) = docs.pop() else {
        return;
    };
    let list = last.value.get("replacements").cloned().unwrap_or(last.value);
    let Ok(entries) = serde_json::from_value::<Vec<ReplacementEntry>>(list.into_json()) else {
        return;
    };
    let mut resmap = ResMap::default();
    for d in docs {
        if d.value.is_object() {
            let _ = resmap.append(Resource::new(d.value, PathBuf::from("r.yaml"), d.line));
        }
    }
    let Ok(loader) = Loader::new(&EMPTY_DIR, LoadRestriction::RootOnly) else {
        return;
    };
    let _ = nest_kz::refs::replacements::apply(
        &mut resmap,
        &entries,
        &loader,
        Path::new("kustomization.yaml"),
    );
});

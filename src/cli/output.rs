//! Where `build` output goes: stdout, one file, or one file per object in a
//! directory (named as kustomize's `--output DIR` names them).

use std::io::Write;
use std::path::Path;

/// The namespace a namespaced object lands in ("" means "default"); None when cluster-scoped.
pub fn namespace_of(obj: &serde_json::Value) -> Option<String> {
    let id = crate::model::resid::ResId::of(obj);
    (!crate::load::openapi::is_cluster_scoped(&id.gvk))
        .then(|| id.effective_namespace().to_string())
}

/// kustomize's `--output DIR` naming: `group_version_kind_name.yaml`, lowercased,
/// with a `namespace_` prefix for namespaced objects when there are several namespaces.
pub fn file_name_for(obj: &serde_json::Value, several_namespaces: bool) -> String {
    let id = crate::model::resid::ResId::of(obj);
    let parts: Vec<&str> = [
        id.gvk.group.as_str(),
        id.gvk.version.as_str(),
        id.gvk.kind.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    let name = format!("{}_{}.yaml", parts.join("_"), id.name);
    match namespace_of(obj).filter(|_| several_namespaces) {
        Some(ns) => format!("{ns}_{name}").to_lowercase(),
        None => name.to_lowercase(),
    }
}

/// Writes through a temporary file and a rename, so a failed write leaves nothing half-written.
pub fn write_atomically(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.persist(path)?;
    Ok(())
}

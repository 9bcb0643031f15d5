//! Where a legacy exec plugin lives: kustomize's plugin home (the first of
//! `$KUSTOMIZE_PLUGIN_HOME`, `$XDG_CONFIG_HOME/kustomize/plugin`,
//! `$HOME/.config/kustomize/plugin` and `$HOME/kustomize/plugin` that
//! exists), then `<group>/<version>/<lowercased kind>/<Kind>` below it.
//! The home is the operator's, never the repository's; a plugin that is a
//! link out of the home is refused.

use super::PluginError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The plugin home, as kustomize's `DefaultAbsPluginHome` finds it.
pub fn plugin_home() -> Result<PathBuf, PluginError> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let home = var("HOME").unwrap_or_else(|| "~".into());
    let candidates: [(Option<String>, &str); 4] = [
        (
            var("KUSTOMIZE_PLUGIN_HOME"),
            "homed in $KUSTOMIZE_PLUGIN_HOME",
        ),
        (
            var("XDG_CONFIG_HOME").map(|x| format!("{x}/kustomize/plugin")),
            "homed in $XDG_CONFIG_HOME",
        ),
        (
            Some(format!("{home}/.config/kustomize/plugin")),
            "homed in default value of $XDG_CONFIG_HOME",
        ),
        (
            Some(format!("{home}/kustomize/plugin")),
            "homed in home directory",
        ),
    ];
    if let Some(found) = candidates
        .iter()
        .filter_map(|(dir, _)| dir.as_deref())
        .find(|dir| Path::new(dir).exists())
    {
        return Ok(PathBuf::from(found));
    }
    let tried: Vec<String> = candidates
        .iter()
        .map(|(dir, note)| format!("('{}'; {note})", dir.as_deref().unwrap_or("<no value>")))
        .collect();
    Err(PluginError::NoHome(tried.join(", ")))
}

/// The executable for a config of `api_version` and `kind`, checked: a
/// file (links resolved, within the home), executable by someone.
pub fn executable(api_version: &str, kind: &str) -> Result<PathBuf, PluginError> {
    let home = plugin_home()?;
    // kustomize splits at the first `/` here; an empty group disappears.
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let mut path = home.clone();
    for part in [group, version, &kind.to_lowercase(), kind] {
        if part.is_empty() {
            continue;
        }
        if part.contains('/') || part == "." || part == ".." {
            return Err(PluginError::BadName(format!("{api_version}/{kind}")));
        }
        path.push(part);
    }
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PluginError::NotFound(path));
        }
        Err(e) => return Err(PluginError::Io { path, source: e }),
    };
    let real = path.canonicalize().map_err(|e| PluginError::Io {
        path: path.clone(),
        source: e,
    })?;
    let real_home = home.canonicalize().map_err(|e| PluginError::Io {
        path: home.clone(),
        source: e,
    })?;
    if !real.starts_with(&real_home) {
        return Err(PluginError::OutsideHome { path, home });
    }
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(PluginError::NotExecutable(path));
    }
    Ok(path)
}

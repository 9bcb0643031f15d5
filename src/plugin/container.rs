//! Container KRM functions: `docker run` as kyaml's container filter
//! writes it (no network unless the function asks and `--network` allows,
//! user `nobody` unless `--as-current-user`, no new privileges, the
//! declared mounts then `--mount`'s, the environment as `-e` flags), with
//! docker, else podman; `NEST_KZ_CONTAINER_RUNTIME` names another program
//! that takes docker's flags. A declared mount must stay below the
//! kustomization's directory.

use super::spec::{ContainerSpec, StorageMount};
use super::{Plugin, PluginError};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

pub fn run(p: &Plugin, spec: &ContainerSpec, input: Vec<u8>) -> Result<Vec<u8>, PluginError> {
    if spec.network && !p.options.network {
        return Err(PluginError::Refused(format!(
            "couldn't execute function: network required but not enabled with --network ({})",
            p.what()
        )));
    }
    for mount in &spec.mounts {
        check_declared_mount(p, mount)?;
    }
    let runtime = runtime()?;
    let mut cmd = Command::new(&runtime);
    cmd.args(arguments(p, spec)?).current_dir(p.dir());
    let what = format!("{} (container {})", p.what(), spec.image);
    let output = super::run_child(cmd, &what, input).map_err(|e| match e {
        crate::sys::child::ChildError::Spawn { source, .. } => PluginError::Refused(format!(
            "cannot run the container runtime '{}': {source}",
            runtime.display()
        )),
        other => other.into(),
    })?;
    super::function::finish(&what, output)
}

/// The program that runs containers: `NEST_KZ_CONTAINER_RUNTIME`, else
/// docker, else podman, whichever is on PATH.
fn runtime() -> Result<PathBuf, PluginError> {
    if let Some(named) = std::env::var_os("NEST_KZ_CONTAINER_RUNTIME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(named));
    }
    for program in ["docker", "podman"] {
        if let Some(found) = crate::sys::child::on_path(program) {
            return Ok(found);
        }
    }
    Err(PluginError::Refused(
        "container functions need docker or podman, and neither is on PATH (or set NEST_KZ_CONTAINER_RUNTIME)"
            .into(),
    ))
}

/// kustomize's loader check of a declared mount, and ours: the source,
/// links resolved, below the kustomization's directory.
fn check_declared_mount(p: &Plugin, mount: &StorageMount) -> Result<(), PluginError> {
    let refuse = |why: &str| {
        Err(PluginError::Refused(format!(
            "{} with mount path '{}' is not permitted; mount paths must be {why}",
            p.what(),
            mount.src
        )))
    };
    if Path::new(&mount.src).is_absolute() {
        return refuse("relative to the current kustomization directory");
    }
    let cleaned = clean(&mount.src);
    let escapes = match crate::release::current() >= crate::release::Release::V5_8 {
        true => cleaned.starts_with(".."),
        false => cleaned.starts_with("../") || cleaned == "..",
    };
    if escapes {
        return refuse("under the current kustomization directory");
    }
    let joined = p.dir().join(&mount.src);
    if let Ok(real) = joined.canonicalize()
        && !real.starts_with(p.dir())
    {
        return refuse("under the current kustomization directory (it is a link out)");
    }
    Ok(())
}

/// Go's `filepath.Clean` of a relative path.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(path).components() {
        match c {
            Component::ParentDir if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            Component::ParentDir => parts.push(".."),
            Component::Normal(n) => parts.push(n.to_str().unwrap_or_default()),
            _ => {}
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn arguments(p: &Plugin, spec: &ContainerSpec) -> Result<Vec<String>, PluginError> {
    let user = match p.options.as_current_user {
        // SAFETY: getuid and getgid cannot fail.
        true => unsafe { format!("{}:{}", libc::getuid(), libc::getgid()) },
        false => "nobody".into(),
    };
    let network = if spec.network { "host" } else { "none" };
    let mut args: Vec<String> = [
        "run",
        "--rm",
        "-i",
        "-a",
        "STDIN",
        "-a",
        "STDOUT",
        "-a",
        "STDERR",
        "--network",
        network,
        "--user",
        &user,
        "--security-opt=no-new-privileges",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let flag_mounts = p.options.mounts.iter().map(|m| parse_mount(m));
    for mut mount in spec.mounts.iter().cloned().chain(flag_mounts) {
        if !Path::new(&mount.src).is_absolute() {
            mount.src = p.dir().join(&mount.src).to_string_lossy().into_owned();
        }
        let mode = if mount.rw { "" } else { ",readonly" };
        args.push("--mount".into());
        args.push(format!(
            "type={},source={},target={}{mode}",
            mount.mount_type, mount.src, mount.dst
        ));
    }
    args.extend(env_flags(&spec.envs, &p.options.envs));
    // The image is the last argument: nothing after it reaches the runtime
    // as an option, and an image that reads as one is refused.
    if spec.image.starts_with('-') {
        return Err(PluginError::Refused(format!(
            "{}: image '{}' reads as an option",
            p.what(),
            spec.image
        )));
    }
    args.push(spec.image.clone());
    Ok(args)
}

/// kyaml's `StringToStorageMount` for a `--mount` flag.
fn parse_mount(text: &str) -> StorageMount {
    let mut mount = StorageMount::default();
    for option in text.split(',') {
        if let Some((k, v)) = option.split_once('=') {
            match k {
                "type" => mount.mount_type = v.into(),
                "src" | "source" => mount.src = v.into(),
                "dst" | "target" => mount.dst = v.into(),
                "rw" if v == "true" => mount.rw = true,
                _ => {}
            }
        }
    }
    mount
}

/// The environment flags (kyaml's `ContainerEnv`): LOG_TO_STDERR and
/// STRUCTURED_RESULTS, the declared `K=V` entries, then `--env`'s (which
/// win), as `-e K=V` sorted by key; then the bare `K` entries (the host's
/// value), declared first.
fn env_flags(declared: &[String], flags: &[String]) -> Vec<String> {
    let mut values: std::collections::BTreeMap<String, String> = [
        ("LOG_TO_STDERR".to_string(), "true".to_string()),
        ("STRUCTURED_RESULTS".to_string(), "true".to_string()),
    ]
    .into_iter()
    .collect();
    let mut exported: Vec<String> = Vec::new();
    for entry in declared.iter().chain(flags) {
        match entry.split_once('=') {
            Some((k, v)) => {
                values.insert(k.to_string(), v.to_string());
            }
            None if !exported.contains(entry) => exported.push(entry.clone()),
            None => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in values {
        out.push("-e".into());
        out.push(format!("{k}={v}"));
    }
    for k in exported {
        out.push("-e".into());
        out.push(k);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_flags_follow_kyaml() {
        let declared = ["FOO=bar".to_string(), "BAR".into()];
        let flags = ["FOO=baz".to_string(), "QUX".into()];
        assert_eq!(
            env_flags(&declared, &flags),
            [
                "-e",
                "FOO=baz",
                "-e",
                "LOG_TO_STDERR=true",
                "-e",
                "STRUCTURED_RESULTS=true",
                "-e",
                "BAR",
                "-e",
                "QUX"
            ]
        );
    }

    #[test]
    fn mounts_and_paths() {
        let m = parse_mount("type=bind,source=a,target=/b,rw=true");
        assert_eq!((m.src.as_str(), m.dst.as_str(), m.rw), ("a", "/b", true));
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("./x/"), "x");
        assert_eq!(clean("..foo"), "..foo");
    }
}

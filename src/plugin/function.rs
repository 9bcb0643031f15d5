//! KRM functions (kyaml's `runfn` as kustomize's `fnplugin` calls it): the
//! function reads a `ResourceList` on stdin (its config, marked
//! local-config, as `functionConfig`; as `items`, the resources, or for a
//! generator its own config) and prints one, or plain YAML objects. A
//! container image runs through `container`; an exec path only with
//! `--enable-exec`. A function neither can run is skipped, as kustomize
//! skips it (a warning says so).

use super::spec::FunctionSpec;
use super::{Plugin, PluginError, Role};
use crate::model::resource::Resource;
use crate::model::value::{Map, Value};
use std::path::PathBuf;
use std::process::Command;

const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";
const PATH: &str = "config.kubernetes.io/path";
const INTERNAL_PATH: &str = "internal.config.kubernetes.io/path";
/// kyaml's reader and function annotations, set on input and cleared on
/// output.
const INDEXES: [&str; 3] = [
    "config.kubernetes.io/index",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
];
const IDS: [&str; 2] = ["internal.config.kubernetes.io/id", "config.k8s.io/id"];

/// Runs the function; its stdout.
pub fn run(
    p: &Plugin,
    spec: &FunctionSpec,
    role: Role,
    objects: &[Value],
) -> Result<Vec<u8>, PluginError> {
    let mut config = p.config.clone();
    super::wire::annotations_mut(&mut config)
        .insert(LOCAL_CONFIG.into(), Value::String("true".into()));
    let mut items: Vec<Value> = match role {
        Role::Generator => vec![config.clone()],
        _ if objects.is_empty() => vec![config.clone()],
        _ => objects.to_vec(),
    };
    for (i, item) in items.iter_mut().enumerate() {
        mark_input(item, i);
    }
    let mut list = Map::new();
    list.insert(
        "apiVersion".into(),
        Value::String("config.kubernetes.io/v1".into()),
    );
    list.insert("kind".into(), Value::String("ResourceList".into()));
    list.insert("items".into(), Value::Array(items));
    list.insert("functionConfig".into(), config);
    let input = crate::yaml::emit::emit_document_in_order(&Value::Object(list));
    if !spec.container.image.is_empty() {
        return super::container::run(p, &spec.container, input.into_bytes());
    }
    if !spec.exec.path.is_empty() && p.options.exec {
        return run_exec(p, spec, input.into_bytes());
    }
    if !spec.exec.path.is_empty() {
        eprintln!(
            "# Warning: {} not run: it is an exec function and --enable-exec was not given",
            p.what()
        );
    }
    // Nothing runs: the items pass through unchanged.
    Ok(input.into_bytes())
}

/// kyaml's reader annotations on the `i`th item, and its function ids.
fn mark_input(item: &mut Value, i: usize) {
    let a = super::wire::annotations_mut(item);
    match (a.get(PATH).cloned(), a.get(INTERNAL_PATH).cloned()) {
        (Some(p), None) => {
            a.insert(INTERNAL_PATH.into(), p);
        }
        (None, Some(p)) => {
            a.insert(PATH.into(), p);
        }
        _ => {}
    }
    for key in INDEXES {
        a.insert(key.into(), Value::String(i.to_string().into()));
    }
    for key in IDS {
        a.insert(key.into(), Value::String((i + 1).to_string().into()));
    }
}

/// What kyaml leaves on a function's output items: ids and indexes
/// cleared, and a default path (`[namespace/]kind_name.yaml`) on each item
/// without one; kustomize removes those paths only at the end, so later
/// plugins see them.
pub fn tidy(items: &mut [Resource]) {
    for r in items {
        let kind = r.kind().to_lowercase();
        let name = r.name().to_string();
        let namespace = r.namespace().to_string();
        let a = super::wire::annotations_mut(&mut r.value);
        for key in INDEXES.iter().chain(&IDS) {
            a.shift_remove(key);
        }
        let path = a
            .get(INTERNAL_PATH)
            .or_else(|| a.get(PATH))
            .cloned()
            .unwrap_or_else(|| {
                let file = format!("{kind}_{name}.yaml");
                Value::String(match namespace.is_empty() {
                    true => file.into(),
                    false => format!("{namespace}/{file}").into(),
                })
            });
        a.insert(INTERNAL_PATH.into(), path.clone());
        a.insert(PATH.into(), path);
    }
}

/// An exec function: `exec.path` found on PATH when it is a bare name,
/// else relative to the kustomization's directory and, like every file a
/// build reads, within the load restrictor's bounds.
fn run_exec(p: &Plugin, spec: &FunctionSpec, input: Vec<u8>) -> Result<Vec<u8>, PluginError> {
    let path = &spec.exec.path;
    let program: PathBuf = if path.contains('/') {
        let refused = |e: String| PluginError::Refused(format!("exec function path '{path}': {e}"));
        let real = p
            .dir()
            .join(path)
            .canonicalize()
            .map_err(|e| refused(e.to_string()))?;
        p.loader
            .check_file(&real)
            .map_err(|e| refused(e.to_string()))?;
        real
    } else {
        PathBuf::from(path)
    };
    let mut cmd = Command::new(&program);
    cmd.current_dir(p.dir());
    if crate::release::current().has_exec_function_args() {
        cmd.args(&spec.exec.args);
        for (k, v) in exec_env(&spec.exec.envs, &p.options.envs) {
            cmd.env(k, v);
        }
    }
    let what = format!("{} (exec {path})", p.what());
    let output = super::run_child(cmd, &what, input)?;
    finish(&what, output)
}

/// A function's stderr is the build's (kustomize lets it through); a
/// failure is the exit status.
pub fn finish(what: &str, output: crate::sys::child::Output) -> Result<Vec<u8>, PluginError> {
    if !output.stderr.is_empty() {
        use std::io::Write;
        let _ = std::io::stderr().write_all(&output.stderr);
    }
    if !output.status.success() {
        return Err(PluginError::Failed {
            what: format!("couldn't execute function: {what}"),
            status: output.status.to_string(),
            stderr: String::new(),
        });
    }
    Ok(output.stdout)
}

/// kyaml's `mergeExecEnv`: the declared entries, then `--env`'s, each
/// `KEY=VALUE` with exactly one `=` (others are dropped), the later
/// winning; sorted.
fn exec_env(declared: &[String], flags: &[String]) -> Vec<(String, String)> {
    let mut env: std::collections::BTreeMap<String, String> = Default::default();
    for entry in declared.iter().chain(flags) {
        let parts: Vec<&str> = entry.split('=').collect();
        if let [k, v] = parts.as_slice() {
            env.insert(k.to_string(), v.to_string());
        }
    }
    env.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_env_merges_as_kyaml_does() {
        let declared = ["A=1".to_string(), "B".into(), "C=x=y".into(), "D=4".into()];
        let flags = ["A=2".to_string()];
        assert_eq!(
            exec_env(&declared, &flags),
            [("A".into(), "2".into()), ("D".into(), "4".into())]
        );
    }
}

//! Which runner a plugin config asks for (kyaml's `GetFunctionSpec`): a
//! KRM function by the `config.kubernetes.io/function` annotation (or the
//! legacy `config.k8s.io/function`, `metadata.configFn`, or the image of
//! `config.kubernetes.io/container`), decoded strictly; otherwise a legacy
//! exec plugin found by its group, version and kind.

use super::PluginError;
use crate::load::go_json::{self, Unknown};
use crate::model::value::Value;
use serde::Deserialize;

const FUNCTION_ANNOTATIONS: [&str; 2] = ["config.kubernetes.io/function", "config.k8s.io/function"];
const CONTAINER_ANNOTATION: &str = "config.kubernetes.io/container";

/// A KRM function's `FunctionSpec`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionSpec {
    #[serde(default)]
    pub defer_failure: bool,
    #[serde(default)]
    pub container: ContainerSpec,
    #[serde(default)]
    pub exec: ExecSpec,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub network: bool,
    #[serde(default)]
    pub mounts: Vec<StorageMount>,
    #[serde(default)]
    pub envs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageMount {
    #[serde(default, rename = "type")]
    pub mount_type: String,
    #[serde(default)]
    pub src: String,
    #[serde(default)]
    pub dst: String,
    #[serde(default)]
    pub rw: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExecSpec {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
}

/// The config's function spec, if it declares one.
pub fn function_spec(config: &Value) -> Result<Option<FunctionSpec>, PluginError> {
    let annotations = &config["metadata"]["annotations"];
    for key in FUNCTION_ANNOTATIONS {
        if let Some(text) = annotations[key].as_str().filter(|t| !t.is_empty()) {
            return decode(key, parse_text(key, text)?).map(Some);
        }
    }
    let config_fn = &config["metadata"]["configFn"];
    if !config_fn.is_null() {
        return decode("configFn", config_fn.clone()).map(Some);
    }
    Ok(annotations[CONTAINER_ANNOTATION]
        .as_str()
        .filter(|image| !image.is_empty())
        .map(|image| FunctionSpec {
            container: ContainerSpec {
                image: image.into(),
                ..ContainerSpec::default()
            },
            ..FunctionSpec::default()
        }))
}

fn parse_text(key: &str, text: &str) -> Result<Value, PluginError> {
    let docs = crate::yaml::parse_documents(text).map_err(|e| PluginError::Spec {
        key: key.into(),
        message: e.message,
    })?;
    Ok(docs.into_iter().next().map(|d| d.value).unwrap_or_default())
}

/// Decodes strictly, and refuses what the emulated release lacks (exec
/// `args` and `envs` arrived in v5.7).
fn decode(key: &str, value: Value) -> Result<FunctionSpec, PluginError> {
    let spec: FunctionSpec =
        go_json::decode(value, Unknown::Deny).map_err(|e| PluginError::Spec {
            key: key.into(),
            message: crate::error::schema_error(&e),
        })?;
    let release = crate::release::current();
    if !release.has_exec_function_args() {
        for (field, set) in [
            ("args", !spec.exec.args.is_empty()),
            ("envs", !spec.exec.envs.is_empty()),
        ] {
            if set {
                return Err(PluginError::Spec {
                    key: key.into(),
                    message: format!(
                        "unknown field \"{field}\" in exec (kustomize {} has none; v5.7 added it)",
                        release.version()
                    ),
                });
            }
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn config(annotations: Value) -> Value {
        json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n", "annotations": annotations}})
    }

    #[test]
    fn specs_come_from_the_annotations_in_order() {
        let exec = config(json!({"config.kubernetes.io/function": "exec:\n  path: ./fn\n"}));
        assert_eq!(function_spec(&exec).unwrap().unwrap().exec.path, "./fn");
        let legacy = config(json!({"config.k8s.io/function": "container:\n  image: img\n"}));
        assert_eq!(
            function_spec(&legacy).unwrap().unwrap().container.image,
            "img"
        );
        let image = config(json!({"config.kubernetes.io/container": "img:2"}));
        assert_eq!(
            function_spec(&image).unwrap().unwrap().container.image,
            "img:2"
        );
        assert_eq!(function_spec(&config(json!({}))).unwrap(), None);
        let bogus =
            config(json!({"config.kubernetes.io/function": "exec:\n  path: x\n  bogus: 1\n"}));
        assert!(function_spec(&bogus).is_err());
    }
}

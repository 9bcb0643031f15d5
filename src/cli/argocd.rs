//! ArgoCD config-management plugin (CMP v2) integration.
//!
//! The repo-server runs the plugin's `generate` command in the application's
//! directory with a cleared environment holding:
//!
//! - the Application's plugin `env` entries as `ARGOCD_ENV_<NAME>`;
//! - its plugin `parameters` as the JSON array `ARGOCD_APP_PARAMETERS`
//!   (`[{"name":…,"string":…}, {"name":…,"array":[…]}, {"name":…,"map":{…}}]`)
//!   and again as `PARAM_<NAME>`, `PARAM_<NAME>_<INDEX>`, `PARAM_<NAME>_<KEY>`
//!   (names upper-cased, anything outside `[A-Z0-9_]` turned into `_`);
//! - `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE`, `ARGOCD_APP_REVISION`, … and
//!   `KUBE_VERSION`, `KUBE_API_VERSIONS`.
//!
//! The parameters mirror the Application's `spec.source.kustomize` fields
//! (`namePrefix`, `images`, `commonLabels`, …). ArgoCD applies those by
//! running `kustomize edit` commands on the app's kustomization, in a fixed
//! order, then building (argo-cd `util/kustomize`); nest-kz runs the same
//! edit commands with its own `edit`, on a copy of the kustomization held
//! in memory (the checkout is not changed), and builds the app directory
//! with that copy as its root (`BuildOptions::root_text`).
//!
//! The operator's plugin command is the ceiling: a parameter may narrow
//! what it allows, never widen it. `enableHelm` (`"true"`/`"false"`; also
//! the plugin env `ENABLE_HELM`) can turn helm off, and asks for it in vain
//! (an error) unless the command has `--enable-helm`; network access,
//! remote loading, plugins and the load restrictor come only from the
//! command. With helm on, the repo-server's `KUBE_VERSION` and
//! `KUBE_API_VERSIONS` (comma separated) become `--helm-kube-version` /
//! `--helm-api-versions` unless those flags were given, as ArgoCD passes
//! them to kustomize.

use crate::edit::EditCommand;
use crate::json;
use crate::model::value::Value;
use clap::Parser;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why the plugin's parameters cannot be applied; each names the parameter.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error("{name}: expected true or false, got '{value}'")]
    Bool { name: String, value: String },
    #[error("{name}: expected a {expected} parameter")]
    Shape {
        name: String,
        expected: &'static str,
    },
    #[error(
        "{0}: a map parameter needs ARGOCD_APP_PARAMETERS (ArgoCD always sets it): PARAM_* variable names lose the keys' case and punctuation"
    )]
    MapWithoutJson(String),
    #[error("unknown parameter '{0}' (see argocd/README.md for the parameters nest-kz reads)")]
    Unknown(String),
    #[error("ARGOCD_APP_PARAMETERS is not a JSON array of parameters: {0}")]
    ParametersJson(String),
    #[error("patches: entry {index}: {message}")]
    Patch { index: usize, message: String },
    #[error(
        "enableHelm: the plugin command does not enable helm, and a parameter may only narrow what it allows (add --enable-helm to the plugin's generate command to allow it)"
    )]
    HelmNotAllowed,
    #[error("the Application's '{parameter}' override: {message}")]
    Edit {
        parameter: &'static str,
        message: String,
    },
    #[error("{0}")]
    Build(#[from] crate::error::BuildError),
}

/// The Application's `spec.source.kustomize` overrides, as plugin parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOverrides {
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    /// `kustomize edit set image` arguments, substituted as ArgoCD does.
    pub images: Vec<String>,
    /// `kustomize edit set replicas` arguments (`NAME=COUNT`).
    pub replicas: Vec<String>,
    pub common_labels: IndexMap<String, String>,
    pub force_common_labels: bool,
    /// ArgoCD's `labelWithoutSelector`: labels go to `labels:` without selectors.
    pub label_without_selector: bool,
    pub label_include_templates: bool,
    pub common_annotations: IndexMap<String, String>,
    pub force_common_annotations: bool,
    /// Component directories, relative to the application directory.
    pub components: Vec<String>,
    /// ArgoCD's `ignoreMissingComponents`.
    pub ignore_missing_components: bool,
    /// `patches:` entries as ArgoCD's `KustomizePatch` has them (`path`,
    /// `patch`, `target`, `options`).
    pub patches: Vec<Value>,
    /// `enableHelm`: `Some(true)` asks for helm (the plugin command must
    /// allow it), `Some(false)` turns it off.
    pub enable_helm: Option<bool>,
    /// `version` (ArgoCD's `kustomize.version`): the kustomize release to
    /// emulate for this application.
    pub kustomize_version: Option<crate::release::Release>,
}

/// One parameter as ArgoCD sends it.
#[derive(Debug, Clone, PartialEq)]
enum Param {
    String(String),
    Array(Vec<String>),
    Map(IndexMap<String, String>),
}

/// The parameters nest-kz reads, by ArgoCD's `kustomize:` field name. The
/// older upper-case spellings (`NAME_PREFIX`, `IMAGES`) match too: names are
/// compared without case and without `_`/`-`.
const PARAMETERS: &[&str] = &[
    "namespace",
    "namePrefix",
    "nameSuffix",
    "images",
    "replicas",
    "commonLabels",
    "forceCommonLabels",
    "labelWithoutSelector",
    "labelIncludeTemplates",
    "commonAnnotations",
    "forceCommonAnnotations",
    "commonAnnotationsEnvsubst",
    "components",
    "ignoreMissingComponents",
    "patches",
    "enableHelm",
    "version",
];

fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// ArgoCD's environment-variable spelling of a parameter name.
fn escaped(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_ascii_uppercase() {
            c @ ('A'..='Z' | '0'..='9' | '_') => c,
            _ => '_',
        })
        .collect()
}

/// `namePrefix` -> `NAME_PREFIX`, the spelling of the first plugin release.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Reads the parameters, preferring the lossless `ARGOCD_APP_PARAMETERS`.
fn read_params(env: &BTreeMap<String, String>) -> Result<BTreeMap<String, Param>, ParamError> {
    let mut params = BTreeMap::new();
    if let Some(text) = env
        .get("ARGOCD_APP_PARAMETERS")
        .filter(|t| !t.trim().is_empty())
    {
        // An Application with a plugin block but no parameters gets `null`
        // (Go marshals the nil list so).
        let list: Option<Vec<Value>> =
            serde_json::from_str(text).map_err(|e| ParamError::ParametersJson(e.to_string()))?;
        for p in list.unwrap_or_default() {
            let name = p["name"]
                .as_str()
                .ok_or_else(|| ParamError::ParametersJson("a parameter has no name".into()))?;
            let strings = |v: &Value| -> Option<String> { v.as_str().map(str::to_string) };
            let param = if let Some(s) = p.get("string").and_then(strings) {
                Param::String(s)
            } else if let Some(a) = p.get("array").and_then(Value::as_array) {
                Param::Array(a.iter().filter_map(strings).collect())
            } else if let Some(m) = p.get("map").and_then(Value::as_object) {
                Param::Map(
                    m.iter()
                        .filter_map(|(k, v)| Some((k.to_string(), strings(v)?)))
                        .collect(),
                )
            } else {
                continue;
            };
            // A misspelt parameter would otherwise be dropped without a word.
            if !PARAMETERS
                .iter()
                .any(|known| normalized(known) == normalized(name))
            {
                return Err(ParamError::Unknown(name.to_string()));
            }
            params.insert(normalized(name), param);
        }
        return Ok(params);
    }
    for &name in PARAMETERS {
        for var in [escaped(name), snake(name)] {
            let base = format!("PARAM_{var}");
            if let Some(v) = env.get(&base) {
                params.insert(normalized(name), Param::String(v.clone()));
                break;
            }
            let items: Vec<String> = (0..)
                .map_while(|i| env.get(&format!("{base}_{i}")).cloned())
                .collect();
            if !items.is_empty() {
                params.insert(normalized(name), Param::Array(items));
                break;
            }
            let prefix = format!("{base}_");
            // `PARAM_COMMON_ANNOTATIONS_ENVSUBST` is a parameter of its own,
            // not an entry of `PARAM_COMMON_ANNOTATIONS`.
            let other_parameter = |k: &str| {
                PARAMETERS.iter().any(|p| {
                    k == format!("PARAM_{}", escaped(p)) || k == format!("PARAM_{}", snake(p))
                })
            };
            if env
                .keys()
                .any(|k| k.starts_with(&prefix) && !other_parameter(k))
            {
                return Err(ParamError::MapWithoutJson(name.to_string()));
            }
        }
    }
    Ok(params)
}

/// The variables ArgoCD substitutes into overrides (its build environment,
/// `newEnv` in the repo-server); any other name reads as empty.
const SUBSTITUTED: &[&str] = &[
    "ARGOCD_APP_NAME",
    "ARGOCD_APP_NAMESPACE",
    "ARGOCD_APP_PROJECT_NAME",
    "ARGOCD_APP_REVISION",
    "ARGOCD_APP_REVISION_SHORT",
    "ARGOCD_APP_REVISION_SHORT_8",
    "ARGOCD_APP_SOURCE_REPO_URL",
    "ARGOCD_APP_SOURCE_PATH",
    "ARGOCD_APP_SOURCE_TARGET_REVISION",
];

/// ArgoCD's `Env.Envsubst` (Go's `os.Expand`): `$VAR` and `${VAR}` from the
/// build environment, unknown names empty, `$$` a literal `$`. ArgoCD
/// applies it to images and label values, and to annotation values when
/// `commonAnnotationsEnvsubst` is set.
pub fn envsubst(text: &str, env: &BTreeMap<String, String>) -> String {
    let lookup = |name: &str| -> String {
        match SUBSTITUTED.contains(&name) {
            true => env.get(name).cloned().unwrap_or_default(),
            false => String::new(),
        }
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            match tail.find('}') {
                Some(end) => {
                    out.push_str(&lookup(&tail[..end]));
                    rest = &tail[end + 1..];
                }
                // Go's os.Expand drops a `${` that never closes.
                None => rest = "",
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..end]));
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

impl SourceOverrides {
    /// Reads the overrides from the plugin's environment.
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<Self, ParamError> {
        let params = read_params(env)?;
        let non_empty = |k: &str| {
            env.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let string = |name: &str| -> Result<Option<String>, ParamError> {
            match params.get(&normalized(name)) {
                None => Ok(None),
                Some(Param::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
                Some(_) => Err(ParamError::Shape {
                    name: name.into(),
                    expected: "string",
                }),
            }
        };
        let boolean = |name: &str| -> Result<Option<bool>, ParamError> {
            parse_bool(name, string(name)?.as_deref())
        };
        // A string holds a list separated by commas, spaces or new lines.
        let list = |name: &str| -> Vec<String> {
            match params.get(&normalized(name)) {
                Some(Param::Array(items)) => items.clone(),
                Some(Param::String(s)) => vec![s.clone()],
                Some(Param::Map(m)) => m.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                None => Vec::new(),
            }
        };
        let words = |items: Vec<String>| -> Vec<String> {
            items
                .iter()
                .flat_map(|l| l.split([',', ' ', '\n']))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let map = |name: &str| -> Result<IndexMap<String, String>, ParamError> {
            match params.get(&normalized(name)) {
                None => Ok(IndexMap::new()),
                Some(Param::Map(m)) => Ok(m.clone()),
                Some(_) => Err(ParamError::Shape {
                    name: name.into(),
                    expected: "map",
                }),
            }
        };
        // The Application's plugin env wins over a declared parameter.
        let setting = |env_name: &str, param: &str| -> Result<Option<String>, ParamError> {
            match non_empty(&format!("ARGOCD_ENV_{env_name}")) {
                Some(v) => Ok(Some(v)),
                None => string(param),
            }
        };
        let namespace = match setting("NAMESPACE", "namespace")? {
            Some(ns) => Some(ns),
            None => (non_empty("ARGOCD_ENV_NAMESPACE_FROM_APP").as_deref() == Some("true"))
                .then(|| non_empty("ARGOCD_APP_NAMESPACE"))
                .flatten(),
        };
        // The repo-server has already expanded plugin env values; parameters
        // it passes verbatim, so they are expanded here as ArgoCD expands
        // `kustomize.images`.
        let images = match non_empty("ARGOCD_ENV_IMAGES") {
            Some(v) => words(vec![v]),
            None => words(list("images").iter().map(|i| envsubst(i, env)).collect()),
        };
        let annotations_envsubst = boolean("commonAnnotationsEnvsubst")?.unwrap_or(false);
        let common_annotations = map("commonAnnotations")?
            .into_iter()
            .map(|(k, v)| match annotations_envsubst {
                true => (k, envsubst(&v, env)),
                false => (k, v),
            })
            .collect();
        let enable_helm = match non_empty("ARGOCD_ENV_ENABLE_HELM") {
            // The plugin env of the first helm release; it wins as the other env settings do.
            Some(v) => parse_bool("ENABLE_HELM", Some(&v))?,
            None => boolean("enableHelm")?,
        };
        Ok(SourceOverrides {
            namespace,
            name_prefix: setting("NAME_PREFIX", "namePrefix")?,
            name_suffix: setting("NAME_SUFFIX", "nameSuffix")?,
            images,
            replicas: words(list("replicas")),
            common_labels: map("commonLabels")?
                .into_iter()
                .map(|(k, v)| (k, envsubst(&v, env)))
                .collect(),
            force_common_labels: boolean("forceCommonLabels")?.unwrap_or(false),
            label_without_selector: boolean("labelWithoutSelector")?.unwrap_or(false),
            label_include_templates: boolean("labelIncludeTemplates")?.unwrap_or(false),
            common_annotations,
            force_common_annotations: boolean("forceCommonAnnotations")?.unwrap_or(false),
            components: list("components")
                .into_iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            ignore_missing_components: boolean("ignoreMissingComponents")?.unwrap_or(false),
            patches: parse_patches(&list("patches"))?,
            enable_helm,
            kustomize_version: string("version")?
                .map(|v| crate::release::Release::parse(&v))
                .transpose()
                .map_err(|e| ParamError::Edit {
                    parameter: "version",
                    message: e.to_string(),
                })?,
        })
    }

    /// The helm options of an ArgoCD build. The plugin command's
    /// `--enable-helm` is the ceiling: `enableHelm=false` turns helm off,
    /// `enableHelm=true` is refused unless the command enabled it. With
    /// helm on, the repo-server's `KUBE_VERSION` and `KUBE_API_VERSIONS`
    /// (comma separated) fill in the kube version and API versions the
    /// command line left unset, as ArgoCD passes them to kustomize.
    pub fn apply_helm(
        &self,
        env: &BTreeMap<String, String>,
        options: &mut crate::generate::helm::HelmOptions,
    ) -> Result<(), ParamError> {
        match self.enable_helm {
            Some(true) if !options.enabled => return Err(ParamError::HelmNotAllowed),
            Some(false) => options.enabled = false,
            _ => {}
        }
        if !options.enabled {
            return Ok(());
        }
        let non_empty = |k: &str| {
            env.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if options.kube_version.is_empty() {
            options.kube_version = non_empty("KUBE_VERSION").unwrap_or_default();
        }
        if options.api_versions.is_empty() {
            options.api_versions = non_empty("KUBE_API_VERSIONS")
                .map(|l| {
                    l.split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
        }
        Ok(())
    }

    /// The `kustomize edit` commands ArgoCD runs for these overrides, in its
    /// order, each with the parameter it comes from; `patches` (which
    /// ArgoCD writes into the file itself) and `components` come after,
    /// from `apply`.
    pub fn edit_commands(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut commands = Vec::new();
        let set = |what: &str, value: &str| {
            vec!["set".into(), what.into(), "--".into(), value.to_string()]
        };
        if let Some(p) = &self.name_prefix {
            commands.push(("namePrefix", set("nameprefix", p)));
        }
        if let Some(s) = &self.name_suffix {
            commands.push(("nameSuffix", set("namesuffix", s)));
        }
        if !self.images.is_empty() {
            // Values after `--`: an image or a pair never reads as a flag.
            let mut argv = vec!["set".into(), "image".into(), "--".into()];
            argv.extend(self.images.iter().cloned());
            commands.push(("images", argv));
        }
        if !self.replicas.is_empty() {
            let mut argv = vec!["set".into(), "replicas".into(), "--".into()];
            argv.extend(self.replicas.iter().cloned());
            commands.push(("replicas", argv));
        }
        let pairs = |m: &IndexMap<String, String>| -> Vec<String> {
            m.iter().map(|(k, v)| format!("{k}:{v}")).collect()
        };
        if !self.common_labels.is_empty() {
            let mut argv: Vec<String> = vec!["add".into(), "label".into()];
            for (on, flag) in [
                (self.force_common_labels, "--force"),
                (self.label_without_selector, "--without-selector"),
                (self.label_include_templates, "--include-templates"),
            ] {
                if on {
                    argv.push(flag.into());
                }
            }
            argv.push("--".into());
            argv.extend(pairs(&self.common_labels));
            commands.push(("commonLabels", argv));
        }
        if !self.common_annotations.is_empty() {
            let mut argv: Vec<String> = vec!["add".into(), "annotation".into()];
            if self.force_common_annotations {
                argv.push("--force".into());
            }
            argv.push("--".into());
            argv.extend(pairs(&self.common_annotations));
            commands.push(("commonAnnotations", argv));
        }
        if let Some(ns) = &self.namespace {
            commands.push(("namespace", set("namespace", ns)));
        }
        commands
    }

    /// The app's kustomization as ArgoCD's edits leave it, or `None` when
    /// there is nothing to change (the file is built as it is). `app_dir`
    /// is the application directory; `env`, the plugin's environment.
    pub fn apply(
        &self,
        app_dir: &Path,
        env: &BTreeMap<String, String>,
    ) -> Result<Option<String>, ParamError> {
        let components = self.present_components(app_dir, env);
        if self.edit_commands().is_empty() && self.patches.is_empty() && components.is_empty() {
            return Ok(None);
        }
        let loader = crate::load::loader::Loader::new(
            app_dir,
            crate::load::loader::LoadRestriction::RootOnly,
        )?;
        let (kfile, text) = loader.read_kustomization()?;
        let text = edit_in_memory(app_dir, &kfile, text, self.edit_commands())?;
        let text = match self.patches.is_empty() {
            true => text,
            false => with_patches(&kfile, &text, &self.patches)?,
        };
        if components.is_empty() {
            return Ok(Some(text));
        }
        let mut argv = vec!["add".to_string(), "component".to_string()];
        argv.extend(components);
        Ok(Some(edit_in_memory(
            app_dir,
            &kfile,
            text,
            vec![("components", argv)],
        )?))
    }

    /// The components ArgoCD adds: all of them, or with
    /// `ignoreMissingComponents` those that exist inside the repository
    /// (a remote URL never does).
    fn present_components(&self, app_dir: &Path, env: &BTreeMap<String, String>) -> Vec<String> {
        if !self.ignore_missing_components {
            return self.components.clone();
        }
        let repo = repository_root(app_dir, env);
        self.components
            .iter()
            .filter(|c| {
                let path = app_dir.join(c);
                path.canonicalize()
                    .is_ok_and(|real| repo.as_ref().is_some_and(|r| real.starts_with(r)))
            })
            .cloned()
            .collect()
    }
}

/// The checkout's root: the application directory without
/// `ARGOCD_APP_SOURCE_PATH`, or the application directory itself.
fn repository_root(app_dir: &Path, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let app = app_dir.canonicalize().ok()?;
    let source_path = env
        .get("ARGOCD_APP_SOURCE_PATH")
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty() && *p != ".");
    let Some(rel) = source_path else {
        return Some(app);
    };
    let depth = Path::new(rel).components().count();
    let root = app.ancestors().nth(depth)?;
    (app.strip_prefix(root).ok()? == Path::new(rel)).then(|| root.to_path_buf())
}

/// `true`/`false` (or nothing) for a boolean setting.
fn parse_bool(name: &str, value: Option<&str>) -> Result<Option<bool>, ParamError> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ParamError::Bool {
            name: name.into(),
            value: other.into(),
        }),
    }
}

/// `edit` as a command line of its own, to read ArgoCD's argv exactly as
/// `kustomize edit` would.
#[derive(Parser)]
#[command(no_binary_name = true)]
struct EditArgv {
    #[command(subcommand)]
    command: EditCommand,
}

/// Runs edit command lines on `text` (the kustomization `kfile` of
/// `app_dir`) in memory; the edited text.
fn edit_in_memory(
    app_dir: &Path,
    kfile: &Path,
    text: String,
    commands: Vec<(&'static str, Vec<String>)>,
) -> Result<String, ParamError> {
    let mut edits = Vec::new();
    for (parameter, argv) in commands {
        let parsed = EditArgv::try_parse_from(&argv).map_err(|e| ParamError::Edit {
            parameter,
            message: e.kind().to_string(),
        })?;
        edits.push((parameter, parsed.command));
    }
    let run = || {
        for (parameter, command) in edits {
            crate::edit::run_edit(app_dir, command).map_err(|e| (parameter, e))?;
        }
        Ok(())
    };
    let mut failed = None;
    let result = crate::edit::file::in_memory(app_dir, kfile, text, || {
        run().map_err(|(parameter, e)| {
            let message = e.to_string();
            failed = Some((parameter, message.clone()));
            crate::edit::EditError::invalid(kfile, message)
        })
    });
    match (result, failed) {
        (Ok(((), text)), _) => Ok(text),
        // The edit's own message already names the kustomization.
        (Err(_), Some((parameter, message))) => Err(ParamError::Edit { parameter, message }),
        (Err(e), None) => Err(ParamError::Edit {
            parameter: "overrides",
            message: e.to_string(),
        }),
    }
}

/// ArgoCD's patch step: the kustomization read as data, the Application's
/// patches appended to its `patches:`, and the whole written back as
/// `sigs.k8s.io/yaml` writes it (keys sorted, comments gone).
fn with_patches(kfile: &Path, text: &str, patches: &[Value]) -> Result<String, ParamError> {
    let docs = crate::yaml::parse_config_documents(text)
        .map_err(|e| crate::error::BuildError::yaml(kfile, e))?;
    let mut k = docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(json!({}));
    let Some(fields) = k.as_object_mut() else {
        return Err(ParamError::Patch {
            index: 0,
            message: "the kustomization is not a mapping".into(),
        });
    };
    let list = fields
        .entry("patches")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(items) = list else {
        return Err(ParamError::Patch {
            index: 0,
            message: "the kustomization's patches field is not a list".into(),
        });
    };
    items.extend(patches.iter().cloned());
    Ok(crate::yaml::emit_document(&k))
}

/// Patches arrive as YAML (or JSON) text: each array item one patch entry,
/// or a single string holding a list of them.
fn parse_patches(items: &[String]) -> Result<Vec<Value>, ParamError> {
    let mut out = Vec::new();
    for (index, text) in items.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let docs = crate::yaml::parse_config_documents(text).map_err(|e| ParamError::Patch {
            index,
            message: e.message,
        })?;
        for d in docs {
            match d.value {
                Value::Array(list) => out.extend(list),
                v @ Value::Object(_) => out.push(v),
                Value::Null => {}
                _ => {
                    return Err(ParamError::Patch {
                        index,
                        message: "expected a patch entry or a list of them".into(),
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn declared_parameters_arrive_as_param_variables() {
        let o = SourceOverrides::from_env(&env(&[
            ("PARAM_NAMESPACE", "from-param"),
            ("PARAM_IMAGES_0", "a=b:1"),
            ("PARAM_IMAGES_1", "c:2"),
            ("ARGOCD_ENV_NAME_PREFIX", "env-"),
            ("PARAM_NAME_PREFIX", "param-"),
            ("PARAM_NAMESUFFIX", "-sfx"),
        ]))
        .unwrap();
        assert_eq!(o.namespace.as_deref(), Some("from-param"));
        assert_eq!(o.images.len(), 2);
        assert_eq!(
            o.name_prefix.as_deref(),
            Some("env-"),
            "plugin env wins over a parameter"
        );
        assert_eq!(o.name_suffix.as_deref(), Some("-sfx"));
    }

    #[test]
    fn maps_come_from_the_json_parameters_with_their_keys_intact() {
        let json = r#"[{"name":"commonLabels","map":{"app.kubernetes.io/part-of":"shop"}},
                       {"name":"replicas","map":{"nest":"4"}},
                       {"name":"components","array":["../../components/pdb"]},
                       {"name":"forceCommonLabels","string":"true"}]"#;
        let o = SourceOverrides::from_env(&env(&[
            ("ARGOCD_APP_PARAMETERS", json),
            ("PARAM_COMMONLABELS_APP_KUBERNETES_IO_PART_OF", "shop"),
        ]))
        .unwrap();
        assert_eq!(o.common_labels["app.kubernetes.io/part-of"], "shop");
        assert_eq!(o.replicas, vec!["nest=4".to_string()]);
        assert_eq!(o.components, vec!["../../components/pdb".to_string()]);
        assert!(o.force_common_labels);
        // Without the JSON, the keys cannot be recovered.
        assert!(matches!(
            SourceOverrides::from_env(&env(&[(
                "PARAM_COMMONLABELS_APP_KUBERNETES_IO_PART_OF",
                "shop"
            )])),
            Err(ParamError::MapWithoutJson(name)) if name == "commonLabels"
        ));
    }

    #[test]
    fn a_parameter_named_like_another_ones_entry_is_its_own() {
        let o = SourceOverrides::from_env(&env(&[("PARAM_COMMON_ANNOTATIONS_ENVSUBST", "true")]));
        assert!(o.unwrap().common_annotations.is_empty());
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let json = r#"[{"name":"namePrefx","string":"a-"}]"#;
        assert!(matches!(
            SourceOverrides::from_env(&env(&[("ARGOCD_APP_PARAMETERS", json)])),
            Err(ParamError::Unknown(name)) if name == "namePrefx"
        ));
        let old_spelling = r#"[{"name":"NAME_PREFIX","string":"a-"}]"#;
        let o = SourceOverrides::from_env(&env(&[("ARGOCD_APP_PARAMETERS", old_spelling)]));
        assert_eq!(o.unwrap().name_prefix.as_deref(), Some("a-"));
    }

    #[test]
    fn namespace_can_come_from_the_application() {
        let o = SourceOverrides::from_env(&env(&[
            ("ARGOCD_ENV_NAMESPACE_FROM_APP", "true"),
            ("ARGOCD_APP_NAMESPACE", "team-a"),
        ]))
        .unwrap();
        assert_eq!(o.namespace.as_deref(), Some("team-a"));
    }

    #[test]
    fn envsubst_follows_argocd() {
        let e = env(&[("ARGOCD_APP_REVISION", "abc123"), ("HOME", "/root")]);
        assert_eq!(envsubst("app:${ARGOCD_APP_REVISION}", &e), "app:abc123");
        assert_eq!(envsubst("$ARGOCD_APP_REVISION-x", &e), "abc123-x");
        assert_eq!(envsubst("$$HOME $HOME", &e), "$HOME ");
        assert_eq!(envsubst("a$", &e), "a$");
    }

    #[test]
    fn no_parameters_arrive_as_json_null() {
        for json in ["null", "[]"] {
            let o = SourceOverrides::from_env(&env(&[("ARGOCD_APP_PARAMETERS", json)]));
            assert_eq!(o.unwrap(), SourceOverrides::default());
        }
    }

    #[test]
    fn edits_follow_argocds_commands_in_its_order() {
        let json = r#"[{"name":"namePrefix","string":"test-prefix"},
            {"name":"nameSuffix","string":"test-suffix"},
            {"name":"images","array":["image=override"]},
            {"name":"replicas","array":["guestbook-ui=1337"]},
            {"name":"commonLabels","map":{"test":"label"}},
            {"name":"forceCommonLabels","string":"true"},
            {"name":"labelWithoutSelector","string":"true"},
            {"name":"labelIncludeTemplates","string":"true"},
            {"name":"commonAnnotations","map":{"test":"annotation-$ARGOCD_APP_NAME"}},
            {"name":"commonAnnotationsEnvsubst","string":"true"},
            {"name":"forceCommonAnnotations","string":"true"},
            {"name":"namespace","string":"override-namespace"}]"#;
        let o = SourceOverrides::from_env(&env(&[
            ("ARGOCD_APP_PARAMETERS", json),
            ("ARGOCD_APP_NAME", "test-app"),
        ]))
        .unwrap();
        let lines: Vec<String> = o
            .edit_commands()
            .into_iter()
            .map(|(_, argv)| argv.join(" "))
            .collect();
        // argo-cd's Test_GenerateManifests_Commands, without `kustomize edit`,
        // and with a `--` before the values of every command (ArgoCD puts it
        // only before single values), so no value reads as a flag.
        assert_eq!(
            lines,
            [
                "set nameprefix -- test-prefix",
                "set namesuffix -- test-suffix",
                "set image -- image=override",
                "set replicas -- guestbook-ui=1337",
                "add label --force --without-selector --include-templates -- test:label",
                "add annotation --force -- test:annotation-test-app",
                "set namespace -- override-namespace",
            ]
        );
    }

    /// An app directory holding a kustomization and a component.
    fn app() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let app = tmp.path().join("apps/web");
        std::fs::create_dir_all(app.join("extra")).unwrap();
        std::fs::write(
            app.join("kustomization.yaml"),
            "# the app\nresources:\n- cm.yaml\n",
        )
        .unwrap();
        std::fs::write(
            app.join("cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
        )
        .unwrap();
        std::fs::write(
            app.join("extra/kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
        )
        .unwrap();
        tmp
    }

    #[test]
    fn edits_are_made_in_memory_and_the_checkout_is_untouched() {
        let tmp = app();
        let dir = tmp.path().join("apps/web");
        let before = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
        let o = SourceOverrides {
            name_prefix: Some("p-".into()),
            namespace: Some("ns".into()),
            components: vec!["extra".into(), "missing".into()],
            ignore_missing_components: true,
            patches: vec![json!({"patch": "- op: add\n  path: /data\n  value: {}\n",
                "target": {"kind": "ConfigMap"}})],
            ..Default::default()
        };
        let e = env(&[("ARGOCD_APP_SOURCE_PATH", "apps/web")]);
        let text = o.apply(&dir, &e).unwrap().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap(),
            before
        );
        for want in [
            "namePrefix: p-",
            "namespace: ns",
            "- extra",
            "kind: ConfigMap",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        assert!(!text.contains("missing"), "{text}");
        // Nothing to change: the file is built as it is.
        assert!(
            SourceOverrides::default()
                .apply(&dir, &e)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_components_check_never_leaves_the_repository() {
        let tmp = app();
        let dir = tmp.path().join("apps/web");
        let e = env(&[("ARGOCD_APP_SOURCE_PATH", "apps/web")]);
        let o = SourceOverrides {
            components: vec![
                "../../..".into(),
                "/etc".into(),
                "https://example.com/c".into(),
            ],
            ignore_missing_components: true,
            ..Default::default()
        };
        assert!(o.present_components(&dir, &e).is_empty());
    }

    #[test]
    fn a_bad_override_names_its_parameter() {
        let tmp = app();
        let dir = tmp.path().join("apps/web");
        let o = SourceOverrides::from_env(&env(&[("PARAM_REPLICAS_0", "nest=many")])).unwrap();
        let e = o.apply(&dir, &env(&[])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the Application's 'replicas' override: "),
            "{e}"
        );
        assert!(matches!(
            SourceOverrides::from_env(&env(&[("PARAM_FORCECOMMONLABELS", "yes")])),
            Err(ParamError::Bool { .. })
        ));
    }

    #[test]
    fn the_plugin_command_is_the_ceiling_for_helm() {
        use crate::generate::helm::HelmOptions;
        let cluster = [
            ("KUBE_VERSION", "1.29.3"),
            ("KUBE_API_VERSIONS", "v1, apps/v1,example.com/v1"),
        ];
        let with = |extra: &[(&str, &str)]| {
            let mut pairs = cluster.to_vec();
            pairs.extend_from_slice(extra);
            env(&pairs)
        };
        let json = r#"[{"name":"enableHelm","string":"true"}]"#;
        // The parameter (ArgoCD's JSON, a PARAM_* variable in either
        // spelling) and the first release's ENABLE_HELM plugin env.
        for e in [
            with(&[
                ("ARGOCD_APP_PARAMETERS", json),
                ("PARAM_ENABLEHELM", "true"),
            ]),
            with(&[("PARAM_ENABLEHELM", "true")]),
            with(&[("PARAM_ENABLE_HELM", "true")]),
            with(&[("ARGOCD_ENV_ENABLE_HELM", "true")]),
        ] {
            let o = SourceOverrides::from_env(&e).unwrap();
            assert_eq!(o.enable_helm, Some(true), "{e:?}");
            // Not enabled by the plugin command: refused.
            let mut off = HelmOptions::default();
            assert!(matches!(
                o.apply_helm(&e, &mut off),
                Err(ParamError::HelmNotAllowed)
            ));
            assert!(!off.enabled);
            // Enabled by the command: the cluster's versions fill in.
            let mut on = HelmOptions {
                enabled: true,
                ..Default::default()
            };
            o.apply_helm(&e, &mut on).unwrap();
            assert_eq!(on.kube_version, "1.29.3");
            assert_eq!(on.api_versions, ["v1", "apps/v1", "example.com/v1"]);
        }
        // Flags given on the command line win.
        let e = with(&[]);
        let mut h = HelmOptions {
            enabled: true,
            kube_version: "1.30.0".into(),
            api_versions: vec!["batch/v1".into()],
            ..Default::default()
        };
        SourceOverrides::default().apply_helm(&e, &mut h).unwrap();
        assert_eq!(h.kube_version, "1.30.0");
        assert_eq!(h.api_versions, ["batch/v1"]);
        // A parameter may turn helm off.
        let o = SourceOverrides::from_env(&with(&[("PARAM_ENABLEHELM", "false")])).unwrap();
        let mut h = HelmOptions {
            enabled: true,
            ..Default::default()
        };
        o.apply_helm(&e, &mut h).unwrap();
        assert!(!h.enabled && h.kube_version.is_empty());
        // The plugin env wins over the parameter; bad values name their setting.
        let off = with(&[
            ("ARGOCD_ENV_ENABLE_HELM", "false"),
            ("PARAM_ENABLE_HELM", "true"),
        ]);
        assert_eq!(
            SourceOverrides::from_env(&off).unwrap().enable_helm,
            Some(false)
        );
        assert!(matches!(
            SourceOverrides::from_env(&with(&[("PARAM_ENABLEHELM", "yes")])),
            Err(ParamError::Bool { name, .. }) if name == "enableHelm"
        ));
        assert!(matches!(
            SourceOverrides::from_env(&with(&[("ARGOCD_ENV_ENABLE_HELM", "on")])),
            Err(ParamError::Bool { name, .. }) if name == "ENABLE_HELM"
        ));
    }
}

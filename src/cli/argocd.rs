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
//! running `kustomize edit` on the app's kustomization; nest-kz does not touch
//! the checkout and instead builds a kustomization wrapping the app directory
//! (`resources: [APP]` plus the overrides), which gives the same objects in
//! the cases ArgoCD documents (see argocd/README.md for the differences).
//!
//! `enableHelm` (`"true"`/`"false"`; also the plugin env `ENABLE_HELM`) is
//! ArgoCD's `kustomize.buildOptions: --enable-helm`: it inflates `helmCharts`
//! and is not part of the wrapper. With helm on, the repo-server's
//! `KUBE_VERSION` and `KUBE_API_VERSIONS` (comma separated) become
//! `--helm-kube-version` / `--helm-api-versions` unless those flags were
//! given, as ArgoCD passes them to kustomize.

use crate::json;
use crate::load::kustomization::ImageSpec;
use crate::model::value::{Map, Value};
use crate::transform::images::split_image;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why the plugin's parameters cannot be applied; each names the parameter.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error(
        "images: cannot read image override {0:?} (expected NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME=*:TAG, NAME:TAG or NAME@DIGEST)"
    )]
    Image(String),
    #[error("replicas: cannot read {0:?} (expected NAME=COUNT, COUNT a whole number)")]
    Replica(String),
    #[error("{name}: expected true or false, got {value:?}")]
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
    #[error("unknown parameter {0:?} (see argocd/README.md for the parameters nest-kz reads)")]
    Unknown(String),
    #[error("ARGOCD_APP_PARAMETERS is not a JSON array of parameters: {0}")]
    ParametersJson(String),
    #[error("patches: entry {index}: {message}")]
    Patch { index: usize, message: String },
    #[error(
        "{kind} {key} already in kustomization file (set {force}=true to override it, as ArgoCD's {force} does)"
    )]
    AlreadySet {
        kind: &'static str,
        key: String,
        force: &'static str,
    },
    #[error("{0}")]
    Build(#[from] crate::error::BuildError),
    #[error("cannot write the wrapping kustomization: {0}")]
    Io(#[from] std::io::Error),
}

/// The Application's `spec.source.kustomize` overrides, as plugin parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOverrides {
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub images: Vec<ImageSpec>,
    /// `(name, count)`, kustomize's `replicas:` entries.
    pub replicas: Vec<(String, i64)>,
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
    /// `patches:` entries as written in a kustomization (`path`, `patch`, `target`, `options`).
    pub patches: Vec<Value>,
    /// Keep load order when the app has no sortOptions (`build --reorder none`).
    pub load_order: bool,
    /// `enableHelm`: build with `--enable-helm` (not a wrapper field).
    pub enable_helm: bool,
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

/// ArgoCD's `Env.Envsubst`: `$VAR` and `${VAR}` from the build environment
/// (`ARGOCD_APP_*`, `KUBE_VERSION`, `KUBE_API_VERSIONS`), unknown names empty,
/// `$$` a literal `$`. ArgoCD applies it to images and label values.
pub fn envsubst(text: &str, env: &BTreeMap<String, String>) -> String {
    let lookup = |name: &str| -> String {
        let known = name.starts_with("ARGOCD_APP_")
            || name == "KUBE_VERSION"
            || name == "KUBE_API_VERSIONS";
        if known {
            env.get(name).cloned().unwrap_or_default()
        } else {
            String::new()
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
        let boolean = |name: &str| -> Result<bool, ParamError> {
            match string(name)?.as_deref() {
                None | Some("false") => Ok(false),
                Some("true") => Ok(true),
                Some(other) => Err(ParamError::Bool {
                    name: name.into(),
                    value: other.into(),
                }),
            }
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
        let image_texts = match non_empty("ARGOCD_ENV_IMAGES") {
            Some(v) => vec![v],
            None => list("images").iter().map(|i| envsubst(i, env)).collect(),
        };
        let images = image_texts
            .iter()
            .flat_map(|l| l.split([',', ' ', '\n']))
            .filter(|s| !s.is_empty())
            .map(parse_image_param)
            .collect::<Result<_, _>>()?;
        let replicas = list("replicas")
            .iter()
            .flat_map(|l| l.split([',', ' ', '\n']))
            .filter(|s| !s.is_empty())
            .map(parse_replica_param)
            .collect::<Result<_, _>>()?;
        let annotations_envsubst = boolean("commonAnnotationsEnvsubst")?;
        let common_annotations = map("commonAnnotations")?
            .into_iter()
            .map(|(k, v)| {
                let v = if annotations_envsubst {
                    envsubst(&v, env)
                } else {
                    v
                };
                (k, v)
            })
            .collect();
        let patches = parse_patches(&list("patches"))?;
        Ok(SourceOverrides {
            namespace,
            name_prefix: setting("NAME_PREFIX", "namePrefix")?,
            name_suffix: setting("NAME_SUFFIX", "nameSuffix")?,
            images,
            replicas,
            common_labels: map("commonLabels")?
                .into_iter()
                .map(|(k, v)| (k, envsubst(&v, env)))
                .collect(),
            force_common_labels: boolean("forceCommonLabels")?,
            label_without_selector: boolean("labelWithoutSelector")?,
            label_include_templates: boolean("labelIncludeTemplates")?,
            common_annotations,
            force_common_annotations: boolean("forceCommonAnnotations")?,
            components: list("components")
                .into_iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            ignore_missing_components: boolean("ignoreMissingComponents")?,
            patches,
            load_order: false,
            enable_helm: match non_empty("ARGOCD_ENV_ENABLE_HELM") {
                // The plugin env of the first helm release; it wins as the other env settings do.
                Some(v) => match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ParamError::Bool {
                            name: "ENABLE_HELM".into(),
                            value: v,
                        });
                    }
                },
                None => boolean("enableHelm")?,
            },
        })
    }

    /// The helm options of an ArgoCD build: `enableHelm` turns helm on and,
    /// with helm on (by the parameter or `--enable-helm` in the plugin's
    /// command), the repo-server's `KUBE_VERSION` and `KUBE_API_VERSIONS`
    /// (comma separated) fill in the kube version and API versions the
    /// command line left unset, as ArgoCD passes them to kustomize.
    pub fn apply_helm(
        &self,
        env: &BTreeMap<String, String>,
        options: &mut crate::generate::helm::HelmOptions,
    ) {
        if self.enable_helm {
            options.enabled = true;
        }
        if !options.enabled {
            return;
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
    }

    /// True when no override is set: the app directory is built as it is.
    pub fn is_empty(&self) -> bool {
        *self
            == SourceOverrides {
                force_common_labels: self.force_common_labels,
                label_without_selector: self.label_without_selector,
                label_include_templates: self.label_include_templates,
                force_common_annotations: self.force_common_annotations,
                ignore_missing_components: self.ignore_missing_components,
                enable_helm: self.enable_helm,
                ..Default::default()
            }
    }

    /// The kustomization that wraps `app_dir` with these overrides. Paths in
    /// it are absolute, so it builds from any directory; `path:` patches are
    /// read (under `restriction`, relative to the app) and inlined.
    pub fn wrapper(
        &self,
        app_dir: &Path,
        restriction: crate::load::loader::LoadRestriction,
    ) -> Result<Value, ParamError> {
        let loader = crate::load::loader::Loader::new(app_dir, restriction)?;
        let app = loader.dir.clone();
        let root = read_root(&loader)?;
        let mut k = Map::new();
        k.insert(
            "apiVersion".into(),
            json!("kustomize.config.k8s.io/v1beta1"),
        );
        k.insert("kind".into(), json!("Kustomization"));
        k.insert("resources".into(), json!([app.to_string_lossy()]));
        // Only the top kustomization's sortOptions and buildMetadata count;
        // the wrapper is now the top, so it carries the app's.
        for field in ["sortOptions", "buildMetadata"] {
            if let Some(v) = root.get(field) {
                k.insert(field.into(), v.clone());
            }
        }
        if self.load_order && !k.contains_key("sortOptions") {
            k.insert("sortOptions".into(), json!({"order": "fifo"}));
        }
        if let Some(ns) = &self.namespace {
            k.insert("namespace".into(), json!(ns));
        }
        if let Some(p) = &self.name_prefix {
            k.insert("namePrefix".into(), json!(p));
        }
        if let Some(s) = &self.name_suffix {
            k.insert("nameSuffix".into(), json!(s));
        }
        if !self.common_labels.is_empty() {
            // As `kustomize edit add label`: a key the app already sets is an
            // error unless forced.
            let existing = if self.label_without_selector {
                Vec::new()
            } else {
                keys_of(&root["commonLabels"])
            };
            check_not_set(
                &self.common_labels,
                &existing,
                self.force_common_labels,
                "label",
                "forceCommonLabels",
            )?;
            if self.label_without_selector {
                k.insert(
                    "labels".into(),
                    json!([{
                        "pairs": self.common_labels,
                        "includeSelectors": false,
                        "includeTemplates": self.label_include_templates,
                    }]),
                );
            } else {
                k.insert("commonLabels".into(), json!(self.common_labels));
            }
        }
        if !self.common_annotations.is_empty() {
            check_not_set(
                &self.common_annotations,
                &keys_of(&root["commonAnnotations"]),
                self.force_common_annotations,
                "annotation",
                "forceCommonAnnotations",
            )?;
            k.insert("commonAnnotations".into(), json!(self.common_annotations));
        }
        if !self.images.is_empty() {
            // `kustomize edit set image` keeps one entry per name, the last given.
            let mut by_name: IndexMap<&str, &ImageSpec> = IndexMap::new();
            for i in &self.images {
                by_name.shift_remove(i.name.as_str());
                by_name.insert(&i.name, i);
            }
            let images: Vec<Value> = by_name
                .values()
                .map(|i| image_entry(i, &root["images"]))
                .collect();
            k.insert("images".into(), Value::Array(images));
        }
        if !self.replicas.is_empty() {
            // As `kustomize edit set replicas`: one entry per name, the last given.
            let by_name: IndexMap<&str, i64> = self
                .replicas
                .iter()
                .map(|(name, count)| (name.as_str(), *count))
                .collect();
            let replicas: Vec<Value> = by_name
                .iter()
                .map(|(name, count)| json!({"name": name, "count": count}))
                .collect();
            k.insert("replicas".into(), Value::Array(replicas));
        }
        let components: Vec<Value> = self
            .components
            .iter()
            .map(|c| app.join(c))
            .filter(|c| !self.ignore_missing_components || c.exists())
            .map(|c| json!(c.to_string_lossy()))
            .collect();
        if !components.is_empty() {
            k.insert("components".into(), Value::Array(components));
        }
        if !self.patches.is_empty() {
            let patches = self
                .patches
                .iter()
                .enumerate()
                .map(|(index, p)| inline_patch(index, p, &loader))
                .collect::<Result<Vec<_>, _>>()?;
            k.insert("patches".into(), Value::Array(patches));
        }
        Ok(Value::Object(k))
    }

    /// Writes the wrapping kustomization into a new temporary directory, to
    /// be built instead of `app_dir`.
    pub fn write_wrapper(
        &self,
        app_dir: &Path,
        restriction: crate::load::loader::LoadRestriction,
    ) -> Result<tempfile::TempDir, ParamError> {
        let mut wrapper = self.wrapper(app_dir, restriction)?;
        let dir = tempfile::Builder::new()
            .prefix("nest-kz-argocd-")
            .tempdir()?;
        // Absolute roots are refused (as kustomize refuses them), so the
        // wrapper names the app relative to where it is written.
        let from = dir.path().canonicalize()?;
        for field in ["resources", "components"] {
            let Some(Value::Array(entries)) = wrapper.get_mut(field) else {
                continue;
            };
            for entry in entries.iter_mut() {
                if let Some(path) = entry.as_str().map(Path::new).filter(|p| p.is_absolute()) {
                    *entry = json!(crate::build::relative_path(&from, path));
                }
            }
        }
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            crate::yaml::emit_document(&wrapper),
        )?;
        Ok(dir)
    }
}

/// The app's kustomization as plain data (only read for a few fields),
/// read under the file-access policy like every kustomization file.
fn read_root(loader: &crate::load::loader::Loader) -> Result<Value, ParamError> {
    let (file, text) = loader.read_kustomization()?;
    let docs = crate::yaml::parse_config_documents(&text)
        .map_err(|e| crate::error::BuildError::yaml(file, e))?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(json!({})))
}

fn keys_of(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().map(|k| k.to_string()).collect())
        .unwrap_or_default()
}

fn check_not_set(
    wanted: &IndexMap<String, String>,
    existing: &[String],
    force: bool,
    kind: &'static str,
    force_name: &'static str,
) -> Result<(), ParamError> {
    match wanted.keys().find(|k| existing.contains(k)) {
        Some(key) if !force => Err(ParamError::AlreadySet {
            kind,
            key: key.clone(),
            force: force_name,
        }),
        _ => Ok(()),
    }
}

/// A wrapper `images:` entry. ArgoCD's `kustomize edit set image` replaces
/// the app's own entry for the same name; the wrapper sees images after the
/// app renamed them, so an override of a name the app renames is keyed on
/// the app's new name (and, without a new name of its own, restores the
/// original name as the replaced entry would).
fn image_entry(i: &ImageSpec, root_images: &Value) -> Value {
    let renamed_by_app = root_images.as_array().and_then(|list| {
        list.iter()
            .find(|e| e["name"].as_str() == Some(i.name.as_str()))
            .and_then(|e| e["newName"].as_str())
            .filter(|n| !n.is_empty())
    });
    let mut e = Map::new();
    match renamed_by_app {
        Some(app_name) => {
            e.insert("name".into(), json!(app_name));
            match i.new_name.as_deref() {
                // `*` keeps the app's new name.
                Some(_) if i.new_name.as_deref() == Some(PRESERVE) => {}
                Some(n) => {
                    e.insert("newName".into(), json!(n));
                }
                None => {
                    e.insert("newName".into(), json!(i.name));
                }
            }
        }
        None => {
            e.insert("name".into(), json!(i.name));
            if let Some(n) = i.new_name.as_deref().filter(|n| *n != PRESERVE) {
                e.insert("newName".into(), json!(n));
            }
        }
    }
    if let Some(t) = i.new_tag.as_deref().filter(|t| *t != PRESERVE) {
        e.insert("newTag".into(), json!(t));
    }
    if let Some(d) = i.digest.as_deref().filter(|d| *d != PRESERVE) {
        e.insert("digest".into(), json!(d));
    }
    Value::Object(e)
}

/// `kustomize edit set image`'s "keep what the kustomization has" marker.
const PRESERVE: &str = "*";

/// Turns a `path:` patch into an inline one, read as the app would read it.
fn inline_patch(
    index: usize,
    patch: &Value,
    loader: &crate::load::loader::Loader,
) -> Result<Value, ParamError> {
    let mut p = patch
        .as_object()
        .cloned()
        .ok_or_else(|| ParamError::Patch {
            index,
            message: "expected a mapping with path or patch, and optional target and options"
                .into(),
        })?;
    if let Some(path) = p.shift_remove("path") {
        let path = path.as_str().ok_or_else(|| ParamError::Patch {
            index,
            message: "path must be a string".into(),
        })?;
        let (_, text) = loader.read_text(path)?;
        p.insert("patch".into(), json!(text));
    }
    if !p.contains_key("patch") {
        return Err(ParamError::Patch {
            index,
            message: "needs path or patch".into(),
        });
    }
    Ok(Value::Object(p))
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

/// `kustomize edit set replicas` syntax: `NAME=COUNT`.
pub fn parse_replica_param(text: &str) -> Result<(String, i64), ParamError> {
    let bad = || ParamError::Replica(text.to_string());
    let (name, count) = text.split_once('=').ok_or_else(bad)?;
    if name.is_empty() || count.contains('=') {
        return Err(bad());
    }
    let count = count.trim().parse::<i64>().map_err(|_| bad())?;
    Ok((name.to_string(), count))
}

/// `kustomize edit set image` syntax: `name=newName:tag`, `name=newName@digest`,
/// `name=newName`, `name=*:tag` (keep the name), `name:tag`, `name@digest`.
/// A `*` for the new name, tag or digest keeps what the app sets.
pub fn parse_image_param(text: &str) -> Result<ImageSpec, ParamError> {
    let bad = || ParamError::Image(text.to_string());
    let (key, value) = match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !value.is_empty() => (Some(key), value),
        Some(_) => return Err(bad()),
        None => (None, text),
    };
    let (name, tag, digest) = split_image(value);
    // As kustomize: a bare name says nothing to change.
    if name == text || name.is_empty() {
        return Err(bad());
    }
    let (name, new_name) = match key {
        Some(key) => (key.to_string(), Some(name)),
        None => (name, None),
    };
    Ok(ImageSpec {
        name,
        new_name,
        new_tag: non_empty(tag),
        digest: non_empty(digest),
        ..Default::default()
    })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The app directory to build: `dir` itself, or a wrapper holding the
/// overrides (kept alive by the returned guard).
pub fn build_dir(
    dir: &Path,
    overrides: &SourceOverrides,
    restriction: crate::load::loader::LoadRestriction,
) -> Result<(PathBuf, Option<tempfile::TempDir>), ParamError> {
    if overrides.is_empty() {
        return Ok((dir.to_path_buf(), None));
    }
    let wrapper = overrides.write_wrapper(dir, restriction)?;
    Ok((wrapper.path().to_path_buf(), Some(wrapper)))
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

    fn image(text: &str) -> (String, Option<String>, Option<String>, Option<String>) {
        let i = parse_image_param(text).unwrap();
        (i.name, i.new_name, i.new_tag, i.digest)
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn reads_every_kustomize_edit_set_image_form() {
        assert_eq!(
            image("penguintech/nest=registry.local:5000/nest:v2"),
            (
                "penguintech/nest".into(),
                s("registry.local:5000/nest"),
                s("v2"),
                None
            )
        );
        assert_eq!(image("nginx:1.25"), ("nginx".into(), None, s("1.25"), None));
        assert_eq!(
            image("nginx@sha256:abc"),
            ("nginx".into(), None, None, s("sha256:abc"))
        );
        assert_eq!(
            image("nginx=mirror/nginx@sha256:abc"),
            ("nginx".into(), s("mirror/nginx"), None, s("sha256:abc"))
        );
        assert_eq!(
            image("nginx=mirror/nginx"),
            ("nginx".into(), s("mirror/nginx"), None, None)
        );
        assert_eq!(image("nginx=*:v2"), ("nginx".into(), s("*"), s("v2"), None));
        assert_eq!(
            image("nginx=*@sha256:abc"),
            ("nginx".into(), s("*"), None, s("sha256:abc"))
        );
        assert_eq!(image("*:v2"), ("*".into(), None, s("v2"), None));
        assert!(parse_image_param("justaname").is_err());
        assert!(parse_image_param("=oops").is_err());
        assert!(parse_image_param("a=").is_err());
    }

    #[test]
    fn keep_the_name_form_leaves_the_name_out_of_the_wrapper() {
        let entry = image_entry(&parse_image_param("nginx=*:v2").unwrap(), &Value::Null);
        assert_eq!(entry, json!({"name": "nginx", "newTag": "v2"}));
        // The app renames nginx: the override follows the new name.
        let root = json!([{"name": "nginx", "newName": "mirror/nginx", "newTag": "1"}]);
        let keep = image_entry(&parse_image_param("nginx=*:v2").unwrap(), &root);
        assert_eq!(keep, json!({"name": "mirror/nginx", "newTag": "v2"}));
        let replace = image_entry(&parse_image_param("nginx:v2").unwrap(), &root);
        assert_eq!(
            replace,
            json!({"name": "mirror/nginx", "newName": "nginx", "newTag": "v2"})
        );
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
        assert_eq!(o.replicas, vec![("nest".to_string(), 4)]);
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
    fn no_parameters_arrive_as_json_null() {
        let o = SourceOverrides::from_env(&env(&[("ARGOCD_APP_PARAMETERS", "null")]));
        assert!(o.unwrap().is_empty());
        let o = SourceOverrides::from_env(&env(&[("ARGOCD_APP_PARAMETERS", "[]")]));
        assert!(o.unwrap().is_empty());
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
    fn helm_settings_come_from_the_repo_server() {
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
            assert!(o.enable_helm, "{e:?}");
            assert!(o.is_empty(), "enableHelm alone needs no wrapper");
            let mut h = HelmOptions::default();
            o.apply_helm(&e, &mut h);
            assert!(h.enabled);
            assert_eq!(h.kube_version, "1.29.3");
            assert_eq!(h.api_versions, ["v1", "apps/v1", "example.com/v1"]);
        }
        let e = with(&[("PARAM_ENABLE_HELM", "true")]);
        let o = SourceOverrides::from_env(&e).unwrap();
        // Flags given on the command line win.
        let mut h = HelmOptions {
            kube_version: "1.30.0".into(),
            api_versions: vec!["batch/v1".into()],
            ..Default::default()
        };
        o.apply_helm(&e, &mut h);
        assert_eq!(h.kube_version, "1.30.0");
        assert_eq!(h.api_versions, ["batch/v1"]);
        // --enable-helm in the plugin's command: the cluster's versions too.
        let plain = SourceOverrides::default();
        let mut h = HelmOptions {
            enabled: true,
            ..Default::default()
        };
        plain.apply_helm(&e, &mut h);
        assert_eq!(h.kube_version, "1.29.3");
        // Helm off: nothing changes.
        let mut h = HelmOptions::default();
        plain.apply_helm(&e, &mut h);
        assert!(!h.enabled);
        assert!(h.kube_version.is_empty() && h.api_versions.is_empty());
        // The plugin env wins over the parameter; bad values name their setting.
        let off = with(&[
            ("ARGOCD_ENV_ENABLE_HELM", "false"),
            ("PARAM_ENABLE_HELM", "true"),
        ]);
        assert!(!SourceOverrides::from_env(&off).unwrap().enable_helm);
        assert!(matches!(
            SourceOverrides::from_env(&with(&[("PARAM_ENABLEHELM", "yes")])),
            Err(ParamError::Bool { name, .. }) if name == "enableHelm"
        ));
        assert!(matches!(
            SourceOverrides::from_env(&with(&[("ARGOCD_ENV_ENABLE_HELM", "on")])),
            Err(ParamError::Bool { name, .. }) if name == "ENABLE_HELM"
        ));
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
    fn bad_values_name_their_parameter() {
        assert!(matches!(
            SourceOverrides::from_env(&env(&[("PARAM_REPLICAS_0", "nest=many")])),
            Err(ParamError::Replica(text)) if text == "nest=many"
        ));
        assert!(matches!(
            SourceOverrides::from_env(&env(&[("PARAM_FORCECOMMONLABELS", "yes")])),
            Err(ParamError::Bool { .. })
        ));
        assert!(SourceOverrides::from_env(&env(&[])).unwrap().is_empty());
    }
}

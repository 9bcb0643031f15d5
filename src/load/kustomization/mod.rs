//! The `kustomization.yaml` file: its fields (kustomize v5 schema) and loading.

use crate::error::{BuildError, Result};
pub mod helm;

use crate::load::go_json::{self, Unknown};
use crate::model::value::Value;
use helm::{HelmChart, HelmChartArgs, HelmGlobals};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kustomization {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<Value>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub bases: Vec<String>,
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    #[serde(default)]
    pub common_labels: IndexMap<String, String>,
    #[serde(default)]
    pub labels: Vec<LabelSpec>,
    #[serde(default)]
    pub common_annotations: IndexMap<String, String>,
    #[serde(default)]
    pub images: Vec<ImageSpec>,
    /// Deprecated spelling of `images`; appended to it, as kustomize does.
    #[serde(default)]
    pub image_tags: Vec<ImageSpec>,
    #[serde(default)]
    pub replicas: Vec<ReplicaSpec>,
    #[serde(default)]
    pub patches: Vec<PatchSpec>,
    #[serde(default)]
    pub patches_strategic_merge: Vec<String>,
    #[serde(default, rename = "patchesJson6902")]
    pub patches_json6902: Vec<PatchSpec>,
    #[serde(default)]
    pub config_map_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub secret_generator: Vec<GeneratorArgs>,
    pub generator_options: Option<GeneratorOptions>,
    #[serde(default)]
    pub replacements: Vec<ReplacementEntry>,
    pub sort_options: Option<SortOptions>,
    #[serde(default)]
    pub build_metadata: Vec<String>,
    /// Charts inflated by `helm template` (only with --enable-helm).
    #[serde(default)]
    pub helm_charts: Vec<HelmChart>,
    pub helm_globals: Option<HelmGlobals>,
    /// The deprecated form of helmCharts; kustomize converts it.
    #[serde(default)]
    pub helm_chart_inflation_generator: Vec<HelmChartArgs>,
    #[serde(default)]
    pub generators: Vec<String>,
    #[serde(default)]
    pub transformers: Vec<String>,
    #[serde(default)]
    pub validators: Vec<String>,
    #[serde(default)]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub crds: Vec<String>,
    #[serde(default)]
    pub configurations: Vec<String>,
    pub openapi: Option<OpenApiSpec>,
    /// kustomize's warnings for the deprecated fields this file uses, in
    /// its order (printed when the kustomization is loaded).
    #[serde(skip)]
    pub deprecation_warnings: Vec<&'static str>,
}

/// kustomize's `CheckDeprecatedFields`: a field that is there at all
/// (even empty; null is not there) earns its warning. The same texts in
/// every release from v5.4 to v5.8.
fn deprecation_warnings(value: &Value) -> Vec<&'static str> {
    const WARNINGS: [(&str, &str); 6] = [
        (
            "bases",
            "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
        (
            "commonLabels",
            "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
        (
            "imageTags",
            "# Warning: 'imageTags' is deprecated. Please use 'images' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
        (
            "patchesJson6902",
            "# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
        (
            "patchesStrategicMerge",
            "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
        (
            "vars",
            "# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.",
        ),
    ];
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    WARNINGS
        .iter()
        .filter(|(field, _)| map.get(field).is_some_and(|v| !v.is_null()))
        .map(|(_, warning)| *warning)
        .collect()
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSpec {
    #[serde(default)]
    pub pairs: IndexMap<String, String>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
    /// v5.8 and later (`release::v5_8`); `Some(None)` when written null.
    #[serde(default, deserialize_with = "written")]
    pub include_volume_claim_templates: Option<Option<bool>>,
    #[serde(default)]
    pub fields: Vec<crate::model::fieldspec::FieldSpecConfig>,
}

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageSpec {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSpec {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchSpec {
    pub path: Option<String>,
    pub patch: Option<String>,
    pub target: Option<Selector>,
    #[serde(default)]
    pub options: IndexMap<String, bool>,
}

pub use crate::model::selector::Selector;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorArgs {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub behavior: Option<String>,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    pub env: Option<String>,
    pub options: Option<GeneratorOptions>,
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorOptions {
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    pub disable_name_suffix_hash: Option<bool>,
    pub immutable: Option<bool>,
}

/// `openapi:` — a schema file replacing the builtin one (`version` picks a
/// builtin Kubernetes version in kustomize; nest-kz has one and refuses it).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenApiSpec {
    pub path: Option<String>,
    pub version: Option<String>,
}

/// A field a release may not know, kept as written: `Some(None)` for an
/// explicit null. An older release rejects the key whatever its value, as
/// Go's strict decoding does, so null is not the same as absent here.
pub(crate) fn written<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplacementEntry {
    pub path: Option<String>,
    pub source: Option<Value>,
    /// v5.7 and later (`release::v5_7`): a plain text as the source;
    /// `Some(None)` when written null.
    #[serde(default, deserialize_with = "written")]
    pub source_value: Option<Option<String>>,
    pub targets: Option<Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortOptions {
    pub order: Option<String>,
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacySortOptions {
    #[serde(default)]
    pub order_first: Vec<String>,
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// Finds the one kustomization file in `dir`; more than one is an error, as in kustomize.
pub fn find_file(dir: &Path) -> Result<PathBuf> {
    find_file_with(dir, |p| p.is_file())
}

/// `find_file` during a build, which asks the file system once
/// (`load::memo`).
pub fn find_file_in_build(dir: &Path) -> Result<PathBuf> {
    find_file_with(dir, crate::load::memo::is_file)
}

fn find_file_with(dir: &Path, is_file: impl Fn(&Path) -> bool) -> Result<PathBuf> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| is_file(p))
        .collect();
    match found.len() {
        0 => Err(BuildError::invalid(
            dir,
            format!(
                "unable to find one of {} in directory",
                FILE_NAMES.map(|n| format!("'{n}'")).join(", ")
            ),
        )),
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        _ => Err(BuildError::invalid(
            dir,
            "found multiple kustomization files",
        )),
    }
}

/// Parses a kustomization file, rejecting unknown fields with the file's name.
pub fn parse(path: &Path, text: &str) -> Result<Kustomization> {
    let mut docs =
        crate::yaml::parse_config_documents(text).map_err(|e| BuildError::yaml(path, e))?;
    let (value, lines) = match docs.len() {
        0 => (Value::Object(Default::default()), None),
        1 => {
            let d = docs.remove(0);
            (d.value, Some(d.lines))
        }
        _ => {
            return Err(BuildError::invalid(
                path,
                "a kustomization file must hold a single YAML document",
            ));
        }
    };
    if !value.is_object() {
        return Err(BuildError::invalid(
            path,
            "a kustomization file must be a YAML mapping",
        ));
    }
    let value = go_null_semantics(value);
    let warnings = deprecation_warnings(&value);
    // kustomize refuses a file with nothing but apiVersion/kind (or nothing at all).
    if value
        .as_object()
        .is_some_and(|m| m.keys().all(|k| k == "apiVersion" || k == "kind"))
    {
        return Err(BuildError::invalid(path, "kustomization file is empty"));
    }
    let k: Kustomization = go_json::decode(value, Unknown::Deny).map_err(|e| {
        let message = crate::error::schema_error(&e);
        // serde names the offending field in backquotes; find its line.
        let line = message
            .split('`')
            .nth(1)
            .and_then(|field| lines.as_ref().and_then(|l| l.get(field)).map(|t| t.line()));
        let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
        BuildError::invalid(path, format!("{at}invalid kustomization: {message}"))
    })?;
    let mut k = k;
    k.deprecation_warnings = warnings;
    let tags = std::mem::take(&mut k.image_tags);
    k.images.extend(tags);
    k.check_supported(path)?;
    k.check_release_fields(path)?;
    Ok(k)
}

impl Kustomization {
    /// Fields a later release added are unknown fields to the releases
    /// before it, as kustomize's strict decoding reports them.
    fn check_release_fields(&self, path: &Path) -> Result<()> {
        let release = crate::release::current();
        let unknown = |field: &str| {
            Err(BuildError::invalid(
                path,
                format!("invalid kustomization: unknown field `{field}`"),
            ))
        };
        if !release.has_source_value() && self.replacements.iter().any(|r| r.source_value.is_some())
        {
            return unknown("sourceValue");
        }
        if !release.has_helm_devel() && self.helm_charts.iter().any(|c| c.devel.is_some()) {
            return unknown("devel");
        }
        if !release.volume_claim_template_labels_apart()
            && self
                .labels
                .iter()
                .any(|l| l.include_volume_claim_templates.is_some())
        {
            return unknown("includeVolumeClaimTemplates");
        }
        if release.typed_patch_options() {
            for p in self.patches.iter().chain(&self.patches_json6902) {
                if let Some(key) = p.options.keys().find(|k| PatchOptions::field(k).is_none()) {
                    return unknown(key);
                }
            }
        }
        Ok(())
    }
}

/// `patches[].options`: which changes a strategic-merge patch may make.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PatchOptions {
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
}

impl PatchOptions {
    /// The options a patch entry sets. Before v5.8 they are a map looked up
    /// by exact key (others ignored); from v5.8 a struct whose fields Go
    /// matches without regard to case (others refused at load).
    pub fn of(spec: &PatchSpec) -> PatchOptions {
        let typed = crate::release::current().typed_patch_options();
        let mut options = PatchOptions::default();
        // As a struct, its keys reach Go's decoder in byte order: of two
        // keys naming one field, the one sorting last wins.
        let mut entries: Vec<(&String, &bool)> = spec.options.iter().collect();
        if typed {
            entries.sort_by(|a, b| a.0.cmp(b.0));
        }
        for (key, on) in entries {
            let field = match typed {
                true => PatchOptions::field(key),
                false => [("allowNameChange", 0), ("allowKindChange", 1)]
                    .iter()
                    .find(|(name, _)| name == key)
                    .map(|(_, i)| *i),
            };
            match field {
                Some(0) => options.allow_name_change = *on,
                Some(1) => options.allow_kind_change = *on,
                _ => {}
            }
        }
        options
    }

    /// Which of the two fields `key` names, as Go's JSON decoder matches.
    fn field(key: &str) -> Option<usize> {
        ["allowNameChange", "allowKindChange"]
            .iter()
            .position(|name| name.eq_ignore_ascii_case(key))
    }
}

/// Go's `json.Unmarshal` leaves a field at its zero value when it is null:
/// null struct fields are dropped (serde then uses the default), and null
/// values in string maps (labels, annotations) become "". Fields only some
/// releases know stay, null, so that a release without them still rejects
/// the key (see [`written`]).
fn go_null_semantics(value: Value) -> Value {
    const RELEASE_FIELDS: &[&str] = &["sourceValue", "devel", "includeVolumeClaimTemplates"];
    const STRING_MAPS: &[&str] = &[
        "commonLabels",
        "commonAnnotations",
        "pairs",
        "labels",
        "annotations",
    ];
    fn walk(value: Value, in_string_map: bool) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter_map(|(k, v)| match v {
                        Value::Null if in_string_map => {
                            Some((k, Value::String(Default::default())))
                        }
                        Value::Null if RELEASE_FIELDS.contains(&k.as_str()) => {
                            Some((k, Value::Null))
                        }
                        Value::Null => None,
                        other => {
                            let string_map = STRING_MAPS.contains(&k.as_str()) && other.is_object();
                            Some((k, walk(other, string_map)))
                        }
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| walk(v, false)).collect())
            }
            other => other,
        }
    }
    walk(value, false)
}

impl Kustomization {
    fn check_supported(&self, path: &Path) -> Result<()> {
        // kustomize's checks: the kind, then the apiVersion that goes with it.
        let (kind, api_version) = match self.kind.as_deref() {
            None | Some("") | Some("Kustomization") => {
                ("Kustomization", "kustomize.config.k8s.io/v1beta1")
            }
            Some("Component") => ("Component", "kustomize.config.k8s.io/v1alpha1"),
            Some(_) => {
                return Err(BuildError::invalid(
                    path,
                    "kind should be Kustomization or Component",
                ));
            }
        };
        match self.api_version.as_deref() {
            None | Some("") => Ok(()),
            Some(v) if v == api_version => Ok(()),
            Some(_) => Err(BuildError::invalid(
                path,
                format!("apiVersion for {kind} should be {api_version}"),
            )),
        }
    }

    /// The charts to inflate, in order, and their globals: helmCharts, then
    /// the deprecated helmChartInflationGenerator entries, whose chartHome
    /// and helmHome count only when helmGlobals is absent (kustomize's fix-up).
    pub fn helm(&self) -> (Vec<HelmChart>, HelmGlobals) {
        let (legacy, legacy_globals) = helm::split_legacy(&self.helm_chart_inflation_generator);
        let globals = self.helm_globals.clone().unwrap_or(legacy_globals);
        let mut charts = self.helm_charts.clone();
        charts.extend(legacy);
        (charts, globals)
    }

    pub fn is_component(&self) -> bool {
        self.kind.as_deref() == Some("Component")
    }
}

/// One `vars:` entry (deprecated; kustomize's `types.Var`): a name, the
/// object it reads and the field.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Var {
    pub name: String,
    pub objref: ObjectRef,
    #[serde(default)]
    pub fieldref: FieldRef,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub api_version: Option<String>,
    pub group: Option<String>,
    pub version: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldRef {
    pub fieldpath: Option<String>,
}

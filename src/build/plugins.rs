//! `generators:`, `transformers:` and `validators:` entries: configs of
//! kustomize's builtin plugins (`apiVersion: builtin`), run here, and of
//! external ones (exec plugins and KRM functions), run by `plugin` when
//! `--enable-alpha-plugins` allows. They run after the kustomization's own
//! generators / transformers, in the order listed (inline entries first).

use crate::error::{BuildError, Result};
use crate::generate::configmap_secret::{self, GeneratedKind};
use crate::generate::helm;
use crate::load::go_json::{self, Unknown};
use crate::load::kustomization::{
    GeneratorArgs, ImageSpec, PatchSpec, ReplacementEntry, ReplicaSpec, Selector,
};
use crate::load::loader::Loader;
use crate::model::fieldspec::{FieldSpec, FieldSpecConfig};
use crate::model::resmap::ResMap;
use crate::model::value::Value;
use crate::patch;
use crate::refs::replacements;
use crate::transform::prefix_suffix::Affix;
use crate::transform::{images, namespace, prefix_suffix, replicas};
use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Plugin config objects, each with the file it came from.
pub type Configs = Vec<(PathBuf, Value)>;

/// One plugin configuration object and the file it came from.
pub struct PluginConfig {
    pub origin: PathBuf,
    pub value: Value,
}

/// Loads the entries of `generators:` or `transformers:`. As in kustomize,
/// inline YAML entries come first, then files and kustomization directories
/// in order (a directory is accumulated, by `load_dir`, and its objects are
/// the configs); two configs of the same kind and name are a duplicate-id
/// error.
pub fn load(
    entries: &[String],
    loader: &Loader,
    kfile: &Path,
    load_dir: &mut dyn FnMut(&Path) -> Result<Configs>,
) -> Result<Vec<PluginConfig>> {
    let is_inline = |e: &&String| patch::is_inline_yaml(e);
    let ordered = entries
        .iter()
        .filter(is_inline)
        .chain(entries.iter().filter(|e| !is_inline(e)));
    let mut out: Vec<PluginConfig> = Vec::new();
    for entry in ordered {
        // Each config with the file it came from (a directory's configs
        // name their own files, as kustomize's origins do).
        let configs: Configs = if patch::is_inline_yaml(entry) {
            let values = parse_configs(kfile, entry)?;
            values
                .into_iter()
                .map(|v| (kfile.to_path_buf(), v))
                .collect()
        } else {
            let path = loader.resolve(entry)?;
            if path.is_dir() {
                load_dir(&path)?
            } else {
                let (origin, text) = loader.read_text(entry)?;
                let values = parse_configs(&origin, &text)?;
                values.into_iter().map(|v| (origin.clone(), v)).collect()
            }
        };
        for (origin, value) in configs {
            let id = |v: &Value| (v["kind"].clone(), v["metadata"]["name"].clone());
            if out.iter().any(|p| id(&p.value) == id(&value)) {
                return Err(BuildError::invalid(
                    &origin,
                    format!(
                        "may not add resource with an already registered id: plugin {}/{}",
                        value["kind"], value["metadata"]["name"]
                    ),
                ));
            }
            out.push(PluginConfig {
                origin: origin.clone(),
                value,
            });
        }
    }
    Ok(out)
}

/// The plugin config objects of one file or inline entry.
fn parse_configs(origin: &Path, text: &str) -> Result<Vec<Value>> {
    let docs = crate::yaml::parse_documents(text).map_err(|e| BuildError::yaml(origin, e))?;
    Ok(docs.into_iter().map(|d| d.value).collect())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(default)]
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LabelsConfig {
    #[serde(default, alias = "annotations")]
    labels: IndexMap<String, String>,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AffixConfig {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    suffix: String,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceConfig {
    #[serde(default)]
    metadata: Meta,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
    #[serde(default)]
    unset_only: bool,
    #[serde(default)]
    set_role_binding_subjects: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageConfig {
    image_tag: ImageSpec,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplicaConfig {
    replica: ReplicaSpec,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchConfig {
    path: Option<String>,
    patch: Option<String>,
    target: Option<Selector>,
    #[serde(default)]
    options: IndexMap<String, bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Json6902Config {
    target: Selector,
    path: Option<String>,
    json_op: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StrategicMergeConfig {
    #[serde(default)]
    paths: Vec<String>,
    patches: Option<String>,
}

#[derive(Deserialize)]
struct ReplacementsConfig {
    #[serde(default)]
    replacements: Vec<ReplacementEntry>,
    /// Inline replacements under the key `omitempty`, which kustomize read
    /// before v5.7 (`release::v5_7`).
    #[serde(default)]
    omitempty: Vec<ReplacementEntry>,
}

fn parse<T: DeserializeOwned>(config: &PluginConfig, kind: &str) -> Result<T> {
    // Plugin configs are read as kustomize reads them: unknown fields ignored.
    go_json::decode(config.value.clone(), Unknown::Ignore).map_err(|e| {
        BuildError::invalid(
            &config.origin,
            format!("invalid {kind} config: {}", crate::error::schema_error(&e)),
        )
    })
}

fn specs(configs: &[FieldSpecConfig]) -> Vec<FieldSpec> {
    configs.iter().map(FieldSpec::from).collect()
}

fn builtin_kind(config: &PluginConfig) -> Result<&str> {
    let api_version = config.value["apiVersion"].as_str().unwrap_or_default();
    let kind = config.value["kind"].as_str().unwrap_or_default();
    if api_version != "builtin" {
        return Err(BuildError::invalid(
            &config.origin,
            format!(
                "plugin {api_version}/{kind}: only builtin plugins (apiVersion: builtin) are supported by nest-kz"
            ),
        ));
    }
    Ok(kind)
}

/// Whether a config names a builtin plugin (kustomize: group "" and
/// version "builtin").
pub fn is_builtin(config: &PluginConfig) -> bool {
    config.value["apiVersion"].as_str() == Some("builtin")
}

/// An external plugin of `config`, listed by the kustomization `loader`
/// reads.
fn external<'a>(
    config: &'a PluginConfig,
    loader: &'a Loader,
    options: &'a crate::plugin::PluginOptions,
) -> crate::plugin::Plugin<'a> {
    crate::plugin::Plugin {
        config: &config.value,
        loader,
        options,
    }
}

/// A plugin's output read as a resource file named after its config.
fn reader(
    config: &PluginConfig,
    track: bool,
) -> impl Fn(&str) -> std::result::Result<Vec<crate::model::resource::Resource>, String> + '_ {
    move |text| {
        crate::build::load_resources_from_text(text, &config.origin, track)
            .map_err(|e| e.to_string())
    }
}

fn plugin_error(config: &PluginConfig, e: crate::plugin::PluginError) -> BuildError {
    BuildError::invalid(&config.origin, e.to_string())
}

/// Runs one external generator: its objects are absorbed as a builtin
/// generator's are (created, or merged into or replacing the object with
/// their id, as each asks).
pub fn generate_external(
    resmap: &mut ResMap,
    config: &PluginConfig,
    loader: &Loader,
    options: &crate::plugin::PluginOptions,
    track: bool,
) -> Result<()> {
    let parse = reader(config, track);
    let generated = crate::plugin::generate(&external(config, loader, options), &parse)
        .map_err(|e| plugin_error(config, e))?;
    for r in generated {
        configmap_secret::absorb(resmap, r, &config.origin)?;
    }
    Ok(())
}

/// Runs one external transformer.
pub fn transform_external(
    resmap: &mut ResMap,
    config: &PluginConfig,
    loader: &Loader,
    options: &crate::plugin::PluginOptions,
    track: bool,
) -> Result<()> {
    let parse = reader(config, track);
    crate::plugin::transform(&external(config, loader, options), resmap, &parse)
        .map_err(|e| plugin_error(config, e))
}

/// Runs one validator: it may not change the resources. A builtin is run
/// on a copy, which must come out equal.
pub fn validate(
    resmap: &ResMap,
    config: &PluginConfig,
    loader: &Loader,
    options: &crate::plugin::PluginOptions,
    schema: &crate::load::openapi::SchemaTable,
) -> Result<()> {
    if is_builtin(config) {
        let mut copy = resmap.clone();
        transform(&mut copy, config, loader, schema)?;
        let same = copy.resources.len() == resmap.resources.len()
            && copy
                .iter()
                .zip(resmap.iter())
                .all(|(a, b)| a.value == b.value);
        return match same {
            true => Ok(()),
            false => Err(BuildError::invalid(
                &config.origin,
                "validator shouldn't modify the resource map",
            )),
        };
    }
    let parse = reader(config, false);
    crate::plugin::validate(&external(config, loader, options), resmap, &parse)
        .map_err(|e| plugin_error(config, e))
}

/// Runs one builtin generator plugin config.
pub fn generate(
    resmap: &mut ResMap,
    config: &PluginConfig,
    loader: &Loader,
    helm_options: &helm::HelmOptions,
) -> Result<()> {
    let kind = builtin_kind(config)?;
    let generated = match kind {
        "IAMPolicyGenerator" => return iam_policy(resmap, config),
        "ConfigMapGenerator" => GeneratedKind::ConfigMap,
        "SecretGenerator" => GeneratedKind::Secret,
        "HelmChartInflationGenerator" => {
            let (chart, globals) =
                crate::load::kustomization::helm::from_plugin_config(&config.value).map_err(
                    |e| BuildError::invalid(&config.origin, format!("invalid {kind} config: {e}")),
                )?;
            let text = helm::inflate(
                &chart,
                &globals,
                &loader.dir,
                loader.restriction,
                helm_options,
                &loader.remote,
            )
            .map_err(|e| BuildError::invalid(&config.origin, e.to_string()))?;
            for r in crate::build::load_resources_from_text(&text, &config.origin, false)? {
                resmap.append(r)?;
            }
            return Ok(());
        }
        other => {
            return Err(BuildError::invalid(
                &config.origin,
                format!("builtin generator '{other}' is not supported by nest-kz"),
            ));
        }
    };
    // The generator arguments sit beside apiVersion/kind/metadata.
    let mut fields = config.value.as_object().cloned().unwrap_or_default();
    let metadata: Meta = go_json::decode(
        fields.shift_remove("metadata").unwrap_or(Value::Null),
        Unknown::Ignore,
    )
    .unwrap_or_default();
    fields.shift_remove("apiVersion");
    fields.shift_remove("kind");
    let stripped = PluginConfig {
        origin: config.origin.clone(),
        value: Value::Object(fields),
    };
    let mut args: GeneratorArgs = parse(&stripped, kind)?;
    // A top-level name/namespace wins; the config's metadata fills in.
    if args.name.as_deref().is_none_or(str::is_empty) {
        args.name = Some(metadata.name);
    }
    if args.namespace.as_deref().is_none_or(str::is_empty) {
        args.namespace = metadata.namespace;
    }
    configmap_secret::run(
        resmap,
        generated,
        std::slice::from_ref(&args),
        None,
        loader,
        &config.origin,
    )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IamPolicyConfig {
    #[serde(default)]
    cloud: String,
    #[serde(default)]
    kubernetes_service: KubernetesService,
    #[serde(default)]
    service_account: GcpServiceAccount,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct KubernetesService {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GcpServiceAccount {
    #[serde(default)]
    name: String,
    #[serde(default)]
    project_id: String,
}

/// kustomize's IAMPolicyGenerator: for `cloud: gke`, the Kubernetes
/// ServiceAccount bound to a Google service account by Workload Identity.
fn iam_policy(resmap: &mut ResMap, config: &PluginConfig) -> Result<()> {
    let c: IamPolicyConfig = parse(config, "IAMPolicyGenerator")?;
    if c.cloud != "gke" {
        return Err(BuildError::invalid(
            &config.origin,
            format!("cloud provider {} not supported yet", c.cloud),
        ));
    }
    let mut meta = crate::model::value::Map::new();
    let account = format!(
        "{}@{}.iam.gserviceaccount.com",
        c.service_account.name, c.service_account.project_id
    );
    meta.insert(
        "annotations".into(),
        crate::json!({ "iam.gke.io/gcp-service-account": account }),
    );
    meta.insert(
        "name".into(),
        Value::String(c.kubernetes_service.name.into()),
    );
    if !c.kubernetes_service.namespace.is_empty() {
        meta.insert(
            "namespace".into(),
            Value::String(c.kubernetes_service.namespace.into()),
        );
    }
    let object = crate::json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta });
    Ok(resmap.append(crate::model::resource::Resource::new(
        object,
        config.origin.clone(),
        0,
    ))?)
}

/// Runs one transformer plugin config.
pub fn transform(
    resmap: &mut ResMap,
    config: &PluginConfig,
    loader: &Loader,
    schema: &crate::load::openapi::SchemaTable,
) -> Result<()> {
    let kind = builtin_kind(config)?;
    match kind {
        "LabelTransformer" | "AnnotationsTransformer" => {
            let c: LabelsConfig = parse(config, kind)?;
            let pairs: Vec<(String, String)> = c.labels.into_iter().collect();
            let specs = specs(&c.field_specs);
            crate::transform::set_map_entries(resmap, &pairs, &specs)
                .map_err(|e| BuildError::invalid(&config.origin, e))?;
        }
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            let c: AffixConfig = parse(config, kind)?;
            let specs = specs(&c.field_specs);
            let fail = |e| BuildError::invalid(&config.origin, e);
            // The legacy PrefixSuffixTransformer runs both, prefix first.
            if kind != "SuffixTransformer" {
                prefix_suffix::apply(resmap, Affix::Prefix, &c.prefix, &specs).map_err(fail)?;
            }
            if kind != "PrefixTransformer" {
                prefix_suffix::apply(resmap, Affix::Suffix, &c.suffix, &specs).map_err(fail)?;
            }
        }
        "NamespaceTransformer" => {
            let c: NamespaceConfig = parse(config, kind)?;
            let fail = |e| BuildError::invalid(&config.origin, e);
            let subjects =
                namespace::Subjects::parse(&c.set_role_binding_subjects).map_err(fail)?;
            let ns = c.metadata.namespace.unwrap_or_default();
            let specs = specs(&c.field_specs);
            let t = namespace::Namespace {
                namespace: &ns,
                specs: &specs,
                unset_only: c.unset_only,
                subjects,
            };
            namespace::apply(resmap, &t).map_err(fail)?;
        }
        "ImageTagTransformer" => {
            let c: ImageConfig = parse(config, kind)?;
            images::apply(
                resmap,
                std::slice::from_ref(&c.image_tag),
                &specs(&c.field_specs),
            )
            .map_err(|e| BuildError::invalid(&config.origin, e))?;
        }
        "ReplicaCountTransformer" => {
            let c: ReplicaConfig = parse(config, kind)?;
            replicas::apply(resmap, &c.replica, &specs(&c.field_specs))
                .map_err(|e| BuildError::invalid(&config.origin, e))?;
        }
        "PatchTransformer" => {
            let c: PatchConfig = parse(config, kind)?;
            let spec = PatchSpec {
                path: c.path,
                patch: c.patch,
                target: c.target,
                options: c.options,
            };
            if let Some(patch) = patch::load(&spec, loader, &config.origin)? {
                patch::apply_with_schema(resmap, &patch, schema)?;
            }
        }
        "PatchJson6902Transformer" => {
            let c: Json6902Config = parse(config, kind)?;
            let spec = PatchSpec {
                path: c.path,
                patch: c.json_op,
                target: Some(c.target),
                options: IndexMap::new(),
            };
            if let Some(mut patch) = patch::load(&spec, loader, &config.origin)? {
                patch.records_previous_id = false;
                patch::apply(resmap, &patch)?;
            }
        }
        "PatchStrategicMergeTransformer" => {
            let c: StrategicMergeConfig = parse(config, kind)?;
            let entries: Vec<&String> = c.paths.iter().chain(c.patches.iter()).collect();
            let mut patches = Vec::new();
            for entry in &entries {
                patches.extend(patch::load_strategic(entry, loader, &config.origin)?);
            }
            // A file that holds nothing is skipped, unless all of them do.
            if patches.is_empty() && !entries.is_empty() {
                return Err(BuildError::invalid(
                    &config.origin,
                    "patch appears to be empty",
                ));
            }
            for patch in &patches {
                patch::apply_with_schema(resmap, patch, schema)?;
            }
        }
        "ReplacementTransformer" => {
            let c: ReplacementsConfig = parse(config, kind)?;
            let mut list = Vec::new();
            if crate::release::current().reads_omitempty_replacements() {
                // Those are inline replacements, run first; a path there
                // is no field of theirs.
                list.extend(
                    c.omitempty
                        .into_iter()
                        .map(|r| ReplacementEntry { path: None, ..r }),
                );
            }
            list.extend(c.replacements);
            replacements::apply(resmap, &list, loader, &config.origin)?;
        }
        other => {
            return Err(BuildError::invalid(
                &config.origin,
                format!("builtin transformer '{other}' is not supported by nest-kz"),
            ));
        }
    }
    Ok(())
}

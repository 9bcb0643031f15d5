//! Transformer configuration: which fields each builtin transformer touches.
//!
//! Starts from kustomize's builtin field specs and grows with every file a
//! kustomization lists under `configurations:`. As in kustomize, the config
//! a kustomization loads (and its resources' and components') applies to its
//! own transformers and to every kustomization above it.

use crate::error::{BuildError, Result};
use crate::load::go_json::{self, Unknown};
use crate::load::loader::Loader;
use crate::model::fieldspec::{FieldSpec, FieldSpecConfig};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

static BUILTIN: LazyLock<HashMap<String, Vec<FieldSpec>>> = LazyLock::new(|| {
    let text = include_str!("builtin_fieldspecs.yaml");
    let doc = crate::yaml::parse_documents(text)
        .expect("builtin field specs are valid YAML")
        .remove(0)
        .value;
    let raw: HashMap<String, Vec<FieldSpecConfig>> =
        serde_json::from_value(doc).expect("builtin field specs match the schema");
    raw.into_iter()
        .map(|(k, v)| (k, v.iter().map(FieldSpec::from).collect()))
        .collect()
});

/// The builtin field specs of one transformer (`commonLabels`, `namespace`...).
fn builtin_specs(name: &str) -> &'static [FieldSpec] {
    BUILTIN.get(name).map(Vec::as_slice).unwrap_or_default()
}

/// A `configurations:` file (kustomize's TransformerConfig).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    name_prefix: Vec<FieldSpecConfig>,
    #[serde(default)]
    name_suffix: Vec<FieldSpecConfig>,
    #[serde(default)]
    namespace: Vec<FieldSpecConfig>,
    #[serde(default)]
    common_labels: Vec<FieldSpecConfig>,
    #[serde(default)]
    template_labels: Vec<FieldSpecConfig>,
    #[serde(default)]
    labels: Vec<FieldSpecConfig>,
    #[serde(default)]
    common_annotations: Vec<FieldSpecConfig>,
    #[serde(default)]
    images: Vec<FieldSpecConfig>,
    #[serde(default)]
    replicas: Vec<FieldSpecConfig>,
    #[serde(default)]
    var_reference: Vec<FieldSpecConfig>,
    #[serde(default)]
    name_reference: Vec<NameBackReferences>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NameBackReferences {
    kind: String,
    // Accepted so kustomize configs load; targets are matched by kind.
    #[allow(dead_code)]
    group: Option<String>,
    #[allow(dead_code)]
    version: Option<String>,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

/// A user-declared name reference: objects of `target_kind` are referred to
/// at `referrer` (a field spec: referrer GVK and path).
#[derive(Debug, Clone, PartialEq)]
pub struct NameReference {
    pub target_kind: String,
    pub referrer: FieldSpec,
}

#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    specs: BTreeMap<String, Vec<FieldSpec>>,
    pub name_references: Vec<NameReference>,
}

impl TransformerConfig {
    /// kustomize's defaults.
    pub fn builtin() -> Self {
        let names = [
            "namePrefix",
            "nameSuffix",
            "namespace",
            "commonLabels",
            "templateLabels",
            "commonAnnotations",
            "images",
            "replicas",
            "varReference",
        ];
        let specs = names
            .iter()
            .map(|n| (n.to_string(), builtin_specs(n).to_vec()))
            .collect();
        TransformerConfig {
            specs,
            name_references: Vec::new(),
        }
    }

    /// The field specs of one transformer (`commonLabels`, `images`, ...).
    pub fn specs(&self, transformer: &str) -> &[FieldSpec] {
        self.specs
            .get(transformer)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Adds what `other` has that this config lacks.
    pub fn merge(&mut self, other: &TransformerConfig) {
        for (name, specs) in &other.specs {
            let mine = self.specs.entry(name.clone()).or_default();
            for spec in specs {
                if !mine.contains(spec) {
                    mine.push(spec.clone());
                }
            }
        }
        for r in &other.name_references {
            if !self.name_references.contains(r) {
                self.name_references.push(r.clone());
            }
        }
    }

    /// Loads the `configurations:` files of a kustomization.
    pub fn load(files: &[String], loader: &Loader) -> Result<TransformerConfig> {
        let mut config = TransformerConfig::default();
        for file in files {
            let (path, text) = loader.read_text(file)?;
            let docs = crate::yaml::parse_config_documents(&text)
                .map_err(|e| BuildError::yaml(&path, e))?;
            for doc in docs {
                let parsed: ConfigFile =
                    go_json::decode(doc.value, Unknown::Deny).map_err(|e| {
                        BuildError::invalid(
                            &path,
                            format!("invalid transformer configuration: {e}"),
                        )
                    })?;
                config.merge(&parsed.into_config());
            }
        }
        Ok(config)
    }
}

/// `crds:` files: kube-openapi definitions (`{"<pkg>.<Kind>": {"Schema": ...}}`)
/// whose properties mark, as kustomize reads them:
/// `x-kubernetes-object-ref-kind` (+ `-api-version`, `-name-key`) a name
/// reference, `x-kubernetes-label-selector` a label map for `commonLabels`,
/// `x-kubernetes-identity` a field that takes the name prefix.
pub fn load_crds(files: &[String], loader: &Loader) -> Result<TransformerConfig> {
    let mut config = TransformerConfig::default();
    for file in files {
        let (path, text) = loader.read_text(file)?;
        let doc = crate::yaml::parse_documents(&text)
            .map_err(|e| BuildError::yaml(&path, e))?
            .into_iter()
            .next()
            .map(|d| d.value);
        let Some(serde_json::Value::Object(defs)) = doc else {
            return Err(BuildError::invalid(
                &path,
                "a crds file must map type names to definitions",
            ));
        };
        for (type_name, def) in &defs {
            let props = &def["Schema"]["properties"];
            let looks_like_kind = ["kind", "apiVersion", "metadata"]
                .iter()
                .all(|p| props.get(p).is_some());
            if !looks_like_kind {
                continue;
            }
            let kind = type_name
                .rsplit('.')
                .next()
                .unwrap_or(type_name)
                .to_string();
            let mut seen = vec![type_name.clone()];
            crd_fields(&defs, props, &kind, &mut Vec::new(), &mut seen, &mut config);
        }
    }
    Ok(config)
}

fn crd_fields(
    defs: &serde_json::Map<String, serde_json::Value>,
    props: &serde_json::Value,
    kind: &str,
    path: &mut Vec<String>,
    seen: &mut Vec<String>,
    config: &mut TransformerConfig,
) {
    let Some(props) = props.as_object() else {
        return;
    };
    for (name, prop) in props {
        path.push(name.clone());
        let spec = |extra: Option<&str>| FieldSpec {
            group: None,
            version: None,
            kind: Some(kind.to_string()),
            path: path
                .iter()
                .cloned()
                .chain(extra.map(str::to_string))
                .collect(),
            create: false,
        };
        if prop.get("x-kubernetes-label-selector").is_some() {
            config
                .specs
                .entry("commonLabels".into())
                .or_default()
                .push(spec(None));
        }
        if prop.get("x-kubernetes-identity").is_some() {
            config
                .specs
                .entry("namePrefix".into())
                .or_default()
                .push(spec(None));
        }
        let ref_kind = prop
            .get("x-kubernetes-object-ref-kind")
            .and_then(serde_json::Value::as_str);
        if prop.get("x-kubernetes-object-ref-api-version").is_some()
            && let Some(target) = ref_kind
        {
            let key = prop
                .get("x-kubernetes-object-ref-name-key")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("name");
            config.name_references.push(NameReference {
                target_kind: target.to_string(),
                referrer: spec(Some(key)),
            });
        }
        if let Some(next) = prop.get("$ref").and_then(serde_json::Value::as_str)
            && !seen.iter().any(|s| s == next)
            && let Some(def) = defs.get(next)
        {
            seen.push(next.to_string());
            crd_fields(defs, &def["Schema"]["properties"], kind, path, seen, config);
            seen.pop();
        }
        path.pop();
    }
}

impl ConfigFile {
    fn into_config(self) -> TransformerConfig {
        let to = |v: Vec<FieldSpecConfig>| v.iter().map(FieldSpec::from).collect::<Vec<_>>();
        let specs = [
            ("namePrefix", to(self.name_prefix)),
            ("nameSuffix", to(self.name_suffix)),
            ("namespace", to(self.namespace)),
            ("commonLabels", to(self.common_labels)),
            ("templateLabels", to(self.template_labels)),
            ("labels", to(self.labels)),
            ("commonAnnotations", to(self.common_annotations)),
            ("images", to(self.images)),
            ("replicas", to(self.replicas)),
            ("varReference", to(self.var_reference)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let name_references = self
            .name_reference
            .into_iter()
            // Targets are matched by kind, as the builtin references are; a
            // target's group/version only disambiguates kinds nest-kz never
            // sees twice under one name.
            .flat_map(|back| {
                let kind = back.kind;
                back.field_specs.into_iter().map(move |fs| NameReference {
                    target_kind: kind.clone(),
                    referrer: FieldSpec::from(&fs),
                })
            })
            .collect();
        TransformerConfig {
            specs,
            name_references,
        }
    }
}

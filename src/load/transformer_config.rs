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
use crate::model::value::{Map, Str, Value};
use hashbrown::HashMap;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, OnceLock};

/// kustomize's default transformer configuration (`builtin_fieldspecs.yaml`
/// read and normalised as kustomize's MakeDefaultConfig), from the table
/// generated at development time: reading and merging the YAML at start-up
/// took most of a small build's time.
static BUILTIN: LazyLock<TransformerConfig> = LazyLock::new(|| {
    use super::builtin_config_table::{NAME_REFERENCES, SPECS, StaticSpec};
    let specs_of = |list: &[StaticSpec]| -> Vec<FieldSpec> {
        list.iter()
            .map(|&(group, version, kind, path, create)| FieldSpec {
                group: group.map(Str::const_new),
                version: version.map(Str::const_new),
                kind: kind.map(Str::const_new),
                path: Cow::Borrowed(path),
                create,
            })
            .collect()
    };
    TransformerConfig {
        specs: SPECS
            .iter()
            .map(|(name, list)| (name.to_string(), Arc::new(specs_of(list))))
            .collect(),
        name_references: Arc::new(
            NAME_REFERENCES
                .iter()
                .map(|&(group, version, kind, list)| NameBackReference {
                    target: GvkSelector {
                        group: group.into(),
                        version: version.into(),
                        kind: kind.into(),
                    },
                    referrers: Arc::new(specs_of(list)),
                })
                .collect(),
        ),
        normalized: super::builtin_config_table::NORMALIZED,
    }
});

/// The default configuration of `release`: the table (kustomize v5.5.0's),
/// with the field specs later releases added or moved (`release::v5_7`,
/// `release::v5_8`) in the places kustomize's lists have them.
fn builtin_for(release: crate::release::Release) -> TransformerConfig {
    let mut config = BUILTIN.clone();
    // kustomize's image specs all say `create: true` (which the images
    // transformer ignores: it never creates).
    let at = |path: &str| FieldSpec {
        group: None,
        version: None,
        kind: None,
        path: path.split('/').map(Str::from).collect(),
        create: true,
    };
    if let [pod, template] = release.image_volume_paths() {
        let images = Arc::make_mut(config.specs.entry("images".into()).or_default());
        // After the pod's containers and init containers; the template's
        // at the end, after the template's.
        let pod_at = images.len().min(2);
        images.insert(pod_at, at(pod));
        images.push(at(template));
        if let Some(cron) = release.cron_job_image_volume_path() {
            images.push(at(cron));
        }
    }
    if release.volume_claim_template_labels_apart() {
        // `includeTemplates` no longer reaches volumeClaimTemplates; a list
        // of its own (`includeVolumeClaimTemplates`) does.
        let is_claim = |s: &FieldSpec| {
            s.path
                .iter()
                .any(|p| p.as_str() == "volumeClaimTemplates[]")
        };
        let templates = Arc::make_mut(config.specs.entry("templateLabels".into()).or_default());
        let claims: Vec<FieldSpec> = templates.iter().filter(|s| is_claim(s)).cloned().collect();
        templates.retain(|s| !is_claim(s));
        config
            .specs
            .insert("volumeClaimTemplateLabels".into(), Arc::new(claims));
    }
    config
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
    /// v5.8 (`Release::volume_claim_template_labels_apart`); earlier
    /// releases refuse it as unknown.
    volume_claim_template_labels: Option<Vec<FieldSpecConfig>>,
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
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    field_specs: Vec<FieldSpecConfig>,
}

/// A group/version/kind pattern; empty parts match anything (kustomize's
/// `Gvk.IsSelected`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct GvkSelector {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl GvkSelector {
    pub fn selects(&self, id: &crate::model::resid::ResId) -> bool {
        self.selects_parts(&id.gvk.group, &id.gvk.version, &id.gvk.kind)
    }

    pub fn selects_parts(&self, group: &str, version: &str, kind: &str) -> bool {
        let ok = |want: &str, have: &str| want.is_empty() || want == have;
        ok(&self.group, group) && ok(&self.version, version) && ok(&self.kind, kind)
    }
}

/// Objects matching `target` are referred to by name at `referrers`
/// (kustomize's NameBackReferences).
#[derive(Debug, Clone, PartialEq)]
pub struct NameBackReference {
    pub target: GvkSelector,
    /// Shared like the other lists: a merge compares a list it already
    /// holds by pointer.
    pub referrers: Arc<Vec<FieldSpec>>,
}

#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    /// Shared lists: most kustomizations hold exactly kustomize's defaults,
    /// so a merge that adds nothing copies nothing.
    specs: BTreeMap<String, Arc<Vec<FieldSpec>>>,
    pub name_references: Arc<Vec<NameBackReference>>,
    /// True when every list is deduplicated and sorted (any merge's result),
    /// so an empty config may share it as is.
    normalized: bool,
}

/// kustomize's `Gvk.IsLessThan` key: type order of the kind, then
/// `group_version_kind` with `~G`/`~V`/`~K` for blanks.
fn gvk_order(group: Option<&str>, version: Option<&str>, kind: Option<&str>) -> (i64, String) {
    let or = |v: Option<&str>, d: &str| v.filter(|s| !s.is_empty()).unwrap_or(d).to_string();
    let kind_text = kind.unwrap_or_default();
    (
        crate::model::kind_order::kind_rank(kind_text),
        format!(
            "{}_{}_{}",
            or(group, "~G"),
            or(version, "~V"),
            or(kind, "~K")
        ),
    )
}

/// Whether merging `spec` after `existing` (same path) drops `spec`:
/// its group, version and kind, where given, are `existing`'s.
fn absorbs(spec: &FieldSpec, existing: &FieldSpec) -> bool {
    let selects = |want: &Option<Str>, have: &Option<Str>| {
        want.as_deref().is_none_or(str::is_empty)
            || want.as_deref() == Some(have.as_deref().unwrap_or_default())
    };
    selects(&spec.group, &existing.group)
        && selects(&spec.version, &existing.version)
        && selects(&spec.kind, &existing.kind)
}

/// Whether merging `list` into an empty list gives `list` back: no spec
/// is dropped by (or conflicts with) an earlier one of the same path.
/// The same walk as `merge_specs`, without building the copy.
fn is_fixpoint(list: &[FieldSpec]) -> bool {
    let mut by_path: HashMap<&[Str], Vec<usize>> = HashMap::new();
    for (j, spec) in list.iter().enumerate() {
        let earlier = by_path.entry(&spec.path).or_default();
        if earlier.iter().any(|&i| absorbs(spec, &list[i])) {
            return false;
        }
        earlier.push(j);
    }
    true
}

/// Adds `spec` unless the list has one at the same path that `spec`'s
/// selector selects (kustomize's effectivelyEquals, asymmetric on purpose);
/// kustomize refuses two that differ only in `create`.
pub(crate) fn merge_specs(
    list: &mut Vec<FieldSpec>,
    incoming: &[FieldSpec],
) -> std::result::Result<bool, String> {
    let added: Vec<FieldSpec> = additions(list, incoming)?.into_iter().cloned().collect();
    let changed = !added.is_empty();
    list.extend(added);
    Ok(changed)
}

/// What `merge_specs` would add to `list`, in order, found without
/// changing it: a shared list is copied only when something is added.
fn additions<'i>(
    list: &[FieldSpec],
    incoming: &'i [FieldSpec],
) -> std::result::Result<Vec<&'i FieldSpec>, String> {
    if list == incoming {
        return Ok(Vec::new());
    }
    // Specs by path, in list order: the first that the incoming selector
    // selects is the one kustomize finds. Added specs are numbered past
    // the list's end.
    let mut added: Vec<&FieldSpec> = Vec::new();
    let mut by_path: HashMap<&[Str], Vec<usize>> = HashMap::new();
    for (i, s) in list.iter().enumerate() {
        by_path.entry(&s.path).or_default().push(i);
    }
    for spec in incoming {
        let at = |i: usize| -> &FieldSpec { list.get(i).unwrap_or_else(|| added[i - list.len()]) };
        let found = by_path
            .get(&spec.path[..])
            .and_then(|ids| ids.iter().copied().find(|&i| absorbs(spec, at(i))));
        match found {
            Some(i) if at(i).create != spec.create => {
                return Err(format!(
                    "conflicting fieldspecs for path {}",
                    spec.path.join("/")
                ));
            }
            Some(_) => {}
            None => {
                by_path
                    .entry(&spec.path)
                    .or_default()
                    .push(list.len() + added.len());
                added.push(spec);
            }
        }
    }
    Ok(added)
}

/// What merging `incoming` into a shared list does (see `shared_merge`).
enum SharedMerge<'i> {
    Unchanged,
    /// The lists are equal: `incoming`'s allocation replaces the list.
    Share,
    /// These specs are added, in order.
    Add(Vec<&'i FieldSpec>),
}

/// `merge_specs` for lists held in an `Arc`, decided without changing
/// `mine`: a list is copied only when something is added, and an equal
/// list is shared from then on, so later merges of the same list
/// (kustomize's defaults, at every level) are a pointer comparison.
fn shared_merge<'i>(
    mine: &Arc<Vec<FieldSpec>>,
    incoming: &'i Arc<Vec<FieldSpec>>,
) -> std::result::Result<SharedMerge<'i>, String> {
    if Arc::ptr_eq(mine, incoming) {
        return Ok(SharedMerge::Unchanged);
    }
    if mine == incoming {
        return Ok(SharedMerge::Share);
    }
    let added = additions(mine, incoming)?;
    Ok(match added.is_empty() {
        true => SharedMerge::Unchanged,
        false => SharedMerge::Add(added),
    })
}

impl TransformerConfig {
    /// kustomize's defaults.
    /// kustomize's default configuration for the emulated release.
    pub fn builtin() -> Self {
        static BY_RELEASE: [OnceLock<TransformerConfig>; crate::release::Release::ALL.len()] =
            [const { OnceLock::new() }; crate::release::Release::ALL.len()];
        let release = crate::release::current();
        BY_RELEASE[release as usize]
            .get_or_init(|| builtin_for(release))
            .clone()
    }

    /// The field specs of one transformer (`commonLabels`, `images`, ...).
    pub fn specs(&self, transformer: &str) -> &[FieldSpec] {
        self.specs
            .get(transformer)
            .map(|v| v.as_slice())
            .unwrap_or_default()
    }

    /// Adds what `other` has that this config lacks (kustomize's
    /// TransformerConfig.Merge): field specs deduplicated, back-references
    /// to the same target joined; two specs differing only in `create` are
    /// an error, as in kustomize.
    pub fn merge(&mut self, other: &TransformerConfig) -> std::result::Result<(), String> {
        // kustomize sorts every list by kind order after a merge; which of
        // two overlapping specs a later merge keeps depends on that order.
        // (A list nothing was added to is already sorted.)
        let sort = |specs: &mut Vec<FieldSpec>| {
            specs.sort_by_cached_key(|s| {
                gvk_order(s.group.as_deref(), s.version.as_deref(), s.kind.as_deref())
            })
        };
        let share = other.normalized;
        let was_empty =
            self.specs.values().all(|l| l.is_empty()) && self.name_references.is_empty();
        let was_normalized = self.normalized || was_empty;
        let mut touched: Vec<&str> = Vec::new();
        let mut refs_touched = Vec::new();
        for (name, specs) in &other.specs {
            let mine = self.specs.entry(name.clone()).or_default();
            if specs.is_empty() {
                continue;
            }
            if mine.is_empty() && share {
                *mine = Arc::clone(specs);
                continue;
            }
            // A list the merge left as it was keeps its state.
            match shared_merge(mine, specs)? {
                SharedMerge::Unchanged => {}
                SharedMerge::Share => *mine = Arc::clone(specs),
                SharedMerge::Add(added) => {
                    let list = Arc::make_mut(mine);
                    list.extend(added.into_iter().cloned());
                    sort(list);
                    touched.push(name);
                }
            }
        }
        let refs_shared = other.name_references.is_empty()
            || Arc::ptr_eq(&self.name_references, &other.name_references);
        if !refs_shared
            && ((self.name_references.is_empty() && share)
                || self.name_references == other.name_references)
        {
            self.name_references = Arc::clone(&other.name_references);
        } else if !refs_shared {
            refs_touched = self.merge_references(other)?;
        }
        // Sharing is only sound for lists that a merge into an empty config
        // would leave unchanged (kustomize re-merges at every level, and a
        // narrower spec sorted first can absorb a broader one).
        // Lists not merged here kept their state (mine, or shared from a
        // normalized `other`); merged ones are checked.
        self.normalized = was_normalized
            && touched
                .iter()
                .all(|n| self.specs.get(*n).is_none_or(|l| is_fixpoint(l)))
            && self
                .name_references
                .iter()
                .filter(|b| refs_touched.contains(&b.target))
                .all(|b| is_fixpoint(&b.referrers));
        Ok(())
    }

    /// Merges `other`'s back-references into these; returns the targets
    /// whose referrer lists changed.
    fn merge_references(
        &mut self,
        other: &TransformerConfig,
    ) -> std::result::Result<Vec<GvkSelector>, String> {
        // Each change is found on the list as it stands, which stays shared
        // until the first change: most merges change nothing.
        let mut at: HashMap<GvkSelector, usize> = HashMap::new();
        for (i, b) in self.name_references.iter().enumerate() {
            at.entry(b.target.clone()).or_insert(i);
        }
        let mut added = false;
        let mut changed = Vec::new();
        for back in other.name_references.iter() {
            match at.get(&back.target) {
                Some(&i) => {
                    match shared_merge(&self.name_references[i].referrers, &back.referrers)? {
                        SharedMerge::Unchanged => {}
                        SharedMerge::Share => {
                            let shared = Arc::clone(&back.referrers);
                            Arc::make_mut(&mut self.name_references)[i].referrers = shared;
                        }
                        SharedMerge::Add(grown) => {
                            let refs = Arc::make_mut(&mut self.name_references);
                            Arc::make_mut(&mut refs[i].referrers)
                                .extend(grown.into_iter().cloned());
                            changed.push(back.target.clone());
                        }
                    }
                }
                None => {
                    let mut back = back.clone();
                    // A back-reference new to this config is deduplicated
                    // like any other list.
                    let mut deduplicated = Vec::new();
                    merge_specs(&mut deduplicated, &back.referrers)?;
                    if deduplicated != *back.referrers {
                        back.referrers = Arc::new(deduplicated);
                    }
                    changed.push(back.target.clone());
                    let refs = Arc::make_mut(&mut self.name_references);
                    at.insert(back.target.clone(), refs.len());
                    refs.push(back);
                    added = true;
                }
            }
        }
        if added {
            Arc::make_mut(&mut self.name_references).sort_by_cached_key(|b| {
                gvk_order(
                    Some(&b.target.group),
                    Some(&b.target.version),
                    Some(&b.target.kind),
                )
            });
        }
        Ok(changed)
    }

    /// Loads the `configurations:` files of a kustomization.
    pub fn load(files: &[String], loader: &Loader) -> Result<TransformerConfig> {
        let mut config = TransformerConfig::default();
        for file in files {
            let (path, text) = loader.read_text(file)?;
            let docs = crate::yaml::parse_config_documents(&text)
                .map_err(|e| BuildError::yaml(&path, e))?;
            for doc in docs {
                let invalid = |message: String| {
                    BuildError::invalid(
                        &path,
                        format!("invalid transformer configuration: {message}"),
                    )
                };
                let parsed: ConfigFile = go_json::decode(doc.value, Unknown::Deny)
                    .map_err(|e| invalid(crate::error::schema_error(&e)))?;
                if parsed.volume_claim_template_labels.is_some()
                    && !crate::release::current().volume_claim_template_labels_apart()
                {
                    return Err(invalid(format!(
                        "unknown field `volumeClaimTemplateLabels` (kustomize {} has none)",
                        crate::release::current().version()
                    )));
                }
                config
                    .merge(&parsed.into_config())
                    .map_err(|e| BuildError::invalid(&path, e))?;
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
        let Some(Value::Object(defs)) = doc else {
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
            let mut seen = vec![type_name.to_string()];
            crd_fields(&defs, props, &kind, &mut Vec::new(), &mut seen, &mut config);
        }
    }
    Ok(config)
}

fn crd_fields(
    defs: &Map,
    props: &Value,
    kind: &str,
    path: &mut Vec<String>,
    seen: &mut Vec<String>,
    config: &mut TransformerConfig,
) {
    let Some(props) = props.as_object() else {
        return;
    };
    for (name, prop) in props {
        path.push(name.to_string());
        let spec = |extra: Option<&str>| FieldSpec {
            group: None,
            version: None,
            kind: Some(Str::from(kind)),
            path: path
                .iter()
                .cloned()
                .map(Str::from)
                .chain(extra.map(Str::from))
                .collect(),
            create: false,
        };
        if prop.get("x-kubernetes-label-selector").is_some() {
            Arc::make_mut(config.specs.entry("commonLabels".into()).or_default()).push(spec(None));
        }
        if prop.get("x-kubernetes-identity").is_some() {
            Arc::make_mut(config.specs.entry("namePrefix".into()).or_default()).push(spec(None));
        }
        let ref_kind = prop
            .get("x-kubernetes-object-ref-kind")
            .and_then(Value::as_str);
        if prop.get("x-kubernetes-object-ref-api-version").is_some()
            && let Some(target) = ref_kind
        {
            let key = prop
                .get("x-kubernetes-object-ref-name-key")
                .and_then(Value::as_str)
                .unwrap_or("name");
            Arc::make_mut(&mut config.name_references).push(NameBackReference {
                target: GvkSelector {
                    kind: target.to_string(),
                    ..Default::default()
                },
                referrers: Arc::new(vec![spec(Some(key))]),
            });
        }
        if let Some(next) = prop.get("$ref").and_then(Value::as_str)
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
        .map(|(k, v)| (k.to_string(), Arc::new(v)))
        .chain(
            self.volume_claim_template_labels
                .map(|v| ("volumeClaimTemplateLabels".to_string(), Arc::new(to(v)))),
        )
        .collect();
        let name_references: Vec<NameBackReference> = self
            .name_reference
            .into_iter()
            .map(|back| NameBackReference {
                target: GvkSelector {
                    group: back.group,
                    version: back.version,
                    kind: back.kind,
                },
                referrers: Arc::new(back.field_specs.iter().map(FieldSpec::from).collect()),
            })
            .collect();
        // Raw from a file: not yet deduplicated or sorted.
        TransformerConfig {
            specs,
            name_references: Arc::new(name_references),
            normalized: false,
        }
    }
}

/// Keeps `builtin_config_table.rs` equal to what the YAML gives; run with
/// `NEST_KZ_REGENERATE=1` to rewrite it after changing the YAML.
#[cfg(test)]
mod builtin_table {
    use super::*;

    fn from_yaml() -> TransformerConfig {
        let text = include_str!("builtin_fieldspecs.yaml");
        let doc = crate::yaml::parse_documents(text).unwrap().remove(0).value;
        let file: ConfigFile = serde_json::from_value(doc.into_json()).unwrap();
        let mut config = TransformerConfig::default();
        config.merge(&file.into_config()).unwrap();
        config
    }

    fn opt(v: &Option<Str>) -> String {
        match v {
            Some(s) => format!("Some({s:?})"),
            None => "None".into(),
        }
    }

    fn specs(list: &[FieldSpec]) -> String {
        let items: Vec<String> = list
            .iter()
            .map(|s| {
                format!(
                    "        ({}, {}, {}, &[{}], {}),\n",
                    opt(&s.group),
                    opt(&s.version),
                    opt(&s.kind),
                    s.path
                        .iter()
                        .map(|p| format!("s({p:?})"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.create
                )
            })
            .collect();
        format!("&[\n{}    ]", items.concat())
    }

    fn render(c: &TransformerConfig) -> String {
        let mut out = String::from(
            "// @generated from builtin_fieldspecs.yaml by the test\n\
             // load::transformer_config::builtin_table (NEST_KZ_REGENERATE=1).\n\
             //! kustomize's default transformer configuration, normalised.\n\n\
             use crate::model::value::Str;\n\n\
             /// group, version, kind, path, create. Paths are held as `Str`s\n\
             /// already, so specs borrow them instead of copying at start-up.\n\
             pub type StaticSpec = (\n    Option<&'static str>,\n    Option<&'static str>,\n    Option<&'static str>,\n    &'static [Str],\n    bool,\n);\n\n\
             const fn s(text: &'static str) -> Str {\n    Str::const_new(text)\n}\n\n",
        );
        out.push_str(&format!(
            "pub const NORMALIZED: bool = {};\n\n",
            c.normalized
        ));
        out.push_str("pub static SPECS: &[(&str, &[StaticSpec])] = &[\n");
        for (name, list) in &c.specs {
            out.push_str(&format!(
                "    (\n        {name:?},\n    {}),\n",
                specs(list)
            ));
        }
        out.push_str("];\n\n/// group, version, kind, referrers.\n");
        out.push_str("pub static NAME_REFERENCES: &[(&str, &str, &str, &[StaticSpec])] = &[\n");
        for b in c.name_references.iter() {
            out.push_str(&format!(
                "    (\n        {:?},\n        {:?},\n        {:?},\n    {}),\n",
                b.target.group,
                b.target.version,
                b.target.kind,
                specs(&b.referrers)
            ));
        }
        out.push_str("];\n");
        out
    }

    #[test]
    fn builtin_table_is_current() {
        let want = render(&from_yaml());
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/load/builtin_config_table.rs"
        );
        if std::env::var_os("NEST_KZ_REGENERATE").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap();
        assert!(have == want, "stale: run with NEST_KZ_REGENERATE=1");
        // And the static table reads back as the YAML does.
        assert_eq!(format!("{:?}", *BUILTIN), format!("{:?}", from_yaml()));
    }
}

#[cfg(test)]
mod fixpoint {
    use super::*;

    fn spec(kind: Option<&str>, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            group: None,
            version: None,
            kind: kind.map(Str::from),
            path: path.split('/').map(Str::from).collect(),
            create,
        }
    }

    /// The definition: merging the list into an empty one gives it back.
    fn by_merging(list: &[FieldSpec]) -> bool {
        let mut again = Vec::new();
        merge_specs(&mut again, list).is_ok() && again.as_slice() == list
    }

    #[test]
    fn the_walk_agrees_with_merging() {
        let mut lists: Vec<Vec<FieldSpec>> = TransformerConfig::builtin()
            .specs
            .values()
            .map(|l| l.to_vec())
            .collect();
        let d = |create| spec(Some("Deployment"), "spec/x", create);
        let any = |create| spec(None, "spec/x", create);
        lists.extend([
            vec![],
            vec![d(false), any(false)],
            vec![any(false), d(false)],
            vec![d(false), d(true)],
            vec![d(false), spec(Some("Service"), "spec/x", false)],
            vec![
                d(false),
                spec(Some("Deployment"), "spec/y", false),
                any(true),
            ],
        ]);
        for list in &lists {
            assert_eq!(is_fixpoint(list), by_merging(list), "{list:?}");
        }
    }
}

//! Builds a kustomization directory into its final list of objects:
//! accumulate resources (recursing into kustomizations and components), run
//! generators, run transformers in kustomize's order; then, at the root
//! only, add hash suffixes, fix name references and sort.

use crate::error::{BuildError, Result};
use crate::generators::{self, GeneratedKind};
use crate::kustomization::{self, Kustomization};
use crate::loader::{LoadRestriction, Loader};
use crate::resmap::ResMap;
use crate::resource::Resource;
use crate::transformers::{annotations, images, labels, namespace, prefix_suffix, replicas};
use crate::{hash, namereference, ordering, patches, replacements};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restriction: LoadRestriction,
    /// Applied on top of the root kustomization, as a wrapping overlay would.
    pub overrides: Overrides,
}

/// What a wrapping kustomization (`resources: [DIR]`) could set; the ArgoCD
/// plugin fills it from `ARGOCD_ENV_*` parameters.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub images: Vec<crate::kustomization::ImageSpec>,
}

impl Overrides {
    fn apply(&self, resmap: &mut ResMap) {
        if let Some(ns) = self.namespace.as_deref().filter(|n| !n.is_empty()) {
            namespace::apply(resmap, ns);
        }
        prefix_suffix::apply(resmap, self.name_prefix.as_deref().unwrap_or_default(), self.name_suffix.as_deref().unwrap_or_default());
        images::apply(resmap, &self.images);
    }
}

/// Builds `dir` and returns the objects in output order.
pub fn build(dir: &Path, options: &BuildOptions) -> Result<Vec<Value>> {
    let mut builder = Builder { options: options.clone(), stack: Vec::new() };
    let (mut resmap, root) = builder.accumulate(dir, ResMap::default(), false)?;
    options.overrides.apply(&mut resmap);
    add_hash_suffixes(&mut resmap);
    namereference::fix(&mut resmap);
    ordering::sort(&mut resmap.resources, root.sort_options.as_ref());
    Ok(resmap.resources.into_iter().map(|r| r.value).collect())
}

struct Builder {
    options: BuildOptions,
    /// Kustomization directories being built, to report cycles.
    stack: Vec<PathBuf>,
}

impl Builder {
    fn accumulate(&mut self, dir: &Path, initial: ResMap, as_component: bool) -> Result<(ResMap, Kustomization)> {
        let loader = Loader::new(dir, self.options.load_restriction)?;
        if self.stack.contains(&loader.dir) {
            let chain: Vec<String> = self.stack.iter().chain([&loader.dir]).map(|p| p.display().to_string()).collect();
            return Err(BuildError::invalid(&loader.dir, format!("cycle detected between kustomizations: {}", chain.join(" -> "))));
        }
        let kfile = kustomization::find_file(&loader.dir)?;
        let text = std::fs::read_to_string(&kfile).map_err(|e| BuildError::io(&kfile, e))?;
        let k = kustomization::parse(&kfile, &text)?;
        if as_component != k.is_component() {
            let want = if as_component { "Component" } else { "Kustomization" };
            return Err(BuildError::invalid(&kfile, format!("expected kind '{want}' here, found '{}'", k.kind.as_deref().unwrap_or("Kustomization"))));
        }
        self.stack.push(loader.dir.clone());
        let result = self.run(&k, &kfile, &loader, initial);
        self.stack.pop();
        result.map(|m| (m, k))
    }

    fn run(&mut self, k: &Kustomization, kfile: &Path, loader: &Loader, initial: ResMap) -> Result<ResMap> {
        let mut resmap = initial;
        for entry in k.resources.iter().chain(&k.bases) {
            let path = loader.resolve(entry).map_err(|e| with_context(e, kfile, "resources"))?;
            if path.is_dir() {
                let (sub, _) = self.accumulate(&path, ResMap::default(), false)?;
                resmap.append_all(sub)?;
            } else {
                loader.check_file(&path)?;
                for r in load_resource_file(&path)? {
                    resmap.append(r)?;
                }
            }
        }
        for entry in &k.components {
            let path = loader.resolve(entry).map_err(|e| with_context(e, kfile, "components"))?;
            resmap = self.accumulate(&path, resmap, true)?.0;
        }
        let options = k.generator_options.as_ref();
        generators::run(&mut resmap, GeneratedKind::ConfigMap, &k.config_map_generator, options, loader, kfile)?;
        generators::run(&mut resmap, GeneratedKind::Secret, &k.secret_generator, options, loader, kfile)?;
        transform(&mut resmap, k, kfile, loader)?;
        Ok(resmap)
    }
}

fn with_context(e: BuildError, kfile: &Path, field: &str) -> BuildError {
    BuildError::invalid(kfile, format!("{field}: {e}"))
}

/// kustomize's builtin transformer order.
fn transform(resmap: &mut ResMap, k: &Kustomization, kfile: &Path, loader: &Loader) -> Result<()> {
    for entry in &k.patches_strategic_merge {
        patches::apply(resmap, &patches::load_strategic(entry, loader, kfile)?)?;
    }
    for spec in &k.patches {
        patches::apply(resmap, &patches::load(spec, loader, kfile)?)?;
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        namespace::apply(resmap, ns);
    }
    prefix_suffix::apply(resmap, k.name_prefix.as_deref().unwrap_or_default(), k.name_suffix.as_deref().unwrap_or_default());
    for entry in &k.labels {
        labels::apply_entry(resmap, entry);
    }
    labels::apply_common(resmap, &k.common_labels);
    annotations::apply(resmap, &k.common_annotations);
    for spec in &k.patches_json6902 {
        let patch = patches::load(spec, loader, kfile)?;
        if !matches!(patch.body, patches::PatchBody::Json6902(_)) {
            return Err(BuildError::invalid(&patch.origin, "patchesJson6902 entries must be JSON 6902 op lists"));
        }
        patches::apply(resmap, &patch)?;
    }
    replicas::apply(resmap, &k.replicas, kfile)?;
    images::apply(resmap, &k.images);
    replacements::apply(resmap, &k.replacements, loader, kfile)?;
    Ok(())
}

/// Loads every object of a resource file; `List` kinds are flattened.
pub fn load_resource_file(path: &Path) -> Result<Vec<Resource>> {
    let text = std::fs::read_to_string(path).map_err(|e| BuildError::io(path, e))?;
    let docs = crate::yaml::parse_documents(&text).map_err(|e| BuildError::yaml(path, e))?;
    let mut out = Vec::new();
    for doc in docs {
        let items = match &doc.value {
            Value::Object(m) if m.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List")) && m.contains_key("items") => {
                m["items"].as_array().cloned().unwrap_or_default()
            }
            _ => vec![doc.value],
        };
        for item in items {
            check_object(&item, path, doc.line)?;
            let mut item = item;
            stringify_annotations(&mut item);
            out.push(Resource::new(item, path.to_path_buf(), doc.line));
        }
    }
    Ok(out)
}

/// kustomize reads annotations as map[string]string: scalars become their text.
fn stringify_annotations(object: &mut Value) {
    if let Some(Value::Object(annotations)) = object.get_mut("metadata").and_then(|m| m.get_mut("annotations")) {
        for v in annotations.values_mut() {
            if matches!(v, Value::Number(_) | Value::Bool(_)) {
                *v = Value::String(crate::resource::scalar_text(v));
            }
        }
    }
}

fn check_object(v: &Value, path: &Path, line: usize) -> Result<()> {
    let fail = |m: &str| Err(BuildError::invalid(path, format!("line {line}: {m}")));
    if !v.is_object() {
        return fail("a resource must be a YAML mapping");
    }
    if v["kind"].as_str().is_none_or(str::is_empty) {
        return fail("missing kind in object");
    }
    if v["apiVersion"].as_str().is_none_or(str::is_empty) {
        return fail("missing apiVersion in object");
    }
    if v["metadata"]["name"].as_str().is_none_or(str::is_empty) {
        return fail("missing metadata.name in object");
    }
    Ok(())
}

fn add_hash_suffixes(resmap: &mut ResMap) {
    for r in resmap.iter_mut() {
        if r.generator.as_ref().is_some_and(|g| g.needs_hash) {
            let suffix = hash::name_suffix(&r.value);
            r.store_previous_id();
            let name = format!("{}-{suffix}", r.name());
            r.set_name(&name);
        }
    }
}

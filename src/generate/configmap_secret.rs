//! `configMapGenerator`, `secretGenerator` and `generatorOptions`.

use crate::error::{BuildError, Result};
use crate::json;
use crate::load::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::load::loader::Loader;
use crate::model::resmap::ResMap;
use crate::model::resource::{Behavior, GeneratorMeta, Resource};
use crate::model::value::{Map, Value};
use base64::Engine as _;
use indexmap::IndexMap;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GeneratedKind {
    ConfigMap,
    Secret,
}

impl GeneratedKind {
    fn name(self) -> &'static str {
        match self {
            GeneratedKind::ConfigMap => "ConfigMap",
            GeneratedKind::Secret => "Secret",
        }
    }
}

/// Runs every generator of one kind and merges the results into `resmap`.
pub fn run(
    resmap: &mut ResMap,
    kind: GeneratedKind,
    generators: &[GeneratorArgs],
    global: Option<&GeneratorOptions>,
    loader: &Loader,
    kustomization: &Path,
) -> Result<()> {
    for args in generators {
        let resource = generate(kind, args, global, loader, kustomization)?;
        // kustomize's GenerationBehavior text: any other value is unspecified.
        let behavior = args
            .behavior
            .as_deref()
            .filter(|b| matches!(*b, "create" | "merge" | "replace"))
            .unwrap_or("unspecified");
        add_generated(resmap, resource, behavior, kustomization)?;
    }
    Ok(())
}

fn generate(
    kind: GeneratedKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    loader: &Loader,
    kustomization: &Path,
) -> Result<Resource> {
    let name = args.name.clone().filter(|n| !n.is_empty()).ok_or_else(|| {
        BuildError::invalid(
            kustomization,
            format!("a {} generator needs a name", kind.name()),
        )
    })?;
    let mut data: IndexMap<String, Vec<u8>> = IndexMap::new();
    let mut put = |key: String, value: Vec<u8>, origin: &str| -> Result<()> {
        if data.contains_key(&key) {
            return Err(BuildError::invalid(
                kustomization,
                format!(
                    "{} {name} illegally repeats the key `{key}` (from {origin})",
                    kind.name().to_lowercase()
                ),
            ));
        }
        data.insert(key, value);
        Ok(())
    };
    for env in args.envs.iter().chain(args.env.iter()) {
        let (path, bytes) = loader.read(env)?;
        for (k, v) in parse_env_file(&path, &bytes)? {
            put(k, v.into_bytes(), env)?;
        }
    }
    for literal in &args.literals {
        let (k, v) = parse_literal(literal).ok_or_else(|| {
            BuildError::invalid(
                kustomization,
                format!("invalid literal source {literal:?}, expected key=value"),
            )
        })?;
        put(k, v.into_bytes(), "literals")?;
    }
    for file in &args.files {
        let (key, rel) = match file.split_once('=') {
            Some((k, p)) if !k.is_empty() => (k.to_string(), p.to_string()),
            _ => (
                file.rsplit('/').next().unwrap_or(file).to_string(),
                file.clone(),
            ),
        };
        let (_, bytes) = loader.read(&rel)?;
        put(key, bytes, file)?;
    }

    let options = merge_options(global, args.options.as_ref());
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.as_str().into()));
    if let Some(ns) = args.namespace.as_ref().filter(|n| !n.is_empty()) {
        meta.insert("namespace".into(), Value::String(ns.as_str().into()));
    }
    if !options.labels.is_empty() {
        meta.insert("labels".into(), json!(options.labels));
    }
    if !options.annotations.is_empty() {
        meta.insert("annotations".into(), json!(options.annotations));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), json!("v1"));
    object.insert("kind".into(), json!(kind.name()));
    object.insert("metadata".into(), Value::Object(meta));
    fill_data(&mut object, kind, data);
    if kind == GeneratedKind::Secret {
        object.insert(
            "type".into(),
            json!(args.secret_type.clone().unwrap_or_else(|| "Opaque".into())),
        );
    }
    if options.immutable == Some(true) {
        object.insert("immutable".into(), json!(true));
    }
    // Like kustomize, any other value (even a misspelling) means create.
    let behavior = match args.behavior.as_deref().unwrap_or_default() {
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        _ => Behavior::Create,
    };
    let mut r = Resource::new(Value::Object(object), kustomization.to_path_buf(), 0);
    r.generator = Some(GeneratorMeta {
        behavior,
        needs_hash: options.disable_name_suffix_hash != Some(true),
    });
    Ok(r)
}

/// kyaml's `encodeBase64`: lines of 70 characters, each ending in a newline
/// once the encoding is 70 characters or longer.
pub fn encode_base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// ConfigMaps keep UTF-8 values as text and the rest as binaryData;
/// Secrets base64 everything.
fn fill_data(object: &mut Map, kind: GeneratedKind, data: IndexMap<String, Vec<u8>>) {
    let mut text = Map::new();
    let mut binary = Map::new();
    for (k, bytes) in data {
        match kind {
            GeneratedKind::Secret => {
                text.insert(k.into(), Value::String(encode_base64_lines(&bytes).into()));
            }
            GeneratedKind::ConfigMap => match String::from_utf8(bytes) {
                Ok(s) => {
                    text.insert(k.into(), Value::String(s.into()));
                }
                Err(e) => {
                    binary.insert(
                        k.into(),
                        Value::String(encode_base64_lines(e.as_bytes()).into()),
                    );
                }
            },
        }
    }
    // kustomize always creates a Secret's data map; a ConfigMap's only
    // when it has text entries.
    if !text.is_empty() || kind == GeneratedKind::Secret {
        object.insert("data".into(), Value::Object(text));
    }
    if !binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary));
    }
}

fn merge_options(
    global: Option<&GeneratorOptions>,
    local: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut out = global.cloned().unwrap_or_default();
    if let Some(l) = local {
        out.labels.extend(l.labels.clone());
        out.annotations.extend(l.annotations.clone());
        if l.disable_name_suffix_hash.is_some() {
            out.disable_name_suffix_hash = l.disable_name_suffix_hash;
        }
        if l.immutable.is_some() {
            out.immutable = l.immutable;
        }
    }
    out
}

/// Adds a generated object, or merges/replaces the one it names.
/// Absorbs an object an external generator made, by the behavior it asked
/// for (kustomize's `appendReplaceOrMerge`).
pub fn absorb(resmap: &mut ResMap, generated: Resource, source: &Path) -> Result<()> {
    let behavior = match generated.generator.as_ref().map(|g| g.behavior) {
        Some(Behavior::Merge) => "merge",
        Some(Behavior::Replace) => "replace",
        _ => "unspecified",
    };
    add_generated(resmap, generated, behavior, source)
}

fn add_generated(
    resmap: &mut ResMap,
    generated: Resource,
    behavior_text: &str,
    kustomization: &Path,
) -> Result<()> {
    let behavior = generated
        .generator
        .as_ref()
        .map(|g| g.behavior)
        .unwrap_or(Behavior::Create);
    // kustomize's appendReplaceOrMerge: the objects any of whose ids
    // (current or earlier) equal the generated one's.
    let id = generated.id();
    let matches = resmap.matching_any_id(&id);
    let index = match (matches.as_slice(), behavior) {
        ([], Behavior::Create) => return Ok(resmap.append(generated)?),
        ([], _) => {
            return Err(BuildError::invalid(
                kustomization,
                format!("id {id} does not exist; cannot merge or replace"),
            ));
        }
        ([_], Behavior::Create) => {
            let used = match crate::release::current().collision_error_names_behavior() {
                true => format!("can not use behavior: '{behavior_text}', "),
                false => String::new(),
            };
            return Err(BuildError::invalid(
                kustomization,
                format!("id {id} exists; {used}behavior must be merge or replace"),
            ));
        }
        ([one], _) => *one,
        (many, _) => {
            return Err(BuildError::invalid(
                kustomization,
                format!(
                    "found {} objects that could accept merge of {id}",
                    many.len()
                ),
            ));
        }
    };
    resmap.invalidate();
    let existing = &mut resmap.resources[index];
    let mut value = generated.value;
    // kustomize (CopyMergeMetaDataFieldsFrom): both behaviors merge labels
    // and annotations over the old object's; merge also merges the data.
    if behavior == Behavior::Merge {
        // v5.8: a Secret's stringData joins its data first (generated
        // data wins over both), so merging does not lose it.
        if crate::release::current().merged_secrets_keep_string_data()
            && is_core_secret(&existing.value)
        {
            fold_string_data(&mut existing.value);
        }
        for field in ["data", "binaryData"] {
            let mut merged = existing.value[field]
                .as_object()
                .cloned()
                .unwrap_or_default();
            if let Some(new) = value[field].as_object() {
                merged.extend(new.clone());
            }
            if !merged.is_empty() {
                value[field] = Value::Object(merged);
            }
        }
    }
    for field in ["labels", "annotations"] {
        let mut merged = existing.value["metadata"][field]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(new) = value["metadata"][field].as_object() {
            merged.extend(new.clone());
        }
        if !merged.is_empty() {
            value["metadata"][field] = Value::Object(merged);
        }
    }
    // The existing object keeps its identity (name, namespace, history).
    value["metadata"]["name"] = existing.value["metadata"]["name"].clone();
    if let Some(ns) = existing.value["metadata"].get("namespace") {
        value["metadata"]["namespace"] = ns.clone();
    }
    existing.value = value;
    // A merged or replaced object keeps a hash suffix only when both the old
    // and the new generator ask for one (what kustomize v5.5.0 does; a plain
    // resource that a generator merges into never gets one).
    let old_hash = existing.generator.as_ref().is_some_and(|g| g.needs_hash);
    let new_hash = generated.generator.as_ref().is_some_and(|g| g.needs_hash);
    let needs_hash = old_hash && new_hash;
    existing.generator = Some(GeneratorMeta {
        behavior: Behavior::Create,
        needs_hash,
    });
    Ok(())
}

fn is_core_secret(v: &Value) -> bool {
    v["kind"].as_str() == Some("Secret") && v["apiVersion"].as_str() == Some("v1")
}

/// A Secret's `stringData` moved into its `data`, base64-encoded, over what
/// `data` held for the same keys.
fn fold_string_data(secret: &mut Value) {
    let Some(Value::Object(strings)) = secret
        .as_object_mut()
        .and_then(|m| m.shift_remove("stringData"))
    else {
        return;
    };
    let mut data = secret["data"].as_object().cloned().unwrap_or_default();
    for (k, v) in strings {
        let text = crate::model::resource::scalar_text(&v);
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        data.insert(k, Value::String(encoded.into()));
    }
    secret["data"] = Value::Object(data);
}

/// kustomize's literal syntax: `key=value`, with one pair of matching quotes stripped.
pub fn parse_literal(literal: &str) -> Option<(String, String)> {
    let (k, v) = literal.split_once('=')?;
    if k.is_empty() {
        return None;
    }
    let v = match v.as_bytes() {
        [q, .., e] if v.len() >= 2 && q == e && (*q == b'"' || *q == b'\'') => &v[1..v.len() - 1],
        _ => v,
    };
    Some((k.to_string(), v.to_string()))
}

/// An env file: `KEY=VALUE` lines; blank lines and `#` comments skipped; a
/// bare `KEY` takes its value from the environment, as kustomize does.
pub fn parse_env_file(path: &Path, bytes: &[u8]) -> Result<Vec<(String, String)>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| BuildError::invalid(path, format!("env file is not valid UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // kustomize v5.5.0 does not validate key names here.
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (line.to_string(), std::env::var(line).unwrap_or_default()),
        };
        out.push((key, value));
    }
    Ok(out)
}

//! A resource in flight: its object, where it came from, and the ids it had
//! before renames (kustomize's "previous ids"), which name references follow.

use crate::model::resid::{Gvk, IdRef, ResId};
use crate::model::value::{Key, Map, Str, Value};
use std::path::Path;
use std::sync::Arc;
// Lists most objects leave empty are one pointer each (a big build holds
// one resource per object): see the README's dependency table.
use thin_vec::ThinVec;

/// v5.8's build annotation on every object helm rendered: the namespace
/// transformer leaves such objects alone, and the annotation is removed
/// before printing (kustomize's `konfig.HelmGeneratedAnnotation`).
pub const HELM_GENERATED: &str = "internal.config.kubernetes.io/helm-generated";

/// The annotations kustomize keeps build state in (and kyaml's reader and
/// function annotations). Every one is removed before printing, also where
/// a user wrote it (kustomize's `resource.BuildAnnotations`); v5.8 adds
/// [`HELM_GENERATED`].
pub const BUILD_ANNOTATIONS: [&str; 18] = [
    "internal.config.kubernetes.io/previousKinds",
    "internal.config.kubernetes.io/previousNames",
    "internal.config.kubernetes.io/prefixes",
    "internal.config.kubernetes.io/suffixes",
    "internal.config.kubernetes.io/previousNamespaces",
    "internal.config.kubernetes.io/allowNameChange",
    "internal.config.kubernetes.io/allowKindChange",
    "internal.config.kubernetes.io/refBy",
    "internal.config.kubernetes.io/generatorBehavior",
    "internal.config.kubernetes.io/needsHashSuffix",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.k8s.io/id",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Create,
    Merge,
    Replace,
}

#[derive(Debug, Clone)]
pub struct GeneratorMeta {
    pub behavior: Behavior,
    pub needs_hash: bool,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub value: Value,
    /// The file (or kustomization, for generated objects) this came from.
    pub source: Arc<Path>,
    /// The 1-based line it starts on. 32 bits (a file's budget keeps it
    /// far below 4 billion lines) share a word with `generator`.
    pub line: u32,
    /// Every earlier (kind, name, effective namespace), oldest first:
    /// kustomize's previous-id build annotations. Their group and version
    /// are always the object's current ones, as kustomize rebuilds them.
    /// Kinds and namespaces come from a small vocabulary and are interned
    /// (one word each); names are stored in place.
    previous: ThinVec<(Key, Str, Key)>,
    /// Name prefixes and suffixes applied so far, oldest first; name
    /// references compare them between referrer and target.
    pub name_prefixes: ThinVec<Str>,
    pub name_suffixes: ThinVec<Str>,
    /// Vars whose objref chose this object (kustomize's refVarNames).
    pub ref_var_names: ThinVec<String>,
    /// Scalars whose text as written the value does not keep
    /// (`model::written`): a value written as nothing (`key:`), which
    /// kustomize's strategic merge drops, a null written `~`, a number
    /// written `0x1F`, whose text replacements and `vars` read.
    pub written: ThinVec<crate::model::written::Written>,
    /// Annotations whose text a JSON round trip changes, by how they were
    /// written (`AnnotationStyle`): kustomize sends an object a JSON 6902
    /// patch touches through JSON.
    pub annotation_styles: ThinVec<(crate::model::value::Key, AnnotationStyle)>,
    /// Scalars kustomize holds without a type tag (`model::untagged`):
    /// made by a replacement or rewritten by the images transformer.
    /// Their type comes from their text wherever kustomize reads them
    /// again: a replacement into one reads the new text as YAML, and
    /// `vars` makes one on a var-reference path a string. A patch drops
    /// them all (kustomize's JSON round trip and merge tag every node).
    pub untagged: ThinVec<crate::model::untagged::Untagged>,
    /// Paths of scalars written quoted where the value does not tell
    /// (`"nginx"`; every quoted `image`): the images transformer keeps
    /// the quoting on the text it sets, so a rewritten image there stays
    /// a string (`"5"`), on a container or on any path an `images` field
    /// spec names. A strategic merge carries them, a JSON patch drops them
    /// (`patch::merge_marks`).
    pub quoted: crate::model::node_path::NodePaths,
    /// Paths of the outermost collections written in flow style (`{...}`,
    /// `[...]`; the empty path when the whole object is, as JSON is).
    /// kustomize writes a field a replacement creates from an empty text
    /// inside one as `''`, which reads back as `""`, where in block style
    /// it reads back as null. A JSON 6902 patch clears them: its result
    /// comes back in block style.
    pub flow: ThinVec<crate::model::node_path::NodePath>,
    pub generator: Option<GeneratorMeta>,
    /// Who set each field; only filled when provenance is tracked.
    pub origins: Option<Box<crate::model::provenance::FieldOrigins>>,
    /// Its size as the build budget counts it, measured when first added
    /// to a collection and charged again, unmeasured, at every level.
    /// (A size of 0 is not kept: it is measured again, which costs nothing.)
    pub charged_bytes: Option<std::num::NonZeroU64>,
}

/// How an annotation was written, where a JSON round trip changes its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationStyle {
    /// Plain text that reads as another type (`0o7`, `~`, nothing): it
    /// comes back as that type's JSON form (`7`, `null`).
    TypedPlain,
    /// A folded block (`>`): it comes back as go-yaml's folded writer and
    /// reader leave it (`yaml::folded`).
    Folded,
}

/// A line number as a resource keeps it (see `Resource::line`).
pub fn line_number(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

impl Resource {
    pub fn new(value: Value, source: impl Into<Arc<Path>>, line: usize) -> Self {
        Resource {
            value,
            source: source.into(),
            line: line_number(line),
            previous: ThinVec::new(),
            name_prefixes: ThinVec::new(),
            name_suffixes: ThinVec::new(),
            ref_var_names: ThinVec::new(),
            written: ThinVec::new(),
            annotation_styles: ThinVec::new(),
            untagged: ThinVec::new(),
            quoted: Default::default(),
            flow: ThinVec::new(),
            generator: None,
            origins: None,
            charged_bytes: None,
        }
    }

    pub fn id(&self) -> ResId {
        ResId::of(&self.value)
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::of(&self.value)
    }

    /// The ids the object had before, oldest first (kustomize's PrevIds).
    pub fn previous_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.previous
            .iter()
            .map(|(kind, name, namespace)| ResId {
                gvk: Gvk {
                    kind: (*kind).into(),
                    ..gvk.clone()
                },
                namespace: (*namespace).into(),
                name: name.clone(),
            })
            .collect()
    }

    /// The (kind, name) of every earlier id, oldest first (their group and
    /// version are the current ones).
    pub fn previous_kinds_and_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.previous
            .iter()
            .map(|(kind, name, _)| (kind.as_str(), name.as_str()))
    }

    /// The (kind, name, effective namespace) it was first loaded with, when
    /// it has had another id since.
    pub fn first_id(&self) -> Option<(&str, &str, &str)> {
        self.previous
            .first()
            .map(|(kind, name, namespace)| (kind.as_str(), name.as_str(), namespace.as_str()))
    }

    /// The (namespace, name) the resource was first loaded with.
    pub fn original_namespace_and_name(&self) -> (&str, &str) {
        match self.previous.first() {
            Some((_, name, namespace)) => (namespace.as_str(), name),
            None => (self.namespace(), self.name()),
        }
    }

    /// True when the current id or any earlier one has this name.
    pub fn ever_named(&self, name: &str) -> bool {
        self.name() == name || self.previous.iter().any(|(_, n, _)| n == name)
    }

    pub fn add_name_prefix(&mut self, prefix: &str) {
        if !prefix.is_empty() {
            self.name_prefixes.reserve_exact(1);
            self.name_prefixes.push(prefix.into());
        }
    }

    pub fn add_name_suffix(&mut self, suffix: &str) {
        if !suffix.is_empty() {
            self.name_suffixes.reserve_exact(1);
            self.name_suffixes.push(suffix.into());
        }
    }

    pub fn kind(&self) -> &str {
        self.value.str_at("kind")
    }

    pub fn name(&self) -> &str {
        self.value["metadata"].str_at("name")
    }

    pub fn namespace(&self) -> &str {
        self.value["metadata"].str_at("namespace")
    }

    /// The id the resource had when it was first loaded (kustomize's OrgId).
    pub fn original_id(&self) -> ResId {
        let mut id = self.id();
        if let Some((kind, name, namespace)) = self.previous.first() {
            id.gvk.kind = (*kind).into();
            id.name.clone_from(name);
            id.namespace = (*namespace).into();
        }
        id
    }

    /// The current id followed by every earlier one, newest first, read
    /// off the object without copying.
    pub fn ids(&self) -> impl Iterator<Item = IdRef<'_>> {
        let current = IdRef::of(&self.value);
        std::iter::once(current).chain(self.previous.iter().rev().map(
            move |(kind, name, namespace)| IdRef {
                kind,
                name,
                namespace,
                ..current
            },
        ))
    }

    /// Every earlier (kind, name, effective namespace), oldest first.
    pub fn previous_entries(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.previous
            .iter()
            .map(|(kind, name, namespace)| (kind.as_str(), name.as_str(), namespace.as_str()))
    }

    /// Replaces the earlier ids (a plugin handed them back in kustomize's
    /// build annotations).
    pub fn set_previous_entries<'a>(
        &mut self,
        entries: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    ) {
        self.previous = entries
            .map(|(kind, name, namespace)| (Key::new(kind), name.into(), Key::new(namespace)))
            .collect();
    }

    /// Remembers the current id before a transformer changes it; like
    /// kustomize, every call records one (duplicates included) with the
    /// effective namespace.
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        let namespace = Key::new(id.effective_namespace());
        // Most objects are renamed once or twice: no spare room.
        self.previous.reserve_exact(1);
        self.previous
            .push((Key::new(&id.gvk.kind), id.name, namespace));
    }

    pub fn metadata_mut(&mut self) -> &mut Map {
        let obj = self.object_mut();
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        meta.as_object_mut().expect("metadata was just made a map")
    }

    pub fn object_mut(&mut self) -> &mut Map {
        if !self.value.is_object() {
            self.value = Value::Object(Map::new());
        }
        self.value
            .as_object_mut()
            .expect("resource was just made a map")
    }

    /// Rewrites `metadata.annotations` as kustomize's SetAnnotations writes a
    /// string map: scalar values as text (null as "null"), and no field at
    /// all when there is nothing in it.
    pub fn normalize_annotations(&mut self) {
        let meta = self.metadata_mut();
        let keep = match meta.get_mut("annotations") {
            None => return,
            Some(Value::Object(map)) => {
                for v in map.values_mut() {
                    *v = match v {
                        Value::String(_) => continue,
                        Value::Null => Value::String("null".into()),
                        Value::Number(_) | Value::Bool(_) => Value::String(scalar_text(v).into()),
                        _ => Value::String(Default::default()),
                    };
                }
                !map.is_empty()
            }
            Some(_) => false,
        };
        if !keep {
            meta.shift_remove("annotations");
        }
    }

    /// Whether the object carries v5.8's helm marker (`HELM_GENERATED`
    /// set to exactly "true").
    pub fn is_helm_generated(&self) -> bool {
        self.value["metadata"]["annotations"][HELM_GENERATED].as_str() == Some("true")
    }

    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    pub fn set_namespace(&mut self, namespace: &str) {
        self.metadata_mut()
            .insert("namespace".into(), Value::String(namespace.into()));
    }

    pub fn string_map(&self, field: &str) -> Vec<(String, String)> {
        match &self.value["metadata"][field] {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (k.to_string(), scalar_text(v)))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn labels(&self) -> Vec<(String, String)> {
        self.string_map("labels")
    }

    pub fn annotations(&self) -> Vec<(String, String)> {
        self.string_map("annotations")
    }
}

/// Text of a scalar as kustomize reads map[string]string fields.
pub fn scalar_text(v: &Value) -> String {
    match v {
        // Copied as text: `to_string` would go through `Display`.
        Value::String(s) => s.as_str().to_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big build holds one per object (and the collection keeps spare
    /// room for more): the lists most objects leave empty are one word.
    #[test]
    fn a_resource_stays_small() {
        assert!(
            std::mem::size_of::<Resource>() <= 144,
            "{}",
            std::mem::size_of::<Resource>()
        );
    }
}

//! A resource in flight: its object, where it came from, and the ids it had
//! before renames (kustomize's "previous ids"), which name references follow.

use crate::model::resid::{Gvk, ResId};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

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
    pub source: PathBuf,
    pub line: usize,
    pub previous_ids: Vec<ResId>,
    pub generator: Option<GeneratorMeta>,
    /// Identifies the resource across build steps (for provenance tracking).
    pub serial: u64,
    /// Who set each field; only filled when provenance is tracked.
    pub origins: Option<crate::review::provenance::FieldOrigins>,
}

impl Resource {
    pub fn new(value: Value, source: PathBuf, line: usize) -> Self {
        let serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
        Resource {
            value,
            source,
            line,
            previous_ids: Vec::new(),
            generator: None,
            serial,
            origins: None,
        }
    }

    pub fn id(&self) -> ResId {
        ResId::of(&self.value)
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::of(&self.value)
    }

    /// The (namespace, name) the resource was first loaded with, borrowed.
    pub fn original_namespace_and_name(&self) -> (&str, &str) {
        match self.previous_ids.first() {
            Some(id) => (&id.namespace, &id.name),
            None => (self.namespace(), self.name()),
        }
    }

    /// True when the current id or any earlier one has this name.
    pub fn ever_named(&self, name: &str) -> bool {
        self.name() == name || self.previous_ids.iter().any(|id| id.name == name)
    }

    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }

    /// The id the resource had when it was first loaded.
    pub fn original_id(&self) -> ResId {
        self.previous_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.id())
    }

    /// The current id followed by every earlier one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = vec![self.id()];
        ids.extend(self.previous_ids.iter().rev().cloned());
        ids
    }

    /// Remembers the current id before a transformer changes it.
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        if self.previous_ids.last() != Some(&id) {
            self.previous_ids.push(id);
        }
    }

    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let obj = self.object_mut();
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        meta.as_object_mut().expect("metadata was just made a map")
    }

    pub fn object_mut(&mut self) -> &mut Map<String, Value> {
        if !self.value.is_object() {
            self.value = Value::Object(Map::new());
        }
        self.value
            .as_object_mut()
            .expect("resource was just made a map")
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
            Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect(),
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
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

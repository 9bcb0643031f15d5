//! kustomize's build annotations (`buildMetadata: [originAnnotations,
//! transformerAnnotations]`): where each object came from
//! (`config.kubernetes.io/origin`) and which transformers ran on it
//! (`alpha.config.kubernetes.io/transformations`), written as the phases
//! run and stripped or kept at the root.

use super::relative_path;
use super::target::{Builder, Ctx};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use std::path::Path;

impl Ctx<'_> {
    /// transformerAnnotations: kustomize lists every configured transformer
    /// instance on every object present when it runs, changed or not.
    /// Plugins name their config file and themselves.
    /// Like kustomize's AddTransformerAnnotation, an object that has lost its
    /// origin annotation (a patch replaced the map) takes the transformer as
    /// its origin instead.
    pub(super) fn record(
        &self,
        resmap: &mut ResMap,
        kind: &str,
        plugin: Option<(&Path, &str, Option<&str>)>,
    ) {
        let Some(root) = &self.annotations_root else {
            return;
        };
        let by = match plugin {
            None => ConfiguredBy {
                file: self.kfile,
                kind,
                name: None,
                namespace: None,
            },
            Some((file, name, namespace)) => ConfiguredBy {
                file,
                kind,
                name: Some(name),
                namespace,
            },
        };
        let origin = format!(
            "{}{}",
            self.origin_prefix,
            by.origin_text(root, self.origin_path_prefix)
        );
        let item: String = origin
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{}{l}\n", if i == 0 { "- " } else { "  " }))
            .collect();
        for r in resmap.iter_mut() {
            let Some(a) = annotations_for_build(r) else {
                continue;
            };
            if a.contains_key(ORIGIN_ANNOTATION) {
                if !self.record_transformations {
                    continue;
                }
                let list = a
                    .entry(TRANSFORMATIONS_ANNOTATION)
                    .or_insert_with(|| Value::String(Default::default()));
                if let Value::String(text) = list {
                    text.push_str(&item);
                }
            } else {
                a.insert(
                    ORIGIN_ANNOTATION.into(),
                    Value::String(origin.as_str().into()),
                );
            }
        }
    }
}

impl Builder {
    /// buildMetadata `originAnnotations`: kustomize's `config.kubernetes.io/origin`
    /// (also kept, and stripped at the end, for `transformerAnnotations`).
    pub(super) fn annotate_origin(&self, r: &mut Resource, note: OriginNote) {
        let Some(root) = self
            .root
            .as_ref()
            .filter(|_| self.origin_annotations || self.transformer_annotations)
        else {
            return;
        };
        let text = match (note, &self.repo) {
            (OriginNote::Url { url, base }, repo) => crate::load::remote::url_origin_text(
                url,
                base,
                &repo.as_ref().map(|r| r.origin_lines()).unwrap_or_default(),
            ),
            (OriginNote::File(path), None) => format!("path: {}\n", relative_path(root, path)),
            (OriginNote::Configured(by), None) => by.origin_text(root, ""),
            // Inside a clone: paths relative to it, after its URL and ref.
            (OriginNote::File(path), Some(remote)) => format!(
                "path: {}{}\n{}",
                remote.origin_path_prefix(),
                relative_path(&remote.repo, path),
                remote.origin_lines()
            ),
            (OriginNote::Configured(by), Some(remote)) => format!(
                "{}{}",
                remote.origin_lines(),
                by.origin_text(&remote.repo, remote.origin_path_prefix())
            ),
        };
        if let Some(a) = annotations_for_build(r) {
            a.insert(ORIGIN_ANNOTATION.into(), Value::String(text.into()));
        }
    }
}

/// The annotations map build annotations go into, created when missing or
/// null as kustomize's annotation filter creates it; `None` when the field
/// holds something else.
fn annotations_for_build(r: &mut Resource) -> Option<&mut crate::model::value::Map> {
    let annotations = r.metadata_mut().entry("annotations").or_insert(Value::Null);
    if annotations.is_null() {
        *annotations = Value::Object(Default::default());
    }
    annotations.as_object_mut()
}

pub(super) const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
pub(super) const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

pub(super) enum OriginNote<'a> {
    /// Loaded from a resource file.
    File(&'a Path),
    /// Made or last set by a generator or transformer.
    Configured(&'a ConfiguredBy<'a>),
    /// Downloaded from `url` by a kustomization whose origin path is `base`.
    Url { url: &'a str, base: &'a str },
}

/// A builtin generator or transformer as kustomize's build annotations name
/// it: where it was configured, its kind, and a plugin config's name.
pub(super) struct ConfiguredBy<'a> {
    pub(super) file: &'a Path,
    pub(super) kind: &'a str,
    pub(super) name: Option<&'a str>,
    pub(super) namespace: Option<&'a str>,
}

impl ConfiguredBy<'_> {
    /// The `configuredIn`/`configuredBy` text, file relative to `root`
    /// (after `prefix`, see `RemoteRoot::origin_path_prefix`).
    pub(super) fn origin_text(&self, root: &Path, prefix: &str) -> String {
        let mut text = format!(
            "configuredIn: {prefix}{}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {}\n",
            relative_path(root, self.file),
            self.kind
        );
        for (field, value) in [("name", self.name), ("namespace", self.namespace)] {
            if let Some(v) = value {
                text.push_str(&format!("  {field}: {v}\n"));
            }
        }
        text
    }
}

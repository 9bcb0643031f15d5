//! The resource phase (kustomize's `accumulateResources`): the entries of
//! `resources:` (and the deprecated `bases:`), in order. A file's objects
//! are read (prefetched on other cores where possible); a directory or git
//! URL is built as a kustomization of its own, whose objects, transformer
//! configuration and vars join this one's; an HTTP(S) URL is a downloaded
//! file.

use super::annotations::OriginNote;
use super::target::{Accumulator, Builder, Ctx};
use super::{relative_path, with_context};
use crate::error::{BuildError, Result};
use crate::load::kustomization::Kustomization;
use crate::load::transformer_config::TransformerConfig;
use crate::model::node_path::{NodePath, NodePaths};
use crate::model::provenance::{self, Origin};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use crate::model::written::Written;
use crate::yaml::keyed_lines;
use std::path::Path;

impl Builder {
    /// Adds every resource entry of `k` to the accumulator.
    pub(super) fn accumulate_resources(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        acc: &mut Accumulator,
    ) -> Result<()> {
        let Accumulator {
            resmap,
            config,
            vars,
        } = acc;
        let entries: Vec<&String> = k.resources.iter().chain(&k.bases).collect();
        for (index, entry) in entries.iter().copied().enumerate() {
            // A git URL becomes a directory in a clone, an HTTP(S) URL a
            // downloaded file (see load::remote).
            let remote = crate::load::remote::resolve_entry(
                entry,
                &ctx.loader.dir,
                &self.options.remote,
                |url, bytes| load_resource_bytes(Path::new(url), bytes, ctx.track),
            )
            .map_err(|e| with_context(e, ctx.kfile, "resources"))?;
            let (path, repo) = match remote {
                crate::load::remote::Entry::File(resources) => {
                    // The referring kustomization's path as origins show it.
                    let base = match (&self.repo, &self.root) {
                        (Some(remote), _) => format!(
                            "{}{}",
                            remote.origin_path_prefix(),
                            relative_path(&remote.repo, &ctx.loader.dir)
                        ),
                        (None, Some(root)) => relative_path(root, &ctx.loader.dir),
                        (None, None) => String::new(),
                    };
                    for mut r in resources {
                        self.annotate_origin(
                            &mut r,
                            OriginNote::Url {
                                url: entry,
                                base: &base,
                            },
                        );
                        resmap.append(r)?;
                    }
                    continue;
                }
                crate::load::remote::Entry::Dir(root) => (root.dir.clone(), Some(root)),
                crate::load::remote::Entry::Local => (
                    ctx.loader
                        .resolve(entry)
                        .map_err(|e| with_context(e, ctx.kfile, "resources"))?,
                    self.repo.clone(),
                ),
            };
            if crate::load::memo::is_dir(&path) {
                // An absolute directory is refused as kustomize refuses it
                // (URLs, resolved above, are never absolute paths).
                ctx.loader.check_new_root(entry)?;
                check_unambiguous(entry, ctx.kfile)?;
                let remote = repo.is_some() && repo != self.repo;
                if repo.is_none() {
                    self.prefetch
                        .ahead_of_dir(&entries, index, ctx.loader, ctx.track);
                }
                let outer = std::mem::replace(&mut self.repo, repo);
                let accumulated = self.accumulate_below(
                    k,
                    &path,
                    ResMap::default(),
                    TransformerConfig::default(),
                    false,
                );
                self.repo = outer;
                let (sub, _) = accumulated.map_err(|e| match remote {
                    true => crate::load::remote::in_remote(entry, e),
                    false => e,
                })?;
                resmap.append_all(sub.resmap)?;
                config
                    .merge(&sub.config)
                    .map_err(|e| BuildError::invalid(ctx.kfile, e))?;
                crate::refs::vars::merge(vars, &sub.vars, ctx.kfile)?;
            } else {
                ctx.loader.check_file(&path)?;
                let loaded = self
                    .prefetch
                    .load(&entries, index, &path, ctx.loader, ctx.track)?;
                // The objects of the files read ahead are added one by one:
                // room for all of them at once, rather than doubling on
                // the way (which leaves up to twice the room, and the
                // smaller copies freed but not yet returned).
                if resmap.spare() < loaded.len() {
                    let ahead = self.prefetch.objects_ahead(&ctx.loader.dir);
                    if ahead > 0 {
                        resmap.reserve_exact(loaded.len() + ahead);
                    }
                }
                // Read ahead, every file's list is held at once beside the
                // collection they move into: each is returned as it empties.
                let list_bytes = loaded.capacity() * std::mem::size_of::<Resource>();
                for mut r in loaded {
                    self.objects_placed = true;
                    self.annotate_origin(&mut r, OriginNote::File(&path));
                    resmap.append(r)?;
                }
                crate::model::memory::freed(list_bytes);
            }
        }
        Ok(())
    }
}

/// Loads every object of a resource file; `List` kinds are flattened. With
/// `track`, each field's origin is its line in this file.
pub fn load_resource_file(path: &Path, track: bool) -> Result<Vec<Resource>> {
    // Every caller passes a path `Loader::resolve` gave.
    let text = crate::load::loader::read_resolved_text(path)?;
    load_resources_from_text(&text, path, track)
}

/// Loads every object of a resource file's contents; `path` names it (a
/// local path, or the URL it was downloaded from).
pub fn load_resource_bytes(path: &Path, bytes: &[u8], track: bool) -> Result<Vec<Resource>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| BuildError::invalid(path, "file is not valid UTF-8"))?;
    load_resources_from_text(text, path, track)
}

/// Loads every object of a YAML stream as if it were the file `path` (which
/// errors and origins name); `List` kinds are flattened.
pub fn load_resources_from_text(text: &str, path: &Path, track: bool) -> Result<Vec<Resource>> {
    let docs = crate::yaml::parse_resource_documents(text, crate::yaml::DuplicateKeys::Reject)
        .map_err(|e| BuildError::yaml(path, e))?;
    // kustomize drops empty documents, checks each remaining one, then
    // replaces every `*List` that has items by its items (recursively).
    let mut queue: std::collections::VecDeque<(Value, Option<&crate::yaml::LineTree>, usize)> =
        std::collections::VecDeque::new();
    let mut docs = docs;
    let values: Vec<Value> = docs
        .iter_mut()
        .map(|d| std::mem::take(&mut d.value))
        .collect();
    for (doc, value) in docs.iter().zip(values) {
        if is_nil_or_empty(&value) {
            continue;
        }
        check_object(&value, path, doc.line)?;
        queue.push_back((value, Some(&doc.lines), doc.line));
    }
    let mut out = Vec::with_capacity(docs.len());
    // Every object of the file shares one copy of its path.
    let source: std::sync::Arc<Path> = path.into();
    while let Some((mut item, lines, line)) = queue.pop_front() {
        let is_list = item
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"));
        if is_list && let Some(items) = item.get_mut("items") {
            match items.take() {
                Value::Null => {}
                Value::Array(items) => {
                    let tree = lines.and_then(|l| l.get("items"));
                    for (i, v) in items.into_iter().enumerate() {
                        let item_lines = tree.and_then(|l| l.index(i));
                        queue.push_back((v, item_lines, item_lines.map_or(line, |l| l.line())));
                    }
                }
                _ => {
                    return Err(BuildError::invalid(
                        path,
                        format!("line {line}: expected an array in the items of a List"),
                    ));
                }
            }
            continue;
        }
        let line = lines.map(|l| l.line()).unwrap_or(line);
        stringify_annotations(&mut item);
        let mut r = Resource::new(item, source.clone(), line);
        if let Some(l) = lines {
            let style = l.style_paths();
            r.written = style
                .written
                .into_iter()
                .map(|(path, text)| Written {
                    path: NodePath::of(&path),
                    text,
                })
                .collect();
            r.quoted = NodePaths::new(style.quoted.iter().map(|p| NodePath::of(p)).collect());
            r.flow = style.flow.iter().map(|p| NodePath::of(p)).collect();
        }
        r.annotation_styles = lines
            .map(|l| l.annotation_styles().into())
            .unwrap_or_default();
        if track {
            let by_path = lines
                .map(|l| keyed_lines::lines_by_path(&r.value, l))
                .unwrap_or_default();
            let origin_of = |p: &str| Origin {
                file: path.to_path_buf(),
                line: keyed_lines::nearest_line(&by_path, p).unwrap_or(line),
                by: "resource".into(),
            };
            let mut origins = provenance::FieldOrigins::new();
            provenance::record_changes(&mut origins, &r, &origin_of);
            r.origins = Some(Box::new(origins));
        }
        out.push(r);
    }
    Ok(out)
}

/// kustomize skips documents that are null, an empty map or an empty list.
fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// kustomize reads annotations as map[string]string: scalars become their text.
fn stringify_annotations(object: &mut Value) {
    if let Some(Value::Object(annotations)) = object
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        for v in annotations.values_mut() {
            if matches!(v, Value::Number(_) | Value::Bool(_)) {
                *v = Value::String(crate::model::resource::scalar_text(v).into());
            }
        }
    }
}

/// kustomize's GetValidatedMetadata: a kind, and a name unless the kind is
/// a `*List`; apiVersion is not required.
fn check_object(v: &Value, path: &Path, line: usize) -> Result<()> {
    let fail = |m: &str| Err(BuildError::invalid(path, format!("line {line}: {m}")));
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        other => crate::model::resource::scalar_text(other),
    };
    let has = |key: &str| v.get(key).is_some_and(|f| !is_nil_or_empty(f));
    if !v.is_object() || !(has("apiVersion") || has("kind") || has("metadata")) {
        return fail("missing Resource metadata");
    }
    let kind = text(&v["kind"]);
    if kind.is_empty() {
        return fail("missing kind in object");
    }
    if !kind.ends_with("List") && text(&v["metadata"]["name"]).is_empty() {
        return fail("missing metadata.name in object");
    }
    Ok(())
}

/// v5.8: a directory entry with `..` inside a path segment's name
/// (`../base - ../shared`, two entries run together by an indentation
/// slip) is refused as ambiguous rather than cleaned into another path.
pub(super) fn check_unambiguous(entry: &str, kfile: &Path) -> Result<()> {
    if !crate::release::current().refuses_ambiguous_paths() {
        return Ok(());
    }
    let ambiguous = entry
        .split('/')
        .any(|seg| !matches!(seg, "" | "." | "..") && seg.contains(".."));
    match ambiguous {
        false => Ok(()),
        true => Err(BuildError::invalid(
            kfile,
            format!(
                "path {entry:?} is ambiguous: it is likely two entries run together (check the YAML indentation of the kustomization file)"
            ),
        )),
    }
}

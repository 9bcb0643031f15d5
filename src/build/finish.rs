//! What kustomize does once, at the root, after every kustomization has run
//! (its `KustTarget.MakeCustomizedResMap` tail and the build command):
//! generator hash suffixes, name references, vars,
//! dropping local configuration, the managed-by label, the build
//! annotations kept or stripped, the output order, and the check that
//! every string can be printed. Each is a function, in that order.

use super::BuildOptions;
use super::annotations::ORIGIN_ANNOTATION;
use super::ordering;
use super::target::Accumulator;
use crate::error::{BuildError, Result};
use crate::generate::hash;
use crate::load::kustomization::{self, Kustomization};
use crate::model::provenance::{self, Origin};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::{Str, Value};
use hashbrown::HashMap;
use std::path::{Path, PathBuf};

/// Which build annotations the root kustomization asked for.
#[derive(Clone, Copy)]
pub(super) struct BuildAnnotations {
    pub(super) origin: bool,
    pub(super) transformer: bool,
}

/// The root's settings every finishing step reads.
struct Root<'a> {
    /// The root kustomization file, canonical: explain's origin for steps
    /// that no single line configures.
    file: PathBuf,
    track: bool,
    kustomization: &'a Kustomization,
}

impl Root<'_> {
    fn origin(&self, by: &str) -> Origin {
        Origin {
            file: self.file.clone(),
            line: 0,
            by: by.into(),
        }
    }
}

/// Finishes the root's accumulated objects into the printed list.
pub(super) fn at_root(
    acc: Accumulator,
    kustomization: &Kustomization,
    dir: &Path,
    options: &BuildOptions,
    annotations: BuildAnnotations,
) -> Result<Vec<Resource>> {
    let Accumulator {
        mut resmap,
        config,
        vars,
    } = acc;
    let kfile = kustomization::find_file_in_build(dir)?;
    let root = Root {
        file: kfile.canonicalize().map_err(|e| BuildError::io(dir, e))?,
        track: options.track_provenance,
        kustomization,
    };
    add_hash_suffixes(&mut resmap);
    provenance::observe_step(&mut resmap, root.track, &|r, _| Origin {
        file: r.source.to_path_buf(),
        line: r.line as usize,
        by: "generator content hash suffix".into(),
    });
    fix_name_references(&mut resmap, &config, &root)?;
    resolve_vars(&mut resmap, &vars, &config, &root)?;
    drop_local_config(&mut resmap, &root)?;
    add_managed_by_label(&mut resmap, &root);
    keep_asked_annotations(&mut resmap, annotations);
    // `--reorder none` stands for a fifo sortOptions the root does not set.
    let fifo = crate::load::kustomization::SortOptions {
        order: Some("fifo".into()),
        ..Default::default()
    };
    let sort_options = match (&root.kustomization.sort_options, options.load_order) {
        (Some(own), _) => Some(own),
        (None, true) => Some(&fifo),
        (None, false) => None,
    };
    ordering::sort(&mut resmap.resources, sort_options)
        .map_err(|e| BuildError::invalid(&kfile, e))?;
    resmap.try_for_each_mut(check_printable)?;
    Ok(resmap.resources)
}

/// Generated objects that asked for one get their content hash appended.
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

/// Fields that name a renamed object follow it. A followed reference is
/// explained by whatever set the target's new name.
fn fix_name_references(
    resmap: &mut ResMap,
    config: &crate::load::transformer_config::TransformerConfig,
    root: &Root,
) -> Result<()> {
    let name_origins = match root.track {
        true => name_origins(resmap),
        false => HashMap::new(),
    };
    // Nothing is added from here on: no spare room for more objects. The
    // last stages hold every object at once: what the earlier ones freed
    // goes back to the system first, and again after the name references'
    // index.
    resmap.resources.shrink_to_fit();
    resmap.give_back_freed();
    crate::refs::namereference::fix(resmap, &config.name_references)
        .map_err(|e| BuildError::invalid(&root.file, e))?;
    resmap.give_back_freed();
    provenance::observe_step(resmap, root.track, &|r, path| {
        let value = provenance::leaves(&r.value)
            .into_iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, v)| v.as_str().map(str::to_string));
        let named = value.and_then(|v| {
            let o = name_origins.get(v.as_str())?.origin()?;
            Some((v, o))
        });
        match named {
            Some((v, o)) => Origin {
                file: o.file,
                line: o.line,
                by: format!("name reference to {v}, named by {}", o.by),
            },
            None => root.origin("name reference to a renamed object"),
        }
    });
    Ok(())
}

/// Who named each object a followed reference can name, by its name
/// before references are fixed: the name in place and the origin as kept,
/// read back only for a reference that changed. Only a renamed object can
/// be a referral, and a reference takes its name or namespace: the other
/// names are left out (a big build that renames nothing holds no entry).
/// The object named last wins, as it would in a table of every name.
fn name_origins(resmap: &ResMap) -> HashMap<Str, provenance::OriginRef> {
    let mut out: HashMap<Str, provenance::OriginRef> = HashMap::new();
    for r in resmap.iter().filter(|r| r.first_id().is_some()) {
        for name in [r.name(), r.namespace()] {
            if !out.contains_key(name) {
                out.insert(name.into(), provenance::OriginRef::UNKNOWN);
            }
        }
    }
    if out.is_empty() {
        return out;
    }
    for r in resmap.iter() {
        let origin = r.origins.as_ref().and_then(|o| o.get_ref("metadata.name"));
        if let (Some(kept), Some(origin)) = (out.get_mut(r.name()), origin) {
            *kept = origin;
        }
    }
    out
}

/// With names final, vars can be read and expanded; those never used are
/// reported on stderr, as kustomize reports them.
fn resolve_vars(
    resmap: &mut ResMap,
    vars: &[crate::refs::vars::Var],
    config: &crate::load::transformer_config::TransformerConfig,
    root: &Root,
) -> Result<()> {
    let unused =
        crate::refs::vars::resolve(resmap, vars, config.specs("varReference"), &root.file)?;
    if !unused.is_empty() {
        // A warning; a closed stderr must not fail (or panic) the build.
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr().lock(),
            format_args!(
                "nest-kz: well-defined vars that were never replaced: {}\n",
                unused.join(",")
            ),
        );
    }
    provenance::observe_step(resmap, root.track, &|_, _| root.origin("vars"));
    Ok(())
}

/// kustomize's IgnoreLocal: objects annotated as local configuration
/// served the build (references, vars) and are not part of its output.
/// kustomize makes a new collection of the rest, which fails (it panics)
/// on two objects with one id, as a JSON patch renaming two objects to
/// one name leaves them.
fn drop_local_config(resmap: &mut ResMap, root: &Root) -> Result<()> {
    resmap.resources.retain(|r| {
        let local = r.value["metadata"]["annotations"].get("config.kubernetes.io/local-config");
        local.is_none_or(|v| crate::model::resource::scalar_text(v) == "false")
    });
    resmap.invalidate();
    resmap
        .check_unique_ids()
        .map_err(|e| BuildError::invalid(&root.file, e))
}

/// `buildMetadata: [managedByLabel]`.
fn add_managed_by_label(resmap: &mut ResMap, root: &Root) {
    if !root
        .kustomization
        .build_metadata
        .iter()
        .any(|m| m == "managedByLabel")
    {
        return;
    }
    let label = Value::String(format!("nest-kz-v{}", env!("CARGO_PKG_VERSION")).into());
    for r in resmap.iter_mut() {
        r.metadata_mut()
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()))["app.kubernetes.io/managed-by"] =
            label.clone();
    }
    provenance::observe_step(resmap, root.track, &|_, _| {
        root.origin("buildMetadata managedByLabel")
    });
}

/// Origins are tracked whenever either annotation option is on; they are
/// printed only when originAnnotations asked for them. kustomize rewrites
/// every object's annotations as a string map when it strips its build
/// annotations (unless both options are on): values become text and an
/// empty or null map disappears.
fn keep_asked_annotations(resmap: &mut ResMap, asked: BuildAnnotations) {
    // kustomize's build annotations go whatever was asked (and whoever set
    // them): v5.8's helm marker too.
    let helm = crate::release::current()
        .helm_namespace_from_kustomization()
        .then_some(crate::model::resource::HELM_GENERATED);
    let build = crate::model::resource::BUILD_ANNOTATIONS;
    let doomed = |key: &str| build.contains(&key) || helm == Some(key);
    let has_doomed = |r: &Resource| {
        r.value["metadata"]["annotations"]
            .as_object()
            .is_some_and(|a| a.keys().any(|k| doomed(k)))
    };
    for index in resmap.positions(has_doomed) {
        let meta = resmap.resources[index].metadata_mut();
        if let Some(Value::Object(a)) = meta.get_mut("annotations") {
            a.retain(|k, _| !doomed(k));
            if a.is_empty() {
                meta.shift_remove("annotations");
            }
        }
    }
    if asked.transformer && !asked.origin {
        for r in resmap.iter_mut() {
            let meta = r.metadata_mut();
            if let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.shift_remove(ORIGIN_ANNOTATION);
            }
        }
    }
    if !(asked.transformer && asked.origin) {
        resmap.for_each_mut(Resource::normalize_annotations);
    }
}

/// kustomize fails on raw control characters after its JSON step; so do we.
fn check_printable(r: &mut Resource) -> Result<()> {
    printable(&r.value).map_err(|c| {
        BuildError::invalid(
            r.source.to_path_buf(),
            format!(
                "{}: contains U+{:04X}, a control character kustomize cannot print",
                r.id(),
                c as u32
            ),
        )
    })
}

fn printable(v: &Value) -> std::result::Result<(), char> {
    let check = |s: &str| {
        // DEL is the one ASCII character in the set: text below it passes
        // in one pass over its bytes.
        if s.bytes().all(|b| b < 0x7F) {
            return Ok(());
        }
        s.chars()
            .find(|c| crate::yaml::emit::is_unprintable_after_json(*c))
            .map_or(Ok(()), Err)
    };
    match v {
        Value::String(s) => check(s),
        Value::Array(items) => items.iter().try_for_each(printable),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check(k).and_then(|_| printable(v))),
        _ => Ok(()),
    }
}

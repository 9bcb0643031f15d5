//! The transformer phase (kustomize's `runTransformers`): a kustomization's
//! builtin transformers in kustomize's fixed order (patches, namespace,
//! prefix and suffix, labels, annotations, JSON 6902 patches, replicas,
//! images, replacements), then the plugin configs of its `transformers:`
//! field, each step reported to provenance and to the build annotations.

use super::plugins;
use super::target::Ctx;
use crate::error::{BuildError, Result};
use crate::load::kustomization::Kustomization;
use crate::load::openapi::SchemaTable;
use crate::load::transformer_config::TransformerConfig;
use crate::model::provenance::{self, Origin};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::patch;
use crate::refs::replacements;
use crate::transform::prefix_suffix::Affix;
use crate::transform::{annotations, images, labels, namespace, prefix_suffix, replicas};

/// Runs `k`'s transformers in kustomize's builtin order, then its
/// transformer plugins in listed order.
pub(super) fn run_transformers(
    resmap: &mut ResMap,
    k: &Kustomization,
    ctx: &Ctx,
    config: &TransformerConfig,
    schema: &SchemaTable,
    plugin_configs: Vec<plugins::PluginConfig>,
    plugin_options: &crate::plugin::PluginOptions,
) -> Result<()> {
    let fail = |e: String| BuildError::invalid(ctx.kfile, e);
    // Each step reports itself to provenance when it has run.
    let observe = |resmap: &mut ResMap, field: &str, by: &str| {
        let origin = ctx.at(field, by);
        provenance::observe_step(resmap, ctx.track, &|_, _| origin.clone());
    };
    // kustomize skips a file that holds nothing, unless all of them do.
    let mut patches = Vec::with_capacity(k.patches_strategic_merge.len());
    for (i, entry) in k.patches_strategic_merge.iter().enumerate() {
        let field = format!("patchesStrategicMerge[{i}]");
        let patch = patch::load_strategic(entry, ctx.loader, ctx.kfile)
            .map_err(|e| entry_error(e, ctx, &field, ""))?;
        patches.extend(patch.map(|p| (field, p)));
    }
    if patches.is_empty() && !k.patches_strategic_merge.is_empty() {
        return Err(fail(format!(
            "patchesStrategicMerge: patch appears to be empty; files={}",
            crate::model::go_format::list(&k.patches_strategic_merge)
        )));
    }
    for (field, patch) in &patches {
        apply_patch(resmap, patch, ctx, field, "", schema)
            .map_err(|e| entry_error(e, ctx, field, ""))?;
    }
    if !k.patches_strategic_merge.is_empty() {
        ctx.record(resmap, "PatchStrategicMergeTransformer", None);
    }
    for (i, spec) in k.patches.iter().enumerate() {
        let field = format!("patches[{i}]");
        // A patch that holds nothing may be skipped (`Release::empty_patch`).
        patch::load(spec, ctx.loader, ctx.kfile)
            .and_then(|patch| match patch {
                Some(patch) => apply_patch(resmap, &patch, ctx, &field, "patch", schema),
                None => Ok(()),
            })
            .map_err(|e| entry_error(e, ctx, &field, "patch"))?;
        ctx.record(resmap, "PatchTransformer", None);
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        let t = namespace::Namespace {
            namespace: ns,
            specs: config.specs("namespace"),
            ..Default::default()
        };
        namespace::apply(resmap, &t).map_err(fail)?;
        observe(resmap, "namespace", "namespace");
        ctx.record(resmap, "NamespaceTransformer", None);
    }
    let (prefix, suffix) = (
        k.name_prefix.as_deref().unwrap_or_default(),
        k.name_suffix.as_deref().unwrap_or_default(),
    );
    // Two transformers, as in kustomize: the prefix first, then the suffix.
    for (field, kind, affix, text) in [
        ("namePrefix", "PrefixTransformer", Affix::Prefix, prefix),
        ("nameSuffix", "SuffixTransformer", Affix::Suffix, suffix),
    ] {
        if text.is_empty() {
            continue;
        }
        prefix_suffix::apply(resmap, affix, text, config.specs(field)).map_err(fail)?;
        observe(resmap, field, field);
        ctx.record(resmap, kind, None);
    }
    // A label or annotation points at the line of its own key.
    let keyed = |base: String, keys: Vec<String>, by: &'static str| {
        move |_: &Resource, path: &str| match keys.iter().find(|k| path.ends_with(&format!(".{k}")))
        {
            Some(k) => ctx.at(&format!("{base}.{k}"), by),
            None => ctx.at(&base, by),
        }
    };
    for (i, entry) in k.labels.iter().enumerate() {
        let origin_of = keyed(
            format!("labels[{i}].pairs"),
            entry.pairs.keys().cloned().collect(),
            "labels",
        );
        labels::apply_entry(resmap, entry, config).map_err(fail)?;
        provenance::observe_step(resmap, ctx.track, &origin_of);
        ctx.record(resmap, "LabelTransformer", None);
    }
    let origin_of = keyed(
        "commonLabels".into(),
        k.common_labels.keys().cloned().collect(),
        "commonLabels",
    );
    labels::apply_common(resmap, &k.common_labels, config).map_err(fail)?;
    provenance::observe_step(resmap, ctx.track, &origin_of);
    // kustomize configures the commonLabels transformer whenever either
    // labels field is set, even with no common labels.
    if !k.common_labels.is_empty() || !k.labels.is_empty() {
        ctx.record(resmap, "LabelTransformer", None);
    }
    let origin_of = keyed(
        "commonAnnotations".into(),
        k.common_annotations.keys().cloned().collect(),
        "commonAnnotations",
    );
    annotations::apply(
        resmap,
        &k.common_annotations,
        config.specs("commonAnnotations"),
    )
    .map_err(fail)?;
    provenance::observe_step(resmap, ctx.track, &origin_of);
    if !k.common_annotations.is_empty() {
        ctx.record(resmap, "AnnotationsTransformer", None);
    }
    for (i, spec) in k.patches_json6902.iter().enumerate() {
        let field = format!("patchesJson6902[{i}]");
        patch::load(spec, ctx.loader, ctx.kfile)
            .and_then(|patch| match patch {
                Some(patch) if !matches!(patch.body, patch::PatchBody::Json6902(_)) => {
                    Err(BuildError::invalid(
                        &patch.origin,
                        "patchesJson6902 entries must be JSON 6902 op lists",
                    ))
                }
                Some(mut patch) => {
                    patch.records_previous_id = false;
                    apply_patch(resmap, &patch, ctx, &field, "patch", schema)
                }
                None => Ok(()),
            })
            .map_err(|e| entry_error(e, ctx, &field, "patch"))?;
        ctx.record(resmap, "PatchJson6902Transformer", None);
    }
    for r in &k.replicas {
        replicas::apply(resmap, r, config.specs("replicas")).map_err(fail)?;
        observe(
            resmap,
            &format!("replicas[name={}].count", r.name),
            "replicas",
        );
        ctx.record(resmap, "ReplicaCountTransformer", None);
    }
    for image in &k.images {
        let set = [
            ("newTag", &image.new_tag),
            ("digest", &image.digest),
            ("newName", &image.new_name),
        ]
        .into_iter()
        .find(|(_, v)| v.is_some());
        let field = format!(
            "images[name={}]{}",
            image.name,
            set.map(|(f, _)| format!(".{f}")).unwrap_or_default()
        );
        images::apply(resmap, std::slice::from_ref(image), config.specs("images")).map_err(fail)?;
        observe(resmap, &field, "images");
        ctx.record(resmap, "ImageTagTransformer", None);
    }
    for (i, entry) in k.replacements.iter().enumerate() {
        replacements::apply(resmap, std::slice::from_ref(entry), ctx.loader, ctx.kfile)?;
        observe(resmap, &format!("replacements[{i}]"), "replacements");
    }
    if !k.replacements.is_empty() {
        ctx.record(resmap, "ReplacementTransformer", None);
    }
    // Transformer plugins run after the builtin transformers, in listed order.
    for plugin in plugin_configs {
        let origin = Origin {
            file: plugin.origin.clone(),
            line: 0,
            by: "transformer plugin".into(),
        };
        match plugins::is_builtin(&plugin) {
            true => plugins::transform(resmap, &plugin, ctx.loader, schema)?,
            false => {
                plugins::transform_external(resmap, &plugin, ctx.loader, plugin_options, ctx.track)?
            }
        }
        provenance::observe_step(resmap, ctx.track, &|_, _| origin.clone());
        let kind = plugin.value["kind"].as_str().unwrap_or_default();
        ctx.record(
            resmap,
            kind,
            Some((
                &plugin.origin,
                plugin.value["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default(),
                plugin.value["metadata"]["namespace"].as_str(),
            )),
        );
    }
    Ok(())
}

/// An error of one patch entry, as it reaches the user: one from a remote
/// file names the kustomization and the field; one in an inline patch (its
/// file is the kustomization) gets the field and the kustomization's line,
/// the patch text's own line counted from where the text starts.
fn entry_error(e: BuildError, ctx: &Ctx, field: &str, inline_key: &str) -> BuildError {
    let kfile = ctx.kfile.to_path_buf();
    let at = |line: usize, message: String| BuildError::At {
        path: kfile.clone(),
        line,
        message: format!("{field}: {message}"),
    };
    match e {
        BuildError::Remote { url, source } => {
            BuildError::invalid(&kfile, format!("{field}: remote file '{url}': {source}"))
        }
        BuildError::Yaml {
            path,
            line,
            message,
        } if path == kfile => at(
            text_start(ctx, field, inline_key) + line,
            format!("YAML syntax error: {message}"),
        ),
        BuildError::At {
            path,
            line,
            message,
        } if path == kfile => at(text_start(ctx, field, inline_key) + line, message),
        BuildError::Invalid { path, message } if path == kfile => {
            at(text_start(ctx, field, inline_key).max(1), message)
        }
        other => other,
    }
}

/// The kustomization line before an inline patch's first line: the key's
/// line for a block scalar (`patch: |`), the line before it for a value
/// written on the key's line.
fn text_start(ctx: &Ctx, field: &str, inline_key: &str) -> usize {
    let path = match inline_key {
        "" => field.to_string(),
        key => format!("{field}.{key}"),
    };
    let Some(line) = crate::yaml::parse_config_documents(ctx.ktext)
        .ok()
        .and_then(|d| d.into_iter().next())
        .map(|d| crate::yaml::keyed_lines::lines_by_path(&d.value, &d.lines))
        .and_then(|lines| crate::yaml::keyed_lines::nearest_line(&lines, &path))
    else {
        return 0;
    };
    let text = ctx.ktext.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let value = text.split_once(':').map_or(text, |(_, v)| v);
    let value = value.trim_start().trim_start_matches("- ");
    if value.starts_with('|') || value.starts_with('>') || text.trim_start().starts_with("- |") {
        line
    } else {
        line.saturating_sub(1)
    }
}

/// Applies one patch; when tracking, JSON 6902 ops are applied one by one so
/// each field is attributed to the op that set it.
fn apply_patch(
    resmap: &mut ResMap,
    patch: &patch::Patch,
    ctx: &Ctx,
    field_path: &str,
    inline_key: &str,
    schema: &SchemaTable,
) -> Result<()> {
    // An inline patch's lines, as lines of the kustomization.
    let offset = if ctx.track && patch.origin == ctx.kfile {
        text_start(ctx, field_path, inline_key)
    } else {
        0
    };
    // Splitting reads every op's line from the patch text: only for tracking.
    let ops = if ctx.track {
        patch.split_ops()
    } else {
        Vec::new()
    };
    if !ops.is_empty() {
        for (single, line) in ops {
            let origin = Origin {
                file: patch.origin.clone(),
                line: line + offset,
                by: "JSON 6902 patch".into(),
            };
            patch::apply_with_schema(resmap, &single, schema)?;
            provenance::observe_step(resmap, true, &|_, _| origin.clone());
        }
        return Ok(());
    }
    let origin_of = |_: &Resource, path: &str| Origin {
        file: patch.origin.clone(),
        line: patch.line_for(path) + offset,
        by: "strategic merge patch".into(),
    };
    patch::apply_with_schema(resmap, patch, schema)?;
    provenance::observe_step(resmap, ctx.track, &origin_of);
    Ok(())
}

//! The generator phase (kustomize's `runGenerators`): a kustomization's
//! `configMapGenerator` and `secretGenerator` entries, then its `helmCharts`
//! (HelmChartInflationGenerator), then the plugin configs of its
//! `generators:` field, each appending new objects (or merging into
//! existing ones, for generator behaviours) in that order.

use super::annotations::{ConfiguredBy, OriginNote};
use super::resources::load_resources_from_text;
use super::target::{Builder, Ctx};
use crate::error::{BuildError, Result};
use crate::generate::configmap_secret::{self, GeneratedKind};
use crate::load::kustomization::Kustomization;
use crate::load::loader::Loader;
use crate::model::provenance::{self, Origin};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use std::path::Path;

impl Builder {
    /// Runs every generator of `k` into `resmap`, in kustomize's order.
    pub(super) fn run_generators(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        resmap: &mut ResMap,
    ) -> Result<()> {
        self.builtin_generators(k, ctx, resmap)?;
        self.helm_charts(k, ctx, resmap)?;
        self.generator_plugins(k, ctx, resmap)
    }

    /// `configMapGenerator` then `secretGenerator`, entry by entry.
    fn builtin_generators(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        resmap: &mut ResMap,
    ) -> Result<()> {
        let options = k.generator_options.as_ref();
        for (field, kind, list) in [
            (
                "configMapGenerator",
                GeneratedKind::ConfigMap,
                &k.config_map_generator,
            ),
            (
                "secretGenerator",
                GeneratedKind::Secret,
                &k.secret_generator,
            ),
        ] {
            for args in list {
                let entry = format!("{field}[name={}]", args.name.as_deref().unwrap_or_default());
                let origin = ctx.at(&entry, field);
                // Data keys point at their literal or file entry.
                let origin_of = |_: &Resource, path: &str| {
                    let key = path
                        .strip_prefix("data.")
                        .or_else(|| path.strip_prefix("binaryData."));
                    let source = key.and_then(|key| {
                        let literal = args
                            .literals
                            .iter()
                            .position(|l| l.split_once('=').is_some_and(|(k, _)| k == key));
                        let file = args.files.iter().position(|f| {
                            f.split_once('=')
                                .map_or(f.rsplit('/').next() == Some(key), |(k, _)| k == key)
                        });
                        literal
                            .map(|j| format!("{entry}.literals[{j}]"))
                            .or_else(|| file.map(|j| format!("{entry}.files[{j}]")))
                    });
                    source.map_or_else(|| origin.clone(), |s| ctx.at(&s, field))
                };
                // A generator appends at most one new object, at the end.
                let first_new = resmap.resources.len();
                configmap_secret::run(
                    resmap,
                    kind,
                    std::slice::from_ref(args),
                    options,
                    ctx.loader,
                    ctx.kfile,
                )?;
                provenance::observe_step(resmap, ctx.track, &origin_of);
                let generator = if kind == GeneratedKind::ConfigMap {
                    "ConfigMapGenerator"
                } else {
                    "SecretGenerator"
                };
                let by = ConfiguredBy {
                    file: ctx.kfile,
                    kind: generator,
                    name: None,
                    namespace: None,
                };
                for r in resmap.resources[first_new..].iter_mut() {
                    r.line = crate::model::resource::line_number(origin.line);
                    self.annotate_origin(r, OriginNote::Configured(&by));
                }
                // A replaced object takes the new generator as its origin
                // (a merged one keeps its own), as in kustomize.
                if args.behavior.as_deref() == Some("replace") {
                    let name = args.name.as_deref().unwrap_or_default();
                    let kind_name = if kind == GeneratedKind::ConfigMap {
                        "ConfigMap"
                    } else {
                        "Secret"
                    };
                    for r in resmap.resources[..first_new]
                        .iter_mut()
                        .filter(|r| r.kind() == kind_name && r.ever_named(name))
                    {
                        self.annotate_origin(r, OriginNote::Configured(&by));
                    }
                }
            }
        }
        Ok(())
    }

    /// `helmCharts` (and the deprecated `helmChartInflationGenerator`),
    /// after the ConfigMap and Secret generators.
    fn helm_charts(&mut self, k: &Kustomization, ctx: &Ctx, resmap: &mut ResMap) -> Result<()> {
        // HelmChartInflationGenerator runs after the ConfigMap and Secret generators.
        let helm = &self.options.helm;
        let by = ConfiguredBy {
            file: ctx.kfile,
            kind: "HelmChartInflationGenerator",
            name: None,
            namespace: None,
        };
        let (charts, globals) = k.helm();
        let release = crate::release::current();
        for chart in &charts {
            // explain: every field of an inflated object points at its chart entry.
            let origin = ctx.at(&format!("helmCharts[name={}]", chart.name), "helm chart");
            let mut chart = chart.clone();
            // v5.8: the chart renders in the kustomization's namespace, or
            // the nearest enclosing one's, unless it names its own.
            if release.helm_namespace_from_kustomization() && chart.namespace.is_empty() {
                chart.namespace = k
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| self.helm_root_namespace.clone());
            }
            for mut r in inflate_helm_chart(&chart, &globals, ctx.kfile, ctx.loader, helm)? {
                self.annotate_origin(&mut r, OriginNote::Configured(&by));
                resmap.append(r)?;
            }
            provenance::observe_step(resmap, ctx.track, &|_, _| origin.clone());
        }
        Ok(())
    }

    /// The plugin configs of `generators:`, in listed order.
    fn generator_plugins(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        resmap: &mut ResMap,
    ) -> Result<()> {
        // Generator plugins run after the builtin generators, in listed order.
        let generator_configs = self.plugin_configs(&k.generators, ctx)?;
        for plugin in generator_configs {
            let origin = Origin {
                file: plugin.origin.clone(),
                line: 0,
                by: "generator plugin".into(),
            };
            let first_new = resmap.resources.len();
            match crate::build::plugins::is_builtin(&plugin) {
                true => crate::build::plugins::generate(
                    resmap,
                    &plugin,
                    ctx.loader,
                    &self.options.helm,
                )?,
                false => crate::build::plugins::generate_external(
                    resmap,
                    &plugin,
                    ctx.loader,
                    &self.options.plugins,
                    ctx.track,
                )?,
            }
            provenance::observe_step(resmap, ctx.track, &|_, _| origin.clone());
            let meta = &plugin.value["metadata"];
            let by = ConfiguredBy {
                file: &plugin.origin,
                kind: plugin.value["kind"].as_str().unwrap_or_default(),
                name: Some(meta["name"].as_str().unwrap_or_default()),
                namespace: meta["namespace"].as_str(),
            };
            for r in resmap.resources[first_new..].iter_mut() {
                self.annotate_origin(r, OriginNote::Configured(&by));
            }
        }
        Ok(())
    }
}

/// kustomize's HelmChartInflationGenerator for one chart of a kustomization
/// (`Kustomization::helm` lists them with their globals, in order): the
/// chart inflated by helm and read as resources whose source is the
/// kustomization file. Self-contained so any build stage can call it where
/// the builtin generators run.
pub fn inflate_helm_chart(
    chart: &crate::generate::helm::HelmChart,
    globals: &crate::generate::helm::HelmGlobals,
    kfile: &Path,
    loader: &Loader,
    options: &crate::generate::helm::HelmOptions,
) -> Result<Vec<Resource>> {
    let text = crate::generate::helm::inflate(
        chart,
        globals,
        &loader.dir,
        loader.restriction,
        options,
        &loader.remote,
    )
    .map_err(|e| BuildError::invalid(kfile, format!("helmCharts: {e}")))?;
    // Line numbers in helm's output mean nothing in the kustomization, so
    // objects are loaded untracked; the caller attributes their fields.
    let mut objects = load_resources_from_text(&text, kfile, false).map_err(|e| {
        BuildError::invalid(
            kfile,
            format!(
                "helmCharts: chart '{}': reading helm's output: {e}",
                chart.name
            ),
        )
    })?;
    // v5.8 marks what helm rendered (kustomize's `markHelmGeneratedResources`).
    if crate::release::current().helm_namespace_from_kustomization() {
        for r in &mut objects {
            let meta = r.metadata_mut();
            let annotations = meta.entry("annotations").or_insert(Value::Null);
            if !annotations.is_object() {
                *annotations = Value::Object(Default::default());
            }
            if let Some(a) = annotations.as_object_mut() {
                a.insert(
                    crate::model::resource::HELM_GENERATED.into(),
                    Value::String("true".into()),
                );
            }
        }
    }
    Ok(objects)
}

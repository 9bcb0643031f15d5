//! One kustomization's build, in kustomize's phases (its `KustTarget`):
//! the builder reads the kustomization file, checks it may be built here
//! (cycles, kind, openapi), then runs the phases in `run`, each in a module
//! of its own: `resources`, `generators`, `components`, `transformers`.
//! The builder carries what the whole build shares (options, the root,
//! build-annotation settings, the schema, the remote clone being built,
//! the prefetcher); `Ctx` what one kustomization's phases share.

use super::BuildOptions;
use super::plugins;
use super::prefetch;
use super::transformers::run_transformers;
use crate::error::{BuildError, Result};
use crate::load::kustomization::{self, Kustomization};
use crate::load::loader::Loader;
use crate::load::openapi::SchemaTable;
use crate::load::transformer_config::TransformerConfig;
use crate::model::provenance::Origin;
use crate::model::resmap::ResMap;
use crate::refs::vars::Var;
use crate::yaml::keyed_lines;
use hashbrown::HashMap;
use std::path::{Path, PathBuf};

pub(super) struct Builder {
    pub(super) options: BuildOptions,
    /// Kustomization directories being built, to report cycles.
    pub(super) stack: Vec<PathBuf>,
    /// The root kustomization's directory; origin paths are relative to it.
    pub(super) root: Option<PathBuf>,
    pub(super) origin_annotations: bool,
    pub(super) transformer_annotations: bool,
    /// A schema loaded by `openapi:`; like kustomize's global setting, it
    /// applies from the moment the kustomization declaring it is loaded.
    pub(super) schema: Option<std::sync::Arc<SchemaTable>>,
    /// Whether some kustomization has chosen the schema (kustomize's
    /// SetSchema runs once, unless at the root).
    pub(super) schema_set: bool,
    /// Whether any object has been read yet (see `load_schema`).
    pub(super) objects_placed: bool,
    /// The clone the kustomization being built came from, if remote: its
    /// loads are restricted to it (see `Loader::in_repo`), and origin
    /// annotations name its URL and paths relative to it.
    pub(super) repo: Option<crate::load::remote::RemoteRoot>,
    /// `build URL`: the clone the root kustomization is in. Its loads are
    /// restricted as a remote base's, but origins read as a local root's
    /// (kustomize names a repository only for remote entries).
    pub(super) root_clone: Option<PathBuf>,
    /// Resource files parsed ahead on every core, until their
    /// kustomization takes them.
    pub(super) prefetch: prefetch::Prefetch,
    /// v5.8's `helmRootNamespace`: the namespace of the nearest enclosing
    /// kustomization that sets one, for charts of kustomizations that set
    /// none.
    pub(super) helm_root_namespace: String,
}

/// One kustomization being run: its file, loader and (when tracking) the
/// line of each of its fields.
pub(super) struct Ctx<'a> {
    pub(super) kfile: &'a Path,
    /// The kustomization's text (errors in inline patches find their line
    /// in it).
    pub(super) ktext: &'a str,
    pub(super) loader: &'a Loader,
    pub(super) klines: HashMap<String, usize>,
    pub(super) track: bool,
    /// When origins are tracked (either annotation option): the root
    /// directory, for `configuredIn`.
    pub(super) annotations_root: Option<PathBuf>,
    /// transformerAnnotations: list each transformer on the objects.
    pub(super) record_transformations: bool,
    /// In a remote kustomization: the `repo:`/`ref:` lines that start
    /// kustomize's origin text, and what its paths start with.
    pub(super) origin_prefix: String,
    pub(super) origin_path_prefix: &'static str,
}

/// kustomize's accumulator: the objects a kustomization has gathered so far,
/// with the transformer config and vars it and everything below it declared.
#[derive(Default)]
pub(super) struct Accumulator {
    pub(super) resmap: ResMap,
    pub(super) config: TransformerConfig,
    pub(super) vars: Vec<Var>,
}

/// What accumulating a kustomization yields: the accumulator, and the
/// kustomization itself.
pub(super) type Accumulated = (Accumulator, Kustomization);

impl Ctx<'_> {
    /// An origin pointing at a field of this kustomization.
    pub(super) fn at(&self, field_path: &str, by: &str) -> Origin {
        Origin {
            file: self.kfile.to_path_buf(),
            line: keyed_lines::nearest_line(&self.klines, field_path).unwrap_or(0),
            by: by.to_string(),
        }
    }
}

impl Builder {
    /// A builder for one build with `options`.
    pub(super) fn new(options: &BuildOptions) -> Builder {
        Builder {
            options: options.clone(),
            stack: Vec::new(),
            root: None,
            origin_annotations: false,
            transformer_annotations: false,
            schema: None,
            schema_set: false,
            objects_placed: false,
            repo: None,
            root_clone: None,
            prefetch: prefetch::Prefetch::default(),
            helm_root_namespace: String::new(),
        }
    }

    pub(super) fn accumulate(
        &mut self,
        dir: &Path,
        initial: ResMap,
        as_component: bool,
    ) -> Result<Accumulated> {
        self.accumulate_with(dir, initial, TransformerConfig::default(), as_component)
    }

    /// `accumulate` for a kustomization below `parent`: its charts' root
    /// namespace is the parent's own namespace, else the parent's root
    /// namespace.
    pub(super) fn accumulate_below(
        &mut self,
        parent: &Kustomization,
        dir: &Path,
        initial: ResMap,
        initial_config: TransformerConfig,
        as_component: bool,
    ) -> Result<Accumulated> {
        let outer = self.helm_root_namespace.clone();
        if let Some(ns) = parent.namespace.as_deref().filter(|n| !n.is_empty()) {
            self.helm_root_namespace = ns.to_string();
        }
        let result = self.accumulate_with(dir, initial, initial_config, as_component);
        self.helm_root_namespace = outer;
        result
    }

    /// `accumulate`, for a component: it works on its parent's objects and
    /// transformer config (kustomize's shared accumulator).
    pub(super) fn accumulate_with(
        &mut self,
        dir: &Path,
        initial: ResMap,
        initial_config: TransformerConfig,
        as_component: bool,
    ) -> Result<Accumulated> {
        let mut loader = match (&self.repo, &self.root_clone) {
            (Some(remote), _) => Loader::in_repo(dir, &remote.repo)?,
            (None, Some(clone)) => Loader::in_repo(dir, clone)?,
            (None, None) => Loader::new(dir, self.options.load_restriction)?,
        };
        loader.remote = self.options.remote.clone();
        if self.stack.contains(&loader.dir) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain([&loader.dir])
                .map(|p| p.display().to_string())
                .collect();
            return Err(BuildError::invalid(
                &loader.dir,
                format!(
                    "cycle detected between kustomizations: {}",
                    chain.join(" -> ")
                ),
            ));
        }
        crate::model::limits::charge_kustomization(&loader.dir)?;
        let root_text = self
            .options
            .root_text
            .as_ref()
            .filter(|_| self.root.is_none());
        let (kfile, text, k) = match (root_text, self.prefetch.take_kustomization(&loader)) {
            (Some(text), _) => {
                // The root's file as edited in memory (the ArgoCD plugin's
                // overrides); it is still found and named as on disk.
                let kfile = kustomization::find_file_in_build(&loader.dir)?;
                let k = kustomization::parse(&kfile, text)?;
                (kfile, text.clone(), k)
            }
            (None, Some(read)) => read,
            (None, None) => {
                let (kfile, text) = loader.read_kustomization()?;
                let k = kustomization::parse(&kfile, &text)?;
                (kfile, text, k)
            }
        };
        // kustomize warns about deprecated fields as it loads each file.
        let warnings = match self.options.deprecation_warnings {
            true => k.deprecation_warnings.as_slice(),
            false => &[],
        };
        for warning in warnings {
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr().lock(),
                format_args!("{warning}\n"),
            );
        }
        // The root may be a Component (kustomize builds it like a
        // Kustomization); below it, components and resources may not mix.
        let is_root = self.root.is_none();
        if !is_root && as_component != k.is_component() {
            let want = if as_component {
                "Component"
            } else {
                "Kustomization"
            };
            return Err(BuildError::invalid(
                &kfile,
                format!(
                    "expected kind '{want}' here, found '{}'",
                    k.kind.as_deref().unwrap_or("Kustomization")
                ),
            ));
        }
        if self.root.is_none() {
            self.root = Some(loader.dir.clone());
            self.origin_annotations = k.build_metadata.iter().any(|m| m == "originAnnotations");
            self.transformer_annotations = k
                .build_metadata
                .iter()
                .any(|m| m == "transformerAnnotations");
            // Other values are ignored, as kustomize ignores them.
        }
        // kustomize's schema is one global setting: the root's `openapi`
        // always applies; below it, only the first kustomization that sets
        // one, from when it is loaded.
        if let Some(spec) = &k.openapi
            && (is_root || !self.schema_set)
            && let Some(schema) = load_schema(
                spec,
                &loader,
                &kfile,
                self.objects_placed || !initial.resources.is_empty(),
            )?
        {
            self.schema = schema.map(std::sync::Arc::new);
            self.schema_set = true;
        }
        let track = self.options.track_provenance;
        let klines = if track {
            crate::yaml::parse_config_documents(&text)
                .ok()
                .and_then(|d| d.into_iter().next())
                .map(|d| keyed_lines::lines_by_path(&d.value, &d.lines))
                .unwrap_or_default()
        } else {
            HashMap::new()
        };
        let tracks_origins = self.transformer_annotations || self.origin_annotations;
        // Inside a clone, kustomize's paths are relative to the clone.
        let annotations_root = tracks_origins.then(|| match &self.repo {
            Some(remote) => remote.repo.clone(),
            None => self.root.clone().unwrap_or_else(|| loader.dir.clone()),
        });
        let origin_prefix = self
            .repo
            .as_ref()
            .map(|r| r.origin_lines())
            .unwrap_or_default();
        let origin_path_prefix = self.repo.as_ref().map_or("", |r| r.origin_path_prefix());
        let record_transformations = self.transformer_annotations;
        let ctx = Ctx {
            kfile: &kfile,
            ktext: &text,
            loader: &loader,
            klines,
            track,
            annotations_root,
            record_transformations,
            origin_prefix,
            origin_path_prefix,
        };
        self.stack.push(loader.dir.clone());
        let result = self.run(&k, &ctx, initial, initial_config);
        if result
            .as_ref()
            .is_ok_and(|acc| !acc.resmap.resources.is_empty())
        {
            self.objects_placed = true;
        }
        self.stack.pop();
        result.map(|acc| (acc, k))
    }

    /// One kustomization's work, in kustomize's order (its `KustTarget`):
    /// accumulate the resources (building the kustomizations below), take in
    /// its own transformer configurations, run its generators, apply its
    /// components (which work on these objects), run its transformers and
    /// validators, then bind its vars to the objects as they now are.
    fn run(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        initial: ResMap,
        initial_config: TransformerConfig,
    ) -> Result<Accumulator> {
        // Like kustomize's accumulator, the config starts empty and gathers
        // the resources' configs, then this kustomization's own.
        let mut acc = Accumulator {
            resmap: initial,
            config: initial_config,
            vars: Vec::new(),
        };
        self.accumulate_resources(k, ctx, &mut acc)?;
        merge_own_config(k, ctx, &mut acc.config)?;
        self.run_generators(k, ctx, &mut acc.resmap)?;
        self.accumulate_components(k, ctx, &mut acc)?;
        let transformer_configs = self.plugin_configs(&k.transformers, ctx)?;
        let validator_configs = self.plugin_configs(&k.validators, ctx)?;
        let schema = self.schema.clone();
        let schema = schema.as_deref().unwrap_or(SchemaTable::builtin());
        run_transformers(
            &mut acc.resmap,
            k,
            ctx,
            &acc.config,
            schema,
            transformer_configs,
            &self.options.plugins,
        )?;
        for config in &validator_configs {
            crate::build::plugins::validate(
                &acc.resmap,
                config,
                ctx.loader,
                &self.options.plugins,
                schema,
            )?;
        }
        // Own vars bind to objects as they are after this kustomization's
        // transformers, as kustomize's MergeVars does.
        crate::refs::vars::bind(&mut acc.resmap, &k.vars, ctx.kfile)?;
        crate::refs::vars::merge(&mut acc.vars, &k.vars, ctx.kfile)?;
        Ok(acc)
    }

    pub(super) fn plugin_configs(
        &mut self,
        entries: &[String],
        ctx: &Ctx,
    ) -> Result<Vec<plugins::PluginConfig>> {
        let mut load_dir = |dir: &Path| -> Result<plugins::Configs> {
            let (acc, _) = self.accumulate(dir, ResMap::default(), false)?;
            Ok(acc
                .resmap
                .resources
                .into_iter()
                .map(|r| (r.source.to_path_buf(), r.value))
                .collect())
        };
        plugins::load(entries, ctx.loader, ctx.kfile, &mut load_dir)
    }
}

/// kustomize's MakeTransformerConfig for one kustomization: the defaults
/// merged with its `configurations:` files and its `crds:`, joining the
/// configs of the resources below it.
fn merge_own_config(k: &Kustomization, ctx: &Ctx, config: &mut TransformerConfig) -> Result<()> {
    let merge_error = |e| BuildError::invalid(ctx.kfile, format!("merging config: {e}"));
    // kustomize's MakeTransformerConfig: the defaults merged with the
    // `configurations:` files.
    let mut own = TransformerConfig::builtin();
    if !k.configurations.is_empty() {
        own.merge(&TransformerConfig::load(&k.configurations, ctx.loader)?)
            .map_err(merge_error)?;
    }
    config.merge(&own).map_err(merge_error)?;
    config
        .merge(&crate::load::transformer_config::load_crds(
            &k.crds, ctx.loader,
        )?)
        .map_err(merge_error)?;
    Ok(())
}

/// Loads an `openapi:` schema file (JSON or YAML swagger definitions).
/// The schema an `openapi:` field chooses: `None` when it chooses nothing,
/// `Some(None)` for the builtin one (`version: v1.21.2`, the only version
/// kustomize v5.5.0 ships, which nest-kz's builtin table stands for), or a
/// custom schema file.
/// `objects_placed`: whether kustomize has already asked its builtin schema
/// whether some object is namespaced (it does for every object it reads);
/// kyaml then reads the builtin schema after a custom one.
fn load_schema(
    spec: &crate::load::kustomization::OpenApiSpec,
    loader: &Loader,
    kfile: &Path,
    objects_placed: bool,
) -> Result<Option<Option<SchemaTable>>> {
    let version = spec.version.as_deref().filter(|v| !v.is_empty());
    match (&spec.path, version) {
        (Some(_), Some(_)) => Err(BuildError::invalid(
            kfile,
            "builtin version and custom schema provided, cannot use both",
        )),
        (None, None) => Ok(None),
        (None, Some("v1.21.2")) => Ok(Some(None)),
        (None, Some(_)) => Err(BuildError::invalid(
            kfile,
            "the specified OpenAPI version is not built in",
        )),
        (Some(path), None) => {
            let (file, text) = loader.read_text(path)?;
            let doc = crate::yaml::parse_documents(&text)
                .map_err(|e| BuildError::yaml(&file, e))?
                .into_iter()
                .next()
                .map(|d| d.value)
                .unwrap_or_default();
            let table = match objects_placed {
                true => SchemaTable::from_definitions_then_builtin(&doc),
                false => SchemaTable::from_definitions(&doc),
            }
            .map_err(|e| BuildError::invalid(&file, e))?;
            Ok(Some(Some(table)))
        }
    }
}

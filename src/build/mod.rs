//! Builds a kustomization directory into its final list of objects:
//! accumulate resources (recursing into kustomizations and components), run
//! generators, run transformers in kustomize's order; then, at the root
//! only, add hash suffixes, fix name references and sort.
//!
//! This stage owns the order of everything (kustomize's accumulator and
//! target); the steps themselves live in `generate`, `patch`, `transform`
//! and `refs`.

pub mod ordering;
pub mod plugins;
pub mod prefetch;

use crate::error::{BuildError, Result};
use crate::generate::configmap_secret::{self, GeneratedKind};
use crate::generate::hash;
use crate::load::kustomization::{self, Kustomization};
use crate::load::loader::{LoadRestriction, Loader};
use crate::load::openapi::SchemaTable;
use crate::load::transformer_config::TransformerConfig;
use crate::model::provenance::{self, Origin};
use crate::model::resmap::ResMap;
use crate::model::resource::Resource;
use crate::model::value::Value;
use crate::patch;
use crate::refs::vars::Var;
use crate::refs::{namereference, replacements};
use crate::transform::prefix_suffix::Affix;
use crate::transform::{self, annotations, images, labels, namespace, prefix_suffix, replicas};
use crate::yaml::keyed_lines;
use hashbrown::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restriction: LoadRestriction,
    /// Applied on top of the root kustomization, as a wrapping overlay would.
    pub overrides: Overrides,
    /// Record, for every field, the file and line that last set it.
    pub track_provenance: bool,
    /// Helm chart inflation (`--enable-helm` and the helm flags).
    pub helm: crate::generate::helm::HelmOptions,
    /// Git and HTTP(S) entries: refusal, offline mode, cache location.
    pub remote: crate::load::remote::RemoteOptions,
}

/// What a wrapping kustomization (`resources: [DIR]`) could set; the ArgoCD
/// plugin fills it from `ARGOCD_ENV_*` parameters.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub namespace: Option<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub images: Vec<crate::load::kustomization::ImageSpec>,
}

impl Overrides {
    fn apply(&self, resmap: &mut ResMap, config: &TransformerConfig) -> transform::TransformResult {
        let t = namespace::Namespace {
            namespace: self.namespace.as_deref().unwrap_or_default(),
            specs: config.specs("namespace"),
            ..Default::default()
        };
        namespace::apply(resmap, &t)?;
        for (affix, text, specs) in [
            (Affix::Prefix, &self.name_prefix, "namePrefix"),
            (Affix::Suffix, &self.name_suffix, "nameSuffix"),
        ] {
            if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
                prefix_suffix::apply(resmap, affix, text, config.specs(specs))?;
            }
        }
        images::apply(resmap, &self.images, config.specs("images"))
    }
}

/// Builds `dir` and returns the objects in output order.
pub fn build(dir: &Path, options: &BuildOptions) -> Result<Vec<Value>> {
    Ok(build_resources(dir, options)?
        .into_iter()
        .map(|r| r.value)
        .collect())
}

/// Builds `dir` and returns the resources (objects with their history and,
/// when tracked, field origins) in output order.
pub fn build_resources(dir: &Path, options: &BuildOptions) -> Result<Vec<Resource>> {
    let _budget = crate::model::limits::BuildBudget::start(dir);
    let mut builder = Builder {
        options: options.clone(),
        stack: Vec::new(),
        root: None,
        origin_annotations: false,
        transformer_annotations: false,
        schema: None,
        schema_set: false,
        objects_placed: false,
        repo: None,
        prefetch: prefetch::Prefetch::default(),
    };
    let (mut resmap, root, config, vars) = builder.accumulate(dir, ResMap::default(), false)?;
    let track = options.track_provenance;
    let root_file = kustomization::find_file(dir)?
        .canonicalize()
        .map_err(|e| BuildError::io(dir, e))?;
    let overrides = |_: &Resource, _: &str| Origin {
        file: root_file.clone(),
        line: 0,
        by: "build overrides (ArgoCD parameters)".into(),
    };
    options
        .overrides
        .apply(&mut resmap, &config)
        .map_err(|e| BuildError::invalid(&root_file, e))?;
    provenance::observe_step(&mut resmap, track, &overrides);
    let hash_origin = |r: &Resource, _: &str| Origin {
        file: r.source.to_path_buf(),
        line: r.line,
        by: "generator content hash suffix".into(),
    };
    add_hash_suffixes(&mut resmap);
    provenance::observe_step(&mut resmap, track, &hash_origin);
    // A followed reference is explained by whatever set the target's new name.
    let name_origins: HashMap<String, Origin> = if track {
        resmap
            .iter()
            .filter_map(|r| {
                Some((
                    r.name().to_string(),
                    r.origins.as_ref()?.get("metadata.name")?.clone(),
                ))
            })
            .collect()
    } else {
        HashMap::new()
    };
    let nameref_origin = |r: &Resource, path: &str| {
        let value = provenance::leaves(&r.value)
            .into_iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, v)| v.as_str().map(str::to_string));
        match value.and_then(|v| name_origins.get(&v).map(|o| (v, o))) {
            Some((v, o)) => Origin {
                file: o.file.clone(),
                line: o.line,
                by: format!("name reference to {v}, named by {}", o.by),
            },
            None => Origin {
                file: root_file.clone(),
                line: 0,
                by: "name reference to a renamed object".into(),
            },
        }
    };
    // Nothing is added from here on: no spare room for more objects. The
    // last stages hold every object at once: what the earlier ones freed
    // goes back to the system first, and again after the name references'
    // index.
    resmap.resources.shrink_to_fit();
    resmap.give_back_freed();
    namereference::fix(&mut resmap, &config.name_references)
        .map_err(|e| BuildError::invalid(&root_file, e))?;
    resmap.give_back_freed();
    provenance::observe_step(&mut resmap, track, &nameref_origin);
    // With names final, vars can be read and expanded.
    let vars_origin = |_: &Resource, _: &str| Origin {
        file: root_file.clone(),
        line: 0,
        by: "vars".into(),
    };
    let unused =
        crate::refs::vars::resolve(&mut resmap, &vars, config.specs("varReference"), &root_file)?;
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
    provenance::observe_step(&mut resmap, track, &vars_origin);
    // kustomize's IgnoreLocal: objects annotated as local configuration
    // served the build (references, vars) and are not part of its output.
    resmap.resources.retain(|r| {
        let local = r.value["metadata"]["annotations"].get("config.kubernetes.io/local-config");
        local.is_none_or(|v| crate::model::resource::scalar_text(v) == "false")
    });
    resmap.invalidate();
    if root.build_metadata.iter().any(|m| m == "managedByLabel") {
        let label = Value::String(format!("nest-kz-v{}", env!("CARGO_PKG_VERSION")).into());
        let by = |_: &Resource, _: &str| Origin {
            file: root_file.clone(),
            line: 0,
            by: "buildMetadata managedByLabel".into(),
        };
        for r in resmap.iter_mut() {
            r.metadata_mut()
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()))["app.kubernetes.io/managed-by"] =
                label.clone();
        }
        provenance::observe_step(&mut resmap, track, &by);
    }
    // Origins are tracked whenever either annotation option is on; they are
    // printed only when originAnnotations asked for them.
    if builder.transformer_annotations && !builder.origin_annotations {
        for r in resmap.iter_mut() {
            let meta = r.metadata_mut();
            if let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.shift_remove(ORIGIN_ANNOTATION);
            }
        }
    }
    // kustomize rewrites every object's annotations as a string map when it
    // strips its build annotations (unless both annotation options are on):
    // values become text and an empty or null map disappears.
    if !(builder.transformer_annotations && builder.origin_annotations) {
        resmap.for_each_mut(Resource::normalize_annotations);
    }
    let root_kfile = kustomization::find_file(dir)?;
    ordering::sort(&mut resmap.resources, root.sort_options.as_ref())
        .map_err(|e| BuildError::invalid(&root_kfile, e))?;
    resmap.try_for_each_mut(|r| {
        check_printable(&r.value).map_err(|c| {
            BuildError::invalid(
                r.source.to_path_buf(),
                format!(
                    "{}: contains U+{:04X}, a control character kustomize cannot print",
                    r.id(),
                    c as u32
                ),
            )
        })
    })?;
    Ok(resmap.resources)
}

/// kustomize fails on raw control characters after its JSON step; so do we.
fn check_printable(v: &Value) -> std::result::Result<(), char> {
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
        Value::Array(items) => items.iter().try_for_each(check_printable),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check(k).and_then(|_| check_printable(v))),
        _ => Ok(()),
    }
}

struct Builder {
    options: BuildOptions,
    /// Kustomization directories being built, to report cycles.
    stack: Vec<PathBuf>,
    /// The root kustomization's directory; origin paths are relative to it.
    root: Option<PathBuf>,
    origin_annotations: bool,
    transformer_annotations: bool,
    /// A schema loaded by `openapi:`; like kustomize's global setting, it
    /// applies from the moment the kustomization declaring it is loaded.
    schema: Option<std::sync::Arc<SchemaTable>>,
    /// Whether some kustomization has chosen the schema (kustomize's
    /// SetSchema runs once, unless at the root).
    schema_set: bool,
    /// Whether any object has been read yet (see `load_schema`).
    objects_placed: bool,
    /// The clone the kustomization being built came from, if remote: its
    /// loads are restricted to it (see `Loader::in_repo`), and origin
    /// annotations name its URL and paths relative to it.
    repo: Option<crate::load::remote::RemoteRoot>,
    /// Resource files parsed ahead on every core, until their
    /// kustomization takes them.
    prefetch: prefetch::Prefetch,
}

/// One kustomization being run: its file, loader and (when tracking) the
/// line of each of its fields.
struct Ctx<'a> {
    kfile: &'a Path,
    loader: &'a Loader,
    klines: HashMap<String, usize>,
    track: bool,
    /// When origins are tracked (either annotation option): the root
    /// directory, for `configuredIn`.
    annotations_root: Option<PathBuf>,
    /// transformerAnnotations: list each transformer on the objects.
    record_transformations: bool,
    /// In a remote kustomization: the `repo:`/`ref:` lines that start
    /// kustomize's origin text, and what its paths start with.
    origin_prefix: String,
    origin_path_prefix: &'static str,
}

/// What accumulating a kustomization yields: its objects, the kustomization
/// itself, and the transformer config and vars it and everything below it declared.
type Accumulated = (ResMap, Kustomization, TransformerConfig, Vec<Var>);

impl Ctx<'_> {
    /// transformerAnnotations: kustomize lists every configured transformer
    /// instance on every object present when it runs, changed or not.
    /// Plugins name their config file and themselves.
    /// Like kustomize's AddTransformerAnnotation, an object that has lost its
    /// origin annotation (a patch replaced the map) takes the transformer as
    /// its origin instead.
    fn record(&self, resmap: &mut ResMap, kind: &str, plugin: Option<(&Path, &str, Option<&str>)>) {
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

    /// An origin pointing at a field of this kustomization.
    fn at(&self, field_path: &str, by: &str) -> Origin {
        Origin {
            file: self.kfile.to_path_buf(),
            line: keyed_lines::nearest_line(&self.klines, field_path).unwrap_or(0),
            by: by.to_string(),
        }
    }
}

impl Builder {
    fn accumulate(
        &mut self,
        dir: &Path,
        initial: ResMap,
        as_component: bool,
    ) -> Result<Accumulated> {
        self.accumulate_with(dir, initial, TransformerConfig::default(), as_component)
    }

    /// `accumulate`, for a component: it works on its parent's objects and
    /// transformer config (kustomize's shared accumulator).
    fn accumulate_with(
        &mut self,
        dir: &Path,
        initial: ResMap,
        initial_config: TransformerConfig,
        as_component: bool,
    ) -> Result<Accumulated> {
        let mut loader = match &self.repo {
            Some(remote) => Loader::in_repo(dir, &remote.repo)?,
            None => Loader::new(dir, self.options.load_restriction)?,
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
        let (kfile, text, k) = match self.prefetch.take_kustomization(&loader) {
            Some(read) => read,
            None => {
                let (kfile, text) = loader.read_kustomization()?;
                let k = kustomization::parse(&kfile, &text)?;
                (kfile, text, k)
            }
        };
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
        if result.as_ref().is_ok_and(|(m, ..)| !m.resources.is_empty()) {
            self.objects_placed = true;
        }
        self.stack.pop();
        result.map(|(m, c, v)| (m, k, c, v))
    }

    fn run(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        initial: ResMap,
        initial_config: TransformerConfig,
    ) -> Result<(ResMap, TransformerConfig, Vec<Var>)> {
        let mut resmap = initial;
        // Like kustomize's accumulator, the config starts empty and gathers
        // the resources' configs, then this kustomization's own.
        let mut config = initial_config;
        let mut vars: Vec<Var> = Vec::new();
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
            if path.is_dir() {
                // An absolute directory is refused as kustomize refuses it
                // (URLs, resolved above, are never absolute paths).
                ctx.loader.check_new_root(entry)?;
                let remote = repo.is_some() && repo != self.repo;
                if repo.is_none() {
                    self.prefetch
                        .ahead_of_dir(&entries, index, ctx.loader, ctx.track);
                }
                let outer = std::mem::replace(&mut self.repo, repo);
                let accumulated = self.accumulate(&path, ResMap::default(), false);
                self.repo = outer;
                let (sub, _, sub_config, sub_vars) = accumulated.map_err(|e| match remote {
                    true => crate::load::remote::in_remote(entry, e),
                    false => e,
                })?;
                resmap.append_all(sub)?;
                config
                    .merge(&sub_config)
                    .map_err(|e| BuildError::invalid(ctx.kfile, e))?;
                crate::refs::vars::merge(&mut vars, &sub_vars, ctx.kfile)?;
            } else {
                ctx.loader.check_file(&path)?;
                let loaded = self
                    .prefetch
                    .load(&entries, index, &path, ctx.loader, ctx.track)?;
                for mut r in loaded {
                    self.objects_placed = true;
                    self.annotate_origin(&mut r, OriginNote::File(&path));
                    resmap.append(r)?;
                }
            }
        }
        // Own transformer configurations and vars join those of the resources below.
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
                    &mut resmap,
                    kind,
                    std::slice::from_ref(args),
                    options,
                    ctx.loader,
                    ctx.kfile,
                )?;
                provenance::observe_step(&mut resmap, ctx.track, &origin_of);
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
                    r.line = origin.line;
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
        // HelmChartInflationGenerator runs after the ConfigMap and Secret generators.
        let helm = &self.options.helm;
        let by = ConfiguredBy {
            file: ctx.kfile,
            kind: "HelmChartInflationGenerator",
            name: None,
            namespace: None,
        };
        let (charts, globals) = k.helm();
        for chart in &charts {
            // explain: every field of an inflated object points at its chart entry.
            let origin = ctx.at(&format!("helmCharts[name={}]", chart.name), "helm chart");
            for mut r in inflate_helm_chart(chart, &globals, ctx.kfile, ctx.loader, helm)? {
                self.annotate_origin(&mut r, OriginNote::Configured(&by));
                resmap.append(r)?;
            }
            provenance::observe_step(&mut resmap, ctx.track, &|_, _| origin.clone());
        }
        // Generator plugins run after the builtin generators, in listed order.
        let generator_configs = self.plugin_configs(&k.generators, ctx)?;
        for plugin in generator_configs {
            let origin = Origin {
                file: plugin.origin.clone(),
                line: 0,
                by: "generator plugin".into(),
            };
            let first_new = resmap.resources.len();
            crate::build::plugins::generate(&mut resmap, &plugin, ctx.loader, &self.options.helm)?;
            provenance::observe_step(&mut resmap, ctx.track, &|_, _| origin.clone());
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
        // kustomize's order: resources, this kustomization's generators,
        // then components (which may merge into those), then transformers.
        for entry in &k.components {
            let remote = crate::load::remote::resolve_component(
                entry,
                &ctx.loader.dir,
                &self.options.remote,
            )
            .map_err(|e| with_context(e, ctx.kfile, "components"))?;
            let (path, repo) = match remote {
                Some(root) => (root.dir.clone(), Some(root)),
                None => (
                    ctx.loader
                        .resolve_root(entry)
                        .map_err(|e| with_context(e, ctx.kfile, "components"))?,
                    self.repo.clone(),
                ),
            };
            let remote = repo.is_some() && repo != self.repo;
            let outer = std::mem::replace(&mut self.repo, repo);
            let accumulated =
                self.accumulate_with(&path, resmap, std::mem::take(&mut config), true);
            self.repo = outer;
            let (merged, _, component_config, component_vars) =
                accumulated.map_err(|e| match remote {
                    true => crate::load::remote::in_remote(entry, e),
                    false => e,
                })?;
            resmap = merged;
            // kustomize hands the component's accumulator over to a fresh
            // one, so its config is merged once more into an empty config
            // (which can drop a spec that a narrower one sorted first absorbs).
            config = TransformerConfig::default();
            config
                .merge(&component_config)
                .map_err(|e| BuildError::invalid(ctx.kfile, e))?;
            crate::refs::vars::merge(&mut vars, &component_vars, ctx.kfile)?;
        }
        let transformer_configs = self.plugin_configs(&k.transformers, ctx)?;
        let schema = self.schema.clone();
        let schema = schema.as_deref().unwrap_or(SchemaTable::builtin());
        transform(&mut resmap, k, ctx, &config, schema, transformer_configs)?;
        // Own vars bind to objects as they are after this kustomization's
        // transformers, as kustomize's MergeVars does.
        crate::refs::vars::bind(&mut resmap, &k.vars, ctx.kfile)?;
        crate::refs::vars::merge(&mut vars, &k.vars, ctx.kfile)?;
        Ok((resmap, config, vars))
    }

    /// The plugin configs of `generators:`/`transformers:`; a directory
    /// entry is accumulated as a kustomization and its objects are configs.
    fn plugin_configs(
        &mut self,
        entries: &[String],
        ctx: &Ctx,
    ) -> Result<Vec<plugins::PluginConfig>> {
        let mut load_dir = |dir: &Path| -> Result<plugins::Configs> {
            let (m, ..) = self.accumulate(dir, ResMap::default(), false)?;
            Ok(m.resources
                .into_iter()
                .map(|r| (r.source.to_path_buf(), r.value))
                .collect())
        };
        plugins::load(entries, ctx.loader, ctx.kfile, &mut load_dir)
    }

    /// buildMetadata `originAnnotations`: kustomize's `config.kubernetes.io/origin`
    /// (also kept, and stripped at the end, for `transformerAnnotations`).
    fn annotate_origin(&self, r: &mut Resource, note: OriginNote) {
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

const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

enum OriginNote<'a> {
    /// Loaded from a resource file.
    File(&'a Path),
    /// Made or last set by a generator or transformer.
    Configured(&'a ConfiguredBy<'a>),
    /// Downloaded from `url` by a kustomization whose origin path is `base`.
    Url { url: &'a str, base: &'a str },
}

/// A builtin generator or transformer as kustomize's build annotations name
/// it: where it was configured, its kind, and a plugin config's name.
struct ConfiguredBy<'a> {
    file: &'a Path,
    kind: &'a str,
    name: Option<&'a str>,
    namespace: Option<&'a str>,
}

impl ConfiguredBy<'_> {
    /// The `configuredIn`/`configuredBy` text, file relative to `root`
    /// (after `prefix`, see `RemoteRoot::origin_path_prefix`).
    fn origin_text(&self, root: &Path, prefix: &str) -> String {
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

/// `to` relative to the directory `from` (both canonical), with `..` as needed.
pub fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn with_context(e: BuildError, kfile: &Path, field: &str) -> BuildError {
    BuildError::invalid(kfile, format!("{field}: {e}"))
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
    // Inline patch text starts on the line after `patch: |`.
    let offset = if patch.origin == ctx.kfile {
        ctx.at(&format!("{field_path}.{inline_key}"), "").line
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

/// kustomize's builtin transformer order.
fn transform(
    resmap: &mut ResMap,
    k: &Kustomization,
    ctx: &Ctx,
    config: &TransformerConfig,
    schema: &SchemaTable,
    plugin_configs: Vec<plugins::PluginConfig>,
) -> Result<()> {
    let fail = |e: String| BuildError::invalid(ctx.kfile, e);
    // Each step reports itself to provenance when it has run.
    let observe = |resmap: &mut ResMap, field: &str, by: &str| {
        let origin = ctx.at(field, by);
        provenance::observe_step(resmap, ctx.track, &|_, _| origin.clone());
    };
    for (i, entry) in k.patches_strategic_merge.iter().enumerate() {
        let patch = patch::load_strategic(entry, ctx.loader, ctx.kfile)?;
        apply_patch(
            resmap,
            &patch,
            ctx,
            &format!("patchesStrategicMerge[{i}]"),
            "",
            schema,
        )?;
    }
    if !k.patches_strategic_merge.is_empty() {
        ctx.record(resmap, "PatchStrategicMergeTransformer", None);
    }
    for (i, spec) in k.patches.iter().enumerate() {
        let patch = patch::load(spec, ctx.loader, ctx.kfile)?;
        apply_patch(
            resmap,
            &patch,
            ctx,
            &format!("patches[{i}]"),
            "patch",
            schema,
        )?;
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
        let patch = patch::load(spec, ctx.loader, ctx.kfile)?;
        if !matches!(patch.body, patch::PatchBody::Json6902(_)) {
            return Err(BuildError::invalid(
                &patch.origin,
                "patchesJson6902 entries must be JSON 6902 op lists",
            ));
        }
        apply_patch(
            resmap,
            &patch,
            ctx,
            &format!("patchesJson6902[{i}]"),
            "patch",
            schema,
        )?;
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
        crate::build::plugins::transform(resmap, &plugin, ctx.loader, schema)?;
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

/// Loads every object of a resource file; `List` kinds are flattened. With
/// `track`, each field's origin is its line in this file.
pub fn load_resource_file(path: &Path, track: bool) -> Result<Vec<Resource>> {
    let text = crate::load::loader::read_text_file(path)?;
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
    let docs = crate::yaml::parse_node_documents(text, crate::yaml::DuplicateKeys::Reject)
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
    let mut out = Vec::new();
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
        r.bare_nulls = lines.map(|l| l.bare_nulls().into()).unwrap_or_default();
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
            provenance::record_changes(&mut origins, None, &r.value, &origin_of);
            r.origins = Some(Box::new(origins));
            r.observed = Some(Box::new(r.value.clone()));
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
    let text =
        crate::generate::helm::inflate(chart, globals, &loader.dir, loader.restriction, options)
            .map_err(|e| BuildError::invalid(kfile, format!("helmCharts: {e}")))?;
    // Line numbers in helm's output mean nothing in the kustomization, so
    // objects are loaded untracked; the caller attributes their fields.
    load_resources_from_text(&text, kfile, false).map_err(|e| {
        BuildError::invalid(
            kfile,
            format!(
                "helmCharts: chart '{}': reading helm's output: {e}",
                chart.name
            ),
        )
    })
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

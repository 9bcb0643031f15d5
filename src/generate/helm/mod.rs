//! Helm chart inflation: kustomize's `HelmChartInflationGenerator`.
//!
//! This module owns everything between a `helmCharts` entry and the YAML
//! text `helm template` prints: the chart arguments as kustomize v5 reads
//! them (`HelmChart`, `HelmGlobals`, the deprecated `HelmChartArgs`), the
//! build options that enable helm (`HelmOptions`, from the command line),
//! where the chart lives (chartHome, the `name-version` folder of a pulled
//! chart) and when it is pulled, the values file handed to helm (copied, or
//! merged with `valuesInline`), and running helm in a temporary directory
//! that is always removed (`command`: private homes with no plugins, a
//! cleared environment, the run's deadline and output cap), after checking
//! the chart's files (`chart_files`: no link out of the root, no device).
//! It does not parse the output into resources: the build does.
//!
//! Like kustomize, it asks helm its version first: `helm version -c
//! --short` before v5.8 (which Helm 4 refuses, as it refused kustomize),
//! `helm version --short` from v5.8 (Helm 3 and Helm 4); the answer is
//! kept for the rest of the run. A Go helm binary whose build information
//! names an accepted major (`go_buildinfo`) answers without a process.

pub mod cache;
mod chart_files;
mod command;
pub mod go_buildinfo;

use crate::load::loader::LoadRestriction;
use crate::model::value::Value;
use command::{Helm, Homes};
use std::path::{Component, Path, PathBuf};

/// kustomize's default chartHome, relative to the kustomization.
pub const DEFAULT_CHART_HOME: &str = "charts";

pub use crate::load::kustomization::helm::{HelmChart, HelmChartArgs, HelmGlobals};

/// The command line's helm settings (kustomize's `HelmConfig`).
#[derive(Debug, Clone, PartialEq)]
pub struct HelmOptions {
    /// `--enable-helm`.
    pub enabled: bool,
    /// `--helm-command`: the helm executable (default `helm`, found on PATH).
    pub command: String,
    /// `--helm-api-versions`, for charts that set none.
    pub api_versions: Vec<String>,
    /// `--helm-kube-version`, for charts that set none.
    pub kube_version: String,
    /// `--helm-debug`.
    pub debug: bool,
    /// `--helm-cache`: where inflations and pulled charts are kept; None
    /// when off.
    pub cache: Option<cache::Cache>,
}

impl Default for HelmOptions {
    fn default() -> Self {
        HelmOptions {
            enabled: false,
            command: "helm".into(),
            api_versions: Vec::new(),
            kube_version: String::new(),
            debug: false,
            cache: None,
        }
    }
}

/// Where charts may live under `LoadRestrictionsRootOnly`: the git work
/// tree enclosing the kustomization's directory `root` (canonical), else
/// the repository ArgoCD unpacked, else `root` itself.
fn chart_bound(root: &Path) -> PathBuf {
    if let Some(work_tree) = root.ancestors().find(|dir| dir.join(".git").exists()) {
        return work_tree.to_path_buf();
    }
    match argocd_checkout() {
        Some(top) if root.starts_with(&top) => top,
        _ => root.to_path_buf(),
    }
}

/// The repository ArgoCD unpacked for this plugin run, where its `.git`
/// was left out (`reposerver.plugin.tar.exclusions`): the plugin runs in
/// the application's directory, `ARGOCD_APP_SOURCE_PATH` below the top.
fn argocd_checkout() -> Option<PathBuf> {
    let rel = std::env::var("ARGOCD_APP_SOURCE_PATH").ok()?;
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let depth = Path::new(&rel)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let mut top = cwd.as_path();
    for _ in 0..depth {
        top = top.parent()?;
    }
    (top.join(&rel).canonicalize().ok()? == cwd).then(|| top.to_path_buf())
}

/// Why a chart could not be inflated. Every variant names the chart; the
/// build adds the kustomization file.
#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error(
        "trouble configuring builtin HelmChartInflationGenerator for chart '{chart}': must specify --enable-helm"
    )]
    NotEnabled { chart: String },
    #[error(
        "trouble configuring builtin HelmChartInflationGenerator for chart '{chart}': must specify --helm-command"
    )]
    NoCommand { chart: String },
    #[error("helm chart: chart name cannot be empty")]
    EmptyName,
    #[error("helm chart '{chart}': {reason}")]
    InvalidChart { chart: String, reason: String },
    #[error(
        "helm chart '{chart}': {what} '{}' is not in or below '{}' (the kustomization root, or for charts the repository holding it; use --load-restrictor LoadRestrictionsNone to allow it)",
        path.display(),
        root.display()
    )]
    OutsideRoot {
        chart: String,
        what: &'static str,
        path: PathBuf,
        root: PathBuf,
    },
    #[error(
        "helm chart '{chart}': no repo specified for pull, no chart found at '{}'",
        path.display()
    )]
    NoChart { chart: String, path: PathBuf },
    #[error("helm chart '{chart}': {}: {source}", path.display())]
    Io {
        chart: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("helm chart '{chart}': values file '{}': {message}", path.display())]
    Values {
        chart: String,
        path: PathBuf,
        message: String,
    },
    #[error(
        "helm chart '{chart}': cannot run '{command}' (is helm installed? see --helm-command): {source}"
    )]
    Spawn {
        chart: String,
        command: String,
        source: std::io::Error,
    },
    #[error("helm chart '{chart}': {source}")]
    Stopped {
        chart: String,
        source: crate::sys::child::ChildError,
    },
    #[error("helm chart '{chart}': '{command}' failed ({status}) with env=[{env}]:\n{stderr}")]
    Failed {
        chart: String,
        command: String,
        status: String,
        env: String,
        stderr: String,
    },
}

/// Inflates one chart: pulls it into chartHome when it is not there and a
/// repo is given, writes the values file helm gets, runs `helm template`
/// with kustomize's arguments and returns what helm printed.
///
/// `root` is the kustomization's directory (canonical). With
/// `LoadRestrictionsRootOnly`, values files and configHome must stay in or
/// below it, and charts (chartHome, the chart, its links) in or below the
/// repository holding it (see `chart_bound`).
pub fn inflate(
    chart: &HelmChart,
    globals: &HelmGlobals,
    root: &Path,
    restriction: LoadRestriction,
    options: &HelmOptions,
    remote: &crate::load::remote::RemoteOptions,
) -> Result<String, HelmError> {
    let name = chart.name.clone();
    if !options.enabled {
        return Err(HelmError::NotEnabled { chart: name });
    }
    if options.command.is_empty() {
        return Err(HelmError::NoCommand { chart: name });
    }
    let mut chart = chart.clone();
    // kustomize sets the command line's values before reading the chart's
    // config, so a chart's own apiVersions/kubeVersion win.
    if chart.kube_version.is_empty() {
        chart.kube_version = options.kube_version.clone();
    }
    if chart.api_versions.is_empty() {
        chart.api_versions = options.api_versions.clone();
    }
    chart.debug |= options.debug;
    check_operands(&chart)?;
    let merge = match chart.values_merge.as_str() {
        "" | "override" => ValuesMerge::Override,
        "merge" => ValuesMerge::Merge,
        "replace" => ValuesMerge::Replace,
        _ => {
            return Err(HelmError::InvalidChart {
                chart: name,
                reason: "valuesMerge must be one of [merge override replace]".into(),
            });
        }
    };
    let within = |what: &'static str, path: &Path| -> Result<(), HelmError> {
        if restriction == LoadRestriction::RootOnly && !is_within(root, path) {
            return Err(HelmError::OutsideRoot {
                chart: name.clone(),
                what,
                path: path.to_path_buf(),
                root: root.to_path_buf(),
            });
        }
        Ok(())
    };
    // kustomize reads charts without its load restrictor (only values files
    // go through it), so a chartHome such as `../../charts` beside the
    // overlays is common. nest-kz allows charts anywhere in the repository
    // holding the kustomization (its enclosing git work tree), never past
    // it: in a repo-server, past it are other repositories' checkouts.
    let bound = chart_bound(root);
    let within_repo = |what: &'static str, path: &Path| -> Result<(), HelmError> {
        if restriction == LoadRestriction::RootOnly && !is_within(&bound, path) {
            return Err(HelmError::OutsideRoot {
                chart: name.clone(),
                what,
                path: path.to_path_buf(),
                root: bound.clone(),
            });
        }
        Ok(())
    };
    let home = chart_home(&chart, globals, root);
    within_repo("chartHome", &home)?;
    // Every values file is checked before helm runs (kustomize loads the
    // additional ones while configuring).
    let additional: Vec<PathBuf> = chart
        .additional_values_files
        .iter()
        .map(|f| {
            let path = crate::load::loader::lexical_clean(&root.join(f));
            within("additionalValuesFile", &path)?;
            if !path.is_file() {
                return Err(HelmError::Values {
                    chart: name.clone(),
                    path,
                    message: "could not load additionalValuesFile: no such file".into(),
                });
            }
            Ok(path)
        })
        .collect::<Result<_, _>>()?;
    let io = |path: &Path| {
        let (chart, path) = (name.clone(), path.to_path_buf());
        move |source| HelmError::Io {
            chart,
            path,
            source,
        }
    };
    // A configHome lends helm its repository list and registry logins; it
    // is read like any other file of the kustomization (relative to it,
    // inside the root unless the restrictor is off).
    let lent = match globals.config_home.as_str() {
        "" => None,
        config_home => {
            let path = crate::load::loader::lexical_clean(&root.join(config_home));
            within("configHome", &path)?;
            Some(path)
        }
    };
    // A chart already in the tree is checked before helm runs at all, so
    // nothing runs on a tree that is refused.
    let chart_dir = home.join(&chart.name);
    let mut local = chart_dir.is_dir();
    let cache = options.cache.as_ref();
    // Pulled charts are kept only when pulled without the repository's
    // configHome (its logins): a private chart must not reach a tree that
    // could not have pulled it.
    let pull_key = (!local && lent.is_none() && cache::is_exact_version(&chart.version))
        .then(|| pull_key(&chart));
    if let (Some(cache), Some(key)) = (cache, &pull_key) {
        within_repo("chart", &chart_dir)?;
        local = cache.restore_chart(key, &chart_dir);
    }
    if local {
        within_repo("chart", &chart_dir)?;
        chart_files::check(&chart_dir, &bound, restriction, &name)?;
    }
    let inputs = Inputs {
        chart: &chart,
        root,
        chart_dir: &chart_dir,
        additional: &additional,
        merge,
        within: &within,
        remote,
        local,
        home: &home,
        within_repo: &within_repo,
        bound: &bound,
        restriction,
        pull_key: pull_key.as_deref(),
    };
    // An unchanged chart with unchanged values and flags: no helm at all.
    let mut values = None;
    let mut key = None;
    if let (Some(cache), true) = (cache, local) {
        let bytes = inputs.values()?;
        key = inflation_key(&inputs, &bytes, &options.command);
        if let Some(hit) = key.as_deref().and_then(|k| cache.inflation(k)) {
            return into_text(&name, hit);
        }
        values = Some(bytes);
    }
    // Only now a home for helm: a cache hit needs none. With the cache on,
    // `helm template` of a chart in the tree runs in one home kept in the
    // cache (helm writes nothing there for it): making and removing a
    // scratch home cost more than the rest of the build on a slow disk.
    // A pull, or a configHome's logins, get a scratch home of their own,
    // dropped (and removed) on every return path as kustomize's cleanup,
    // and on a signal (see sys::cleanup).
    let shared_home = cache
        .filter(|_| local && lent.is_none())
        .map(|c| c.dir.join("helm-home"));
    let tmp = match shared_home {
        Some(_) => None,
        None => Some(
            crate::sys::cleanup::TempDir::new("nest-kz-helm-")
                .map_err(io(&std::env::temp_dir()))?,
        ),
    };
    let homes = match (&shared_home, &tmp) {
        (Some(dir), _) => Homes::new(dir, None, &name)?,
        (None, Some(t)) => Homes::new(&t.path().join("helm"), lent.as_deref(), &name)?,
        (None, None) => {
            return Err(HelmError::Io {
                chart: name,
                path: std::env::temp_dir(),
                source: std::io::Error::other("no home for helm"),
            });
        }
    };
    let helm = Helm {
        chart: &name,
        command: &options.command,
        homes: &homes,
        debug: chart.debug,
    };
    // kustomize asks helm its version first, and refuses what it does not
    // support (v5.8.1 also accepts Helm 4); once per helm binary and release
    // where the cache remembers it.
    let version_key = cache.and_then(|_| {
        let mut key = cache::Key::new("version");
        key.helm(&options.command).ok()?;
        key.part(format!("{:?}", crate::release::current()).as_bytes());
        Some(key.hex())
    });
    let checked = matches!((cache, &version_key), (Some(c), Some(k)) if c.version_checked(k));
    // A chart to pull waits for the check, as kustomize's does: nothing is
    // fetched with a helm it refuses. A chart in the tree is rendered while
    // helm is asked its version, and the answer decides as it would have
    // first: a refused helm's output is dropped. One helm's time instead of
    // two on a cold build.
    let out = std::thread::scope(|scope| {
        let check = (!checked && local).then(|| scope.spawn(|| helm.check_version()));
        if !checked && !local {
            helm.check_version()?;
        }
        let rendered = render(&helm, &inputs, values, &mut key, tmp.as_ref(), options);
        if let Some(check) = check {
            check.join().unwrap_or_else(|_| {
                Err(HelmError::InvalidChart {
                    chart: name.clone(),
                    reason: "the helm version check stopped".into(),
                })
            })?;
        }
        rendered
    })?;
    if let (Some(c), Some(k), false) = (cache, &version_key, checked) {
        c.store_version_checked(k);
    }
    drop(tmp);
    if let (Some(cache), Some(k)) = (cache, &key) {
        cache.store_inflation(k, &out);
    }
    into_text(&name, out)
}

/// Pulls the chart when it is not in the tree, then runs `helm template`;
/// fills in the inflation's cache key where the values were not known yet.
fn render(
    helm: &Helm,
    inputs: &Inputs,
    values: Option<Vec<u8>>,
    key: &mut Option<String>,
    tmp: Option<&crate::sys::cleanup::TempDir>,
    options: &HelmOptions,
) -> Result<Vec<u8>, HelmError> {
    let chart = inputs.chart;
    if !inputs.local {
        let missing = || HelmError::NoChart {
            chart: chart.name.clone(),
            path: inputs.chart_dir.to_path_buf(),
        };
        if chart.repo.is_empty() {
            return Err(missing());
        }
        let scratch = tmp.ok_or_else(missing)?;
        pull(helm, chart, inputs.home, scratch.path())?;
        (inputs.within_repo)("chart", inputs.chart_dir)?;
        chart_files::check(
            inputs.chart_dir,
            inputs.bound,
            inputs.restriction,
            &chart.name,
        )?;
        if let (Some(cache), Some(k)) = (options.cache.as_ref(), inputs.pull_key) {
            cache.store_chart(k, inputs.chart_dir);
        }
    }
    let values = match values {
        Some(v) => v,
        None => inputs.values()?,
    };
    if let (Some(_), None) = (options.cache.as_ref(), &key) {
        *key = inflation_key(inputs, &values, &options.command);
    }
    // The merged values reach helm on its standard input (`-f -`), where
    // kustomize writes a file: the same values, no file to make and remove.
    let args = template_args(chart, inputs.home, Path::new("-"), inputs.additional);
    helm.run_with_input(&args, Some(values))
}

fn into_text(chart: &str, out: Vec<u8>) -> Result<String, HelmError> {
    String::from_utf8(out).map_err(|_| HelmError::InvalidChart {
        chart: chart.to_string(),
        reason: "helm template printed text that is not UTF-8".into(),
    })
}

/// A pulled chart's cache key: where it comes from and which version.
fn pull_key(chart: &HelmChart) -> String {
    let mut key = cache::Key::new("pull");
    key.part(chart.repo.as_bytes())
        .part(chart.name.as_bytes())
        .part(chart.version.as_bytes())
        .part(&[u8::from(chart.devel.flatten() == Some(true))]);
    key.hex()
}

/// What `helm template` is given besides the chart's name.
struct Inputs<'a> {
    chart: &'a HelmChart,
    root: &'a Path,
    chart_dir: &'a Path,
    additional: &'a [PathBuf],
    merge: ValuesMerge,
    within: &'a dyn Fn(&'static str, &Path) -> Result<(), HelmError>,
    /// For a `valuesFile` named by an http(s) URL, which kustomize's loader downloads.
    remote: &'a crate::load::remote::RemoteOptions,
    /// Whether the chart is in the tree; else where a pull puts it.
    local: bool,
    home: &'a Path,
    within_repo: &'a dyn Fn(&'static str, &Path) -> Result<(), HelmError>,
    bound: &'a Path,
    restriction: LoadRestriction,
    pull_key: Option<&'a str>,
}

impl Inputs<'_> {
    /// The values file helm reads: the chart's or the kustomization's, with
    /// valuesInline merged as kustomize merges them.
    fn values(&self) -> Result<Vec<u8>, HelmError> {
        let (chart, name) = (self.chart, &self.chart.name);
        let url = crate::load::remote::is_http_url(&chart.values_file);
        let values_file = if chart.values_file.is_empty() {
            self.chart_dir.join("values.yaml")
        } else if url {
            PathBuf::from(&chart.values_file)
        } else {
            crate::load::loader::lexical_clean(&self.root.join(&chart.values_file))
        };
        let read =
            || match url {
                // The same download, limits and --network/--offline rules as a
                // remote resource file.
                true => crate::load::remote::download_file(&chart.values_file, self.remote)
                    .map_err(|e| HelmError::Values {
                        chart: name.clone(),
                        path: values_file.clone(),
                        message: match e {
                            crate::error::BuildError::Remote { source, .. } => source.to_string(),
                            other => other.to_string(),
                        },
                    }),
                false => read_values(name, &values_file),
            };
        if !url {
            (self.within)("valuesFile", &values_file)?;
        }
        if chart.values_inline.is_empty() {
            return read();
        }
        let inline = Value::Object(
            chart
                .values_inline
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        let merged = if self.merge == ValuesMerge::Replace {
            inline
        } else {
            let bytes = read()?;
            let file = parse_values(&bytes).map_err(|message| HelmError::Values {
                chart: name.clone(),
                path: values_file.clone(),
                message,
            })?;
            // kustomize merges with kyaml's merge2: "override" lets the
            // inline values win, "merge" lets the file's win.
            if self.merge == ValuesMerge::Merge {
                merge_values(inline, file)
            } else {
                merge_values(file, inline)
            }
        };
        // JSON is YAML; helm reads the file through a YAML-to-JSON step, so
        // the values arrive the same as kustomize's re-marshalled YAML.
        Ok(serde_json::to_vec_pretty(&merged).unwrap_or_default())
    }
}

/// The inflation's cache key (see `cache`), or None where one cannot be
/// made (helm not found, a chart file unreadable): then nothing is cached.
fn inflation_key(inputs: &Inputs, values: &[u8], command: &str) -> Option<String> {
    let mut key = cache::Key::new("template");
    key.helm(command).ok()?;
    key.part(format!("{:?}", crate::release::current()).as_bytes());
    key.tree(inputs.chart_dir).ok()?;
    key.part(values);
    let mut relative = Vec::new();
    for f in inputs.additional {
        key.part(&std::fs::read(f).ok()?);
        relative.push(PathBuf::from(f.strip_prefix(inputs.root).unwrap_or(f)));
    }
    // The arguments with the paths that differ between checkouts and runs
    // replaced by fixed names.
    let args = template_args(
        inputs.chart,
        Path::new("<chartHome>"),
        Path::new("<values>"),
        &relative,
    );
    for arg in args {
        key.part(arg.as_bytes());
    }
    Some(key.hex())
}

#[derive(Clone, Copy, PartialEq)]
enum ValuesMerge {
    Override,
    Merge,
    Replace,
}

/// Reads a values file under the file-access policy (regular files only, so
/// a FIFO cannot hang the build; size-limited).
fn read_values(chart: &str, path: &Path) -> Result<Vec<u8>, HelmError> {
    crate::load::loader::read_file(path).map_err(|e| HelmError::Values {
        chart: chart.to_string(),
        path: path.to_path_buf(),
        message: match e {
            crate::error::BuildError::Io { source, .. } => source.to_string(),
            other => other.to_string(),
        },
    })
}

/// The chart's values that reach helm as operands rather than as a flag's
/// value: its name (a folder under chartHome, and `helm pull`'s operand)
/// and its release name. Once these pass, no value from a kustomization
/// can read as an option on helm's command line.
pub fn check_operands(chart: &HelmChart) -> Result<(), HelmError> {
    check_name(&chart.name)?;
    if !chart.release_name.is_empty() {
        command::check_release_name(&chart.release_name).map_err(|reason| {
            HelmError::InvalidChart {
                chart: chart.name.clone(),
                reason,
            }
        })?;
    }
    Ok(())
}

/// A chart name is a folder name under chartHome: no `..`, no absolute
/// path, so nothing is read or pulled outside it.
fn check_name(name: &str) -> Result<(), HelmError> {
    if name.is_empty() {
        return Err(HelmError::EmptyName);
    }
    let path = Path::new(name);
    // helm pull takes the name as an operand: it may not read as an option.
    let escapes = name.starts_with('-')
        || path.is_absolute()
        || name.contains('\\')
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)));
    if escapes {
        return Err(HelmError::InvalidChart {
            chart: name.into(),
            reason:
                "a chart name must be a plain name below chartHome (no '..', '.', absolute paths or leading '-')"
                    .into(),
        });
    }
    Ok(())
}

/// kustomize's `absChartHome`: chartHome (default `charts`) relative to the
/// kustomization, and for a chart pulled at a version from a repo, its own
/// `NAME-VERSION` folder inside, so versions are cached side by side.
pub fn chart_home(chart: &HelmChart, globals: &HelmGlobals, root: &Path) -> PathBuf {
    let home = if globals.chart_home.is_empty() {
        DEFAULT_CHART_HOME
    } else {
        &globals.chart_home
    };
    let mut home = root.join(home);
    if !chart.version.is_empty() && !chart.repo.is_empty() {
        home = home.join(format!("{}-{}", chart.name, chart.version));
    }
    // Cleaned after the version is added (as Go's filepath.Join cleans), so
    // a version holding `../` cannot slip past the root check.
    crate::load::loader::lexical_clean(&home)
}

/// Whether `path` (absolute, normalized) stays below `root` (canonical),
/// also after following the symbolic links of its existing part.
fn is_within(root: &Path, path: &Path) -> bool {
    if !path.starts_with(root) {
        return false;
    }
    let mut existing = path;
    while !existing.exists() {
        match existing.parent() {
            Some(p) => existing = p,
            None => return false,
        }
    }
    existing
        .canonicalize()
        .is_ok_and(|real| real.starts_with(root))
}

/// `helm template` with kustomize's arguments, in kustomize's order.
pub fn template_args(
    chart: &HelmChart,
    home: &Path,
    values_file: &Path,
    additional: &[PathBuf],
) -> Vec<String> {
    let mut args = vec!["template".to_string()];
    if chart.release_name.is_empty() {
        args.push("--generate-name".into());
    } else {
        args.push(chart.release_name.clone());
    }
    args.push(home.join(&chart.name).display().to_string());
    let mut pair = |flag: &str, value: &str| {
        args.push(flag.into());
        args.push(value.into());
    };
    if !chart.namespace.is_empty() {
        pair("--namespace", &chart.namespace);
    }
    if !chart.name_template.is_empty() {
        pair("--name-template", &chart.name_template);
    }
    pair("-f", &values_file.display().to_string());
    for f in additional {
        pair("-f", &f.display().to_string());
    }
    for v in &chart.api_versions {
        pair("--api-versions", v);
    }
    if !chart.kube_version.is_empty() {
        pair("--kube-version", &chart.kube_version);
    }
    for (on, flag) in [
        (chart.include_crds, "--include-crds"),
        (chart.skip_tests, "--skip-tests"),
        (chart.skip_hooks, "--no-hooks"),
        (chart.debug, "--debug"),
        // v5.7: pre-release chart versions.
        (chart.devel.flatten() == Some(true), "--devel"),
    ] {
        if on {
            args.push(flag.into());
        }
    }
    args
}

/// `helm pull` as kustomize runs it, except that the chart is unpacked in
/// the temporary directory first and moved into chartHome only once helm
/// succeeded, so a failed pull leaves nothing behind.
fn pull(helm: &Helm, chart: &HelmChart, home: &Path, tmp: &Path) -> Result<(), HelmError> {
    let staging = tmp.join("pull");
    let mut args: Vec<String> = vec![
        "pull".into(),
        "--untar".into(),
        "--untardir".into(),
        staging.display().to_string(),
    ];
    if let Some(oci) = chart.repo.strip_prefix("oci://") {
        args.push(format!(
            "oci://{}/{}",
            oci.trim_end_matches('/'),
            chart.name
        ));
    } else {
        args.push("--repo".into());
        args.push(chart.repo.clone());
        args.push(chart.name.clone());
    }
    if !chart.version.is_empty() {
        args.push("--version".into());
        args.push(chart.version.clone());
    }
    if chart.devel.flatten() == Some(true) {
        args.push("--devel".into());
    }
    helm.run(&args)?;
    let io = |path: &Path| {
        let (chart, path) = (chart.name.clone(), path.to_path_buf());
        move |source| HelmError::Io {
            chart,
            path,
            source,
        }
    };
    let unpacked = staging.join(&chart.name);
    if !unpacked.is_dir() {
        return Err(HelmError::InvalidChart {
            chart: chart.name.clone(),
            reason: format!(
                "helm pull from '{}' did not produce a chart named '{}'",
                chart.repo, chart.name
            ),
        });
    }
    // A pulled chart is checked before it joins the chartHome: its links
    // may not leave it.
    let staged = unpacked.canonicalize().map_err(io(&unpacked))?;
    chart_files::check(&staged, &staged, LoadRestriction::RootOnly, &chart.name)?;
    std::fs::create_dir_all(home).map_err(io(home))?;
    let target = home.join(&chart.name);
    // The temporary directory may sit on another file system: copy then.
    if std::fs::rename(&unpacked, &target).is_err() {
        let partial = home.join(format!(".{}.nest-kz-partial", chart.name));
        cache::copy_tree(&unpacked, &partial)
            .and_then(|_| std::fs::rename(&partial, &target))
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&partial);
                io(&target)(e)
            })?;
    }
    Ok(())
}

/// Reads a values file as kustomize's kyaml does (YAML 1.2 rules, one
/// document; an empty file is an empty mapping).
fn parse_values(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())?;
    let docs = crate::yaml::parse_documents(text)
        .map_err(|e| format!("line {}: {}", e.line, e.message))?;
    match docs.into_iter().next().map(|d| d.value) {
        None | Some(Value::Null) => Ok(Value::Object(Default::default())),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err("values must be a YAML mapping".into()),
    }
}

/// kyaml's merge2 without a schema: mappings merge key by key, `src` wins
/// for scalars and lists (lists are replaced whole), and a null in `src`
/// removes a mapping from `dest` (elsewhere it stays null, which helm reads
/// as "remove this default").
pub fn merge_values(dest: Value, src: Value) -> Value {
    match (dest, src) {
        (Value::Object(mut d), Value::Object(s)) => {
            for (k, v) in s {
                match (d.shift_remove_entry(&k), v) {
                    (Some((_, Value::Object(_))), Value::Null) => {}
                    (Some((k, old)), v) => {
                        d.insert(k, merge_values(old, v));
                    }
                    (None, v) => {
                        d.insert(k, v);
                    }
                }
            }
            Value::Object(d)
        }
        (_, src) => src,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn template_args_follow_kustomize_order() {
        let chart = HelmChart {
            name: "c".into(),
            namespace: "ns".into(),
            name_template: "t".into(),
            api_versions: vec!["a/v1".into()],
            kube_version: "1.30".into(),
            include_crds: true,
            skip_tests: true,
            skip_hooks: true,
            ..HelmChart::default()
        };
        let args = template_args(
            &chart,
            Path::new("/k/charts"),
            Path::new("/t/v.yaml"),
            &[PathBuf::from("/k/extra.yaml")],
        );
        assert_eq!(
            args.join(" "),
            "template --generate-name /k/charts/c --namespace ns --name-template t -f /t/v.yaml -f /k/extra.yaml --api-versions a/v1 --kube-version 1.30 --include-crds --skip-tests --no-hooks"
        );
    }

    #[test]
    fn devel_comes_last() {
        let chart = HelmChart {
            name: "c".into(),
            release_name: "r".into(),
            debug: true,
            devel: Some(Some(true)),
            ..HelmChart::default()
        };
        let args = template_args(&chart, Path::new("/k/charts"), Path::new("/t/v.yaml"), &[]);
        assert_eq!(args.last().map(String::as_str), Some("--devel"));
    }

    #[test]
    fn pulled_charts_get_a_versioned_home() {
        let mut chart = HelmChart {
            name: "c".into(),
            version: "1.2.3".into(),
            ..HelmChart::default()
        };
        let globals = HelmGlobals::default();
        assert_eq!(
            chart_home(&chart, &globals, Path::new("/k")),
            Path::new("/k/charts")
        );
        chart.repo = "http://x".into();
        assert_eq!(
            chart_home(&chart, &globals, Path::new("/k")),
            Path::new("/k/charts/c-1.2.3")
        );
    }

    #[test]
    fn versions_may_not_escape_chart_home() {
        let chart = HelmChart {
            name: "c".into(),
            version: "1/../../../../etc".into(),
            repo: "http://x".into(),
            ..HelmChart::default()
        };
        let home = chart_home(&chart, &HelmGlobals::default(), Path::new("/k"));
        assert_eq!(home, Path::new("/etc"));
        assert!(!is_within(Path::new("/k"), &home));
    }

    #[test]
    fn names_may_not_escape_chart_home() {
        for bad in ["../x", "/abs", "a/../../b", ".", "..", "a\\b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name("ok").is_ok());
    }

    #[test]
    fn merge_follows_merge2() {
        let dest = json!({"a": {"b": 1, "c": [1, 2]}, "d": {"x": 1}, "e": 1});
        let src = json!({"a": {"c": [3], "n": true}, "d": null, "e": null});
        assert_eq!(
            merge_values(dest, src),
            json!({"a": {"b": 1, "c": [3], "n": true}, "e": null})
        );
    }

    #[test]
    fn disabled_helm_is_refused_first() {
        let chart = HelmChart {
            name: "c".into(),
            ..HelmChart::default()
        };
        let e = inflate(
            &chart,
            &HelmGlobals::default(),
            Path::new("/nonexistent"),
            LoadRestriction::RootOnly,
            &HelmOptions::default(),
            &crate::load::remote::RemoteOptions::default(),
        );
        assert!(matches!(e, Err(HelmError::NotEnabled { .. })));
    }
}

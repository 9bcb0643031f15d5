//! External plugins: the configs of `generators:`, `transformers:` and
//! `validators:` that are not kustomize's builtins, run as the emulated
//! kustomize runs them, with `--enable-alpha-plugins` (and, for exec KRM
//! functions, `--enable-exec`).
//!
//! This stage owns which runner a config asks for (`spec`: a KRM function
//! by its annotation, else a legacy exec plugin under the operator's plugin
//! home, `home`), running it (`legacy`, `function`, `container`), what it
//! reads (`wire`: resources as kustomize serialises them, with their id and
//! build state) and what its output becomes: a generator's objects with
//! their hash and behavior requests, a transformer's objects matched back
//! to the resources they stand for (kustomize's `UpdateResMapValues`), a
//! validator's verdict. Every child runs through `sys::child`: its own
//! process group, the build's deadline and output cap, killed with the
//! build; its environment is the build's (SOPS and cloud-KMS variables
//! reach it, as in kustomize).

pub mod args;
pub mod container;
pub mod function;
pub mod home;
pub mod legacy;
pub mod spec;
pub mod wire;

use crate::load::loader::Loader;
use crate::model::resmap::ResMap;
use crate::model::resource::{GeneratorMeta, Resource};
use crate::model::value::Value;
use std::path::{Path, PathBuf};

/// The plugin flags of a build (kustomize's names).
#[derive(Debug, Clone, Default)]
pub struct PluginOptions {
    /// `--enable-alpha-plugins`: external plugins run at all.
    pub enabled: bool,
    /// `--enable-exec`: KRM functions may be local programs.
    pub exec: bool,
    /// `--network`: container functions that ask for the network get it.
    pub network: bool,
    /// `--mount`: mounts for every container function.
    pub mounts: Vec<String>,
    /// `--env`/`-e`: environment for every function.
    pub envs: Vec<String>,
    /// `--as-current-user`: containers run as this user, not `nobody`.
    pub as_current_user: bool,
}

/// Which list named the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Generator,
    Transformer,
    Validator,
}

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(
        "external plugins disabled; unable to load external plugin '{0}' (run with --enable-alpha-plugins)"
    )]
    Disabled(String),
    #[error("unable to find plugin root - tried: {0}")]
    NoHome(String),
    #[error("no plugin for {0}: the group, version and kind must be plain names")]
    BadName(String),
    #[error("no exec plugin at {}", .0.display())]
    NotFound(PathBuf),
    #[error("unexecutable plugin at: {}", .0.display())]
    NotExecutable(PathBuf),
    #[error("plugin {} leads out of the plugin home {}", path.display(), home.display())]
    OutsideHome { path: PathBuf, home: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{key} unmarshal error: {message}")]
    Spec { key: String, message: String },
    #[error("failed to parse argsOneLiner: {0}")]
    Args(String),
    #[error("{0}")]
    Refused(String),
    #[error("{what} failed ({status}){}", if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    Failed {
        what: String,
        status: String,
        stderr: String,
    },
    #[error(transparent)]
    Child(#[from] crate::sys::child::ChildError),
    #[error("{what} printed: {message}")]
    Output { what: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// One external plugin config, with where it runs.
pub struct Plugin<'a> {
    /// The config object as it stands among the configs (annotations and
    /// all).
    pub config: &'a Value,
    /// The kustomization listing it: its directory is the plugin's working
    /// directory.
    pub loader: &'a Loader,
    pub options: &'a PluginOptions,
}

/// The build's reader of a plugin's stdout into resources (flattening
/// lists, checking each object), so output reads as resource files read.
pub type Parse<'a> = &'a dyn Fn(&str) -> Result<Vec<Resource>, String>;

impl Plugin<'_> {
    fn kind(&self) -> &str {
        self.config["kind"].as_str().unwrap_or_default()
    }

    fn dir(&self) -> &Path {
        &self.loader.dir
    }

    /// What it is, for messages: kind and name.
    fn what(&self) -> String {
        format!(
            "plugin {}/{}",
            self.kind(),
            self.config["metadata"]["name"].as_str().unwrap_or_default()
        )
    }
}

/// How a config runs.
enum Runner {
    Legacy(PathBuf),
    Function(spec::FunctionSpec),
}

/// Runs a plugin's child process (the program, or the container runtime)
/// with `stdin`: without ArgoCD's git credentials, which are for git only,
/// in its own process group under the run's deadline and output cap
/// (`sys::child`).
fn run_child(
    mut cmd: std::process::Command,
    what: &str,
    stdin: Vec<u8>,
) -> Result<crate::sys::child::Output, crate::sys::child::ChildError> {
    crate::load::remote::credentials::withhold(&mut cmd);
    crate::sys::child::run(
        cmd,
        crate::sys::child::Spec {
            what,
            timeout: std::time::Duration::MAX,
            stdin: Some(stdin),
            max_output: None,
        },
    )
}

fn runner(p: &Plugin) -> Result<Runner, PluginError> {
    if !p.options.enabled {
        return Err(PluginError::Disabled(p.kind().to_string()));
    }
    match spec::function_spec(p.config)? {
        Some(spec) => Ok(Runner::Function(spec)),
        None => {
            let api_version = p.config["apiVersion"].as_str().unwrap_or_default();
            home::executable(api_version, p.kind()).map(Runner::Legacy)
        }
    }
}

/// Runs a generator: its objects, each carrying the generator's behavior
/// and whether it wants a hash suffix (the `kustomize.config.k8s.io/
/// behavior` and `needs-hash` annotations, removed).
pub fn generate(p: &Plugin, parse: Parse) -> Result<Vec<Resource>, PluginError> {
    let mut out = execute(p, Role::Generator, &[], parse)?;
    for r in &mut out {
        wire::absorb_state(r);
        generator_options(r)?;
    }
    Ok(out)
}

/// Runs a transformer over `resmap`: each printed object replaces the
/// resource with its id, in place; new ones are appended; resources it did
/// not print are gone (kustomize's `UpdateResMapValues`).
pub fn transform(p: &Plugin, resmap: &mut ResMap, parse: Parse) -> Result<(), PluginError> {
    let printed = run_over(p, Role::Transformer, resmap, parse)?;
    update(p, resmap, printed)
}

/// Runs a validator: it may print nothing, or objects that are none of
/// the resources (ignored); kustomize fails a validator that prints one of
/// them back, even unchanged.
pub fn validate(p: &Plugin, resmap: &ResMap, parse: Parse) -> Result<(), PluginError> {
    let printed = run_over(p, Role::Validator, resmap, parse)?;
    if let Some(r) = printed
        .iter()
        .find(|r| resmap.iter().any(|old| old.id().same_as(&r.id())))
    {
        return Err(PluginError::Invalid(format!(
            "validator shouldn't modify the resource map: {} printed {} back",
            p.what(),
            r.id()
        )));
    }
    Ok(())
}

fn run_over(
    p: &Plugin,
    role: Role,
    resmap: &ResMap,
    parse: Parse,
) -> Result<Vec<Resource>, PluginError> {
    let objects: Vec<Value> = resmap.iter().map(|r| wire::object(r, true)).collect();
    execute(p, role, &objects, parse)
}

/// Runs the plugin over `objects` (the resources as it reads them) and
/// reads what it printed.
fn execute(
    p: &Plugin,
    role: Role,
    objects: &[Value],
    parse: Parse,
) -> Result<Vec<Resource>, PluginError> {
    match runner(p)? {
        Runner::Legacy(exe) => {
            let stdin = (role != Role::Generator).then(|| wire::stream(objects));
            read(p, &legacy::run(p, &exe, role, stdin)?, parse)
        }
        Runner::Function(spec) => {
            let mut out = read(p, &function::run(p, &spec, role, objects)?, parse)?;
            function::tidy(&mut out);
            Ok(out)
        }
    }
}

fn read(p: &Plugin, stdout: &[u8], parse: Parse) -> Result<Vec<Resource>, PluginError> {
    let text = std::str::from_utf8(stdout).map_err(|_| PluginError::Output {
        what: p.what(),
        message: "output that is not UTF-8".into(),
    })?;
    parse(text).map_err(|message| PluginError::Output {
        what: p.what(),
        message,
    })
}

/// kustomize's `UpdateResourceOptions` for one generated object.
fn generator_options(r: &mut Resource) -> Result<(), PluginError> {
    const NEEDS_HASH: &str = "kustomize.config.k8s.io/needs-hash";
    const BEHAVIOR: &str = "kustomize.config.k8s.io/behavior";
    let mut needs_hash = None;
    let mut behavior = None;
    if let Some(Value::Object(a)) = r
        .value
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        needs_hash = a.shift_remove(NEEDS_HASH);
        behavior = a.shift_remove(BEHAVIOR);
    }
    wire::drop_empty_annotations(&mut r.value);
    let needs_hash = match needs_hash.map(|v| crate::model::resource::scalar_text(&v)) {
        None => false,
        Some(text) => go_parse_bool(&text).ok_or_else(|| {
            PluginError::Invalid(format!(
                "the annotation \"{NEEDS_HASH}\" contains an invalid value (\"{text}\")"
            ))
        })?,
    };
    let behavior = behavior
        .map(|v| crate::model::resource::scalar_text(&v))
        .unwrap_or_default();
    r.generator = Some(GeneratorMeta {
        behavior: wire::behavior_of(&behavior),
        needs_hash,
    });
    Ok(())
}

/// Go's `strconv.ParseBool`.
fn go_parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// kustomize's `UpdateResMapValues`: printed objects matched to resources
/// by current id.
fn update(p: &Plugin, resmap: &mut ResMap, printed: Vec<Resource>) -> Result<(), PluginError> {
    let mut seen: Vec<crate::model::resid::ResId> = Vec::with_capacity(printed.len());
    let mut resources = std::mem::take(&mut resmap.resources);
    let mut appended = Vec::new();
    for mut out in printed {
        wire::absorb_state(&mut out);
        let id = out.id();
        if seen.iter().any(|s| s.same_as(&id)) {
            resmap.resources = resources;
            return Err(PluginError::Invalid(format!(
                "{} generated duplicate resource: {id}",
                p.what()
            )));
        }
        match resources.iter_mut().find(|r| r.id().same_as(&id)) {
            Some(old) => reset(old, out),
            None => appended.push(out),
        }
        seen.push(id);
    }
    resources.extend(appended);
    resources.retain(|r| seen.iter().any(|s| s.same_as(&r.id())));
    resmap.invalidate();
    resmap.resources = resources;
    Ok(())
}

/// The resource now is what the plugin printed: its object and the build
/// state the object carried; where it came from stays.
fn reset(old: &mut Resource, new: Resource) {
    let previous: Vec<(String, String, String)> = new
        .previous_entries()
        .map(|(k, n, ns)| (k.to_string(), n.to_string(), ns.to_string()))
        .collect();
    old.set_previous_entries(
        previous
            .iter()
            .map(|(k, n, ns)| (k.as_str(), n.as_str(), ns.as_str())),
    );
    old.value = new.value;
    old.written = new.written;
    old.annotation_styles = new.annotation_styles;
    old.untagged = new.untagged;
    old.quoted = new.quoted;
    old.flow = new.flow;
    old.name_prefixes = new.name_prefixes;
    old.name_suffixes = new.name_suffixes;
    old.generator = new.generator;
}

//! `nest-kz edit` and `nest-kz create`: change kustomization files from the
//! command line with kustomize v5's commands, flags, validations and error
//! cases, while every byte an edit does not change stays as it was.
//!
//! This folder owns the commands; the text surgery itself lives in
//! `yaml::edit`, which splices spans and verifies each splice.
//!
//! - `file`: finding, locking, validating and atomically rewriting the
//!   kustomization file (symlinks and read-only files are refused);
//! - `args`: the clap definitions of the subcommands and their flags;
//! - `image`: `NAME[=NEWNAME][:TAG][@DIGEST]` specs, with `*` to keep a value;
//! - `pairs`: `key:value` label/annotation arguments and buildMetadata options;
//! - `glob`: file globs as Go's `filepath.Glob`/`filepath.Match` expand them;
//! - `set`, `add`, `remove`: the command families;
//! - `generator`: `add configmap|secret` (shared flags, validation by generating);
//! - `fix`: deprecated fields to their v5 forms, checked by building before and after;
//! - `vars`: `fix --vars`, vars to replacements;
//! - `create`: a new kustomization, with `--autodetect` of resources.

pub mod add;
pub mod args;
pub mod create;
pub mod file;
pub mod fix;
pub mod generator;
pub mod glob;
pub mod image;
pub mod pairs;
pub mod remove;
pub mod set;
pub mod vars;

pub use args::{CreateArgs, EditCommand};

use std::path::{Path, PathBuf};

/// What went wrong; every variant names the file (or directory) involved.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Yaml {
        path: PathBuf,
        source: crate::yaml::edit::EditError,
    },
    #[error("missing kustomization file 'kustomization.yaml' in {}", dir.display())]
    Missing { dir: PathBuf },
    #[error(
        "{} is a symbolic link to {}: nest-kz edits regular files only (edit the target in its own directory)",
        path.display(),
        target.display()
    )]
    Symlink { path: PathBuf, target: PathBuf },
    #[error("{} is read-only: nothing was changed", path.display())]
    ReadOnly { path: PathBuf },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl EditError {
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        EditError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EditError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, EditError>;

/// What a command did: whether the file changed, and notes for the user
/// (kustomize logs the same situations, e.g. "already in kustomization file").
#[derive(Debug, Default)]
pub struct Outcome {
    pub changed: bool,
    pub notes: Vec<String>,
}

impl Outcome {
    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}

/// Runs an `edit` subcommand on the kustomization in `dir`.
pub fn run_edit(dir: &Path, command: EditCommand) -> Result<Outcome> {
    match command {
        EditCommand::Set { what } => set::run(dir, what),
        EditCommand::Add { what } => add::run(dir, what),
        EditCommand::Remove { what } => remove::run(dir, what),
        EditCommand::Fix { vars } => fix::run(dir, vars),
    }
}

/// Runs `create` in `dir`.
pub fn run_create(dir: &Path, args: CreateArgs) -> Result<Outcome> {
    create::run(dir, args)
}

//! The kustomization file an edit works on: found as kustomize finds it,
//! locked against concurrent edits, validated before and after, and
//! replaced atomically with its permissions kept.
//!
//! Safety decisions:
//! - A symlinked kustomization file is refused. Editing through the link
//!   would change a file that other directories may share, and the
//!   temporary-file-and-rename write would replace the link itself with a
//!   regular file, silently cutting it off from its target.
//! - A file without write permission is refused even when running as root
//!   (where the rename would succeed): read-only is a statement of intent.
//! - The lock is an advisory `flock` on the directory, not the file: the
//!   file is replaced by a rename, so a lock on its inode would not be seen
//!   by an edit that opened the new file. Every nest-kz edit in the same
//!   directory waits for the one before it and then reads its result.
//!
//! Edits can also run on a copy held in memory (`in_memory`): the ArgoCD
//! plugin runs the `kustomize edit` commands ArgoCD would run, and builds
//! the result, without changing the checkout.

use super::{EditError, Outcome, Result};
use crate::load::kustomization::{FILE_NAMES, Kustomization};
use crate::model::value::Value;
use crate::yaml::edit::Document;
use std::fs::{File, Permissions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An open kustomization: its text as a document being edited, under lock.
pub struct Session {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub doc: Document,
    original: String,
    /// Whether the file passed nest-kz's full field check when opened; if
    /// so, the edited file must too.
    strict: bool,
    permissions: Option<Permissions>,
    owner: Option<(u32, u32)>,
    pub outcome: Outcome,
    /// The directory's lock; none for a copy in memory (`in_memory`).
    lock: Option<File>,
}

/// A kustomization held in memory in place of the one in `dir`.
struct Memory {
    dir: PathBuf,
    path: PathBuf,
    text: String,
}

thread_local! {
    static IN_MEMORY: std::cell::RefCell<Option<Memory>> = const { std::cell::RefCell::new(None) };
}

/// Runs `edits` (any `edit` commands on `dir`) on `text`, the contents of
/// the kustomization file `path` in `dir`, instead of on the file; returns
/// what they returned and the edited text. The file is not read, locked or
/// written.
pub fn in_memory<T>(
    dir: &Path,
    path: &Path,
    text: String,
    edits: impl FnOnce() -> Result<T>,
) -> Result<(T, String)> {
    IN_MEMORY.with(|m| {
        *m.borrow_mut() = Some(Memory {
            dir: dir.to_path_buf(),
            path: path.to_path_buf(),
            text,
        })
    });
    let result = edits();
    let memory = IN_MEMORY.with(|m| m.borrow_mut().take());
    let text = memory.map(|m| m.text).unwrap_or_default();
    result.map(|r| (r, text))
}

/// Replaces the in-memory copy's text.
fn keep_in_memory(text: &str) {
    IN_MEMORY.with(|m| {
        if let Some(m) = m.borrow_mut().as_mut() {
            m.text = text.to_string();
        }
    });
}

/// The in-memory copy standing for `dir`'s kustomization, if any.
fn memory_for(dir: &Path) -> Option<(PathBuf, String)> {
    IN_MEMORY.with(|m| {
        m.borrow()
            .as_ref()
            .filter(|m| m.dir == dir)
            .map(|m| (m.path.clone(), m.text.clone()))
    })
}

/// Locks `dir` for the duration of an edit (released when the file closes).
fn lock_dir(dir: &Path) -> Result<File> {
    let handle = File::open(dir).map_err(|e| EditError::io(dir, e))?;
    handle.lock().map_err(|e| EditError::io(dir, e))?;
    Ok(handle)
}

/// The kustomization file in `dir`, if exactly one exists (symlinks count).
pub fn find(dir: &Path) -> Result<Option<PathBuf>> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => Err(EditError::invalid(
            dir,
            format!(
                "found multiple kustomization files: {}",
                found
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

impl Session {
    /// Opens the kustomization in `dir` for editing; missing is an error.
    pub fn open(dir: &Path) -> Result<Session> {
        if let Some((path, text)) = memory_for(dir) {
            let doc = Document::parse(&text).map_err(|source| EditError::Yaml {
                path: path.clone(),
                source,
            })?;
            let strict = validate(&path, doc.value())?;
            return Ok(Session {
                strict,
                dir: dir.to_path_buf(),
                doc,
                original: text,
                permissions: None,
                owner: None,
                outcome: Outcome::default(),
                path,
                lock: None,
            });
        }
        let lock = lock_dir(dir)?;
        let path = find(dir)?.ok_or_else(|| EditError::Missing {
            dir: dir.to_path_buf(),
        })?;
        let meta = path
            .symlink_metadata()
            .map_err(|e| EditError::io(&path, e))?;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            return Err(EditError::Symlink { path, target });
        }
        if meta.is_dir() {
            return Err(EditError::invalid(&path, "should be a file"));
        }
        if meta.permissions().readonly() {
            return Err(EditError::ReadOnly { path });
        }
        // Regular files only (a FIFO must not hang `edit`), size-limited.
        let text = crate::load::loader::read_text_file(&path).map_err(|e| match e {
            crate::error::BuildError::Io { source, .. } => EditError::io(&path, source),
            crate::error::BuildError::Invalid { message, .. } => EditError::invalid(&path, message),
            crate::error::BuildError::Limit(l) => EditError::invalid(&path, l.what),
            other => EditError::invalid(&path, other.to_string()),
        })?;
        let doc = Document::parse(&text).map_err(|source| EditError::Yaml {
            path: path.clone(),
            source,
        })?;
        let strict = validate(&path, doc.value())?;
        Ok(Session {
            strict,
            dir: dir.to_path_buf(),
            doc,
            original: text,
            permissions: Some(meta.permissions()),
            owner: owner_of(&meta),
            outcome: Outcome::default(),
            path,
            lock: Some(lock),
        })
    }

    /// Starts a new `kustomization.yaml` in `dir`; an existing one is an error.
    pub fn create(dir: &Path) -> Result<Session> {
        let lock = lock_dir(dir)?;
        if let Some(existing) = find(dir)? {
            return Err(EditError::invalid(
                existing,
                "kustomization file already exists",
            ));
        }
        let path = dir.join(FILE_NAMES[0]);
        let doc = Document::parse("").map_err(|source| EditError::Yaml {
            path: path.clone(),
            source,
        })?;
        Ok(Session {
            dir: dir.to_path_buf(),
            doc,
            original: String::new(),
            strict: true,
            permissions: None,
            owner: None,
            outcome: Outcome::default(),
            path,
            lock: Some(lock),
        })
    }

    /// The file name as kustomize prints it in messages.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Wraps a span-editor error with the file's name.
    pub fn yaml_err(&self, source: crate::yaml::edit::EditError) -> EditError {
        EditError::Yaml {
            path: self.path.clone(),
            source,
        }
    }

    pub fn invalid(&self, message: impl Into<String>) -> EditError {
        EditError::invalid(&self.path, message)
    }

    /// A string-list field (absent or null reads as empty).
    pub fn strings(&self, field: &str) -> Vec<String> {
        match self.doc.value().get(field) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.to_string(),
                    other => other.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A list-of-objects field.
    pub fn items(&self, field: &str) -> Vec<Value> {
        match self.doc.value().get(field) {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// Writes the edited text when it changed: validated, then through a
    /// temporary file in the same directory and a rename.
    pub fn save(mut self) -> Result<Outcome> {
        self.write()?;
        Ok(std::mem::take(&mut self.outcome))
    }

    /// Writes the edited text when it changed, keeping the session (and
    /// its lock) open.
    pub fn write(&mut self) -> Result<()> {
        if self.doc.text() == self.original {
            return Ok(());
        }
        // Never make a file worse by nest-kz's reading than it was.
        if !validate(&self.path, self.doc.value())? && self.strict {
            validate_strict(&self.path, self.doc.value())?;
        }
        if self.lock.is_none() {
            keep_in_memory(self.doc.text());
            self.outcome.changed = true;
            return Ok(());
        }
        write_atomically(
            &self.path,
            self.doc.text(),
            self.permissions.as_ref(),
            self.owner,
        )?;
        self.outcome.changed = true;
        Ok(())
    }

    /// Puts the file back as it was when opened (used when a check after
    /// writing fails).
    pub fn restore(&self) -> Result<()> {
        if self.lock.is_none() {
            keep_in_memory(&self.original);
            return Ok(());
        }
        write_atomically(
            &self.path,
            &self.original,
            self.permissions.as_ref(),
            self.owner,
        )
    }
}

#[cfg(unix)]
fn owner_of(meta: &std::fs::Metadata) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.uid(), meta.gid()))
}

#[cfg(not(unix))]
fn owner_of(_meta: &std::fs::Metadata) -> Option<(u32, u32)> {
    None
}

/// The top-level fields kustomize v5 knows.
const FIELDS: [&str; 34] = [
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Refuses what kustomize could not read (not a mapping, a top-level field
/// it does not know) and top-level fields spelled in another case. Returns
/// whether nest-kz's full reading passes too; kustomize reads some files
/// nest-kz's build does not (`imageTags`, helm charts without
/// `--enable-helm`), and those can still be edited.
pub fn validate(path: &Path, value: &Value) -> Result<bool> {
    let map = match value {
        Value::Null => return Ok(true),
        Value::Object(m) => m,
        _ => {
            return Err(EditError::invalid(
                path,
                "a kustomization must be a YAML mapping",
            ));
        }
    };
    for k in map.keys() {
        match FIELDS.iter().find(|f| f.eq_ignore_ascii_case(k)) {
            None => {
                return Err(EditError::invalid(
                    path,
                    format!("invalid kustomization: unknown field `{k}`"),
                ));
            }
            // kustomize reads `Images:` as `images:`; an edit that looked
            // for `images` would add a second key that silently wins.
            Some(f) if f != k => {
                return Err(EditError::invalid(
                    path,
                    format!(
                        "the field `{k}` is spelled `{f}` by kustomize: rename it to edit this file"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(validate_strict(path, value).is_ok())
}

/// nest-kz's own reading of every field (types and nested field names).
fn validate_strict(path: &Path, value: &Value) -> Result<()> {
    let mut value = drop_nulls(value.clone());
    // kustomize still reads the deprecated `imageTags` (nest-kz's build does
    // not): edits keep it, and `edit fix` turns it into `images`.
    if let Value::Object(m) = &mut value
        && let Some(tags) = m.shift_remove("imageTags")
    {
        serde_json::from_value::<Vec<crate::load::kustomization::ImageSpec>>(tags.into_json())
            .map_err(|e| {
                EditError::invalid(path, format!("invalid kustomization: imageTags: {e}"))
            })?;
    }
    crate::load::go_json::decode::<Kustomization>(value, crate::load::go_json::Unknown::Deny)
        .map(|_| ())
        .map_err(|e| EditError::invalid(path, format!("invalid kustomization: {e}")))
}

/// Null fields read as absent, as Go's JSON decoding leaves them unset.
fn drop_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, drop_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
        other => other,
    }
}

/// Replaces `path` with `text` through a temporary file and a rename; keeps
/// the old file's permissions and, where allowed, its owner.
pub fn write_atomically(
    path: &Path,
    text: &str,
    permissions: Option<&Permissions>,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |e: std::io::Error| EditError::io(path, e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".nest-kz-edit-")
        .tempfile_in(dir)
        .map_err(|e| EditError::io(dir, e))?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    if let Some(p) = permissions {
        tmp.as_file().set_permissions(p.clone()).map_err(io)?;
    } else {
        set_default_mode(tmp.as_file()).map_err(io)?;
    }
    keep_owner(tmp.as_file(), owner);
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A new file gets the mode an ordinary create would give it (0644 under
/// the usual umask), not the temporary file's private 0600.
#[cfg(unix)]
fn set_default_mode(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_default_mode(_file: &File) -> std::io::Result<()> {
    Ok(())
}

/// Keeps the replaced file's owner. Only root may give a file away; for
/// anyone else the new file is theirs, as with any editor that renames.
#[cfg(unix)]
fn keep_owner(file: &File, owner: Option<(u32, u32)>) {
    if let Some((uid, gid)) = owner {
        let _ = std::os::unix::fs::fchown(file, Some(uid), Some(gid));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _owner: Option<(u32, u32)>) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn reads_what_kustomize_reads() {
        let p = Path::new("kustomization.yaml");
        assert!(validate(p, &json!({"resources": ["a.yaml"]})).unwrap());
        assert!(validate(p, &Value::Null).unwrap());
        // kustomize matches nested field names without regard to case.
        let vars = json!({"vars": [{"name": "V", "objref": {"kind": "Service", "name": "s"}, "fieldref": {"fieldPath": "spec.x"}}]});
        assert!(validate(p, &vars).unwrap());
        // Read by kustomize, not by nest-kz's build: editable, not strict.
        assert!(!validate(p, &json!({"imageTags": [{"name": "a"}], "resources": 1})).unwrap());
        let unknown = validate(p, &json!({"resourcez": []})).unwrap_err();
        assert!(unknown.to_string().contains("unknown field `resourcez`"));
        let case = validate(p, &json!({"Images": []})).unwrap_err();
        assert!(case.to_string().contains("spelled `images`"));
        assert!(validate(p, &json!(["a"])).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("k.yaml");
        std::fs::write(&f, "a: 1\n").unwrap();
        std::fs::set_permissions(&f, Permissions::from_mode(0o600)).unwrap();
        let perms = std::fs::metadata(&f).unwrap().permissions();
        write_atomically(&f, "a: 2\n", Some(&perms), None).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a: 2\n");
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

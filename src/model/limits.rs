//! Limits: every bound nest-kz puts on what an input may make it do, in one
//! place. nest-kz runs on whatever a Git repository holds (ArgoCD
//! repo-servers), so a small hostile tree must not be able to exhaust
//! memory, time or stack. Each limit is far above what real manifests need
//! and each breach is an error naming the file (or the root kustomization).
//!
//! | limit | where it is enforced |
//! |---|---|
//! | [`MAX_DEPTH`] nesting of any value, counted through expanded aliases | YAML reader; re-checked after every step that copies values into others (replacements, JSON patches) |
//! | alias expansion: go-yaml v3's aliasing ratio, plus [`MAX_ALIAS_BYTES_BASE`] bytes | YAML reader |
//! | [`MAX_FIELD_PATH_SEGMENTS`] segments in a field path | field specs, replacements |
//! | [`MAX_FILE_BYTES`] per file read | file loader |
//! | [`MAX_OBJECT_BYTES`] growth of one object by a copying step | replacements, JSON patches |
//! | [`MAX_KUSTOMIZATIONS`], [`MAX_OBJECTS`], [`MAX_BUILD_BYTES`] per build, cumulative | build accumulation |
//! | heap held by the run: the memory budget (`heap`) | safe points in every pass, the reader and copying steps |
//! | one deadline for the run ([`set_deadline`], `--timeout`) | every network request and child process |
//! | [`DEFAULT_MAX_CHILD_OUTPUT`] bytes of output per child process (`--max-child-output`) | `sys::child` |
//!
//! The per-build counters are cumulative (every kustomization visit, every
//! object added to any collection), so an overlay graph that revisits the
//! same directories exponentially often stops after bounded work rather
//! than after it has produced its 2^K objects.

use crate::model::value::Value;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The run's time limit when the command line sets none: inside ArgoCD's
/// 90 s exec timeout (the shipped plugin command sets 55 s, inside the
/// repo-server's default 60 s request deadline).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(80);

/// Output accepted from one child process (helm's rendered chart, git's
/// answers, a plugin's objects) when the command line sets no other.
pub const DEFAULT_MAX_CHILD_OUTPUT: u64 = 256 << 20;

static DEADLINE: Mutex<Option<Instant>> = Mutex::new(None);
static MAX_CHILD_OUTPUT: AtomicU64 = AtomicU64::new(DEFAULT_MAX_CHILD_OUTPUT);

/// Sets (or clears) the run's deadline: every network request and child
/// process from now on shares what is left of it.
pub fn set_deadline(at: Option<Instant>) {
    *DEADLINE.lock().unwrap_or_else(|e| e.into_inner()) = at;
}

/// The time a request or child may take: `cap`, or what is left of the
/// run's deadline if that is less; an error once the deadline has passed.
pub fn time_for(cap: Duration, what: &str) -> Result<Duration, DeadlineError> {
    let deadline = *DEADLINE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(at) = deadline else {
        return Ok(cap);
    };
    let left = at.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(DeadlineError {
            what: what.to_string(),
        });
    }
    Ok(cap.min(left))
}

/// Whether the run's deadline has passed (a child killed at its timeout
/// says which of the two ended it).
pub fn deadline_passed() -> bool {
    DEADLINE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some_and(|at| Instant::now() >= at)
}

/// The run's deadline passed before `what` could run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: the build's deadline passed (raise it with --timeout)")]
pub struct DeadlineError {
    pub what: String,
}

/// Sets the output accepted from one child process.
pub fn set_max_child_output(bytes: u64) {
    MAX_CHILD_OUTPUT.store(bytes, Relaxed);
}

/// The output accepted from one child process.
pub fn max_child_output() -> u64 {
    MAX_CHILD_OUTPUT.load(Relaxed)
}

/// Deepest nesting of maps and lists in any value. Every recursive walker
/// (emitter, merge, drop) stays far inside the stack with this bound.
pub const MAX_DEPTH: usize = 200;

/// Longest field path (`a/b/c`, `a.b.c`): a path with `create` builds one
/// level per segment, so a path may not reach deeper than values may.
pub const MAX_FIELD_PATH_SEGMENTS: usize = MAX_DEPTH / 2;

/// Largest single file read (a resource, patch, kustomization, ...): far
/// above real manifests (the biggest CRD bundles are tens of MiB), and small
/// enough that reading one fits the memory budget on a modest host.
pub const MAX_FILE_BYTES: u64 = 128 << 20;

/// Bytes an alias expansion may add to a YAML file beyond twice its size.
/// go-yaml's ratio rule bounds the number of nodes; this bounds their size
/// (an alias of a long string copies the string, where Go shares it).
pub const MAX_ALIAS_BYTES_BASE: u64 = 16 << 20;

/// One object may not grow past this by a step that copies values
/// (replacements, JSON patch `add`/`copy`): repeated copies double.
pub const MAX_OBJECT_BYTES: u64 = 32 << 20;

/// Kustomization directories visited in one build, counting revisits. A
/// visit costs about a millisecond unoptimised, so a hostile graph stops
/// within a second; real trees stay well below (bench/'s widest has 201).
pub const MAX_KUSTOMIZATIONS: usize = 500;

/// Objects added to any collection in one build, counting every level (a
/// 100,000-object tree three levels deep adds about 300,000).
pub const MAX_OBJECTS: usize = 1_000_000;

/// Bytes of the objects added to any collection in one build, every level.
pub const MAX_BUILD_BYTES: u64 = 8 << 30;

/// Bytes counted per map, list or scalar besides its text: roughly what a
/// node costs in memory, so byte limits track memory, not only text.
const NODE_OVERHEAD: u64 = 48;

/// A limit was reached; `path` is the file (or root kustomization) involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {what} (limit {limit}): refused as hostile or runaway input", path.display())]
pub struct LimitError {
    pub path: PathBuf,
    pub what: String,
    pub limit: u64,
}

impl LimitError {
    pub fn new(path: impl Into<PathBuf>, what: impl Into<String>, limit: u64) -> Self {
        LimitError {
            path: path.into(),
            what: what.into(),
            limit,
        }
    }
}

/// Size of a value: nodes, approximate bytes in memory, nesting depth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    pub nodes: u64,
    pub bytes: u64,
    pub depth: usize,
}

/// Measures a value without recursion (it may be deeper than the stack allows).
pub fn measure(value: &Value) -> Size {
    let mut size = Size::default();
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        size.nodes += 1;
        size.bytes += NODE_OVERHEAD;
        match v {
            Value::Array(items) => {
                if !items.is_empty() {
                    size.depth = size.depth.max(depth);
                }
                stack.extend(items.iter().map(|i| (i, depth + 1)));
            }
            Value::Object(map) => {
                if !map.is_empty() {
                    size.depth = size.depth.max(depth);
                }
                for (k, i) in map {
                    size.bytes += k.len() as u64;
                    stack.push((i, depth + 1));
                }
            }
            Value::String(s) => size.bytes += s.len() as u64,
            Value::Number(n) => size.bytes += n.as_str().len() as u64,
            Value::Null | Value::Bool(_) => {}
        }
    }
    size
}

/// Checks an object after a step that may copy values into it: not deeper
/// than [`MAX_DEPTH`], and not grown past [`MAX_OBJECT_BYTES`]. A step adds
/// at most one bounded value at a bounded depth, so an object that fails
/// here is still shallow enough to drop safely.
pub fn check_grown(
    value: &Value,
    before: Option<Size>,
    path: &Path,
    step: &str,
) -> Result<Size, LimitError> {
    // Also a safe point for the run's memory budget: copying steps are
    // where a small input fans out.
    crate::model::heap::check()
        .map_err(|e| LimitError::new(path, format!("{step}: {e}"), e.limit))?;
    let size = measure(value);
    if size.depth > MAX_DEPTH {
        return Err(LimitError::new(
            path,
            format!("{step} nests an object deeper than {MAX_DEPTH} levels"),
            MAX_DEPTH as u64,
        ));
    }
    let grew = before.is_none_or(|b| size.bytes > b.bytes);
    if grew && size.bytes > MAX_OBJECT_BYTES {
        return Err(LimitError::new(
            path,
            format!("{step} grows an object past {MAX_OBJECT_BYTES} bytes"),
            MAX_OBJECT_BYTES,
        ));
    }
    Ok(size)
}

/// Refuses field paths with more than [`MAX_FIELD_PATH_SEGMENTS`] segments.
pub fn check_field_path(path: &str, separator: char) -> Result<(), String> {
    let segments = path.split(separator).filter(|s| !s.is_empty()).count();
    if segments > MAX_FIELD_PATH_SEGMENTS {
        return Err(format!(
            "field path has {segments} segments (limit {MAX_FIELD_PATH_SEGMENTS})"
        ));
    }
    Ok(())
}

/// serde helper: a `/`-separated field path within the segment limit.
pub fn bounded_slash_path<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let path: String = serde::Deserialize::deserialize(d)?;
    check_field_path(&path, '/').map_err(serde::de::Error::custom)?;
    Ok(path)
}

#[derive(Debug, Default)]
struct Counters {
    root: PathBuf,
    kustomizations: usize,
    objects: usize,
    bytes: u64,
}

thread_local! {
    /// The running build's counters. A build runs on one thread; tests
    /// running builds on parallel threads each get their own.
    static BUDGET: RefCell<Option<Counters>> = const { RefCell::new(None) };
}

/// Per-build cumulative counters; dropping the guard ends the build's budget.
pub struct BuildBudget(());

impl BuildBudget {
    /// Starts counting for a build of `root`. A nested call (a build started
    /// inside a build) shares the outer budget.
    pub fn start(root: &Path) -> BuildBudget {
        BUDGET.with(|b| {
            let mut b = b.borrow_mut();
            if b.is_none() {
                *b = Some(Counters {
                    root: root.to_path_buf(),
                    ..Counters::default()
                });
            }
        });
        BuildBudget(())
    }
}

impl Drop for BuildBudget {
    fn drop(&mut self) {
        BUDGET.with(|b| *b.borrow_mut() = None);
    }
}

fn charge(f: impl FnOnce(&mut Counters) -> Result<(), LimitError>) -> Result<(), LimitError> {
    BUDGET.with(|b| match b.borrow_mut().as_mut() {
        Some(c) => f(c),
        // Library calls outside a build (tests, review tools) are not counted.
        None => Ok(()),
    })
}

/// The error for a build counter past its limit (`what` says which).
fn within(
    root: &Path,
    count: u64,
    limit: u64,
    what: impl FnOnce() -> String,
) -> Result<(), LimitError> {
    if count > limit {
        return Err(LimitError::new(root, what(), limit));
    }
    Ok(())
}

/// Counts one kustomization directory visit.
pub fn charge_kustomization(dir: &Path) -> Result<(), LimitError> {
    charge(|c| {
        c.kustomizations += 1;
        within(
            &c.root,
            c.kustomizations as u64,
            MAX_KUSTOMIZATIONS as u64,
            || {
                format!(
                    "the build visits more than {MAX_KUSTOMIZATIONS} kustomizations (last {})",
                    dir.display()
                )
            },
        )
    })
}

/// Counts one object added to a collection.
pub fn charge_object(bytes: u64, source: &Path) -> Result<(), LimitError> {
    charge(|c| {
        c.objects += 1;
        within(&c.root, c.objects as u64, MAX_OBJECTS as u64, || {
            format!(
                "the build adds more than {MAX_OBJECTS} objects across its kustomizations (last from {})",
                source.display()
            )
        })?;
        c.bytes += bytes;
        within(&c.root, c.bytes, MAX_BUILD_BYTES, || {
            format!(
                "the build's objects exceed {MAX_BUILD_BYTES} bytes across its kustomizations (last from {})",
                source.display()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn measures_without_recursion() {
        // Not json!([v]): that serializes `v`, recursively.
        let mut v = json!(1);
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(measure(&v).depth, 100_000);
        // Dropping it recursively would overflow the stack: unwrap it by hand.
        let mut stack = vec![v];
        while let Some(Value::Array(items)) = stack.pop() {
            stack.extend(items);
        }
    }

    #[test]
    fn growth_past_the_limits_is_refused() {
        let p = Path::new("k.yaml");
        let small = json!({"a": "b"});
        assert!(check_grown(&small, None, p, "replacement").is_ok());
        let big = json!({"a": "x".repeat(MAX_OBJECT_BYTES as usize)});
        let before = measure(&big);
        // Already big but not growing: fine. Growing: refused.
        assert!(check_grown(&big, Some(before), p, "replacement").is_ok());
        assert!(check_grown(&big, Some(measure(&small)), p, "replacement").is_err());
        assert!(check_field_path(&vec!["a"; 101].join("/"), '/').is_err());
        assert!(check_field_path("spec/template/metadata/labels", '/').is_ok());
    }

    #[test]
    fn budget_counts_per_build() {
        let _b = BuildBudget::start(Path::new("root"));
        for _ in 0..MAX_KUSTOMIZATIONS {
            charge_kustomization(Path::new("d")).unwrap();
        }
        let e = charge_kustomization(Path::new("d")).unwrap_err();
        assert!(e.to_string().starts_with("root: "), "{e}");
    }
}

//! The pipeline's layers, checked: every `crate::` path in `src/` may only
//! point at its own layer or one below it (docs/architecture.md). The rule
//! holds for test modules too, and there is no list of exceptions: a path
//! that points up is a type in the wrong layer, to be moved down.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module, with the layers it may import from (its own is
/// always allowed). Steps (generate, patch, transform, refs) sit side by
/// side and do not import each other.
const LAYERS: &[(&str, &[&str])] = &[
    ("release", &[]),
    ("model", &["release"]),
    ("yaml", &["release", "model"]),
    ("sys", &["release", "model"]),
    ("error", &["release", "model", "yaml", "load"]),
    ("load", &["release", "model", "yaml", "sys", "error"]),
    (
        "generate",
        &["release", "model", "yaml", "sys", "load", "error"],
    ),
    (
        "patch",
        &["release", "model", "yaml", "sys", "load", "error"],
    ),
    (
        "transform",
        &["release", "model", "yaml", "sys", "load", "error"],
    ),
    (
        "refs",
        &["release", "model", "yaml", "sys", "load", "error"],
    ),
    (
        "plugin",
        &[
            "model", "yaml", "sys", "load", "error", "release", "generate",
        ],
    ),
    (
        "build",
        &[
            "model",
            "yaml",
            "sys",
            "load",
            "error",
            "release",
            "generate",
            "patch",
            "transform",
            "refs",
            "plugin",
        ],
    ),
    (
        "review",
        &[
            "model", "yaml", "sys", "load", "error", "release", "generate", "build",
        ],
    ),
    (
        "edit",
        &[
            "model",
            "yaml",
            "sys",
            "load",
            "error",
            "release",
            "generate",
            "transform",
            "build",
        ],
    ),
    (
        "cli",
        &[
            "model",
            "yaml",
            "sys",
            "load",
            "error",
            "release",
            "generate",
            "patch",
            "transform",
            "refs",
            "plugin",
            "build",
            "review",
            "edit",
        ],
    ),
];

/// Names the crate root re-exports, by the layer that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("json", "model"),
    ("yaml_path", "yaml"),
    ("BuildError", "error"),
    ("BuildOptions", "build"),
    ("build", "build"),
    ("build_resources", "build"),
];

fn layer_of(module: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .map(|(l, _)| *l)
        .find(|l| *l == module)
        .or_else(|| {
            ROOT_ITEMS
                .iter()
                .find(|(n, _)| *n == module)
                .map(|(_, l)| *l)
        })
}

fn allowed(from: &str, to: &str) -> bool {
    from == to
        || LAYERS
            .iter()
            .find(|(l, _)| *l == from)
            .is_some_and(|(_, ok)| ok.contains(&to))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first identifiers after each `crate::` in `text`, with their lines;
/// `crate::{a, b::c}` yields `a` and `b`.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() {
                        out.push((n + 1, name.to_string()));
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push((n + 1, name));
            }
            rest = after;
        }
    }
    out
}

#[test]
fn imports_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        // The crate root and the binary wire the layers together.
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let from = layer_of(&module)
            .unwrap_or_else(|| panic!("{}: a module missing from LAYERS", rel.display()));
        let text = std::fs::read_to_string(file).expect("readable source");
        for (line, name) in crate_paths(&text) {
            let Some(to) = layer_of(&name) else {
                violations.insert(format!(
                    "{}:{line}: crate::{name} is not a known layer",
                    rel.display()
                ));
                continue;
            };
            if !allowed(from, to) {
                violations.insert(format!(
                    "{}:{line}: {from} imports {to} (crate::{name}), which is not below it",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that point up or sideways:\n{}",
        violations.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_checker_reads_grouped_and_nested_paths() {
    let found = crate_paths("use crate::{a, b::c};\nlet x = crate::d::e(); // crate::f\n");
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "d"]);
}

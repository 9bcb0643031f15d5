//! File globs as kustomize expands them (Go's `filepath.Glob` and
//! `filepath.Match`): `*`, `?` and `[...]` within one path segment, dot files
//! included, results sorted, and a pattern without metacharacters standing
//! for itself when the path exists.

use glob::{MatchOptions, Pattern};
use std::path::{Component, Path, PathBuf};

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

fn has_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// The paths matching `pattern`, relative to `dir` as the pattern is.
pub fn expand(dir: &Path, pattern: &str) -> Result<Vec<String>, String> {
    if !has_meta(pattern) {
        let exists = dir.join(pattern).symlink_metadata().is_ok();
        return Ok(if exists {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let absolute = Path::new(pattern).is_absolute();
    let full = if absolute {
        pattern.to_string()
    } else {
        format!(
            "{}/{pattern}",
            Pattern::escape(&dir.to_string_lossy()).trim_end_matches('/')
        )
    };
    let paths = glob::glob_with(&full, OPTIONS).map_err(|e| format!("{pattern}: {e}"))?;
    let mut out = Vec::new();
    for path in paths {
        let path = path.map_err(|e| e.to_string())?;
        let rel = if absolute {
            path
        } else {
            path.strip_prefix(dir)
                .map(Path::to_path_buf)
                .unwrap_or(path)
        };
        out.push(clean(&rel));
    }
    Ok(out)
}

/// Whether `name` matches `pattern` (Go's `filepath.Match`).
pub fn matches(pattern: &str, name: &str) -> Result<bool, String> {
    let p = Pattern::new(pattern).map_err(|e| format!("{pattern}: {e}"))?;
    Ok(p.matches_with(name, OPTIONS))
}

/// Lexical clean-up as Go's `filepath.Join` does: no `.` segments, `x/..` folded.
fn clean(path: &Path) -> String {
    let mut parts: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let p: PathBuf = parts.iter().collect();
    let s = p.to_string_lossy().into_owned();
    if s.is_empty() { ".".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_like_go() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b.yaml", "a.yaml", ".hidden.yaml", "sub/c.yaml", "x.txt"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        assert_eq!(
            expand(dir.path(), "*.yaml").unwrap(),
            vec![".hidden.yaml", "a.yaml", "b.yaml"]
        );
        assert_eq!(
            expand(dir.path(), "./sub/*.yaml").unwrap(),
            vec!["sub/c.yaml"]
        );
        assert_eq!(expand(dir.path(), "sub").unwrap(), vec!["sub"]);
        assert!(expand(dir.path(), "missing.yaml").unwrap().is_empty());
        assert!(expand(dir.path(), "*.json").unwrap().is_empty());
        assert!(expand(dir.path(), "[").is_err());
    }

    #[test]
    fn matches_within_one_segment() {
        assert!(matches("*.yaml", "a.yaml").unwrap());
        assert!(!matches("*.yaml", "sub/a.yaml").unwrap());
        assert!(matches("sub/*", "sub/a.yaml").unwrap());
    }
}

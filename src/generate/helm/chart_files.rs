//! A chart's files, checked before helm reads them. helm follows symbolic
//! links inside a chart and reads whatever they point at (`.Files.Get`
//! prints it), so a link in a repository's chart could put any host file
//! into the output; a FIFO would hang helm and a device feed it forever.
//! With the default load restrictor a link must stay inside the
//! kustomization root, as every other file the build reads; whatever the
//! restrictor, only regular files and directories are accepted, and a
//! chart's size is bounded like a file's.

use super::HelmError;
use crate::load::loader::LoadRestriction;
use crate::model::limits::MAX_FILE_BYTES;
use std::path::Path;

/// Entries a chart may hold (files and directories, its subcharts' too).
const MAX_ENTRIES: usize = 20_000;

/// Checks every entry below `dir` (the chart's directory).
pub fn check(
    dir: &Path,
    root: &Path,
    restriction: LoadRestriction,
    chart: &str,
) -> Result<(), HelmError> {
    let refuse = |path: &Path, why: &str| HelmError::InvalidChart {
        chart: chart.to_string(),
        reason: format!("{}: {why}", path.display()),
    };
    let mut bytes = 0u64;
    for (count, entry) in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .enumerate()
    {
        if count >= MAX_ENTRIES {
            return Err(refuse(
                dir,
                &format!("the chart holds more than {MAX_ENTRIES} files"),
            ));
        }
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            refuse(&path, &format!("cannot be read safely ({e})"))
        })?;
        let path = entry.path();
        if entry.path_is_symlink() && restriction == LoadRestriction::RootOnly {
            let target = path
                .canonicalize()
                .map_err(|e| refuse(path, &format!("a link that cannot be followed ({e})")))?;
            if !target.starts_with(root) {
                return Err(refuse(
                    path,
                    &format!(
                        "a link to '{}', outside the kustomization root '{}' (use --load-restrictor LoadRestrictionsNone to allow it)",
                        target.display(),
                        root.display()
                    ),
                ));
            }
        }
        // Followed links report their target's type.
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(refuse(path, "not a regular file or directory"));
        }
        let len = entry
            .metadata()
            .map_err(|e| refuse(path, &e.to_string()))?
            .len();
        bytes = bytes.saturating_add(len);
        if bytes > MAX_FILE_BYTES {
            return Err(refuse(
                dir,
                &format!("the chart's files exceed {MAX_FILE_BYTES} bytes"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn chart(root: &Path) -> std::path::PathBuf {
        let dir = root.join("charts/c");
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("Chart.yaml"), "name: c\n").unwrap();
        dir
    }

    #[test]
    fn links_inside_the_root_pass_and_outside_fail() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let dir = chart(&root);
        std::fs::write(root.join("shared.txt"), "x").unwrap();
        symlink(root.join("shared.txt"), dir.join("files-ok")).unwrap();
        assert!(check(&dir, &root, LoadRestriction::RootOnly, "c").is_ok());
        symlink("/etc/hostname", dir.join("files-out")).unwrap();
        let e = check(&dir, &root, LoadRestriction::RootOnly, "c").unwrap_err();
        assert!(
            e.to_string().contains("outside the kustomization root"),
            "{e}"
        );
        assert!(check(&dir, &root, LoadRestriction::None, "c").is_ok());
    }

    #[test]
    fn devices_and_fifos_fail_under_any_restriction() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let dir = chart(&root);
        symlink("/dev/zero", dir.join("zero")).unwrap();
        let e = check(&dir, &root, LoadRestriction::None, "c").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}

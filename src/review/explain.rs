//! `nest-kz explain`: every field of the output with the file and line that
//! set it, and the values it had before with who set each, per object.

use crate::build::relative_path;
use crate::model::provenance::{Origin, leaves};
use crate::model::resource::Resource;
use crate::model::value::Value;
use std::io::Write;
use std::path::Path;

/// `KIND/NAME` (kind case-insensitive; the current name or any earlier one).
pub fn matches_object(r: &Resource, filter: &str) -> bool {
    let Some((kind, name)) = filter.split_once('/') else {
        return r.ever_named(filter);
    };
    r.kind().eq_ignore_ascii_case(kind) && r.ever_named(name)
}

/// What `explain` shows: one object, one field (and what lies below it),
/// the fields one file sets.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter<'a> {
    pub object: Option<&'a str>,
    /// A keyed path: the field itself and every field below it.
    pub field: Option<&'a str>,
    /// A file, canonical: the fields it set, now or before a later step.
    pub file: Option<&'a Path>,
}

fn under(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn shown(origin: &Origin, cwd: &Path) -> String {
    match origin.line {
        0 => format!("{} ({})", relative_path(cwd, &origin.file), origin.by),
        line => format!(
            "{}:{line} ({})",
            relative_path(cwd, &origin.file),
            origin.by
        ),
    }
}

/// The explanation of `resources`, file paths shown relative to `cwd`.
pub fn render(resources: &[Resource], filter: &Filter<'_>, cwd: &Path) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(&mut out, resources, filter, cwd);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the explanation of `resources` to `out` as it goes (it is a few
/// times the size of the objects): per field its value and who set it,
/// then, indented, each earlier value and who had set it (newest first).
/// Returns the number of objects explained.
pub fn write(
    out: &mut impl Write,
    resources: &[Resource],
    filter: &Filter<'_>,
    cwd: &Path,
) -> std::io::Result<usize> {
    let mut shown_objects = 0;
    let narrowed = filter.field.is_some() || filter.file.is_some();
    for r in resources
        .iter()
        .filter(|r| filter.object.is_none_or(|f| matches_object(r, f)))
    {
        let Some(origins) = &r.origins else { continue };
        let mut body = Vec::new();
        for (path, value) in leaves(&r.value) {
            if filter.field.is_some_and(|f| !under(&path, f)) {
                continue;
            }
            let current = origins.get(&path);
            let earlier = origins.earlier(&path);
            if let Some(file) = filter.file {
                let sets = |o: &Origin| o.file == file;
                if !(current.as_ref().is_some_and(sets) || earlier.iter().any(|(o, _)| sets(o))) {
                    continue;
                }
            }
            let by = current.map_or_else(|| "(unknown)".to_string(), |o| shown(&o, cwd));
            writeln!(body, "  {path}: {}  <- {by}", short(value))?;
            for (origin, was) in earlier {
                writeln!(body, "      was {}  <- {}", short(was), shown(&origin, cwd))?;
            }
        }
        if narrowed && body.is_empty() {
            continue;
        }
        shown_objects += 1;
        writeln!(out, "{}", r.id())?;
        out.write_all(&body)?;
    }
    Ok(shown_objects)
}

/// A value on one line: strings bare (newlines escaped), the rest as JSON.
pub fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace('\n', "\\n"),
        other => other.to_string(),
    }
}

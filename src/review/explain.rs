//! `nest-kz explain`: every field of the output with the file and line that
//! last set it, per object.

use crate::build::relative_path;
use crate::model::provenance::leaves;
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

/// The explanation of `resources`, file paths shown relative to `cwd`.
pub fn render(resources: &[Resource], filter: Option<&str>, cwd: &Path) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(&mut out, resources, filter, cwd);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the explanation of `resources` to `out` as it goes (it is a few
/// times the size of the objects); the number of objects explained.
pub fn write(
    out: &mut impl Write,
    resources: &[Resource],
    filter: Option<&str>,
    cwd: &Path,
) -> std::io::Result<usize> {
    let mut shown_objects = 0;
    for r in resources
        .iter()
        .filter(|r| filter.is_none_or(|f| matches_object(r, f)))
    {
        shown_objects += 1;
        writeln!(out, "{}", r.id())?;
        let Some(origins) = &r.origins else { continue };
        for (path, value) in leaves(&r.value) {
            let shown = match origins.get(&path) {
                Some(o) if o.line > 0 => {
                    format!("{}:{} ({})", relative_path(cwd, &o.file), o.line, o.by)
                }
                Some(o) => format!("{} ({})", relative_path(cwd, &o.file), o.by),
                None => "(unknown)".to_string(),
            };
            writeln!(out, "  {path}: {}  <- {shown}", short(value))?;
        }
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

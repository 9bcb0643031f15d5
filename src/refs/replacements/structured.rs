//! v5.8: replacement field paths that reach into JSON or YAML held in a
//! string field (`data.config\.json.server.host`), as kustomize's
//! `setValueInStructuredData` does:
//!
//! - the first prefix of the path that names a scalar (with path left) is
//!   the string; its text is read as YAML (JSON is YAML), the rest of the
//!   path matched in it (creating as asked), and the value set there;
//! - the text is then written back: as JSON when it began with `{` or `[`
//!   (keys sorted, Go's escaping and number forms; indented by two spaces
//!   only if the original held both a line break and two spaces in a row,
//!   else compact), otherwise as YAML, trimmed;
//! - if any of it fails (no such string, nothing matched, a value the
//!   field's type cannot hold), nothing is written, and the ordinary path
//!   walk decides what happens.
//!
//! YAML text is edited as go-yaml nodes ([`crate::yaml::node`]), so each
//! scalar keeps its quoting, block style and tag, each collection its flow
//! style, and comments stay where go-yaml puts them; a scalar takes the new
//! text whatever its tag (`!!int abc` is printed so); anchors and aliases
//! stay. Text with comments in places `yaml::node_comments` does not
//! settle is edited as values and printed in block style without comments,
//! where kustomize keeps them (a known difference, docs/compatibility.md).

use super::Options;
use super::path::{self, Create, Shape, Tree};
use super::value::{self, Source};
use crate::model::go_format;
use crate::model::value::{Number, Value};
use crate::yaml::node::{self, Kind, Node, Style};

/// Sets the value inside structured text on the path; whether it did. A
/// delimiter on a target that is not a scalar fails the build, as in
/// kustomize.
pub fn set(
    root: &mut Value,
    segments: &[String],
    source: &Source,
    options: &Options,
    create: Create,
) -> Result<bool, String> {
    if segments.len() < 2 {
        return Ok(false);
    }
    let Some(split) = (1..segments.len()).find(|&i| {
        matches!(
            path::lookup(root, &segments[..i]),
            Ok(Some(Value::String(_) | Value::Number(_) | Value::Bool(_)))
        )
    }) else {
        return Ok(false);
    };
    let Ok(Some(holder)) = path::lookup(root, &segments[..split]) else {
        return Ok(false);
    };
    let Some(original) = path::scalar_text(holder) else {
        return Ok(false);
    };
    // No document: kustomize's structured edit fails on the empty node,
    // and so does the ordinary path walk after it (`path::walk_structured`).
    if node::holds_no_document(&original) {
        return Ok(false);
    }
    let json = original.trim_start().starts_with(['{', '[']);
    let mut declined = false;
    if !json {
        match set_in_nodes(&original, &segments[split..], source, options, create)? {
            InNodes::Set(text) => return Ok(write_back(root, &segments[..split], text)),
            // kustomize's own attempt fails the same way on its nodes.
            InNodes::Unmatched => return Ok(false),
            InNodes::Declined => declined = true,
        }
    }
    let docs = match crate::yaml::parse_documents(&original) {
        Ok(docs) => docs,
        Err(e) if declined => return Err(declined_error(&segments[..split], &e.to_string())),
        Err(_) => return Ok(false),
    };
    let mut tree = docs.into_iter().next().map(|d| d.value).unwrap_or_default();
    let mut set = |node: &mut Value, fresh: bool| {
        let how = match fresh {
            true => value::Landing::Fresh,
            false => value::Landing::Existing,
        };
        value::set_field_value(node, how, source, options)
    };
    match path::each_match(&mut tree, &segments[split..], create, &mut set) {
        Ok(n) if n > 0 => {}
        Err(e) if e.starts_with("delimiter") => return Err(e),
        // kustomize sets it on its nodes (a tagged scalar takes any text);
        // as values it cannot be held, and silently keeping the old text
        // would print something kustomize does not.
        Err(e) if declined => return Err(declined_error(&segments[..split], &e)),
        _ => return Ok(false),
    }
    let text = match json {
        true => {
            let indent = original.contains('\n') && original.contains("  ");
            go_json(&tree, indent)
        }
        false => crate::yaml::emit::emit_document_in_order(&tree)
            .trim()
            .to_string(),
    };
    Ok(write_back(root, &segments[..split], text))
}

/// A value nest-kz cannot set in YAML held in a string whose comments it
/// declines to place (docs/compatibility.md, known difference 1).
fn declined_error(field: &[String], cause: &str) -> String {
    let field: Vec<String> = field.iter().map(|s| s.replace('.', "\\.")).collect();
    format!(
        "cannot set a value in the YAML held in `{}`: its comments sit where nest-kz does not follow go-yaml, so it edits the text as values, and {cause} (known difference 1, docs/compatibility.md)",
        field.join(".")
    )
}

/// Puts the edited text back into the field that held it.
fn write_back(root: &mut Value, field: &[String], text: String) -> bool {
    let mut written = false;
    let _ = path::each_match(root, field, Create::No, &mut |node, _| {
        *node = Value::String(text.as_str().into());
        written = true;
        Ok(())
    });
    written
}

/// What editing YAML text as go-yaml nodes came to.
enum InNodes {
    /// The text with the value set, printed as kyaml prints it, trimmed.
    Set(String),
    /// The path matches nothing there, or fails.
    Unmatched,
    /// The text holds what the node model does not keep.
    Declined,
}

fn set_in_nodes(
    original: &str,
    path: &[String],
    source: &Source,
    options: &Options,
    create: Create,
) -> Result<InNodes, String> {
    let Some(mut tree) = node::parse(original) else {
        return Ok(InNodes::Declined);
    };
    let mut set = |target: &mut Node, fresh: bool| set_node_value(target, fresh, source, options);
    match path::each_match(&mut tree, path, create, &mut set) {
        Ok(n) if n > 0 => {}
        Err(e) if e.starts_with("delimiter") => return Err(e),
        _ => return Ok(InNodes::Unmatched),
    }
    Ok(crate::yaml::node_emit::emit(&tree)
        .map_or(InNodes::Declined, |t| InNodes::Set(t.trim().to_string())))
}

/// kustomize's loop over structured targets: a scalar takes the value's
/// text and keeps its tag and style; a map or list becomes the value.
fn set_node_value(
    target: &mut Node,
    fresh: bool,
    source: &Source,
    options: &Options,
) -> Result<(), String> {
    let text = value::target_text(target.text().map(str::to_string), fresh, source, options)?;
    match &mut target.kind {
        Kind::Scalar(t) => *t = text,
        _ => {
            *target = match source {
                Source::Node(v) => node_of(v),
                Source::Scalar { text, .. } => Node::scalar(text, Style::Plain),
                Source::Untagged(t) => Node::untagged(t),
            }
        }
    }
    Ok(())
}

/// A resource's value as the node kyaml would hand over (block style,
/// plain scalars tagged by type).
fn node_of(v: &Value) -> Node {
    match v {
        Value::Object(map) => Node::mapping(
            map.iter()
                .map(|(k, v)| (string_node(k), node_of(v)))
                .collect(),
        ),
        Value::Array(items) => Node::sequence(items.iter().map(node_of).collect()),
        Value::String(s) => string_node(s),
        other => Node::scalar(&path::scalar_text(other).unwrap_or_default(), Style::Plain),
    }
}

fn string_node(text: &str) -> Node {
    Node {
        tag: "!!str".into(),
        ..Node::untagged(text)
    }
}

impl Tree for Node {
    fn shape(&self) -> Shape {
        match &self.kind {
            Kind::Mapping(_) => Shape::Map,
            Kind::Sequence(_) => Shape::List,
            Kind::Scalar(_) if self.is_null() => Shape::Null,
            // kyaml's matcher does not look through an alias.
            Kind::Scalar(_) | Kind::Alias(_) => Shape::Scalar,
        }
    }

    fn items_mut(&mut self) -> Option<&mut Vec<Self>> {
        match &mut self.kind {
            Kind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        self.get_mut(key)
    }

    fn insert_field(&mut self, key: &str, value: Self) {
        if let Kind::Mapping(entries) = &mut self.kind {
            entries.push((string_node(key), value));
        }
    }

    fn fresh(kind: Create) -> Self {
        match kind {
            Create::Map => Node::mapping(Vec::new()),
            Create::List => Node::sequence(Vec::new()),
            Create::No | Create::Scalar => Node::untagged(""),
        }
    }

    fn element(name: &str, pattern: &str) -> Self {
        match name {
            "" => string_node(pattern),
            name => Node::mapping(vec![(string_node(name), Node::untagged(pattern))]),
        }
    }

    fn yaml_text(&self) -> String {
        self.contents().trim().to_string()
    }

    fn read_text(&self) -> Result<Self, String> {
        if let Kind::Alias(name) = &self.kind {
            return Err(format!(
                "wrong node kind: expected MappingNode but got AliasNode: node contents:\n*{name}\n"
            ));
        }
        node::parse(self.text().unwrap_or_default())
            .ok_or_else(|| "the text is not YAML this build can edit".to_string())
    }

    fn contents(&self) -> String {
        crate::yaml::node_emit::emit(self).unwrap_or_default()
    }

    fn scalar_text(&self) -> Option<String> {
        self.text().map(str::to_string)
    }
}

/// `v` as Go's `encoding/json` writes what go-yaml decoded it into:
/// `json.Marshal`, or `json.MarshalIndent(v, "", "  ")`.
pub fn go_json(v: &Value, indent: bool) -> String {
    let mut out = String::new();
    write(&mut out, v, indent, 0);
    out
}

fn write(out: &mut String, v: &Value, indent: bool, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        if indent {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => go_format::push_json_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write(out, item, indent, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            // Go sorts a map's keys by their bytes.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                go_format::push_json_string(out, k);
                out.push(':');
                if indent {
                    out.push(' ');
                }
                write(out, item, indent, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

/// An integer as written; any other number as Go writes a float64:
/// shortest digits, no exponent from 1e-6 to 1e21, `1e+21` beyond.
fn number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f: f64 = n.as_str().replace('_', "").parse().unwrap_or(0.0);
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    let text = format!("{f:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    // Go pads the exponent to two digits, then drops the pad of e-0X.
    let digits = match (sign, digits.len()) {
        ('+', 1) => format!("0{digits}"),
        _ => digits.to_string(),
    };
    format!("{mantissa}e{sign}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn writes_json_as_go_does() {
        let v = crate::yaml::parse_documents(
            r#"{"b": [1, 2.0, 1e3, 0.0000001, 1e22], "a": "<x & y>", "c": {}}"#,
        )
        .unwrap()
        .remove(0)
        .value;
        assert_eq!(
            go_json(&v, false),
            r#"{"a":"\u003cx \u0026 y\u003e","b":[1,2,1000,1e-7,1e+22],"c":{}}"#
        );
        assert_eq!(
            go_json(&json!({"k": [1]}), true),
            "{\n  \"k\": [\n    1\n  ]\n}"
        );
    }
}

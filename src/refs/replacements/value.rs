//! How a replacement's value lands in a target field (kustomize's
//! `copyValueToTarget` and `setFieldValue`):
//!
//! - `options.delimiter`/`index` put the value into one part of the
//!   target's text (a negative index prepends, one past the end appends);
//! - a scalar target keeps its type and takes only the value's text, so a
//!   text that its type cannot hold is an error (`cannot decode !!str
//!   \`abc\` as a !!int`); a field that `create` just made has no type yet
//!   and reads its text as YAML would (`"8080"` becomes the number 8080);
//! - a map or list target is replaced by the value itself.

use super::Options;
use super::path::{self, Arrival, Create};
use super::structured;
use crate::model::node_path::NodePath;
use crate::model::untagged::Untagged;
use crate::model::value::{Number, PathStep, Value};
use crate::model::written::Text;

/// A replacement's value: a node from the source resource, or a
/// `sourceValue` text, which (like kyaml's untagged scalar) has no type
/// until it lands.
#[derive(Debug, Clone)]
pub enum Source {
    Node(Value),
    /// A scalar whose text is not its value's (`model::written`): a number
    /// or boolean written `0x1F` or `True`, a folded block as read. kyaml
    /// copies that text into a text, and the value lands where the node
    /// does.
    Scalar {
        value: Value,
        text: Box<str>,
    },
    Untagged(String),
}

impl Source {
    pub fn text(text: &str) -> Source {
        Source::Untagged(text.to_string())
    }

    /// The source node, written as `written` where its value does not keep
    /// its text, with `options.delimiter`/`index` applied (kustomize's
    /// `getRefinedValue`).
    pub fn refined(
        node: Value,
        written: Option<&str>,
        options: &Options,
    ) -> Result<Source, String> {
        let Some(d) = options.delimiter.as_deref().filter(|d| !d.is_empty()) else {
            return Ok(match written {
                Some(text) => Source::scalar(node, text),
                None => Source::Node(node),
            });
        };
        let Some(text) = written
            .map(str::to_string)
            .or_else(|| path::scalar_text(&node))
        else {
            return Err("delimiter option can only be used with scalar nodes".into());
        };
        let parts: Vec<&str> = text.split(d).collect();
        let part = usize::try_from(options.index)
            .ok()
            .and_then(|i| parts.get(i))
            .ok_or_else(|| {
                format!(
                    "options.index {} is out of bounds for value {text}",
                    options.index
                )
            })?;
        // The node keeps its type and takes the part's text.
        let part_node = retyped(&node, part).unwrap_or_else(|_| Value::String((*part).into()));
        Ok(Source::scalar(part_node, part))
    }

    /// A scalar node whose text is `text`.
    fn scalar(value: Value, text: &str) -> Source {
        let kept = match &value {
            Value::String(s) => s.as_str() == text,
            other => Text::of(text, other).is_none(),
        };
        match kept {
            true => Source::Node(value),
            false => Source::Scalar {
                value,
                text: text.into(),
            },
        }
    }

    /// The text kyaml copies into a scalar target (a map's or list's is empty).
    pub fn scalar_text(&self) -> String {
        match self {
            Source::Node(v) => path::scalar_text(v).unwrap_or_default(),
            Source::Scalar { text, .. } => text.to_string(),
            Source::Untagged(t) => t.clone(),
        }
    }

    /// What `create` makes for the last part of a path: a node of the
    /// value's kind.
    pub fn create_kind(&self) -> Create {
        match self {
            Source::Node(Value::Object(_)) => Create::Map,
            Source::Node(Value::Array(_)) => Create::List,
            _ => Create::Scalar,
        }
    }

    /// The value as a node of its own (replacing a map or list target).
    pub fn as_node(&self) -> Value {
        match self {
            Source::Node(v) | Source::Scalar { value: v, .. } => v.clone(),
            Source::Untagged(t) => implicit(t),
        }
    }
}

/// How a target object was written, as far as a replacement cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written<'a> {
    /// The outermost collections written in flow style: see `empty_text`
    /// below.
    pub flow: &'a [NodePath],
    /// The texts its values do not keep, values written as nothing
    /// (`key:`) among them.
    pub texts: &'a [crate::model::written::Written],
    /// The scalars kustomize holds without a tag.
    pub untagged: &'a [Untagged],
}

/// Where a replacement's value landed in one object.
#[derive(Debug, Default)]
pub struct Landed {
    /// The untagged scalars it made (with their text when it reads as null).
    pub made: Vec<path::Made>,
    /// Every scalar it set.
    pub set: Vec<Vec<PathStep>>,
}

/// Copies the value into every field `field_path` names in `root`.
pub fn copy_to_target(
    root: &mut Value,
    field_path: &str,
    source: &Source,
    options: &Options,
    written: Written,
) -> Result<Landed, String> {
    let segments = path::split(field_path);
    let create = match options.create {
        true => source.create_kind(),
        false => Create::No,
    };
    let failed = |detail: Option<String>| {
        let what = match options.create {
            true => format!("unable to find or create field {field_path:?} in replacement target"),
            false => format!("unable to find field {field_path:?} in replacement target"),
        };
        match detail {
            Some(d) => format!("{what}: {d}"),
            None => what,
        }
    };
    // v5.8: a path that reaches into JSON or YAML held in a string.
    if crate::release::current().structured_data_field_paths()
        && structured::set(root, &segments, source, options, create)?
    {
        return Ok(Landed::default());
    }
    if crate::release::current().structured_data_field_paths()
        && let Some(at) = path::bare_null_prefix(root, &segments, written.texts)
    {
        return Err(failed(Some(path::empty_node_kind(&segments[at..]))));
    }
    // kustomize keeps annotations as a map of texts: one `create` makes
    // holds the value's text as it is (an empty text stays "", where any
    // other new field reads it as YAML's null).
    let annotation =
        segments.len() == 3 && segments[0] == "metadata" && segments[1] == "annotations";
    // So does a field made from an empty text inside a collection written
    // in flow style: go-yaml cannot write an empty plain scalar there, and
    // quotes it (`''`), so it reads back as "".
    let empty_delimiter = options.delimiter.as_deref().is_none_or(str::is_empty);
    let empty_text = empty_delimiter && source.scalar_text().is_empty();
    let as_text = |in_flow: bool| annotation || (in_flow && empty_text);
    let mut set = |node: &mut Value, arrival: Arrival| {
        let how = match arrival {
            Arrival::Fresh { in_flow } if as_text(in_flow) => Landing::Text,
            Arrival::Fresh { .. } => Landing::Fresh,
            Arrival::Untagged { in_flow } if !as_text(in_flow) => Landing::Untagged,
            // An annotation holds text, tagged or not.
            Arrival::Untagged { .. } | Arrival::Existing => Landing::Existing,
        };
        set_field_value(node, how, source, options)
    };
    let leaf_text = empty_delimiter.then(|| source.scalar_text());
    let mut track = path::Track::new(written.untagged, written.flow, leaf_text.as_deref());
    match path::each_match_tracked(root, &segments, create, &mut track, &mut set) {
        Ok(0) => Err(failed(None)),
        Ok(_) => Ok(Landed {
            made: track.made,
            set: track.set,
        }),
        // An error setting a value is its own; one finding the field is
        // reported as the field's.
        Err(e) if e.starts_with("cannot decode") || e.starts_with("delimiter") => Err(e),
        Err(e) => Err(failed(Some(e))),
    }
}

/// What a target node is when a value lands in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Landing {
    /// A node that was there: it keeps its type.
    Existing,
    /// A scalar that was there without a tag (`Resource::untagged`): it
    /// keeps its text's own type, read as YAML.
    Untagged,
    /// A node `create` just made: it reads the text as YAML.
    Fresh,
    /// A node `create` just made in a map of texts (annotations): the text.
    Text,
}

/// kustomize's `setFieldValue`: puts the value into one target node.
pub fn set_field_value(
    node: &mut Value,
    how: Landing,
    source: &Source,
    options: &Options,
) -> Result<(), String> {
    let fresh = matches!(how, Landing::Fresh | Landing::Text);
    let text = target_text(path::scalar_text(node), fresh, source, options)?;
    let new = match &*node {
        Value::Object(_) | Value::Array(_) => source.as_node(),
        _ if how == Landing::Text => Value::String(text.into()),
        _ if fresh || how == Landing::Untagged => implicit(&text),
        scalar => retyped(scalar, &text)?,
    };
    *node = new;
    Ok(())
}

/// The text a scalar target takes: the value's, or with
/// `options.delimiter` the target's own text (`current`, `None` for a map
/// or list) with the value put into one part. A node `create` just made
/// (`fresh`) holds no text yet.
pub fn target_text(
    current: Option<String>,
    fresh: bool,
    source: &Source,
    options: &Options,
) -> Result<String, String> {
    let text = source.scalar_text();
    let Some(d) = options.delimiter.as_deref().filter(|d| !d.is_empty()) else {
        return Ok(text);
    };
    let Some(current) = current else {
        return Err("delimiter option can only be used with scalar nodes".into());
    };
    let current = if fresh { String::new() } else { current };
    Ok(splice(&current, d, options.index, text))
}

/// `current` split at `delimiter` with `text` put at `index`: in place of
/// that part, before all for a negative index, after all past the end.
fn splice(current: &str, delimiter: &str, index: i64, text: String) -> String {
    let mut parts: Vec<String> = current.split(delimiter).map(str::to_string).collect();
    match usize::try_from(index) {
        Err(_) => parts.insert(0, text),
        Ok(i) if i >= parts.len() => parts.push(text),
        Ok(i) => parts[i] = text,
    }
    parts.join(delimiter)
}

/// A text with no type, read as YAML reads a plain scalar.
fn implicit(text: &str) -> Value {
    crate::yaml::parse::resolve_plain_scalar(text)
}

/// The YAML type a node has, as its tag names it.
fn tag_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if is_integer(n) => "int",
        Value::Number(_) => "float",
        Value::String(_) => "str",
        Value::Object(_) => "map",
        Value::Array(_) => "seq",
    }
}

fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64()
}

/// `text` in `target`'s type, as go-yaml decodes a node that keeps its tag
/// and takes another's text: a string takes anything; an int, bool or null
/// only a text that reads as one (a float also an int).
fn retyped(target: &Value, text: &str) -> Result<Value, String> {
    let read = implicit(text);
    let (want, have) = (tag_of(target), tag_of(&read));
    let fits = match want {
        "str" | "map" | "seq" => return Ok(Value::String(text.into())),
        "float" => matches!(have, "float" | "int"),
        _ => want == have,
    };
    match fits {
        true => Ok(read),
        false => Err(format!("cannot decode !!{have} `{text}` as a !!{want}")),
    }
}

//! Minimal text edits of a YAML document: the bytes that an edit does not
//! change stay as they were (comments, key order, blank lines, quoting,
//! indentation).
//!
//! A [`Document`] keeps the source text and a tree of nodes with byte spans,
//! built from saphyr-parser's events. Each operation (set a value, append an
//! item, remove a key or an item, rename a key) splices the smallest piece of
//! text, re-parses, and checks that the document now reads as the same value
//! with exactly that change applied. A splice that would mean anything else is
//! an error, never a silently different file.
//!
//! saphyr's event markers are character indices; quoted scalars' end markers
//! can run past the closing quote, block collections start at their first
//! item's content and end at the next token. So ends are recomputed here from
//! the text (closing quotes, last content line) and block sequence dashes are
//! found by scanning back from each item.

use crate::model::value::{Map, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("line {line}: YAML syntax error: {message}")]
    Syntax { line: usize, message: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0} is not in the document")]
    Missing(String),
    #[error(
        "editing {0} would change more than that field (an anchor, alias or unusual layout); nothing was written"
    )]
    Verify(String),
}

type Result<T> = std::result::Result<T, EditError>;

/// One step of a path from the document root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Builds a path from keys and indices: `path!["images", 0, "newTag"]`.
#[macro_export]
macro_rules! yaml_path {
    ($($seg:expr),* $(,)?) => {
        [$($crate::yaml::edit::Seg::from($seg)),*]
    };
}

impl From<&str> for Seg {
    fn from(k: &str) -> Self {
        Seg::Key(k.to_string())
    }
}
impl From<String> for Seg {
    fn from(k: String) -> Self {
        Seg::Key(k)
    }
}
impl From<&String> for Seg {
    fn from(k: &String) -> Self {
        Seg::Key(k.clone())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

fn describe(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "the document".into()
    } else {
        s
    }
}

/// A node and the bytes it covers: `start` is its first character
/// (properties such as `&anchor` included; a block sequence's first dash),
/// `end` is just past its last content character (no trailing comment).
#[derive(Debug, Clone)]
struct Node {
    start: usize,
    end: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Scalar { style: ScalarStyle, content: usize },
    Alias,
    Seq { flow: bool, items: Vec<Item> },
    Map { flow: bool, entries: Vec<Entry> },
}

#[derive(Debug, Clone)]
struct Item {
    /// The `-` of a block sequence item.
    dash: Option<usize>,
    node: Node,
}

#[derive(Debug, Clone)]
struct Entry {
    key: Node,
    name: String,
    value: Node,
}

/// A YAML document as text, with the node spans needed to edit it.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
    root: Option<Node>,
    value: Value,
    style: Style,
}

/// Layout conventions read off the document, used for new text.
#[derive(Debug, Clone, Copy)]
struct Style {
    /// Columns between a key and the dashes of its block sequence (0 or 2).
    seq_indent: usize,
    /// Columns between a key and the keys of its block mapping.
    map_indent: usize,
    crlf: bool,
}

impl Document {
    /// Parses `text` (one document; an empty or comment-only text is an
    /// empty document).
    pub fn parse(text: &str) -> Result<Document> {
        let value = read_value(text)?;
        let root = Builder::new(text).root()?;
        let style = detect_style(text, root.as_ref());
        Ok(Document {
            text: text.to_string(),
            root,
            value,
            style,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The document as a value, read as kustomize reads kustomization files.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value at `path`, if present.
    pub fn get(&self, path: &[Seg]) -> Option<&Value> {
        path.iter().try_fold(&self.value, |v, seg| match seg {
            Seg::Key(k) => v.get(k.as_str()),
            Seg::Index(i) => v.get(*i),
        })
    }

    /// Sets the value at `path`: replaces it when present (a scalar keeps its
    /// quoting style where the new text allows), adds the key at the end of
    /// its mapping when not. The parent mapping is created when missing.
    pub fn set(&mut self, path: &[Seg], value: &Value) -> Result<()> {
        let Some((last, parent)) = path.split_last() else {
            return Err(EditError::Unsupported(
                "cannot replace the whole document".into(),
            ));
        };
        if self.get(path).is_some() {
            let splice = self.replace_splice(path, value)?;
            return self.commit(path, splice, |doc| set_value(doc, path, value.clone()));
        }
        let Seg::Key(key) = last else {
            return Err(EditError::Missing(describe(path)));
        };
        match self.get(parent) {
            Some(Value::Object(_)) => {
                let splice = self.insert_key_splice(parent, key, value)?;
                self.commit(path, splice, |doc| set_value(doc, path, value.clone()))
            }
            // A missing or null parent becomes a mapping holding the key.
            Some(Value::Null) | None if !parent.is_empty() => {
                let mut map = Map::new();
                map.insert(key.as_str().into(), value.clone());
                self.set(parent, &Value::Object(map))
            }
            None | Some(Value::Null) => {
                let splice = self.insert_key_splice(parent, key, value)?;
                self.commit(path, splice, |doc| set_value(doc, path, value.clone()))
            }
            Some(_) => Err(EditError::Unsupported(format!(
                "{} is not a mapping",
                describe(parent)
            ))),
        }
    }

    /// Appends `item` to the sequence at `path`, creating the sequence when
    /// the key is missing or null.
    pub fn append(&mut self, path: &[Seg], item: &Value) -> Result<()> {
        match self.get(path) {
            None | Some(Value::Null) => self.set(path, &Value::Array(vec![item.clone()])),
            Some(Value::Array(_)) => {
                let splice = self.append_splice(path, item)?;
                self.commit(path, splice, |doc| {
                    if let Some(Value::Array(items)) = value_at_mut(doc, path) {
                        items.push(item.clone());
                    }
                })
            }
            Some(_) => Err(EditError::Unsupported(format!(
                "{} is not a list",
                describe(path)
            ))),
        }
    }

    /// Inserts `item` before item `index` of the (non-empty) sequence at `path`.
    pub fn insert(&mut self, path: &[Seg], index: usize, item: &Value) -> Result<()> {
        let node = self.node(path)?;
        let Kind::Seq { flow, items } = &node.kind else {
            return Err(EditError::Unsupported(format!(
                "{} is not a list",
                describe(path)
            )));
        };
        let Some(at) = items.get(index) else {
            return self.append(path, item);
        };
        let splice = if *flow {
            Splice {
                start: at.node.start,
                end: at.node.start,
                text: format!("{}, ", flow_text(item)),
            }
        } else {
            let dash = at.dash.unwrap_or(at.node.start);
            let ls = line_start(&self.text, dash);
            if !self.text[ls..dash].trim().is_empty() {
                return Err(EditError::Unsupported(format!(
                    "cannot insert into {}",
                    describe(path)
                )));
            }
            Splice {
                start: ls,
                end: ls,
                text: format!("{}\n", self.render_item(item, dash - ls)),
            }
        };
        self.commit(path, splice, |doc| {
            if let Some(Value::Array(a)) = value_at_mut(doc, path) {
                a.insert(index.min(a.len()), item.clone());
            }
        })
    }

    /// Removes the key or the sequence item at `path`.
    pub fn remove(&mut self, path: &[Seg]) -> Result<()> {
        if self.get(path).is_none() {
            return Err(EditError::Missing(describe(path)));
        }
        let splice = self.remove_splice(path)?;
        self.commit(path, splice, |doc| remove_value(doc, path))
    }

    /// The comment after the scalar at `path` on the line where it ends
    /// (`# the app` of `- base   # the app`), if any.
    pub fn trailing_comment(&self, path: &[Seg]) -> Option<String> {
        let node = self.node(path).ok()?;
        if !matches!(node.kind, Kind::Scalar { .. }) {
            return None;
        }
        let rest = &self.text[node.end..];
        let line = &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())];
        let comment = line.trim();
        comment.starts_with('#').then(|| comment.to_string())
    }

    /// Puts `comment` after the scalar at `path`, at the end of its line.
    pub fn add_trailing_comment(&mut self, path: &[Seg], comment: &str) -> Result<()> {
        let node = self.node(path)?;
        if !matches!(node.kind, Kind::Scalar { .. }) {
            return Err(EditError::Unsupported(format!(
                "a comment after {}",
                describe(path)
            )));
        }
        let rest = &self.text[node.end..];
        let end = node.end + rest.find(['\r', '\n']).unwrap_or(rest.len());
        let splice = Splice {
            start: end,
            end,
            text: format!("  {}", comment.trim()),
        };
        self.commit(path, splice, |_| {})
    }

    /// Renames the key at `path`, keeping its value's text.
    pub fn rename(&mut self, path: &[Seg], new_key: &str) -> Result<()> {
        let (parent, entry) = self.entry(path)?;
        let _ = parent;
        let splice = Splice {
            start: entry.key.start,
            end: entry.key.end,
            text: key_text(new_key),
        };
        let new_key = new_key.to_string();
        self.commit(path, splice, |doc| rename_value(doc, path, &new_key))
    }

    /// Inserts `key: value` before the first key of the root mapping (after
    /// any leading comments).
    pub fn insert_first(&mut self, key: &str, value: &Value) -> Result<()> {
        let root = match &self.root {
            Some(Node {
                kind:
                    Kind::Map {
                        flow: false,
                        entries,
                    },
                ..
            }) if !entries.is_empty() => &entries[0],
            _ => return self.set(&[Seg::Key(key.into())], value),
        };
        let at = line_start(&self.text, root.key.start);
        let col = root.key.start - at;
        let mut text = " ".repeat(col);
        text.push_str(&key_text(key));
        text.push(':');
        text.push_str(&self.render_after_colon(value, col));
        text.push('\n');
        let splice = Splice {
            start: at,
            end: at,
            text,
        };
        let path = [Seg::Key(key.into())];
        self.commit(&path, splice, |doc| {
            if let Value::Object(map) = doc {
                let mut new = Map::new();
                new.insert(key.into(), value.clone());
                new.extend(std::mem::take(map));
                *map = new;
            }
        })
    }

    /// Applies `splice`, re-parses, and checks the result reads as the old
    /// value changed by `expect`.
    fn commit(
        &mut self,
        path: &[Seg],
        splice: Splice,
        change: impl FnOnce(&mut Value),
    ) -> Result<()> {
        let mut expected = self.value.clone();
        change(&mut expected);
        let mut text = self.text.clone();
        let mut new_text = splice.text;
        if self.style.crlf {
            new_text = new_text.replace('\n', "\r\n");
        }
        text.replace_range(splice.start..splice.end, &new_text);
        let doc = Document::parse(&text).map_err(|_| EditError::Verify(describe(path)))?;
        if doc.value != expected {
            return Err(EditError::Verify(describe(path)));
        }
        *self = Document {
            style: self.style,
            ..doc
        };
        Ok(())
    }

    fn node(&self, path: &[Seg]) -> Result<&Node> {
        let mut node = self
            .root
            .as_ref()
            .ok_or_else(|| EditError::Missing(describe(path)))?;
        for (i, seg) in path.iter().enumerate() {
            node = child(node, seg).ok_or_else(|| EditError::Missing(describe(&path[..=i])))?;
        }
        Ok(node)
    }

    /// The mapping holding the key at `path`, and the key's entry.
    fn entry(&self, path: &[Seg]) -> Result<(&Node, &Entry)> {
        let (Some(Seg::Key(key)), Some(parent_path)) =
            (path.last(), path.split_last().map(|p| p.1))
        else {
            return Err(EditError::Missing(describe(path)));
        };
        let parent = self.node(parent_path)?;
        match &parent.kind {
            Kind::Map { entries, .. } => entries
                .iter()
                .rev()
                .find(|e| &e.name == key)
                .map(|e| (parent, e))
                .ok_or_else(|| EditError::Missing(describe(path))),
            _ => Err(EditError::Missing(describe(path))),
        }
    }

    fn replace_splice(&self, path: &[Seg], value: &Value) -> Result<Splice> {
        let node = self.node(path)?;
        let parent = self.node(&path[..path.len() - 1])?;
        let flow = matches!(
            parent.kind,
            Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. }
        );
        if let Some(splice) = scalar_splice(node, value, flow) {
            return Ok(splice);
        }
        if flow {
            return Ok(Splice::replace(node.start, node.end, flow_text(value)));
        }
        match (path.last(), &parent.kind) {
            (Some(Seg::Key(_)), _) => {
                let (_, entry) = self.entry(path)?;
                self.entry_value_splice(entry, value)
            }
            (Some(Seg::Index(i)), Kind::Seq { items, .. }) => {
                let dash = items[*i].dash.unwrap_or(node.start);
                let item = self.render_item(value, self.col(dash));
                Ok(Splice::replace(dash, node.end, item.trim_start().into()))
            }
            _ => Err(EditError::Missing(describe(path))),
        }
    }

    /// The value of a block mapping entry, rewritten after its colon.
    fn entry_value_splice(&self, entry: &Entry, value: &Value) -> Result<Splice> {
        let colon = find_colon(&self.text, entry.key.end)?;
        let text = self.render_after_colon(value, self.col(entry.key.start));
        Ok(Splice::replace(
            colon + 1,
            entry.value.end.max(colon + 1),
            text,
        ))
    }

    /// The column of `pos` (indentation is ASCII spaces).
    fn col(&self, pos: usize) -> usize {
        pos - line_start(&self.text, pos)
    }

    fn insert_key_splice(&self, parent: &[Seg], key: &str, value: &Value) -> Result<Splice> {
        let Some(_) = &self.root else {
            return self.empty_document_splice(parent, key, value);
        };
        let node = self.node(parent)?;
        match &node.kind {
            Kind::Map {
                flow: true,
                entries,
            } => {
                let (at, sep) = match entries.last() {
                    Some(e) => (e.value.end.max(e.key.end), ", "),
                    None => (node.start + 1, ""),
                };
                let text = format!("{sep}{}: {}", key_text(key), flow_text(value));
                Ok(Splice::replace(at, at, text))
            }
            Kind::Map { entries, .. } if !entries.is_empty() => {
                let col = self.col(node.start);
                let at = line_end(&self.text, node.end);
                let text = format!(
                    "\n{}{}:{}",
                    " ".repeat(col),
                    key_text(key),
                    self.render_after_colon(value, col)
                );
                Ok(Splice::replace(at, at, text))
            }
            Kind::Scalar { .. } if !parent.is_empty() => {
                let mut map = Map::new();
                map.insert(key.into(), value.clone());
                self.replace_splice(parent, &Value::Object(map))
            }
            _ => Err(EditError::Unsupported(format!(
                "cannot add {key} to {}",
                describe(parent)
            ))),
        }
    }

    /// A document with no content yet: the key goes at the end of the text.
    fn empty_document_splice(&self, parent: &[Seg], key: &str, value: &Value) -> Result<Splice> {
        if !parent.is_empty() {
            return Err(EditError::Missing(describe(parent)));
        }
        let mut text = String::new();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&key_text(key));
        text.push(':');
        text.push_str(&self.render_after_colon(value, 0));
        text.push('\n');
        Ok(Splice::replace(self.text.len(), self.text.len(), text))
    }

    fn append_splice(&self, path: &[Seg], item: &Value) -> Result<Splice> {
        let node = self.node(path)?;
        let Kind::Seq { flow, items } = &node.kind else {
            return Err(EditError::Unsupported(format!(
                "{} is not a list",
                describe(path)
            )));
        };
        if *flow {
            let Some(last) = items.last() else {
                return Ok(Splice {
                    start: node.start + 1,
                    end: node.start + 1,
                    text: flow_text(item),
                });
            };
            let same_line = !self.text[node.start..last.node.start].contains('\n');
            let text = if same_line {
                format!(", {}", flow_text(item))
            } else {
                let col = last.node.start - line_start(&self.text, last.node.start);
                format!(",\n{}{}", " ".repeat(col), flow_text(item))
            };
            return Ok(Splice {
                start: last.node.end,
                end: last.node.end,
                text,
            });
        }
        let dash = items
            .first()
            .and_then(|i| i.dash)
            .ok_or_else(|| EditError::Unsupported(format!("{} has no items", describe(path))))?;
        let col = dash - line_start(&self.text, dash);
        let at = line_end(&self.text, node.end);
        Ok(Splice {
            start: at,
            end: at,
            text: format!("\n{}", self.render_item(item, col)),
        })
    }

    fn remove_splice(&self, path: &[Seg]) -> Result<Splice> {
        let Some((last, parent_path)) = path.split_last() else {
            return Err(EditError::Unsupported(
                "cannot remove the whole document".into(),
            ));
        };
        let parent = self.node(parent_path)?;
        let siblings =
            Siblings::of(parent, last).ok_or_else(|| EditError::Missing(describe(path)))?;
        if siblings.flow {
            return Ok(siblings.flow_removal());
        }
        let (start, end) = siblings.spans[siblings.index];
        let dash = siblings.dashes[siblings.index];
        let first = dash.unwrap_or(start);
        let ls = line_start(&self.text, first);
        if self.text[ls..first].trim().is_empty() {
            // Whole lines: from the line's start to past its line break,
            // with the comment block heading the item when a blank line
            // sets it apart (a section's title goes with its section).
            let after = (line_end(&self.text, end) + 1).min(self.text.len());
            let mut from = self.head_comment_start(ls);
            // A blank line on both sides: one goes too, so no double
            // blank line (or a trailing one) is left.
            let blank_before = from > 0 && self.is_blank_line(line_start(&self.text, from - 1));
            if blank_before && (after >= self.text.len() || self.is_blank_line(after)) {
                from = line_start(&self.text, from - 1);
            }
            return Ok(Splice::replace(from, after, String::new()));
        }
        // The first key of a compact mapping in a sequence (`- name: x`):
        // the next key moves up behind the dash.
        match siblings.spans.get(siblings.index + 1) {
            Some(next) if dash.is_none() => Ok(Splice::replace(start, next.0, String::new())),
            _ => Err(EditError::Unsupported(format!(
                "cannot remove {} from its line",
                describe(path)
            ))),
        }
    }

    /// Where the comment lines directly above the line at `ls` start, when
    /// a blank line precedes them; else `ls` (a comment block at the top of
    /// the document is the document's, and one without a blank line above
    /// may belong to what precedes it).
    fn head_comment_start(&self, ls: usize) -> usize {
        let mut top = ls;
        while top > 0 {
            let prev = line_start(&self.text, top - 1);
            if !self.text[prev..top].trim_start().starts_with('#') {
                break;
            }
            top = prev;
        }
        if top < ls && top > 0 && self.is_blank_line(line_start(&self.text, top - 1)) {
            top
        } else {
            ls
        }
    }

    /// Whether the line starting at `ls` holds only whitespace.
    fn is_blank_line(&self, ls: usize) -> bool {
        self.text[ls..line_end(&self.text, ls)].trim().is_empty()
    }

    /// The text after `key:` for `value`, for a key at column `col`.
    fn render_after_colon(&self, value: &Value, col: usize) -> String {
        match value {
            Value::Object(m) if !m.is_empty() => {
                let mut out = String::from("\n");
                self.block(value, col + self.style.map_indent, &mut out);
                out
            }
            Value::Array(a) if !a.is_empty() => {
                let mut out = String::from("\n");
                self.block(value, col + self.style.seq_indent, &mut out);
                out
            }
            other => format!(" {}", block_scalar(other, col)),
        }
    }

    /// A sequence item `- ...` for a dash at column `col` (indentation included).
    fn render_item(&self, value: &Value, col: usize) -> String {
        let mut out = String::new();
        self.block(&Value::Array(vec![value.clone()]), col, &mut out);
        out
    }

    /// A block collection whose lines start at column `col`, without a
    /// trailing newline.
    fn block(&self, value: &Value, col: usize, out: &mut String) {
        match value {
            Value::Object(map) => {
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    if i > 0 || !out.ends_with("- ") {
                        out.push_str(&" ".repeat(col));
                    }
                    out.push_str(&key_text(k));
                    out.push(':');
                    out.push_str(&self.render_after_colon(v, col));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    if i > 0 || !out.ends_with("- ") {
                        out.push_str(&" ".repeat(col));
                    }
                    out.push_str("- ");
                    match item {
                        Value::Object(m) if !m.is_empty() => self.block(item, col + 2, out),
                        Value::Array(a) if !a.is_empty() => self.block(item, col + 2, out),
                        other => out.push_str(&block_scalar(other, col)),
                    }
                }
            }
            other => out.push_str(&block_scalar(other, col)),
        }
    }
}

struct Splice {
    start: usize,
    end: usize,
    text: String,
}

impl Splice {
    fn replace(start: usize, end: usize, text: String) -> Splice {
        Splice { start, end, text }
    }
}

/// The entries or items of a collection, as spans, and which one an edit
/// is about.
struct Siblings {
    flow: bool,
    spans: Vec<(usize, usize)>,
    dashes: Vec<Option<usize>>,
    index: usize,
}

impl Siblings {
    fn of(parent: &Node, seg: &Seg) -> Option<Siblings> {
        match (&parent.kind, seg) {
            (Kind::Map { flow, entries }, Seg::Key(k)) => Some(Siblings {
                flow: *flow,
                index: entries.iter().rposition(|e| &e.name == k)?,
                spans: entries
                    .iter()
                    .map(|e| (e.key.start, e.value.end.max(e.key.end)))
                    .collect(),
                dashes: vec![None; entries.len()],
            }),
            (Kind::Seq { flow, items }, Seg::Index(i)) if *i < items.len() => Some(Siblings {
                flow: *flow,
                index: *i,
                spans: items
                    .iter()
                    .map(|it| (it.node.start, it.node.end))
                    .collect(),
                dashes: items.iter().map(|it| it.dash).collect(),
            }),
            _ => None,
        }
    }

    /// In a flow collection the separator goes too: the one after the
    /// element, or before it when it is the last.
    fn flow_removal(&self) -> Splice {
        let (start, end) = self.spans[self.index];
        match (self.spans.get(self.index + 1), self.index.checked_sub(1)) {
            (Some(next), _) => Splice::replace(start, next.0, String::new()),
            (None, Some(prev)) => Splice::replace(self.spans[prev].1, end, String::new()),
            (None, None) => Splice::replace(start, end, String::new()),
        }
    }
}

/// A scalar replaced in its own style, when that style can hold the value
/// (not for empty values, which have no text, nor block scalars).
fn scalar_splice(node: &Node, value: &Value, flow: bool) -> Option<Splice> {
    let Kind::Scalar { style, content } = node.kind else {
        return None;
    };
    if node.start == node.end || matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
        return None;
    }
    scalar_in_style(value, style, flow).map(|text| Splice::replace(content, node.end, text))
}

fn child<'n>(node: &'n Node, seg: &Seg) -> Option<&'n Node> {
    match (&node.kind, seg) {
        (Kind::Map { entries, .. }, Seg::Key(k)) => entries
            .iter()
            .rev()
            .find(|e| &e.name == k)
            .map(|e| &e.value),
        (Kind::Seq { items, .. }, Seg::Index(i)) => items.get(*i).map(|i| &i.node),
        _ => None,
    }
}

/// Reads the document's value as kustomize reads kustomization files.
fn read_value(text: &str) -> Result<Value> {
    let mut docs = super::parse_config_documents(text).map_err(|e| EditError::Syntax {
        line: e.line,
        message: e.message,
    })?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0).value),
        _ => Err(EditError::Unsupported(
            "the file holds more than one YAML document".into(),
        )),
    }
}

// ---- expected values -------------------------------------------------------

fn value_at_mut<'v>(v: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

fn set_value(doc: &mut Value, path: &[Seg], value: Value) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let Some(p) = value_at_mut(doc, parent) else {
        return;
    };
    if p.is_null() {
        *p = Value::Object(Map::new());
    }
    match (p, last) {
        (Value::Object(m), Seg::Key(k)) => {
            m.insert(k.as_str().into(), value);
        }
        (Value::Array(a), Seg::Index(i)) if *i < a.len() => a[*i] = value,
        _ => {}
    }
}

fn remove_value(doc: &mut Value, path: &[Seg]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match (value_at_mut(doc, parent), last) {
        (Some(Value::Object(m)), Seg::Key(k)) => {
            m.shift_remove(k);
        }
        (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

fn rename_value(doc: &mut Value, path: &[Seg], new_key: &str) {
    let Some((Seg::Key(old), parent)) = path.split_last() else {
        return;
    };
    if let Some(Value::Object(m)) = value_at_mut(doc, parent) {
        let renamed: Map = std::mem::take(m)
            .into_iter()
            .map(|(k, v)| {
                if k == old {
                    (new_key.into(), v)
                } else {
                    (k, v)
                }
            })
            .collect();
        *m = renamed;
    }
}

// ---- rendering -------------------------------------------------------------

/// A mapping key: plain when it reads back as the same string, else quoted.
fn key_text(key: &str) -> String {
    let s = plain_or_quoted(key);
    if s.contains('\n') {
        double_quoted(key)
    } else {
        s
    }
}

/// A scalar as kustomize's emitter writes it at the root, without the newline.
fn plain_or_quoted(s: &str) -> String {
    let text = super::emit_document(&Value::String(s.into()));
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// A scalar after `key: ` or `- ` in block context for a key or dash at
/// column `col`: multi-line strings become literal blocks indented under it.
fn block_scalar(value: &Value, col: usize) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) => {
            let text = plain_or_quoted(s);
            if !text.contains('\n') {
                return text;
            }
            if !text.starts_with('|') {
                return double_quoted(s);
            }
            let pad = " ".repeat(col);
            text.lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 || l.is_empty() {
                        l.to_string()
                    } else {
                        format!("{pad}{l}")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        other => {
            let text = super::emit_document(other);
            text.trim_end().to_string()
        }
    }
}

/// A scalar in the style the old one had, when the new text can be written
/// that way on one line; `None` for "choose afresh".
fn scalar_in_style(value: &Value, style: ScalarStyle, flow: bool) -> Option<String> {
    let s = match value {
        Value::String(s) => s,
        Value::Object(_) | Value::Array(_) => return None,
        other => return Some(block_scalar(other, 0)),
    };
    match style {
        ScalarStyle::SingleQuoted if !s.contains('\n') => {
            Some(format!("'{}'", s.replace('\'', "''")))
        }
        ScalarStyle::DoubleQuoted => Some(double_quoted(s)),
        _ if flow => Some(flow_scalar(s)),
        _ => {
            let text = plain_or_quoted(s);
            (!text.contains('\n')).then_some(text)
        }
    }
}

/// A value in flow style (`[a, b]`, `{k: v}`), for flow collections.
fn flow_text(value: &Value) -> String {
    match value {
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_scalar(k), flow_text(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(a) => {
            let inner: Vec<String> = a.iter().map(flow_text).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::String(s) => flow_scalar(s),
        other => block_scalar(other, 0),
    }
}

/// Plain when that is safe inside flow collections, else double-quoted.
fn flow_scalar(s: &str) -> String {
    let text = plain_or_quoted(s);
    let flow_unsafe = |t: &str| {
        t.contains(['\n', ',', '[', ']', '{', '}']) || t.contains(": ") || t.contains(" #")
    };
    if flow_unsafe(&text) {
        double_quoted(s)
    } else {
        text
    }
}

/// A double-quoted scalar with YAML escapes.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---- text positions --------------------------------------------------------

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `pos` (its `\n`, or `\r\n`, or the text's end).
fn line_end(text: &str, pos: usize) -> usize {
    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    if end > pos && text.as_bytes()[end - 1] == b'\r' && end < text.len() {
        end - 1
    } else {
        end
    }
}

fn find_colon(text: &str, key_end: usize) -> Result<usize> {
    let rest = &text[key_end..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[skipped..].starts_with(':') {
        Ok(key_end + skipped)
    } else {
        Err(EditError::Unsupported(
            "a mapping key written in an unusual form (explicit `?` key)".into(),
        ))
    }
}

/// Reads the layout conventions: how far block sequences and mappings sit
/// under their keys (kustomize's own: sequences level with the key, maps
/// two columns in), and the line endings.
fn detect_style(text: &str, root: Option<&Node>) -> Style {
    let mut style = Style {
        seq_indent: 0,
        map_indent: 2,
        crlf: text.contains("\r\n"),
    };
    let Some(Node {
        kind: Kind::Map {
            entries,
            flow: false,
        },
        ..
    }) = root
    else {
        return style;
    };
    let col = |pos: usize| pos - line_start(text, pos);
    if let Some((e, dash)) = entries.iter().find_map(|e| match &e.value.kind {
        Kind::Seq { flow: false, items } => items.first().and_then(|i| i.dash).map(|d| (e, d)),
        _ => None,
    }) {
        style.seq_indent = col(dash).saturating_sub(col(e.key.start));
    }
    if let Some(e) = entries.iter().find(
        |e| matches!(&e.value.kind, Kind::Map { flow: false, entries } if !entries.is_empty()),
    ) {
        let n = col(e.value.start).saturating_sub(col(e.key.start));
        if n > 0 {
            style.map_indent = n;
        }
    }
    style
}

// ---- building the span tree ------------------------------------------------

struct Builder<'a> {
    text: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Byte offset of each character index (only for non-ASCII text).
    offsets: Option<Vec<usize>>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        let offsets = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        Builder {
            text,
            parser: Parser::new_from_str(text),
            offsets,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            Some(o) => o.get(char_index).copied().unwrap_or(self.text.len()),
            None => char_index.min(self.text.len()),
        }
    }

    fn next(&mut self) -> Result<(Event<'a>, Span)> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(EditError::Syntax {
                line: e.marker().line(),
                message: e.info().to_string(),
            }),
            None => Err(EditError::Syntax {
                line: 0,
                message: "unexpected end of YAML stream".into(),
            }),
        }
    }

    fn root(mut self) -> Result<Option<Node>> {
        loop {
            let (event, _) = self.next()?;
            match event {
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart(_) => {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::DocumentEnd) {
                        return Ok(None);
                    }
                    let node = self.node(event, span)?;
                    // An empty document is a null scalar: nothing to keep.
                    if matches!(node.kind, Kind::Scalar { .. }) && node.start == node.end {
                        return Ok(None);
                    }
                    return Ok(Some(node));
                }
                _ => {}
            }
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node> {
        let start = self.byte(span.start.index());
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let raw_end = self.byte(span.end.index());
                let content = if anchor != 0 || tag.is_some() {
                    skip_properties(self.text, start)
                } else {
                    start
                };
                let end = scalar_end(self.text, content, raw_end, style, &value);
                // saphyr starts a block scalar at its content; the node
                // starts at its `|`/`>` header.
                let start = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    block_header(self.text, start)?
                } else {
                    start
                };
                Ok(Node {
                    start,
                    end,
                    kind: Kind::Scalar { style, content },
                })
            }
            Event::Alias(_) => Ok(Node {
                start,
                end: self.byte(span.end.index()),
                kind: Kind::Alias,
            }),
            Event::SequenceStart(anchor, tag) => {
                let flow = self.is_flow(span, anchor != 0 || tag.is_some());
                self.sequence(start, flow)
            }
            Event::MappingStart(anchor, tag) => {
                let flow = self.is_flow(span, anchor != 0 || tag.is_some());
                self.mapping(start, flow)
            }
            _ => Err(EditError::Unsupported(
                "malformed YAML event stream".to_string(),
            )),
        }
    }

    /// A flow collection's start event covers its bracket; a block
    /// collection's is empty (and sits on its first content, which may
    /// itself be a bracket).
    fn is_flow(&self, span: Span, properties: bool) -> bool {
        let start = self.byte(span.start.index());
        if span.end.index() == span.start.index() {
            return false;
        }
        let at = if properties {
            skip_properties(self.text, start)
        } else {
            start
        };
        matches!(self.text.as_bytes().get(at), Some(b'[' | b'{'))
    }

    fn sequence(&mut self, start: usize, flow: bool) -> Result<Node> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                let close = closing(self.text, start, self.byte(span.end.index()), ']');
                let (start, end) = if flow {
                    (start, close)
                } else {
                    let first = items.first().and_then(|i: &Item| i.dash).unwrap_or(start);
                    let last = items.last().map_or(start, |i: &Item| i.node.end);
                    (first, last)
                };
                return Ok(Node {
                    start,
                    end,
                    kind: Kind::Seq { flow, items },
                });
            }
            let node = self.node(event, span)?;
            let dash = if flow {
                None
            } else {
                Some(find_dash(self.text, node.start)?)
            };
            items.push(Item { dash, node });
        }
    }

    fn mapping(&mut self, start: usize, flow: bool) -> Result<Node> {
        let mut entries: Vec<Entry> = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                let close = closing(self.text, start, self.byte(span.end.index()), '}');
                let end = if flow {
                    close
                } else {
                    entries.last().map_or(start, |e| e.value.end.max(e.key.end))
                };
                return Ok(Node {
                    start,
                    end,
                    kind: Kind::Map { flow, entries },
                });
            }
            let name = match &event {
                Event::Scalar(v, ..) => v.to_string(),
                _ => String::new(),
            };
            let key = self.node(event, span)?;
            let (vevent, vspan) = self.next()?;
            let mut value = self.node(vevent, vspan)?;
            // An empty value sits right after the colon.
            if value.end < key.end {
                value.start = key.end;
                value.end = key.end;
            }
            entries.push(Entry { key, name, value });
        }
    }
}

/// Just past the bracket that closes a flow collection: saphyr's end marker
/// can lie beyond it (after the line break) when the collection ends a
/// block.
fn closing(text: &str, start: usize, reported: usize, bracket: char) -> usize {
    let before = text[start..reported].trim_end();
    if before.ends_with(bracket) {
        return start + before.len();
    }
    text[start..reported]
        .rfind(bracket)
        .map_or(reported, |i| start + i + 1)
}

/// Skips `&anchor` and `!tag` properties before a node's content.
pub(super) fn skip_properties(text: &str, mut pos: usize) -> usize {
    loop {
        let rest = &text[pos..];
        if rest.starts_with('&') || rest.starts_with('!') {
            let token = rest.find(char::is_whitespace).unwrap_or(rest.len());
            pos += token;
            let rest = &text[pos..];
            pos += rest.len() - rest.trim_start().len();
        } else {
            return pos;
        }
    }
}

/// Where a scalar's text ends (saphyr's markers can include what follows).
pub(super) fn scalar_end(
    text: &str,
    content: usize,
    raw_end: usize,
    style: ScalarStyle,
    value: &str,
) -> usize {
    let bytes = text.as_bytes();
    match style {
        ScalarStyle::SingleQuoted => {
            let mut i = content + 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            raw_end
        }
        ScalarStyle::DoubleQuoted => {
            let mut i = content + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return i + 1,
                    _ => i += 1,
                }
            }
            raw_end
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            // Kept trailing blank lines belong to the scalar; otherwise
            // the scalar ends on its last non-blank line.
            if value.ends_with("\n\n") {
                raw_end.saturating_sub(1).max(content)
            } else {
                let trimmed = text[content..raw_end.max(content)].trim_end();
                content + trimmed.len()
            }
        }
        _ => raw_end.max(content),
    }
}

/// The `|` or `>` header of a block scalar whose content starts at `content`.
fn block_header(text: &str, content: usize) -> Result<usize> {
    let mut end = line_start(text, content);
    if !text[end..content].trim().is_empty() {
        end = content;
    }
    while end > 0 {
        let start = line_start(text, end - 1);
        let line = &text[start..end - 1];
        let code = line.split(" #").next().unwrap_or(line).trim_end();
        let indicators =
            code.trim_end_matches(['-', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        if indicators.ends_with(['|', '>']) {
            return Ok(start + indicators.len() - 1);
        }
        if !code.trim().is_empty() {
            break;
        }
        end = start;
    }
    Err(EditError::Unsupported(
        "a block scalar written in an unusual form".into(),
    ))
}

/// The `-` that introduces a block sequence item starting at `item`.
fn find_dash(text: &str, item: usize) -> Result<usize> {
    let unusual = || EditError::Unsupported("a list item written in an unusual form".into());
    let ls = line_start(text, item);
    let prefix = text[ls..item].trim_end();
    if prefix.ends_with('-') {
        return Ok(ls + prefix.len() - 1);
    }
    if !prefix.trim().is_empty() {
        return Err(unusual());
    }
    // The item starts on a later line than its dash (`-` alone, or with a comment).
    let mut end = ls;
    while end > 0 {
        let start = line_start(text, end - 1);
        let line = &text[start..end - 1];
        let code = line.split(" #").next().unwrap_or(line);
        let code = if code.trim_start().starts_with('#') {
            ""
        } else {
            code
        };
        let code = code.trim_end();
        if code.trim().is_empty() {
            end = start;
            continue;
        }
        return if code.ends_with('-') {
            Ok(start + code.len() - 1)
        } else {
            Err(unusual())
        };
    }
    Err(unusual())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn edit(text: &str, f: impl FnOnce(&mut Document) -> Result<()>) -> String {
        let mut d = Document::parse(text).unwrap();
        f(&mut d).unwrap();
        d.text().to_string()
    }

    #[test]
    fn replaces_scalars_keeping_quotes_and_comments() {
        let text = "# top\nnamespace: 'dev'  # env\nnamePrefix: \"a-\"\nnameSuffix: x\n";
        let out = edit(text, |d| {
            d.set(&yaml_path!["namespace"], &json!("prod"))?;
            d.set(&yaml_path!["namePrefix"], &json!("b-"))?;
            d.set(&yaml_path!["nameSuffix"], &json!("123"))
        });
        assert_eq!(
            out,
            "# top\nnamespace: 'prod'  # env\nnamePrefix: \"b-\"\nnameSuffix: \"123\"\n"
        );
    }

    #[test]
    fn adds_keys_at_the_end_of_block_and_flow_maps() {
        let text = "a: 1\n\nlabels:\n    x: y   # keep\n# tail\n";
        let out = edit(text, |d| {
            d.set(&yaml_path!["labels", "z"], &json!("w"))?;
            d.set(&yaml_path!["b"], &json!({"k": "v"}))
        });
        assert_eq!(
            out,
            "a: 1\n\nlabels:\n    x: y   # keep\n    z: w\nb:\n    k: v\n# tail\n"
        );
        let out = edit("m: {a: 1}\n", |d| {
            d.set(&yaml_path!["m", "b"], &json!("x y"))
        });
        assert_eq!(out, "m: {a: 1, b: x y}\n");
    }

    #[test]
    fn appends_items_in_the_file_layout() {
        let text = "resources:\n  - a.yaml   # first\n\nimages:\n  - name: x\n    newTag: v1\n";
        let out = edit(text, |d| {
            d.append(&yaml_path!["resources"], &json!("b.yaml"))?;
            d.append(&yaml_path!["images"], &json!({"name": "z", "newTag": "2"}))
        });
        assert_eq!(
            out,
            "resources:\n  - a.yaml   # first\n  - b.yaml\n\nimages:\n  - name: x\n    newTag: v1\n  - name: z\n    newTag: \"2\"\n"
        );
        let out = edit("r: [a, b]\ns: []\n", |d| {
            d.append(&yaml_path!["r"], &json!("c"))?;
            d.append(&yaml_path!["s"], &json!("d"))
        });
        assert_eq!(out, "r: [a, b, c]\ns: [d]\n");
        let out = edit("r: [\n  a,\n]\n", |d| {
            d.append(&yaml_path!["r"], &json!("b"))
        });
        assert_eq!(out, "r: [\n  a,\n  b,\n]\n");
    }

    #[test]
    fn creates_fields_in_an_empty_file_kustomize_style() {
        let out = edit("# nothing yet\n", |d| {
            d.append(&yaml_path!["resources"], &json!("a.yaml"))?;
            d.set(&yaml_path!["commonLabels", "app"], &json!("x"))
        });
        assert_eq!(
            out,
            "# nothing yet\nresources:\n- a.yaml\ncommonLabels:\n  app: x\n"
        );
        assert_eq!(edit("", |d| d.set(&yaml_path!["a"], &json!(1))), "a: 1\n");
    }

    #[test]
    fn removes_keys_and_items_with_their_lines_only() {
        let text = "a: 1\nlist:\n- x  # c\n- y\nm:\n  k: v\n  j: w\nz: [1, 2, 3]\n";
        let out = edit(text, |d| {
            d.remove(&yaml_path!["list", 0])?;
            d.remove(&yaml_path!["m", "k"])?;
            d.remove(&yaml_path!["z", 1])?;
            d.remove(&yaml_path!["z", 1])?;
            d.remove(&yaml_path!["a"])
        });
        assert_eq!(out, "list:\n- y\nm:\n  j: w\nz: [1]\n");
        let out = edit("i:\n- name: a\n  newTag: b\n", |d| {
            d.remove(&yaml_path!["i", 0, "name"])
        });
        assert_eq!(out, "i:\n- newTag: b\n");
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let out = edit("patches:\n- path: a.yaml\n", |d| {
            d.append(&yaml_path!["patches"], &json!({"patch": "a: 1\nb: 2\n"}))
        });
        assert_eq!(
            out,
            "patches:\n- path: a.yaml\n- patch: |\n    a: 1\n    b: 2\n"
        );
    }

    #[test]
    fn renames_and_inserts_first() {
        let out = edit("# c\nbases:\n- ../b\n", |d| {
            d.rename(&yaml_path!["bases"], "resources")?;
            d.insert_first("kind", &json!("Kustomization"))
        });
        assert_eq!(out, "# c\nkind: Kustomization\nresources:\n- ../b\n");
    }

    #[test]
    fn dashes_on_their_own_lines_and_unicode() {
        let text = "s:\n-\n  name: x\n- # c\n  name: y\nü: 'ä'\n";
        let out = edit(text, |d| {
            d.set(&yaml_path!["s", 1, "name"], &json!("z"))?;
            d.set(&yaml_path!["ü"], &json!("ö"))?;
            d.remove(&yaml_path!["s", 0])
        });
        assert_eq!(out, "s:\n- # c\n  name: z\nü: 'ö'\n");
    }

    #[test]
    fn block_scalar_items_are_replaced_whole() {
        let text = "p:\n- a.yaml\n- |-\n  kind: Service\n\n  x: 1\nq: 1\n";
        let out = edit(text, |d| {
            d.set(
                &yaml_path!["p", 1],
                &json!({"patch": "kind: Service\n\nx: 1"}),
            )
        });
        assert_eq!(
            out,
            "p:\n- a.yaml\n- patch: |-\n    kind: Service\n\n    x: 1\nq: 1\n"
        );
        let out = edit("a: >\n  folded\nb: 1\n", |d| {
            d.set(&yaml_path!["a"], &json!("x"))
        });
        assert_eq!(out, "a: x\nb: 1\n");
    }

    #[test]
    fn flow_collections_ending_a_block_end_at_their_bracket() {
        let text = "labels:\n- pairs: {a: b}\n  fields:\n  - {path: a}\nreplicas:\n- {name: db}\n";
        let out = edit(text, |d| {
            d.append(&yaml_path!["labels"], &json!({"pairs": {"x": "z"}}))
        });
        assert_eq!(
            out,
            "labels:\n- pairs: {a: b}\n  fields:\n  - {path: a}\n- pairs:\n    x: z\nreplicas:\n- {name: db}\n"
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let out = edit("a: 1\r\nb:\r\n- x\r\n", |d| {
            d.append(&yaml_path!["b"], &json!("z"))
        });
        assert_eq!(out, "a: 1\r\nb:\r\n- x\r\n- z\r\n");
    }

    #[test]
    fn edits_through_aliases_are_refused() {
        let mut d = Document::parse("a: &x [1]\nb: *x\n").unwrap();
        assert!(d.append(&yaml_path!["b"], &json!(2)).is_err());
        assert_eq!(d.text(), "a: &x [1]\nb: *x\n");
    }

    #[test]
    fn null_values_are_filled_in() {
        let out = edit("commonLabels:\nresources:\n", |d| {
            d.set(&yaml_path!["commonLabels", "a"], &json!("b"))?;
            d.append(&yaml_path!["resources"], &json!("x.yaml"))
        });
        assert_eq!(out, "commonLabels:\n  a: b\nresources:\n- x.yaml\n");
    }
}

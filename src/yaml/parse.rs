//! YAML text -> documents (`model::value::Value`).
//!
//! Kustomize reads YAML with go-yaml v3 (YAML 1.2 core schema): `yes`/`on`
//! are strings, `0x1F` and `1_000` are ints, timestamps stay strings. We
//! resolve plain scalars with the same rules so values survive the round trip
//! exactly as they do through `kubectl kustomize`.

use super::scalars::{is_go_float, parse_go_int};
use crate::model::resource::AnnotationStyle;
use crate::model::untagged::NullText;
use crate::model::value::{Key, Map, Number, PathStep, Value};
use crate::model::written::Text;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

use crate::model::limits;

/// A syntax or structure error, with the 1-based line where it was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub message: String,
    /// Not the text's fault: the run's memory budget ran out while reading
    /// it (`model::heap`).
    pub over_budget: bool,
}

/// One document of a multi-document stream, with the line it starts on.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub line: usize,
    /// The line of every node, shaped like `value` (for field provenance).
    pub lines: LineTree,
}

/// The line trees of a mapping's entries, in source order.
type MapLines = Vec<(Key, LineTree)>;

/// Where each node of a document starts: 1-based lines in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineTree {
    Leaf(usize),
    /// A scalar whose text as written its value does not keep: a value
    /// written as nothing at all (`key:`, which kustomize's merge drops
    /// where `null` and `~` are kept), a null written `~`, a number
    /// written `0x1F` (see `model::written`).
    Written(usize, Text),
    /// A plain annotation value kept as its text that reads as another
    /// type (`0o7`, `~`, `True`): kustomize turns it into that type's JSON
    /// form when a JSON 6902 patch sends the object through JSON.
    PlainText(usize),
    /// A folded annotation (`>`), kept as written: kustomize prints it
    /// through go-yaml's folded writer, which changes it (`yaml::folded`),
    /// when a JSON 6902 patch sends the object through JSON.
    FoldedText(usize),
    /// A scalar written quoted or as a block (`'x'`, `"x"`, `|`, `>`):
    /// kustomize keeps that style on the text its images transformer and
    /// strategic merges set, so the new text reads as a string whatever
    /// it looks like.
    Quoted(usize),
    /// A mapping or list: its line, whether it is written in flow style
    /// (`{...}`, `[...]`), and its entries.
    Map(usize, bool, Vec<(Key, LineTree)>),
    Seq(usize, bool, Vec<LineTree>),
}

/// What a resource keeps of how it was written (see `model::resource`).
#[derive(Debug, Default)]
pub struct StylePaths {
    /// Scalars whose text the value does not keep (see [`LineTree::Written`]).
    pub written: Vec<(Vec<PathStep>, Text)>,
    /// Scalars written quoted or as blocks (see [`LineTree::Quoted`]).
    pub quoted: Vec<Vec<PathStep>>,
    /// The outermost collections written in flow style (`{...}`, `[...]`);
    /// the empty path when the whole object is.
    pub flow: Vec<Vec<PathStep>>,
}

impl LineTree {
    /// In one walk, the paths a resource keeps of how it was written.
    pub fn style_paths(&self) -> StylePaths {
        let [written, quoted, mut flow] = self.paths_by(|t| match t {
            LineTree::Written(..) => Some(0),
            LineTree::Quoted(_) => Some(1),
            LineTree::Map(_, true, _) | LineTree::Seq(_, true, _) => Some(2),
            _ => None,
        });
        // Everything inside a flow collection is flow: the outermost say it
        // all. The walk meets an outer one before those inside it.
        flow.dedup_by(|inner, outer| inner.starts_with(outer));
        let written = written
            .into_iter()
            .filter_map(|path| match self.at(&path) {
                Some(LineTree::Written(_, text)) => Some((path, text.clone())),
                _ => None,
            })
            .collect();
        StylePaths {
            written,
            quoted,
            flow,
        }
    }

    /// The paths of the nodes `bucket` sorts into one of `N` lists, in
    /// document order (a collection before what it holds).
    fn paths_by<const N: usize>(
        &self,
        bucket: impl Fn(&LineTree) -> Option<usize>,
    ) -> [Vec<Vec<PathStep>>; N] {
        // The path is borrowed while walking and copied only for a hit:
        // almost no document has any.
        enum At<'t> {
            Key(&'t str),
            Index(usize),
        }
        fn walk<'t>(
            t: &'t LineTree,
            path: &mut Vec<At<'t>>,
            bucket: &dyn Fn(&LineTree) -> Option<usize>,
            out: &mut [Vec<Vec<PathStep>>],
        ) {
            if let Some(list) = bucket(t).and_then(|i| out.get_mut(i)) {
                list.push(
                    path.iter()
                        .map(|at| match at {
                            At::Key(k) => PathStep::Key(k.to_string()),
                            At::Index(i) => PathStep::Index(*i),
                        })
                        .collect(),
                );
            }
            match t {
                LineTree::Map(_, _, entries) => {
                    for (k, v) in entries {
                        path.push(At::Key(k));
                        walk(v, path, bucket, out);
                        path.pop();
                    }
                }
                LineTree::Seq(_, _, items) => {
                    for (i, v) in items.iter().enumerate() {
                        path.push(At::Index(i));
                        walk(v, path, bucket, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        let mut out = std::array::from_fn(|_| Vec::new());
        walk(self, &mut Vec::new(), &bucket, &mut out);
        out
    }

    /// The annotations a JSON round trip changes: written as plain text
    /// that reads as another type or as the nothing of `key:` (see
    /// [`LineTree::PlainText`]), or folded ([`LineTree::FoldedText`]).
    pub fn annotation_styles(&self) -> Vec<(Key, AnnotationStyle)> {
        let Some(LineTree::Map(_, _, entries)) =
            self.get("metadata").and_then(|m| m.get("annotations"))
        else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(k, t)| match t {
                LineTree::PlainText(_) | LineTree::Written(_, Text::Null(NullText::Empty)) => {
                    Some((*k, AnnotationStyle::TypedPlain))
                }
                LineTree::FoldedText(_) => Some((*k, AnnotationStyle::Folded)),
                _ => None,
            })
            .collect()
    }

    pub fn line(&self) -> usize {
        match self {
            LineTree::Leaf(l)
            | LineTree::Written(l, _)
            | LineTree::PlainText(l)
            | LineTree::FoldedText(l)
            | LineTree::Quoted(l)
            | LineTree::Map(l, _, _)
            | LineTree::Seq(l, _, _) => *l,
        }
    }
    pub fn get(&self, key: &str) -> Option<&LineTree> {
        match self {
            LineTree::Map(_, _, entries) => {
                entries.iter().rev().find(|(k, _)| k == key).map(|(_, t)| t)
            }
            _ => None,
        }
    }
    pub fn index(&self, i: usize) -> Option<&LineTree> {
        match self {
            LineTree::Seq(_, _, items) => items.get(i),
            _ => None,
        }
    }

    /// The tree of the node at `path`.
    fn at(&self, path: &[PathStep]) -> Option<&LineTree> {
        path.iter().try_fold(self, |t, step| match step {
            PathStep::Key(k) => t.get(k),
            PathStep::Index(i) => t.index(*i),
        })
    }
}

/// What a repeated mapping key means. kustomize reads resources strictly
/// (an error), patches through kyaml nodes (the first key wins) and
/// kustomization files through a JSON conversion (the last key wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKeys {
    Reject,
    FirstWins,
    LastWins,
}

/// Which of kustomize's readers a text goes through; each reads some
/// scalars its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// sigs.k8s.io/yaml over go-yaml v2 (kustomization files, plugin
    /// configs): YAML 1.1 booleans.
    Config,
    /// go-yaml v3, values used as read (schemas, plain data).
    Plain,
    /// A JSON 6902 patch, which kustomize reads with sigs.k8s.io/yaml over
    /// go-yaml v2 and turns into JSON: YAML 1.1 booleans, and no infinity
    /// or NaN (JSON cannot hold them).
    JsonPatch,
    /// go-yaml v3 nodes that kustomize prints (resources, strategic-merge
    /// patches): a folded scalar's value is what go-yaml reads back after
    /// writing it, see `super::folded`. An annotation's value keeps its
    /// text unless it is null (a patch's null deletes the annotation).
    Nodes,
    /// Resources: as `Nodes`, and an annotation's value is its text even
    /// where that reads as null.
    Resources,
}

/// Parses every document in `text`, rejecting repeated keys.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    parse_documents_with(text, DuplicateKeys::Reject)
}

/// Parses resources (see `Reader::Resources`).
pub fn parse_resource_documents(
    text: &str,
    duplicates: DuplicateKeys,
) -> Result<Vec<Document>, YamlError> {
    parse_leniently(text, duplicates, Reader::Resources)
}

/// Parses objects kustomize keeps as kyaml nodes until it prints them.
pub fn parse_node_documents(
    text: &str,
    duplicates: DuplicateKeys,
) -> Result<Vec<Document>, YamlError> {
    parse_leniently(text, duplicates, Reader::Nodes)
}

/// Parses a kustomization-style config file the way kustomize reads it
/// (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars, so `yes`, `on`,
/// `n` and friends are booleans; a repeated key keeps its last value.
pub fn parse_config_documents(text: &str) -> Result<Vec<Document>, YamlError> {
    parse_leniently(text, DuplicateKeys::LastWins, Reader::Config)
}

/// Parses a JSON 6902 patch written as YAML, as kustomize reads one (see
/// `Reader::JsonPatch`).
pub fn parse_json_patch_documents(
    text: &str,
    duplicates: DuplicateKeys,
) -> Result<Vec<Document>, YamlError> {
    parse_leniently(text, duplicates, Reader::JsonPatch)
}

/// Parses every document in `text`. Empty documents (only comments or
/// nothing between `---` separators) are dropped, as kustomize drops them.
pub fn parse_documents_with(
    text: &str,
    duplicates: DuplicateKeys,
) -> Result<Vec<Document>, YamlError> {
    parse_leniently(text, duplicates, Reader::Plain)
}

/// Quoted scalars whose continuation lines are re-indented before giving up.
const MAX_QUOTED_FIXUPS: usize = 16;

/// Parses with saphyr, accepting two things go-yaml accepts and saphyr
/// does not (kustomize reads both):
/// - a byte order mark starting a document after a `---` line (kustomize
///   splits streams at `---` and go-yaml drops a leading BOM);
/// - continuation lines of a quoted scalar indented less than its key
///   (libyaml does not check them). Folding drops a continuation line's
///   leading blanks, so indenting those lines further leaves the value as
///   it is; the text is fixed and parsed again, a bounded number of times.
fn parse_leniently(
    text: &str,
    duplicates: DuplicateKeys,
    reader: Reader,
) -> Result<Vec<Document>, YamlError> {
    let mut text = std::borrow::Cow::Borrowed(text);
    if text.contains('\u{FEFF}') {
        text = std::borrow::Cow::Owned(drop_document_boms(&text));
    }
    let mut fixups = 0;
    let mut fast = true;
    loop {
        let mut builder = Builder::new(&text, duplicates, reader, fast);
        let result = builder.documents();
        match (result, builder.quoted_indent_at) {
            (Err(Stopped::Declined), _) => {
                // Part-way through: everything again, through saphyr.
                fast = false;
            }
            (Err(_), Some(at)) if fixups < MAX_QUOTED_FIXUPS => {
                let Some(fixed) = reindent_quoted(&text, at) else {
                    return Err(builder_error_again(&text, duplicates, reader));
                };
                text = std::borrow::Cow::Owned(fixed);
                fixups += 1;
            }
            (Err(Stopped::Invalid(e)), _) => return Err(e),
            (Ok(docs), _) => return Ok(docs),
        }
    }
}

/// The original error, for a quoted scalar that could not be fixed.
fn builder_error_again(text: &str, duplicates: DuplicateKeys, reader: Reader) -> YamlError {
    let mut builder = Builder::new(text, duplicates, reader, false);
    match builder.documents() {
        Err(Stopped::Invalid(e)) => e,
        // saphyr reads the whole text: it never declines.
        Err(Stopped::Declined) | Ok(_) => YamlError {
            line: 0,
            message: "invalid indentation in quoted scalar".into(),
            ..Default::default()
        },
    }
}

/// Removes a byte order mark that starts the line right after a `---` line.
fn drop_document_boms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_separator = false;
    for line in text.split_inclusive('\n') {
        let line = match line.strip_prefix('\u{FEFF}') {
            Some(rest) if after_separator => rest,
            _ => line,
        };
        let bare = line.trim_end_matches(['\n', '\r']);
        after_separator = bare == "---" || bare.starts_with("--- ");
        out.push_str(line);
    }
    out
}

/// Indents the continuation lines of the quoted scalar whose opening quote
/// is the `at`-th character of `text` past its opening column. None when
/// the scalar does not end (the error then stands).
fn reindent_quoted(text: &str, at: usize) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let quote = *chars.get(at)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let line_start = chars[..at]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    let pad = " ".repeat(at - line_start + 1);
    let mut out: String = chars[..=at].iter().collect();
    let mut i = at + 1;
    loop {
        let c = *chars.get(i)?;
        match c {
            '\\' if quote == '"' => {
                out.push(c);
                out.push(*chars.get(i + 1)?);
                i += 2;
                continue;
            }
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => {
                out.push_str("''");
                i += 2;
                continue;
            }
            c if c == quote => break,
            '\n' => {
                out.push(c);
                // A document marker ends the scalar for go-yaml too: leave it.
                let rest: String = chars[i + 1..].iter().take(4).collect();
                if !(rest.starts_with("---") || rest.starts_with("...")) {
                    out.push_str(&pad);
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out.extend(&chars[i..]);
    Some(out)
}

impl Builder<'_> {
    fn documents(&mut self) -> Result<Vec<Document>, Stopped> {
        let builder = self;
        let mut docs = Vec::new();
        loop {
            let (event, span) = builder.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    // Anchors belong to one document, and so does go-yaml's
                    // aliasing ratio.
                    builder.anchors.clear();
                    builder.budget.start_document();
                    let (event, span) = builder.next()?;
                    if matches!(event, Event::DocumentEnd) {
                        continue;
                    }
                    let line = span.start.line();
                    let (value, lines, _) = builder.node(event, span)?;
                    if !value.is_null() {
                        docs.push(Document { value, line, lines });
                    }
                }
                _ => return Err(err(span, "malformed YAML event stream".to_string())),
            }
        }
        Ok(docs)
    }
}

/// Why the builder did not finish a text.
enum Stopped {
    /// The text is not YAML kustomize reads.
    Invalid(YamlError),
    /// The fast scanner declined the rest part-way: the text is read again
    /// through saphyr.
    Declined,
}

impl From<YamlError> for Stopped {
    fn from(e: YamlError) -> Self {
        Stopped::Invalid(e)
    }
}

fn err(span: Span, message: String) -> Stopped {
    Stopped::Invalid(YamlError {
        line: span.start.line(),
        message,
        ..Default::default()
    })
}

/// An anchored value with what expanding it costs.
struct Anchored {
    value: Value,
    lines: LineTree,
    /// Nodes in the value (aliases inside it expanded).
    nodes: u64,
    /// Approximate bytes in memory.
    bytes: u64,
    /// Levels of maps and lists it adds where it is used.
    height: usize,
}

/// The alias-expansion budget (see `model::limits`). go-yaml v3 counts every
/// node it decodes and those decoded through an alias, and fails with
/// "excessive aliasing" when aliases dominate; we apply the same ratio, but
/// before an alias is copied rather than after, and also bound the bytes an
/// alias may copy (go-yaml shares strings; a copy here costs memory).
struct AliasBudget {
    decoded: u64,
    aliased: u64,
    alias_bytes: u64,
    max_alias_bytes: u64,
}

impl AliasBudget {
    fn new(text_len: usize) -> Self {
        AliasBudget {
            decoded: 0,
            aliased: 0,
            alias_bytes: 0,
            max_alias_bytes: limits::MAX_ALIAS_BYTES_BASE + 2 * text_len as u64,
        }
    }

    fn start_document(&mut self) {
        self.decoded = 0;
        self.aliased = 0;
    }

    /// go-yaml v3's allowed share of alias-decoded nodes: 99% up to 400,000
    /// decoded nodes, falling linearly to 10% at 4,000,000.
    fn allowed_ratio(decoded: u64) -> f64 {
        const LOW: f64 = 400_000.0;
        const HIGH: f64 = 4_000_000.0;
        let d = decoded as f64;
        if d <= LOW {
            0.99
        } else if d >= HIGH {
            0.10
        } else {
            0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
        }
    }

    /// Charges expanding `anchor`; an error when the document would alias too much.
    fn charge_alias(&mut self, anchor: &Anchored) -> Result<(), String> {
        self.decoded += anchor.nodes;
        self.aliased += anchor.nodes;
        self.alias_bytes += anchor.bytes;
        if self.aliased > 100
            && self.decoded > 1000
            && self.aliased as f64 / self.decoded as f64 > Self::allowed_ratio(self.decoded)
        {
            return Err("document contains excessive aliasing".into());
        }
        if self.alias_bytes > self.max_alias_bytes {
            return Err(format!(
                "aliases expand to more than {} bytes: excessive aliasing",
                self.max_alias_bytes
            ));
        }
        Ok(())
    }
}

/// Where a builder's events come from: the fast scanner for plain block
/// YAML (`super::fast`), saphyr for everything else.
enum Source<'a> {
    Fast(Box<super::fast::Events<'a>>),
    Saphyr(Box<Parser<'a, saphyr_parser::StrInput<'a>>>),
}

impl<'a> Source<'a> {
    /// The fast scanner when `fast` and it takes `text`, else saphyr.
    fn new(text: &'a str, fast: bool) -> Self {
        match fast.then(|| super::fast::events(text)).flatten() {
            Some(events) => Source::Fast(Box::new(events)),
            None => Source::Saphyr(Box::new(Parser::new_from_str(text))),
        }
    }
}

struct Builder<'a> {
    parser: Source<'a>,
    anchors: HashMap<usize, Anchored>,
    duplicates: DuplicateKeys,
    reader: Reader,
    /// The text as characters, kept only when it contains `\/` (see below).
    source: Option<Vec<char>>,
    /// Current nesting of maps and lists.
    depth: usize,
    /// The text's length in characters when it does not end in a line
    /// break: a block scalar running to that end has no final newline.
    unterminated_end: Option<usize>,
    budget: AliasBudget,
    /// Where a quoted scalar with under-indented lines starts (a character
    /// index), when that is the error.
    quoted_indent_at: Option<usize>,
    /// Where the node being built sits, as far as `Step` tells (one entry
    /// per map key or list item above it).
    at: Vec<Step>,
    /// The text, and a (character, byte) position in it that only moves
    /// forward, to find block scalars' source lines from event spans.
    text: &'a str,
    cursor: (usize, usize),
}

/// Deeper nesting is refused: no manifest needs it, and the recursive
/// walkers downstream must not run out of stack on hostile input.
pub const MAX_DEPTH: usize = limits::MAX_DEPTH;

fn unterminated_end(text: &str) -> Option<usize> {
    (!text.is_empty() && !text.ends_with(['\n', '\r'])).then(|| text.chars().count())
}

/// go-yaml rejects the `\/` escape that YAML 1.2 allows; checking for it
/// needs the raw text of double-quoted scalars, so keep it only when present.
fn slash_escape_source(text: &str) -> Option<Vec<char>> {
    text.contains("\\/").then(|| text.chars().collect())
}

impl<'a> Builder<'a> {
    /// A builder for `text`, reading its events from the fast scanner when
    /// `fast` and it takes the text, else from saphyr.
    fn new(text: &'a str, duplicates: DuplicateKeys, reader: Reader, fast: bool) -> Self {
        Builder {
            parser: Source::new(text, fast),
            anchors: HashMap::new(),
            duplicates,
            reader,
            source: slash_escape_source(text),
            depth: 0,
            unterminated_end: unterminated_end(text),
            budget: AliasBudget::new(text.len()),
            quoted_indent_at: None,
            at: Vec::new(),
            text,
            cursor: (0, 0),
        }
    }

    /// Whether the collection starting at `span` is written in flow style:
    /// its opening token, the last thing the span covers, is `{` or `[`
    /// (a block collection's opening token covers nothing, or a `-`).
    fn written_in_flow(&mut self, span: Span) -> bool {
        let Some(last) = span.end.index().checked_sub(1) else {
            return false;
        };
        if last < span.start.index() {
            return false;
        }
        let at = match self.parser {
            // The fast scanner reads only ASCII: characters are bytes.
            Source::Fast(_) => last,
            Source::Saphyr(_) => self.byte_at(last),
        };
        matches!(self.text.as_bytes().get(at), Some(b'{' | b'['))
    }

    /// The byte offset of character `index` (spans count characters).
    fn byte_at(&mut self, index: usize) -> usize {
        let (mut chars, mut bytes) = self.cursor;
        if index < chars {
            (chars, bytes) = (0, 0);
        }
        for c in self.text[bytes..].chars() {
            if chars == index {
                break;
            }
            chars += 1;
            bytes += c.len_utf8();
        }
        self.cursor = (chars, bytes);
        bytes
    }

    /// go-yaml refuses a tab where a block scalar's indentation is still
    /// being read: after the leading spaces of its first lines (before the
    /// indentation is known), or before the known indentation is reached.
    fn reject_tab_indentation(&mut self, span: Span) -> Result<(), Stopped> {
        // The span starts on the scalar's first content line.
        let at = self.byte_at(span.start.index());
        let first_line = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        // An indentation indicator (`>2`) fixes the indentation; otherwise
        // the first line with content sets it.
        let header = self.text[..first_line]
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default();
        let mut indent: Option<usize> = explicit_indent(header);
        for (n, line) in self.text[first_line..].lines().enumerate() {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            let rest = &line[spaces..];
            let tab_here = rest.starts_with('\t') && indent.is_none_or(|i| spaces < i);
            if tab_here {
                return Err(Stopped::Invalid(YamlError {
                    line: span.start.line() + n,
                    message: "found a tab character where an indentation space is expected".into(),
                    ..Default::default()
                }));
            }
            match indent {
                None if !rest.is_empty() => indent = Some(spaces),
                Some(i) if spaces < i && !rest.is_empty() => break,
                _ => {}
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Stopped> {
        let next = match &mut self.parser {
            Source::Saphyr(parser) => parser.next_event(),
            Source::Fast(events) => match events.next() {
                Some(Ok(pair)) => Some(Ok(pair)),
                Some(Err(super::fast::Declined)) => return Err(Stopped::Declined),
                None => None,
            },
        };
        match next {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => {
                if e.info() == "invalid indentation in quoted scalar" {
                    self.quoted_indent_at = Some(e.marker().index());
                }
                Err(Stopped::Invalid(YamlError {
                    line: e.marker().line(),
                    message: e.info().to_string(),
                    ..Default::default()
                }))
            }
            None => Err(Stopped::Invalid(YamlError {
                line: 0,
                message: "unexpected end of YAML stream".into(),
                ..Default::default()
            })),
        }
    }

    /// Builds one node; returns it with its line tree and its height
    /// (levels of maps and lists, counted through expanded aliases).
    fn node(&mut self, event: Event<'a>, span: Span) -> Result<(Value, LineTree, usize), Stopped> {
        let line = span.start.line();
        let start = self.budget.decoded;
        self.budget.decoded += 1;
        // A safe point for the run's memory budget, every few thousand nodes.
        if self.budget.decoded.is_multiple_of(4096) {
            crate::model::heap::check().map_err(|e| {
                Stopped::Invalid(YamlError {
                    line,
                    message: e.to_string(),
                    over_budget: true,
                })
            })?;
        }
        let (value, lines, anchor, height) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                if matches!(style, ScalarStyle::DoubleQuoted) {
                    self.reject_slash_escape(span)?;
                }
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    self.reject_tab_indentation(span)?;
                }
                // `!!int` and `tag:yaml.org,2002:int` are one tag.
                let tag = tag.map(|t| {
                    let full = format!("{}{}", t.handle, t.suffix);
                    match full.strip_prefix("tag:yaml.org,2002:") {
                        Some(short) => format!("!!{short}"),
                        None => full,
                    }
                });
                // A block scalar that runs to the end of a text without a
                // final line break keeps no final newline (go-yaml).
                let at_end = self
                    .unterminated_end
                    .is_some_and(|end| span.end.index() >= end);
                let text = match text {
                    t if at_end
                        && matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                        && t.ends_with('\n') =>
                    {
                        std::borrow::Cow::Owned(t[..t.len() - 1].to_string())
                    }
                    t => t,
                };
                let mut value =
                    resolve_scalar(&text, style, tag.as_deref()).map_err(|m| err(span, m))?;
                let nodes = matches!(self.reader, Reader::Nodes | Reader::Resources);
                // The value kustomize prints; the text read stays with it.
                let mut folded_text = None;
                if nodes
                    && matches!(style, ScalarStyle::Folded)
                    && !Step::in_metadata_annotations(&self.at)
                    && let Value::String(s) = &value
                    && let Some(printed) = super::folded::as_printed(s)
                {
                    folded_text = Some(Text::Folded(s.as_str().into()));
                    value = Value::String(printed.into());
                }
                // kustomize ends every build by writing annotations back as
                // map[string]string from the nodes' text, so a plain `0x1F`,
                // `~` or empty value prints as that text, not as what it
                // resolves to (labels keep their resolved type).
                let mut typed_text = false;
                if nodes
                    && Step::in_metadata_annotations(&self.at)
                    && (self.reader == Reader::Resources || !value.is_null())
                {
                    typed_text = !matches!(value, Value::String(_))
                        && matches!(style, ScalarStyle::Plain)
                        && tag.is_none();
                    value = Value::String(text.as_ref().into());
                }
                // YAML 1.1 booleans (yes/no/on/off/y/n), as go-yaml v2 reads them.
                let v2 = matches!(self.reader, Reader::Config | Reader::JsonPatch);
                let plain = matches!(style, ScalarStyle::Plain) && tag.is_none();
                if v2
                    && plain
                    && let Some(b) = yaml11_bool(&text)
                {
                    value = Value::Bool(b);
                }
                // kustomize prints every object through JSON, which has no
                // infinity or NaN: such a value outside the annotations
                // (kept as text) fails its build.
                let float = plain || tag.as_deref() == Some("!!float");
                if self.reader == Reader::Resources
                    && float
                    && is_yaml11_inf_or_nan(&text)
                    && !Step::in_metadata_annotations(&self.at)
                {
                    return Err(err(
                        span,
                        format!(
                            "{text}: an object cannot hold infinity or NaN (kustomize writes every object as JSON)"
                        ),
                    ));
                }
                if self.reader == Reader::JsonPatch && plain && is_yaml11_inf_or_nan(&text) {
                    return Err(err(
                        span,
                        format!("{text}: a JSON patch cannot hold infinity or NaN"),
                    ));
                }
                let bare = text.is_empty() && matches!(style, ScalarStyle::Plain) && tag.is_none();
                let lost = match &value {
                    Value::Null if bare => Some(Text::Null(NullText::Empty)),
                    Value::Null if text.is_empty() => None,
                    Value::String(_) => folded_text,
                    other => Text::of(&text, other),
                };
                let leaf = if let Some(text) = lost {
                    LineTree::Written(line, text)
                } else if typed_text {
                    LineTree::PlainText(line)
                } else if nodes
                    && matches!(style, ScalarStyle::Folded)
                    && Step::in_metadata_annotations(&self.at)
                {
                    LineTree::FoldedText(line)
                } else if !matches!(style, ScalarStyle::Plain) {
                    LineTree::Quoted(line)
                } else {
                    LineTree::Leaf(line)
                };
                (value, leaf, anchor, 0)
            }
            Event::Alias(id) => {
                self.budget.decoded -= 1;
                let Some(anchored) = self.anchors.get(&id) else {
                    return Err(err(span, "unknown anchor referenced by alias".into()));
                };
                // Both checks run before the copy: a refused alias costs nothing.
                if self.depth + anchored.height > MAX_DEPTH {
                    return Err(err(
                        span,
                        format!("nesting deeper than {MAX_DEPTH} levels (through aliases)"),
                    ));
                }
                self.budget
                    .charge_alias(anchored)
                    .map_err(|m| err(span, m))?;
                return Ok((
                    anchored.value.clone(),
                    anchored.lines.clone(),
                    anchored.height,
                ));
            }
            Event::SequenceStart(anchor, _) => {
                let flow = self.written_in_flow(span);
                self.enter(span)?;
                let (items, lines, height) = self.sequence()?;
                self.depth -= 1;
                (
                    Value::Array(items),
                    LineTree::Seq(line, flow, lines),
                    anchor,
                    height + 1,
                )
            }
            Event::MappingStart(anchor, _) => {
                let flow = self.written_in_flow(span);
                self.enter(span)?;
                let (map, lines, height) = self.mapping()?;
                self.depth -= 1;
                (
                    Value::Object(map),
                    LineTree::Map(line, flow, lines),
                    anchor,
                    height + 1,
                )
            }
            _ => return Err(err(span, "malformed YAML event stream".to_string())),
        };
        if anchor != 0 {
            // Nodes are counted as they are built (expanded aliases included);
            // bytes are measured once, when the anchor is defined.
            let nodes = self.budget.decoded - start;
            let bytes = limits::measure(&value).bytes;
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    lines: lines.clone(),
                    nodes,
                    bytes,
                    height,
                },
            );
        }
        Ok((value, lines, height))
    }

    fn enter(&mut self, span: Span) -> Result<(), Stopped> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(span, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn reject_slash_escape(&self, span: Span) -> Result<(), Stopped> {
        let Some(chars) = &self.source else {
            return Ok(());
        };
        let raw = chars
            .get(span.start.index()..span.end.index().min(chars.len()))
            .unwrap_or_default();
        let mut i = 0;
        while i + 1 < raw.len() {
            if raw[i] == '\\' {
                if raw[i + 1] == '/' {
                    return Err(err(span, "found unknown escape character".into()));
                }
                i += 2;
            } else {
                i += 1;
            }
        }
        Ok(())
    }

    fn sequence(&mut self) -> Result<(Vec<Value>, Vec<LineTree>, usize), Stopped> {
        let (mut items, mut lines, mut height) = (Vec::new(), Vec::new(), 0);
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                // Kept for the whole build: no spare capacity.
                items.shrink_to_fit();
                return Ok((items, lines, height));
            }
            self.at.push(Step::Item);
            let built = self.node(event, span);
            self.at.pop();
            let (v, l, h) = built?;
            height = height.max(h);
            items.push(v);
            lines.push(l);
        }
    }

    fn mapping(&mut self) -> Result<(Map, MapLines, usize), Stopped> {
        // Room for a typical mapping up front, then one shrink at its end,
        // instead of a reallocation per key (small mappings grow exactly).
        let mut map = Map::with_capacity(8);
        let mut height = 0;
        let mut lines: MapLines = Vec::new();
        // Keys that came from a `<<` merge may be overridden by explicit keys.
        let mut merged: Vec<Key> = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                // Kept for the whole build: no spare capacity.
                map.shrink_to_fit();
                return Ok((map, lines, height));
            }
            let is_merge =
                matches!(&event, Event::Scalar(t, ScalarStyle::Plain, _, None) if t == "<<");
            let (key, _, _) = self.node(event, span)?;
            let (vevent, vspan) = self.next()?;
            self.at.push(Step::of_key(&key));
            let built = self.node(vevent, vspan);
            self.at.pop();
            let (value, value_lines, h) = built?;
            height = height.max(h);
            if is_merge {
                if let LineTree::Map(_, _, entries) = &value_lines {
                    lines.extend(
                        entries
                            .iter()
                            .filter(|(k, _)| !map.contains_key(k))
                            .cloned(),
                    );
                }
                merge_into(&mut map, &mut merged, value).map_err(|m| err(span, m))?;
                continue;
            }
            let key = key_string(&key).map_err(|m| err(span, m))?;
            if map.contains(key) && !merged.contains(&key) {
                match self.duplicates {
                    DuplicateKeys::Reject => {
                        return Err(err(span, format!("mapping key '{key}' already defined")));
                    }
                    DuplicateKeys::FirstWins => continue,
                    DuplicateKeys::LastWins => lines.retain(|(k, _)| *k != key),
                }
            }
            merged.retain(|k| *k != key);
            // A value's line is its key's line: that is where a reader looks
            // (a block list or map under the key starts on the next line).
            let key_line = span.start.line();
            let value_lines = match value_lines {
                LineTree::Leaf(_) => LineTree::Leaf(key_line),
                LineTree::Written(_, text) => LineTree::Written(key_line, text),
                LineTree::PlainText(_) => LineTree::PlainText(key_line),
                LineTree::FoldedText(_) => LineTree::FoldedText(key_line),
                LineTree::Quoted(_) => LineTree::Quoted(key_line),
                LineTree::Map(_, flow, entries) => LineTree::Map(key_line, flow, entries),
                LineTree::Seq(_, flow, items) => LineTree::Seq(key_line, flow, items),
            };
            lines.push((key, value_lines));
            map.insert(key, value);
        }
    }
}

fn merge_into(map: &mut Map, merged: &mut Vec<Key>, value: Value) -> Result<(), String> {
    let sources = match value {
        Value::Object(m) => vec![m],
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err("map merge requires map or sequence of maps as the value".to_string()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("map merge requires map or sequence of maps as the value".into()),
    };
    for source in sources {
        for (k, v) in source {
            if !map.contains_key(&k) {
                merged.push(k);
                map.insert(k, v);
            }
        }
    }
    Ok(())
}

/// The indentation a block scalar header's indentation indicator sets
/// (`key: >2` under a key at column 2 means 4), as go-yaml's scanner adds it
/// to the enclosing block's indentation: the column of the key, or of the
/// `-` for a scalar that is itself a sequence item, or none at the top.
fn explicit_indent(header: &str) -> Option<usize> {
    let code = header.split(" #").next().unwrap_or_default().trim_end();
    let at = code.rfind(['|', '>'])?;
    let flags = &code[at + 1..];
    if !flags.chars().all(|c| matches!(c, '1'..='9' | '+' | '-')) {
        return None;
    }
    let increment = flags.chars().find_map(|c| c.to_digit(10))? as usize;
    let before = &code[..at];
    if before.trim_start().starts_with("---") {
        return Some(increment);
    }
    // Skip the line's indentation and any `- ` sequence indicators.
    let mut column = before.len() - before.trim_start_matches(' ').len();
    let mut last_dash = None;
    while before[column..].starts_with("- ") || &before[column..] == "-" {
        last_dash = Some(column);
        column += 1;
        column += before[column..].len() - before[column..].trim_start_matches(' ').len();
    }
    let parent = match before[column..].trim().is_empty() {
        true => last_dash.unwrap_or(column),
        false => column,
    };
    Some(parent + increment)
}

/// JSON object keys are strings; YAML keys that are scalars keep their text.
fn key_string(key: &Value) -> Result<Key, String> {
    match key {
        Value::String(s) => Ok(Key::new(s)),
        Value::Number(n) => Ok(n.as_str().into()),
        Value::Bool(b) => Ok(if *b { "true" } else { "false" }.into()),
        Value::Null => Ok(Key::default()),
        _ => Err("mapping keys must be scalars".into()),
    }
}

/// go-yaml v2's YAML 1.1 booleans beyond true/false.
/// A `!!binary` scalar's bytes (base64, line breaks and spaces ignored) as
/// text; the scalar itself when it is not base64 or not UTF-8.
fn binary_text(text: &str) -> String {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| text.to_string())
}

/// go-yaml v2's infinities and NaN: `.inf`, `-.Inf`, `.NAN`, ...
fn is_yaml11_inf_or_nan(text: &str) -> bool {
    let t = text.strip_prefix(['+', '-']).unwrap_or(text);
    matches!(t, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN")
}

fn yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Resolves a scalar to a JSON value with go-yaml v3's rules.
pub fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    let plain = matches!(style, ScalarStyle::Plain);
    match tag {
        Some("!!str") | Some("tag:yaml.org,2002:str") => {
            return Ok(Value::String(text.into()));
        }
        Some("!!int") | Some("!!float") | Some("!!bool") | Some("!!null") => {
            return resolve_plain(text)
                .ok_or_else(|| format!("cannot decode '{text}' as {}", tag.unwrap_or_default()));
        }
        // go-yaml decodes a binary scalar to its bytes, which kustomize
        // prints as text.
        Some("!!binary") => return Ok(Value::String(binary_text(text).into())),
        _ => {}
    }
    if !plain {
        return Ok(Value::String(text.into()));
    }
    Ok(resolve_plain(text).unwrap_or_else(|| Value::String(text.into())))
}

/// A plain scalar's value: null, a boolean, a number, or else the text.
pub fn resolve_plain_scalar(text: &str) -> Value {
    resolve_plain(text).unwrap_or_else(|| Value::String(text.into()))
}

fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(i) = parse_go_int(&cleaned) {
        return Some(Value::Number(Number::from(i)));
    }
    if is_go_float(&cleaned) {
        // Keep the source digits ("1.50"): kustomize prints annotations with them.
        if let Ok(n) = cleaned.parse::<Number>() {
            return Some(Value::Number(n));
        }
        let f: f64 = cleaned.parse().ok()?;
        return Some(float_value(f));
    }
    match cleaned.to_ascii_lowercase().as_str() {
        // JSON has no infinities or NaN; kustomize fails on them too, so keep the text.
        ".inf" | "+.inf" | "-.inf" | ".nan" => Some(Value::String(text.into())),
        _ => None,
    }
}

fn float_value(f: f64) -> Value {
    Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn one(text: &str) -> Value {
        parse_documents(text).unwrap().remove(0).value
    }

    #[test]
    fn resolves_scalars_like_go_yaml_v3() {
        let v = one(
            "a: yes\nb: 0x1F\nc: 1_000\nd: 1.50\ne: ~\nf: '1'\ng: 2001-12-14\nh: 0755\ni: on\n",
        );
        assert_eq!(v["d"].to_string(), "1.50");
        assert_eq!(
            v,
            json!({"a":"yes","b":31,"c":1000,"d":v["d"].clone(),"e":null,"f":"1","g":"2001-12-14","h":493,"i":"on"})
        );
    }

    /// The outermost flow collections, as `/`-joined paths.
    fn flow_paths(text: &str) -> Vec<String> {
        let doc = parse_documents(text).unwrap().remove(0);
        doc.lines
            .style_paths()
            .flow
            .iter()
            .map(|p| {
                p.iter()
                    .map(|s| match s {
                        PathStep::Key(k) => k.clone(),
                        PathStep::Index(i) => i.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect()
    }

    #[test]
    fn tells_flow_collections_from_block_ones() {
        // Plain block YAML with `{}` and `[]` (the fast scanner's).
        assert_eq!(
            flow_paths(
                "a:
  b: {}
  c:
  - x
d: []
e:
- {}
"
            ),
            ["a/b", "d", "e/0"]
        );
        // Flow collections with content, an anchor, an indentless list, a
        // whole document, and what lies inside a flow collection (saphyr's).
        assert_eq!(
            flow_paths(
                "a: {b: [1, {c: 2}]}
d: &x [1]
e:
- f: 1
  g: !!map {h: 1}
"
            ),
            ["a", "d", "e/0/g"]
        );
        assert_eq!(flow_paths("{\"a\": {\"b\": 1}}\n"), [""]);
        assert_eq!(flow_paths("k: \u{e9}\nm: {n: 1}\n"), ["m"]);
        assert!(flow_paths("a:\n  b: 1\nc:\n- 1\n").is_empty());
    }

    #[test]
    fn expands_anchors_and_merge_keys() {
        let v = one("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n");
        assert_eq!(v["other"], json!({"x":1,"y":3}));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        // saphyr's own recursion limit may stop it first; either way, an error.
        let e = parse_documents(&deep).unwrap_err();
        assert!(
            e.message.contains("nesting deeper") || e.message.contains("recursion limit"),
            "{e}"
        );
        // Block nesting has no parser limit of its own: ours applies.
        let block: String = (0..20_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert!(
            parse_documents(&block)
                .unwrap_err()
                .message
                .contains("nesting deeper")
        );
        let fine = format!("a: {}1{}\n", "[".repeat(150), "]".repeat(150));
        let v = parse_documents(&fine).unwrap().remove(0).value;
        let again = parse_documents(&crate::yaml::emit_document(&v))
            .unwrap()
            .remove(0)
            .value;
        assert_eq!(again, v);
    }

    #[test]
    fn anchors_do_not_cross_documents() {
        assert!(parse_documents("a: &x 1\n---\nb: *x\n").is_err());
    }

    #[test]
    fn rejects_duplicate_keys_with_line() {
        let e = parse_documents("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn duplicate_key_policies() {
        let text = "a: 1\na: 2\n";
        assert_eq!(
            parse_documents_with(text, DuplicateKeys::FirstWins).unwrap()[0].value["a"],
            1
        );
        assert_eq!(
            parse_documents_with(text, DuplicateKeys::LastWins).unwrap()[0].value["a"],
            2
        );
    }

    #[test]
    fn indentation_indicators_add_to_the_enclosing_block() {
        assert_eq!(explicit_indent("  note: >2"), Some(4));
        assert_eq!(explicit_indent("  note: |-1 # comment"), Some(3));
        assert_eq!(explicit_indent("  - |2"), Some(4));
        assert_eq!(explicit_indent("  - key: >1"), Some(5));
        assert_eq!(explicit_indent("--- |3"), Some(3));
        assert_eq!(explicit_indent("  note: >"), None);
        assert_eq!(explicit_indent("  note: |+"), None);
        // A tab after the indentation an indicator fixes is content.
        let text = "data:\n  note: >2\n      indented\n    \tspaced\n";
        assert!(parse_node_documents(text, DuplicateKeys::Reject).is_ok());
        let short = "data:\n  note: |2\n    a\n  \tb\n";
        assert!(parse_node_documents(short, DuplicateKeys::Reject).is_err());
    }

    #[test]
    fn a_text_declined_part_way_is_read_again_whole() {
        // The fast scanner gives the first document, then declines the
        // second (a plain scalar continued on the next line): the text is
        // read again through saphyr, and each document comes out once.
        let text = "a: 1\n---\nb: x\n  y\n---\nc: 3\n";
        let docs = parse_documents(text).unwrap();
        let values: Vec<Value> = docs.into_iter().map(|d| d.value).collect();
        assert_eq!(
            values,
            vec![json!({"a": 1}), json!({"b": "x y"}), json!({"c": 3})]
        );
    }

    #[test]
    fn skips_empty_documents() {
        let docs = parse_documents("---\n# only a comment\n---\na: 1\n---\n").unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].line, 4);
    }
}

/// The little of a node's position the reader needs: kustomize rebuilds
/// every object's `metadata.annotations` as a plain string map at the end
/// of a build, so their folded scalars are printed as read (labels are not
/// rebuilt: theirs print as go-yaml's folded writer and reader leave them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Metadata,
    /// `annotations`, a string map whose values keep their text.
    Annotations,
    Items,
    Item,
    Other,
}

impl Step {
    fn of_key(key: &Value) -> Step {
        match key.as_str() {
            Some("metadata") => Step::Metadata,
            Some("annotations") => Step::Annotations,
            Some("items") => Step::Items,
            _ => Step::Other,
        }
    }

    /// `metadata.annotations.<key>` of a document or of a List's item.
    fn in_metadata_annotations(at: &[Step]) -> bool {
        Self::in_metadata(at, Step::Annotations)
    }

    fn in_metadata(at: &[Step], map: Step) -> bool {
        let tail = [Step::Metadata, map];
        match at {
            [m, s, _] => [*m, *s] == tail,
            [Step::Items, Step::Item, m, s, _] => [*m, *s] == tail,
            _ => false,
        }
    }
}

#[cfg(test)]
mod folded_text_tests {
    use super::*;

    /// A folded block whose printed value differs keeps the text read.
    #[test]
    fn a_folded_block_keeps_its_text_as_read() {
        let text = "data:\n  s: >-\n    run\n      indented\n    done\n";
        let doc = parse_resource_documents(text, DuplicateKeys::Reject)
            .unwrap()
            .remove(0);
        assert_eq!(
            doc.value["data"]["s"].as_str(),
            Some("run\n\n  indented\ndone")
        );
        let written = doc.lines.style_paths().written;
        assert_eq!(
            written,
            vec![(
                crate::model::node_path::steps("data/s"),
                Text::Folded("run\n  indented\ndone".into())
            )]
        );
    }
}

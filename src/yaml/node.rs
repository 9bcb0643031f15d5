//! YAML text as go-yaml v3 nodes, for text that kustomize decodes into a
//! `yaml.Node`, edits and encodes again rather than printing through JSON:
//! from v5.8, a replacement into YAML held in a string field
//! (`data.app\.yaml.server.host`). Such text comes back out with each
//! scalar's quoting, block style and tag, and each collection's flow or
//! block style, as written; [`super::node_emit`] prints it as kyaml does.
//!
//! A node keeps what go-yaml's decoder keeps: the scalar's text, its style,
//! its tag (the one written, else the one its text resolves to), whether the
//! tag was written, its anchor, an alias as written, and the comments
//! around it ([`super::node_comments`]). Text this model cannot carry
//! through (comments in places go-yaml's rules are not followed here) is
//! declined with `None`, and the caller keeps its resolved-value path.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::scalars::{is_go_float, is_timestamp, split_go_int};

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Scalar(String),
    /// `*name`: go-yaml keeps an alias as written.
    Alias(String),
    Mapping(Vec<(Node, Node)>),
    Sequence(Vec<Node>),
}

/// One go-yaml v3 node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// The short tag (`!!str`, `!!int`, `!custom`).
    pub tag: String,
    /// The tag was written in the text (go-yaml's `TaggedStyle`): it is
    /// printed whatever the text.
    pub tagged: bool,
    pub style: Style,
    /// A collection written `{...}` or `[...]`.
    pub flow: bool,
    /// The anchor written on the node (`&name`), or empty.
    pub anchor: String,
    /// Comment lines written above a mapping key or a sequence item (on
    /// the root: the document's head comment, followed by a blank line).
    pub head: Vec<String>,
    /// The comment ending the node's line.
    pub line_comment: Option<String>,
    /// Comment lines after a mapping entry's value or a sequence item
    /// (kept on the key or item; on the root: the document's foot).
    pub foot: Vec<String>,
}

impl Node {
    /// An untagged scalar, as kyaml's path matcher makes one.
    pub fn untagged(text: &str) -> Node {
        Node {
            kind: Kind::Scalar(text.to_string()),
            tag: String::new(),
            tagged: false,
            style: Style::Plain,
            flow: false,
            anchor: String::new(),
            head: Vec::new(),
            line_comment: None,
            foot: Vec::new(),
        }
    }

    pub fn mapping(entries: Vec<(Node, Node)>) -> Node {
        Node {
            kind: Kind::Mapping(entries),
            tag: "!!map".into(),
            ..Node::untagged("")
        }
    }

    pub fn sequence(items: Vec<Node>) -> Node {
        Node {
            kind: Kind::Sequence(items),
            tag: "!!seq".into(),
            ..Node::untagged("")
        }
    }

    /// A scalar tagged with what its text resolves to.
    pub fn scalar(text: &str, style: Style) -> Node {
        let tag = match style {
            Style::Plain => resolved_tag(text),
            _ => "!!str",
        };
        Node {
            tag: tag.into(),
            style,
            ..Node::untagged(text)
        }
    }

    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(t) => Some(t),
            _ => None,
        }
    }

    /// A plain `null`, `~` or empty scalar (go-yaml's `!!null`).
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Scalar(_)) && self.tag == "!!null"
    }

    /// Whether the node, as a mapping value, opens a block collection on
    /// the next line.
    pub fn is_block_collection(&self) -> bool {
        match &self.kind {
            Kind::Mapping(e) => !self.flow && !e.is_empty(),
            Kind::Sequence(i) => !self.flow && !i.is_empty(),
            Kind::Scalar(_) | Kind::Alias(_) => false,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.kind {
            Kind::Mapping(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// The tag go-yaml v3 resolves a plain scalar's text to (its `resolve`):
/// YAML 1.2's null, booleans and numbers, plus timestamps, Go's integer
/// forms and underscores in numbers.
pub fn resolved_tag(text: &str) -> &'static str {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return "!!null",
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return "!!bool",
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return "!!float",
        "<<" => return "!!merge",
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' if text.parse::<f64>().is_ok() => "!!float",
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(text) {
                return "!!timestamp";
            }
            let plain: String = text.chars().filter(|c| *c != '_').collect();
            if fits_go_int(&plain) {
                "!!int"
            } else if is_go_float(&plain) {
                "!!float"
            } else {
                "!!str"
            }
        }
        _ => "!!str",
    }
}

/// Go's `ParseInt`/`ParseUint` with base 0 accept the literal.
fn fits_go_int(s: &str) -> bool {
    let Some((negative, radix, digits)) = split_go_int(s) else {
        return false;
    };
    match u64::from_str_radix(digits, radix) {
        Ok(m) if negative => m <= 1 << 63,
        Ok(_) => true,
        Err(_) => false,
    }
}

/// The first document of `text` as nodes; `None` for text go-yaml would
/// refuse or that holds what the model does not keep.
pub fn parse(text: &str) -> Option<Node> {
    let mut reader = Reader {
        parser: Parser::new_from_str(text),
        text,
        chars: text.chars().collect(),
        bytes: text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect(),
        spots: Spots::default(),
        path: Vec::new(),
        flow_depth: 0,
    };
    let mut root = None;
    loop {
        let (event, span) = reader.next()?;
        match event {
            Event::StreamStart | Event::DocumentStart(_) => {}
            Event::DocumentEnd if root.is_some() => {
                // The document's comments run to the next document's start.
                reader.spots.end = match reader.next() {
                    Some((Event::DocumentStart(_), next)) => next.start.index(),
                    _ => reader.chars.len(),
                }
                .min(reader.chars.len());
                break;
            }
            Event::DocumentEnd => {}
            Event::StreamEnd => {
                reader.spots.end = reader.chars.len();
                break;
            }
            event if root.is_none() => root = Some(reader.node(event, span, 0)?),
            _ => return None,
        }
    }
    // go-yaml's `Unmarshal` reads the first document; the rest is dropped
    // when the text is written back, so only its comments count.
    let mut root = root?;
    let end = reader.spots.end;
    super::node_comments::attach(&mut root, &reader.chars[..end], &reader.spots)?;
    Some(root)
}

/// True when `text` holds no document (nothing, blanks, only comments):
/// go-yaml's `Unmarshal` then leaves an empty node of no kind, on which
/// kyaml's path matching fails. A text saphyr refuses is not this case.
pub fn holds_no_document(text: &str) -> bool {
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            Some(Ok((Event::StreamEnd, _))) | None => return true,
            Some(Ok((Event::DocumentStart(_), _))) | Some(Err(_)) => return false,
            Some(Ok(_)) => {}
        }
    }
}

/// One step from a node to a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Key(usize),
    Value(usize),
    Item(usize),
}

/// Where a node lies in the text, in characters.
#[derive(Debug, Clone, Default)]
pub struct Spot {
    pub start: usize,
    pub end: usize,
    pub path: Vec<Step>,
}

/// Where the parsed nodes lie, for placing comments.
#[derive(Debug, Default)]
pub struct Spots {
    /// Scalars, in order.
    pub scalars: Vec<Spot>,
    /// Flow collections not inside another, in order.
    pub flows: Vec<Spot>,
    /// Block mapping keys and block sequence items (from the `-`), in order.
    pub entries: Vec<Spot>,
    /// Where the first document ends.
    pub end: usize,
}

impl Node {
    /// The node `path` leads to.
    pub fn at_mut(&mut self, path: &[Step]) -> Option<&mut Node> {
        let Some((step, rest)) = path.split_first() else {
            return Some(self);
        };
        let child = match (&mut self.kind, *step) {
            (Kind::Mapping(entries), Step::Key(i)) => &mut entries.get_mut(i)?.0,
            (Kind::Mapping(entries), Step::Value(i)) => &mut entries.get_mut(i)?.1,
            (Kind::Sequence(items), Step::Item(i)) => items.get_mut(i)?,
            _ => return None,
        };
        child.at_mut(rest)
    }
}

/// Deeper text is declined: the resolved-value path reports the limit.
const MAX_DEPTH: usize = crate::model::limits::MAX_DEPTH;

struct Reader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    text: &'a str,
    chars: Vec<char>,
    /// The byte offset of each character, and of the text's end.
    bytes: Vec<usize>,
    spots: Spots,
    /// The steps to the node being read.
    path: Vec<Step>,
    flow_depth: usize,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<(Event<'a>, Span)> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Some(pair),
            _ => None,
        }
    }

    fn entry(&mut self, at: usize) {
        self.spots.entries.push(Spot {
            start: at,
            end: at,
            path: self.path.clone(),
        });
    }

    /// Notes a flow collection's extent once it is read.
    fn close_flow(&mut self, flow: bool, start: usize, end: usize) {
        if !flow {
            return;
        }
        self.flow_depth -= 1;
        if self.flow_depth == 0 {
            self.spots.flows.push(Spot {
                start,
                end,
                path: self.path.clone(),
            });
        }
    }

    /// The anchor a node starting at `span` is written with (saphyr gives
    /// only a number); empty for none.
    fn anchor_name(&self, id: usize, span: Span) -> Option<String> {
        if id == 0 {
            return Some(String::new());
        }
        let start = *self.bytes.get(span.start.index())?;
        let end = super::edit::skip_properties(self.text, start);
        let properties = self.text.get(start..end)?;
        properties
            .split_whitespace()
            .find_map(|token| token.strip_prefix('&'))
            .map(str::to_string)
    }

    /// The character index of byte offset `byte`.
    fn char_at(&self, byte: usize) -> usize {
        self.bytes.partition_point(|&b| b < byte)
    }

    /// Where a node starting at character `start` has its content, past a
    /// tag or anchor (saphyr's span starts at them).
    fn content_start(&self, start: usize) -> usize {
        let byte = self.bytes.get(start).copied().unwrap_or(self.text.len());
        self.char_at(super::edit::skip_properties(self.text, byte))
    }

    /// Where a scalar's text ends, in characters: saphyr's span of a
    /// quoted scalar runs on to the line's end.
    fn scalar_end(&self, span: Span, style: ScalarStyle, value: &str) -> usize {
        let end = span.end.index();
        if !matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            return end;
        }
        let content = self.bytes[self.content_start(span.start.index())];
        let raw_end = self.bytes.get(end).copied().unwrap_or(self.text.len());
        self.char_at(super::edit::scalar_end(
            self.text, content, raw_end, style, value,
        ))
    }

    /// The `-` a block sequence item starting at `at` follows. saphyr
    /// starts a block scalar's span at its content, so for one (`block`)
    /// the dash is before the header (`|`, `>-`, ...) and its properties.
    fn dash_before(&self, at: usize, block: bool) -> Option<usize> {
        let before = self.chars.get(..at)?;
        let mut i = before.iter().rposition(|c| !c.is_whitespace())?;
        // The start of the token ending at `i`.
        let token_at = |i: usize| {
            before[..=i]
                .iter()
                .rposition(|c| c.is_whitespace())
                .map_or(0, |p| p + 1)
        };
        // saphyr starts the span at a tag or anchor when there is one:
        // the dash is right before it. Else the header is (its `-`
        // chomping indicator is not the dash).
        let properties = matches!(self.chars.get(at), Some('!' | '&'));
        if block && !properties {
            // A comment after the header: the header ends before it.
            let line = before[..=i]
                .iter()
                .rposition(|c| *c == '\n')
                .map_or(0, |p| p + 1);
            if let Some(hash) =
                (line + 1..=i).find(|&j| before[j] == '#' && before[j - 1].is_whitespace())
            {
                i = before[..hash].iter().rposition(|c| !c.is_whitespace())?;
            }
            let header = token_at(i);
            let indicators = before[header + 1..=i]
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-'));
            if !matches!(before[header], '|' | '>') || !indicators {
                return None;
            }
            i = header;
            loop {
                i = before[..i].iter().rposition(|c| !c.is_whitespace())?;
                let token = token_at(i);
                if !matches!(before[token], '!' | '&') {
                    break;
                }
                i = token;
            }
        }
        (before[i] == '-').then_some(i)
    }

    /// Whether the collection starting at `span` is written in flow style.
    /// saphyr gives a block collection an empty span at its first item's
    /// content, which may itself be a flow collection (`- {a: 1}`); a flow
    /// collection's span covers its bracket.
    fn starts_flow(&self, span: Span) -> bool {
        if span.end.index() <= span.start.index() {
            return false;
        }
        let at = self.content_start(span.start.index());
        matches!(self.chars.get(at), Some('[' | '{'))
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        match event {
            Event::Alias(_) => {
                let (start, end) = (span.start.index(), span.end.index());
                let name: String = self.chars.get(start + 1..end)?.iter().collect();
                self.spots.scalars.push(Spot {
                    start,
                    end,
                    path: self.path.clone(),
                });
                Some(Node {
                    kind: Kind::Alias(name),
                    ..Node::untagged("")
                })
            }
            Event::Scalar(text, style, anchor, tag) => {
                let anchor = self.anchor_name(anchor, span)?;
                let start = span.start.index();
                let end = self.scalar_end(span, style, &text);
                self.spots.scalars.push(Spot {
                    start,
                    end,
                    path: self.path.clone(),
                });
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::Single,
                    ScalarStyle::DoubleQuoted => Style::Double,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let text = self.block_text(text.into_owned(), style, span);
                properties(Node::scalar(&text, style), anchor, tag)
            }
            Event::MappingStart(anchor, tag) => {
                let anchor = self.anchor_name(anchor, span)?;
                let flow = self.starts_flow(span);
                self.flow_depth += usize::from(flow);
                let mut entries = Vec::new();
                let end = loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break span.start.index() + 1;
                    }
                    let i = entries.len();
                    self.path.push(Step::Key(i));
                    if self.flow_depth == 0 {
                        self.entry(span.start.index());
                    }
                    let key = self.node(event, span, depth + 1)?;
                    self.path.pop();
                    self.path.push(Step::Value(i));
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    self.path.pop();
                    entries.push((key, value));
                };
                self.close_flow(flow, span.start.index(), end);
                let mut node = Node::mapping(entries);
                node.flow = flow;
                properties(node, anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                let anchor = self.anchor_name(anchor, span)?;
                let flow = self.starts_flow(span);
                self.flow_depth += usize::from(flow);
                let mut items = Vec::new();
                let end = loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break span.start.index() + 1;
                    }
                    self.path.push(Step::Item(items.len()));
                    if self.flow_depth == 0 {
                        let block = matches!(
                            event,
                            Event::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, ..)
                        );
                        let dash = self.dash_before(span.start.index(), block)?;
                        self.entry(dash);
                    }
                    items.push(self.node(event, span, depth + 1)?);
                    self.path.pop();
                };
                self.close_flow(flow, span.start.index(), end);
                let mut node = Node::sequence(items);
                node.flow = flow;
                properties(node, anchor, tag)
            }
            _ => None,
        }
    }

    /// A block scalar that runs to the end of the text without a final
    /// line break keeps no final newline (go-yaml).
    fn block_text(&self, text: String, style: Style, span: Span) -> String {
        let block = matches!(style, Style::Literal | Style::Folded);
        let at_end = span.end.index() >= self.chars.len();
        match block && at_end && !self.text.ends_with('\n') && text.ends_with('\n') {
            true => text[..text.len() - 1].to_string(),
            false => text,
        }
    }
}

/// `node` with the anchor and tag written on it.
fn properties(
    mut node: Node,
    anchor: String,
    tag: Option<std::borrow::Cow<'_, saphyr_parser::Tag>>,
) -> Option<Node> {
    node.anchor = anchor;
    if let Some(tag) = tag {
        node.tag = short_tag(&tag.handle, &tag.suffix)?;
        node.tagged = true;
    }
    Some(node)
}

/// `!!int` for `tag:yaml.org,2002:int`; a local tag as written; `None` for
/// a verbatim tag the printer would not write back the same way.
fn short_tag(handle: &str, suffix: &str) -> Option<String> {
    let full = format!("{handle}{suffix}");
    if let Some(short) = full.strip_prefix("tag:yaml.org,2002:") {
        return Some(format!("!!{short}"));
    }
    match full.starts_with('!') && full.len() > 1 {
        true => Some(full),
        false => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_tags_as_go_yaml_v3() {
        for (text, tag) in [
            ("", "!!null"),
            ("~", "!!null"),
            ("yes", "!!str"),
            ("on", "!!str"),
            ("True", "!!bool"),
            ("0x1F", "!!int"),
            ("0o17", "!!int"),
            ("017", "!!int"),
            ("1_000", "!!int"),
            ("-9223372036854775808", "!!int"),
            ("18446744073709551615", "!!int"),
            ("1e3", "!!float"),
            (".5", "!!float"),
            (".inf", "!!float"),
            ("2001-12-14", "!!timestamp"),
            ("1.2.3", "!!str"),
            ("mirror/app:9", "!!str"),
        ] {
            assert_eq!(resolved_tag(text), tag, "{text}");
        }
    }

    #[test]
    fn keeps_styles_and_written_tags() {
        let node = parse("a: \"x\"\nb: 'y'\nc: !!int 5\nd: {e: [1, 2]}\nf: |\n  z\n").unwrap();
        let Kind::Mapping(entries) = &node.kind else {
            panic!("not a mapping")
        };
        let styles: Vec<_> = entries.iter().map(|(_, v)| (v.style, v.flow)).collect();
        assert_eq!(
            styles,
            [
                (Style::Double, false),
                (Style::Single, false),
                (Style::Plain, false),
                (Style::Plain, true),
                (Style::Literal, false),
            ]
        );
        assert!(entries[2].1.tagged);
        assert_eq!(entries[2].1.tag, "!!int");
    }

    #[test]
    fn declines_what_it_cannot_carry() {
        assert_eq!(parse("a: [1, # inside\n  2]\n"), None);
        assert_eq!(parse("a: 1\n---\nb: 2\n"), parse("a: 1\n"));
        let quoted = parse("a: 'it''s # not a comment'\nb: \"\\\" #\"\nc: x#y\n").unwrap();
        assert_eq!(
            quoted.get("a").and_then(Node::text),
            Some("it's # not a comment")
        );
        assert_eq!(quoted.get("a").unwrap().line_comment, None);
    }
}

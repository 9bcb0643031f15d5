//! YAML text as go-yaml v3 nodes, for text that kustomize decodes into a
//! `yaml.Node`, edits and encodes again rather than printing through JSON:
//! from v5.8, a replacement into YAML held in a string field
//! (`data.app\.yaml.server.host`). Such text comes back out with each
//! scalar's quoting, block style and tag, and each collection's flow or
//! block style, as written; [`super::node_emit`] prints it as kyaml does.
//!
//! A node keeps what go-yaml's decoder keeps: the scalar's text, its style,
//! its tag (the one written, else the one its text resolves to), whether the
//! tag was written. Text this model cannot carry through (anchors, aliases,
//! comments) is declined with `None`, and the caller
//! keeps its resolved-value path.

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
        scalars: Vec::new(),
    };
    let mut root = None;
    loop {
        let (event, span) = reader.next()?;
        match event {
            Event::StreamStart | Event::DocumentStart(_) => {}
            Event::DocumentEnd if root.is_some() => break,
            Event::DocumentEnd => {}
            Event::StreamEnd => break,
            event if root.is_none() => root = Some(reader.node(event, span, 0)?),
            _ => return None,
        }
    }
    // go-yaml's `Unmarshal` reads the first document; the rest is dropped
    // when the text is written back.
    match has_comment(&reader.chars, &reader.scalars) {
        true => None,
        false => root,
    }
}

/// Whether a `#` outside every scalar starts a comment: at a line's start
/// (after blanks) or after a blank.
fn has_comment(chars: &[char], scalars: &[(usize, usize)]) -> bool {
    let mut inside = scalars.iter().peekable();
    chars.iter().enumerate().any(|(i, &c)| {
        while inside.peek().is_some_and(|(_, end)| *end <= i) {
            inside.next();
        }
        let in_scalar = inside.peek().is_some_and(|(start, _)| *start <= i);
        let after_blank = i == 0 || matches!(chars[i - 1], ' ' | '\t' | '\n' | '\r');
        c == '#' && after_blank && !in_scalar
    })
}

/// Nesting go-yaml's decoder allows before it refuses.
const MAX_DEPTH: usize = 10_000;

struct Reader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    text: &'a str,
    chars: Vec<char>,
    /// Where each scalar lies, in characters, in order.
    scalars: Vec<(usize, usize)>,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<(Event<'a>, Span)> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Some(pair),
            _ => None,
        }
    }

    /// Whether the collection starting at `span` is written in flow style.
    fn starts_flow(&self, span: Span) -> bool {
        matches!(self.chars.get(span.start.index()), Some('[' | '{'))
    }

    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return None;
                }
                self.scalars.push((span.start.index(), span.end.index()));
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::Single,
                    ScalarStyle::DoubleQuoted => Style::Double,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let text = self.block_text(text.into_owned(), style, span);
                let mut node = Node::scalar(&text, style);
                if let Some(tag) = tag {
                    node.tag = short_tag(&tag.handle, &tag.suffix)?;
                    node.tagged = true;
                }
                Some(node)
            }
            Event::MappingStart(anchor, tag) => {
                if anchor != 0 {
                    return None;
                }
                let flow = self.starts_flow(span);
                let mut entries = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(event, span, depth + 1)?;
                    let (event, span) = self.next()?;
                    let value = self.node(event, span, depth + 1)?;
                    entries.push((key, value));
                }
                let mut node = Node::mapping(entries);
                node.flow = flow;
                self.tag(&mut node, tag)?;
                Some(node)
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor != 0 {
                    return None;
                }
                let flow = self.starts_flow(span);
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span, depth + 1)?);
                }
                let mut node = Node::sequence(items);
                node.flow = flow;
                self.tag(&mut node, tag)?;
                Some(node)
            }
            _ => None,
        }
    }

    fn tag(
        &self,
        node: &mut Node,
        tag: Option<std::borrow::Cow<'a, saphyr_parser::Tag>>,
    ) -> Option<()> {
        if let Some(tag) = tag {
            node.tag = short_tag(&tag.handle, &tag.suffix)?;
            node.tagged = true;
        }
        Some(())
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
        assert_eq!(parse("a: 1 # note\n"), None);
        assert_eq!(parse("# head\na: 1\n"), None);
        assert_eq!(parse("a: &x 1\nb: *x\n"), None);
        assert_eq!(parse("a: 1\n---\nb: 2\n"), parse("a: 1\n"));
        assert!(parse("a: 'it''s # not a comment'\nb: \"\\\" #\"\nc: x#y\n").is_some());
        assert_eq!(parse("a: |\n  x\n# after\n"), None);
    }
}
